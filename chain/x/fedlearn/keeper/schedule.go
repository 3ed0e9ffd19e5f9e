package keeper

import (
	"context"
	"errors"
	"fmt"
	"math"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// failedStepRetryBlocks is how long a task whose step failed waits before it is tried again, so a broken
// task cannot take the place of the others in every block.
const failedStepRetryBlocks = 10

// EndBlocker runs the steps that are due: at most max_task_steps_per_block of them, oldest first; the
// rest stay due and run in the next blocks. Idle and ended tasks cost nothing until their next height.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	height := sdkCtx.BlockHeight()
	due, err := k.dueTasks(ctx, height, int(params.MaxTaskStepsPerBlock))
	if err != nil {
		return err
	}
	for _, id := range due {
		// One task's failure must not halt the chain: each step runs in its own cached context; a failed
		// step (an error or a panic) is discarded, logged, reported as an event and retried later.
		taskCtx, write := sdkCtx.CacheContext()
		if err := k.safeStep(taskCtx, id, params); err != nil {
			sdkCtx.Logger().Error("fedlearn: task step failed; retrying later", "task", id, "err", err)
			sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeTaskStepFailed,
				sdk.NewAttribute(types.AttributeKeyTaskID, fmt.Sprint(id)),
				sdk.NewAttribute(types.AttributeKeyError, err.Error())))
			if err := k.schedule(ctx, id, height+failedStepRetryBlocks); err != nil {
				return err
			}
			continue
		}
		write()
	}
	return nil
}

// dueTasks lists up to limit tasks whose step is due at or before height, oldest first.
func (k Keeper) dueTasks(ctx context.Context, height int64, limit int) ([]uint64, error) {
	var due []uint64
	rng := new(collections.Range[collections.Pair[int64, uint64]]).
		EndInclusive(collections.Join(height, uint64(math.MaxUint64)))
	err := k.Due.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key.K2())
		return len(due) >= limit, nil
	})
	return due, err
}

// safeStep runs one task's step and turns a panic into an error, so it fails that task only.
func (k Keeper) safeStep(ctx context.Context, id uint64, params types.Params) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in task %d step: %v", id, r)
		}
	}()
	return k.step(ctx, id, params)
}

// step does what a task's status and round call for, then schedules its next step.
func (k Keeper) step(ctx context.Context, id uint64, params types.Params) error {
	task, err := k.Tasks.Get(ctx, id)
	if err != nil {
		return err
	}
	switch task.Status {
	case types.TASK_STATUS_PENDING:
		return k.stepPending(ctx, &task, params)
	case types.TASK_STATUS_ACTIVE:
		return k.advanceTask(ctx, &task, params)
	default:
		// COMPLETED or EXPIRED, retention over.
		return k.prune(ctx, &task)
	}
}

// schedule sets the height of a task's next step, replacing any earlier one.
func (k Keeper) schedule(ctx context.Context, id uint64, height int64) error {
	if err := k.unschedule(ctx, id); err != nil {
		return err
	}
	if err := k.WakeAt.Set(ctx, id, height); err != nil {
		return err
	}
	return k.Due.Set(ctx, collections.Join(height, id))
}

// wake makes a task's step due in this block's EndBlocker (a message may have completed its phase).
func (k Keeper) wake(ctx context.Context, id uint64) error {
	return k.schedule(ctx, id, sdk.UnwrapSDKContext(ctx).BlockHeight())
}

// unschedule removes a task's next step, if any.
func (k Keeper) unschedule(ctx context.Context, id uint64) error {
	height, err := k.WakeAt.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := k.Due.Remove(ctx, collections.Join(height, id)); err != nil {
		return err
	}
	return k.WakeAt.Remove(ctx, id)
}
