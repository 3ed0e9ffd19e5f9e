package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// InitGenesis loads the module's whole state.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	// The sequence holds the next id to hand out; Next() returns it and then increments.
	if err := k.TaskSeq.Set(ctx, gs.NextTaskId); err != nil {
		return err
	}
	params := gs.Params
	escrow := sdk.NewCoins()
	for _, task := range gs.Tasks {
		if err := k.Tasks.Set(ctx, task.Id, task); err != nil {
			return err
		}
		escrow = escrow.Add(task.Escrow).Add(task.Deposit)
		switch task.Status {
		case types.TASK_STATUS_PENDING, types.TASK_STATUS_ACTIVE:
			// The first EndBlocker looks at every running task once; each then schedules its next step.
			if err := k.addActive(ctx, task.Creator, 1); err != nil {
				return err
			}
			if err := k.schedule(ctx, task.Id, 0); err != nil {
				return err
			}
		default:
			if err := k.schedule(ctx, task.Id, task.EndedHeight+int64(params.ModelRetentionBlocks)); err != nil {
				return err
			}
		}
	}
	// Bank's genesis is loaded first: the module account must hold every task's escrow and deposit.
	if held := k.bank.GetAllBalances(ctx, authtypes.NewModuleAddress(types.ModuleName)); !held.IsAllGTE(escrow) {
		return fmt.Errorf("fedlearn module account holds %s, tasks escrow %s", held, escrow)
	}
	for _, o := range gs.OptIns {
		if err := k.OptIns.Set(ctx, collections.Join(o.TaskId, o.Validator)); err != nil {
			return err
		}
	}
	for _, model := range gs.GlobalModels {
		if err := k.GlobalModels.Set(ctx, model.TaskId, model); err != nil {
			return err
		}
	}
	for _, round := range gs.Rounds {
		if err := k.Rounds.Set(ctx, collections.Join(round.TaskId, round.Round), round); err != nil {
			return err
		}
	}
	for _, update := range gs.Updates {
		key := collections.Join(update.TaskId, update.Round)
		if err := k.Updates.Set(ctx, collections.Join(key, update.Info.Sha256), update); err != nil {
			return err
		}
	}
	for _, sealed := range gs.UpdateCommitments {
		participant, _, err := k.canonicalAddress(sealed.Participant)
		if err != nil {
			return err
		}
		if err := k.UpdateCommitments.Set(ctx, collections.Join(collections.Join(sealed.TaskId, sealed.Round), participant), sealed); err != nil {
			return err
		}
	}
	for _, c := range gs.Commitments {
		if err := k.Commitments.Set(ctx, collections.Join(collections.Join(c.TaskId, c.Round), c.Validator), c.Value); err != nil {
			return err
		}
	}
	for _, r := range gs.Reveals {
		if err := k.Reveals.Set(ctx, collections.Join(collections.Join(r.TaskId, r.Round), r.Reveal.Validator), r.Reveal); err != nil {
			return err
		}
	}
	for _, a := range gs.Aggregates {
		if err := k.Aggregates.Set(ctx, collections.Join(a.TaskId, a.Round), a); err != nil {
			return err
		}
	}
	for _, a := range gs.Attestations {
		if err := k.Attestations.Set(ctx, collections.Join(collections.Join(a.TaskId, a.Round), a.Validator), a.Value); err != nil {
			return err
		}
	}
	for _, stats := range gs.ValidatorStats {
		if err := k.Stats.Set(ctx, stats.Address, stats); err != nil {
			return err
		}
	}
	return nil
}

// collect walks a whole collection into a slice.
func collect[K, V, T any](ctx context.Context, walk func(context.Context, collections.Ranger[K], func(K, V) (bool, error)) error, conv func(K, V) T) ([]T, error) {
	var out []T
	err := walk(ctx, nil, func(key K, value V) (bool, error) {
		out = append(out, conv(key, value))
		return false, nil
	})
	return out, err
}

type validatorKey = collections.Pair[types.RoundKey, string]

func genesisValue(key validatorKey, value []byte) types.GenesisCommitment {
	return types.GenesisCommitment{TaskId: key.K1().K1(), Round: key.K1().K2(), Validator: key.K2(), Value: value}
}

// ExportGenesis writes the module's whole state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.TaskSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, NextTaskId: next}
	if gs.Tasks, err = collect(ctx, k.Tasks.Walk, func(_ uint64, t types.Task) types.Task { return t }); err != nil {
		return nil, err
	}
	if gs.GlobalModels, err = collect(ctx, k.GlobalModels.Walk, func(_ uint64, m types.GlobalModel) types.GlobalModel { return m }); err != nil {
		return nil, err
	}
	if gs.Rounds, err = collect(ctx, k.Rounds.Walk, func(_ types.RoundKey, r types.Round) types.Round { return r }); err != nil {
		return nil, err
	}
	if gs.Updates, err = collect(ctx, k.Updates.Walk, func(_ collections.Pair[types.RoundKey, []byte], u types.Update) types.Update { return u }); err != nil {
		return nil, err
	}
	if gs.UpdateCommitments, err = collect(ctx, k.UpdateCommitments.Walk, func(_ collections.Pair[types.RoundKey, []byte], c types.UpdateCommitment) types.UpdateCommitment {
		return c
	}); err != nil {
		return nil, err
	}
	if gs.Commitments, err = collect(ctx, k.Commitments.Walk, genesisValue); err != nil {
		return nil, err
	}
	if gs.Reveals, err = collect(ctx, k.Reveals.Walk, func(key validatorKey, r types.Reveal) types.GenesisReveal {
		return types.GenesisReveal{TaskId: key.K1().K1(), Round: key.K1().K2(), Reveal: r}
	}); err != nil {
		return nil, err
	}
	if gs.Aggregates, err = collect(ctx, k.Aggregates.Walk, func(_ types.RoundKey, a types.Aggregate) types.Aggregate { return a }); err != nil {
		return nil, err
	}
	if gs.Attestations, err = collect(ctx, k.Attestations.Walk, genesisValue); err != nil {
		return nil, err
	}
	if gs.ValidatorStats, err = collect(ctx, k.Stats.Walk, func(_ string, s types.ValidatorStats) types.ValidatorStats { return s }); err != nil {
		return nil, err
	}
	optIns := func(ctx context.Context, r collections.Ranger[collections.Pair[uint64, string]], f func(collections.Pair[uint64, string], collections.NoValue) (bool, error)) error {
		return k.OptIns.Walk(ctx, r, func(key collections.Pair[uint64, string]) (bool, error) { return f(key, collections.NoValue{}) })
	}
	if gs.OptIns, err = collect(ctx, optIns, func(key collections.Pair[uint64, string], _ collections.NoValue) types.GenesisOptIn {
		return types.GenesisOptIn{TaskId: key.K1(), Validator: key.K2()}
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
