// Package keeper owns x/fedlearn's state: params, tasks and their global models.
package keeper

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	storetypes "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Keeper of x/fedlearn.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	bank         types.BankKeeper
	staking      types.StakingKeeper
	slashing     types.SlashingKeeper
	// authority may change params (the gov module account by default).
	authority string

	Schema       collections.Schema
	Params       collections.Item[types.Params]
	TaskSeq      collections.Sequence
	Tasks        collections.Map[uint64, types.Task]
	GlobalModels collections.Map[uint64, types.GlobalModel]
	Rounds       collections.Map[types.RoundKey, types.Round]
	// Per-round data of live rounds, removed when the round ends.
	Updates collections.Map[collections.Pair[types.RoundKey, []byte], types.Update]
	// UpdateCommitments holds each participant's sealed update of a round, by address bytes (one per
	// account, however spelled), with the update's info once revealed. Its own key per participant keeps
	// a commit's and a reveal's gas flat in the number of updates.
	UpdateCommitments collections.Map[collections.Pair[types.RoundKey, []byte], types.UpdateCommitment]
	Commitments       collections.Map[collections.Pair[types.RoundKey, string], []byte]
	Reveals           collections.Map[collections.Pair[types.RoundKey, string], types.Reveal]
	Aggregates        collections.Map[types.RoundKey, types.Aggregate]
	Attestations      collections.Map[collections.Pair[types.RoundKey, string], []byte]
	Stats             collections.Map[string, types.ValidatorStats]
	// Due orders the tasks that need an EndBlocker step by the height of that step: (height, task id).
	// The EndBlocker reads only the entries due, so its cost does not grow with idle or ended tasks.
	Due collections.KeySet[collections.Pair[int64, uint64]]
	// WakeAt is each scheduled task's one entry in Due.
	WakeAt collections.Map[uint64, int64]
	// OptIns holds the validators (operator account address) that serve a task.
	OptIns collections.KeySet[collections.Pair[uint64, string]]
	// ActiveCount counts the pending and active tasks per creator, and over the chain under "".
	ActiveCount collections.Map[string, uint64]
}

// NewKeeper builds the keeper; it panics on an invalid authority, which is a wiring bug.
func NewKeeper(
	cdc codec.BinaryCodec, storeService storetypes.KVStoreService, addressCodec address.Codec,
	bank types.BankKeeper, staking types.StakingKeeper, slashing types.SlashingKeeper, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid fedlearn authority %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		bank:         bank,
		staking:      staking,
		slashing:     slashing,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		TaskSeq:      collections.NewSequence(sb, types.TaskSeqKey, "task_seq"),
		Tasks:        collections.NewMap(sb, types.TasksKey, "tasks", collections.Uint64Key, codec.CollValue[types.Task](cdc)),
		GlobalModels: collections.NewMap(sb, types.GlobalModelsKey, "global_models", collections.Uint64Key, codec.CollValue[types.GlobalModel](cdc)),
		Rounds:       collections.NewMap(sb, types.RoundsKey, "rounds", types.RoundKeyCodec, codec.CollValue[types.Round](cdc)),
		Updates: collections.NewMap(sb, types.UpdatesKey, "updates",
			collections.PairKeyCodec(types.RoundKeyCodec, collections.BytesKey), codec.CollValue[types.Update](cdc)),
		UpdateCommitments: collections.NewMap(sb, types.UpdateCommitmentsKey, "update_commitments",
			collections.PairKeyCodec(types.RoundKeyCodec, collections.BytesKey), codec.CollValue[types.UpdateCommitment](cdc)),
		Commitments: collections.NewMap(sb, types.CommitmentsKey, "commitments",
			collections.PairKeyCodec(types.RoundKeyCodec, collections.StringKey), collections.BytesValue),
		Reveals: collections.NewMap(sb, types.RevealsKey, "reveals",
			collections.PairKeyCodec(types.RoundKeyCodec, collections.StringKey), codec.CollValue[types.Reveal](cdc)),
		Aggregates: collections.NewMap(sb, types.AggregatesKey, "aggregates", types.RoundKeyCodec, codec.CollValue[types.Aggregate](cdc)),
		Attestations: collections.NewMap(sb, types.AttestationsKey, "attestations",
			collections.PairKeyCodec(types.RoundKeyCodec, collections.StringKey), collections.BytesValue),
		Stats: collections.NewMap(sb, types.StatsKey, "stats", collections.StringKey, codec.CollValue[types.ValidatorStats](cdc)),
		Due: collections.NewKeySet(sb, types.DueKey, "due",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		WakeAt: collections.NewMap(sb, types.WakeAtKey, "wake_at", collections.Uint64Key, collections.Int64Value),
		OptIns: collections.NewKeySet(sb, types.OptInsKey, "opt_ins",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey)),
		ActiveCount: collections.NewMap(sb, types.ActiveCountKey, "active_count", collections.StringKey, collections.Uint64Value),
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

// canonicalAddress parses an account address where it enters and returns its bytes and its one
// canonical spelling, which every store key and comparison uses.
func (k Keeper) canonicalAddress(s string) ([]byte, string, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, "", errorsmod.Wrapf(types.ErrInvalidAddress, "%q: %v", s, err)
	}
	canonical, err := k.addressCodec.BytesToString(bz)
	return bz, canonical, err
}

func secondsDuration(seconds uint64) time.Duration { return time.Duration(seconds) * time.Second }
