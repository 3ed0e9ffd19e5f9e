// Package keeper owns x/fedlearn's state: params, tasks and their global models.
package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Keeper of x/fedlearn.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	bank         types.BankKeeper
	// authority may change params (the gov module account by default).
	authority string

	Schema       collections.Schema
	Params       collections.Item[types.Params]
	TaskSeq      collections.Sequence
	Tasks        collections.Map[uint64, types.Task]
	GlobalModels collections.Map[uint64, types.GlobalModel]
}

// NewKeeper builds the keeper; it panics on an invalid authority, which is a wiring bug.
func NewKeeper(
	cdc codec.BinaryCodec, storeService storetypes.KVStoreService, addressCodec address.Codec,
	bank types.BankKeeper, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid fedlearn authority %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		bank:         bank,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		TaskSeq:      collections.NewSequence(sb, types.TaskSeqKey, "task_seq"),
		Tasks:        collections.NewMap(sb, types.TasksKey, "tasks", collections.Uint64Key, codec.CollValue[types.Task](cdc)),
		GlobalModels: collections.NewMap(sb, types.GlobalModelsKey, "global_models", collections.Uint64Key, codec.CollValue[types.GlobalModel](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority is the address allowed to update params.
func (k Keeper) Authority() string { return k.authority }

// GetParams returns the current params.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	return k.Params.Get(ctx)
}
