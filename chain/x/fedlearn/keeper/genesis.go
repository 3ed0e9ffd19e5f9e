package keeper

import (
	"context"

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
	for _, task := range gs.Tasks {
		if err := k.Tasks.Set(ctx, task.Id, task); err != nil {
			return err
		}
	}
	for _, model := range gs.GlobalModels {
		if err := k.GlobalModels.Set(ctx, model.TaskId, model); err != nil {
			return err
		}
	}
	return nil
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
	err = k.Tasks.Walk(ctx, nil, func(_ uint64, task types.Task) (bool, error) {
		gs.Tasks = append(gs.Tasks, task)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.GlobalModels.Walk(ctx, nil, func(_ uint64, model types.GlobalModel) (bool, error) {
		gs.GlobalModels = append(gs.GlobalModels, model)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return gs, nil
}
