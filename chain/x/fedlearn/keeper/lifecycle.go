package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// pruneRoundsPerStep bounds how many round records one prune step deletes.
const pruneRoundsPerStep = 100

// reserveActiveSlot counts a new task against max_active_tasks and max_active_tasks_per_creator.
func (k Keeper) reserveActiveSlot(ctx context.Context, creator string, params types.Params) error {
	for _, c := range []struct {
		key   string
		limit uint64
	}{{"", uint64(params.MaxActiveTasks)}, {creator, uint64(params.MaxActiveTasksPerCreator)}} {
		count, err := k.activeCount(ctx, c.key)
		if err != nil {
			return err
		}
		if count >= c.limit {
			who := "the chain"
			if c.key != "" {
				who = c.key
			}
			return errorsmod.Wrapf(types.ErrTooManyTasks, "%s already has %d pending or active tasks, limit %d", who, count, c.limit)
		}
	}
	return k.addActive(ctx, creator, 1)
}

func (k Keeper) activeCount(ctx context.Context, key string) (uint64, error) {
	count, err := k.ActiveCount.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return count, err
}

// addActive moves the chain's and the creator's counts of pending and active tasks by delta (±1).
func (k Keeper) addActive(ctx context.Context, creator string, delta int) error {
	for _, key := range []string{"", creator} {
		count, err := k.activeCount(ctx, key)
		if err != nil {
			return err
		}
		count = uint64(int64(count) + int64(delta))
		if count == 0 {
			err = k.ActiveCount.Remove(ctx, key)
		} else {
			err = k.ActiveCount.Set(ctx, key, count)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stepPending starts a pending task opt_in_grace_blocks after validators holding min_opt_in_power_bps of the
// bonded power have opted in, so that round 1's committee is drawn from every validator whose opt-in lands
// in that window, not only from the first ones; or it expires the task after max_idle_blocks without a
// quorum. One commented branch per outcome.
func (k Keeper) stepPending(ctx context.Context, task *types.Task, params types.Params) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	candidates, total, err := k.candidates(ctx, task.Id)
	if err != nil {
		return err
	}
	var opted uint64
	for _, c := range candidates {
		opted += c.Power
	}
	// Both sides below 2^64: power is bounded by the bonded supply over the power reduction.
	quorum := total > 0 && opted*10_000 >= total*uint64(params.MinOptInPowerBps) && len(candidates) > 0
	grace := int64(params.OptInGraceBlocks)
	switch {
	case quorum && task.QuorumHeight == 0:
		// The quorum is reached now: the grace starts (with no grace, the task starts in the next branch).
		task.QuorumHeight = height
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventTaskQuorumReached{
			TaskId: task.Id, OptedInPowerBps: uint32(opted * 10_000 / total), ActivationHeight: height + grace,
		}); err != nil {
			return err
		}
		if grace > 0 {
			if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
				return err
			}
			return k.schedule(ctx, task.Id, height+grace)
		}
		fallthrough
	case quorum && height >= task.QuorumHeight+grace:
		// The grace is over and the quorum still holds: the task starts with every validator opted in by now.
		task.Status = types.TASK_STATUS_ACTIVE
		if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
			return err
		}
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventTaskActivated{
			TaskId: task.Id, OptedInPowerBps: uint32(opted * 10_000 / total),
		}); err != nil {
			return err
		}
		return k.startRound(ctx, task, params)
	case quorum:
		// Within the grace (an opt-in woke the task): it starts when the grace ends.
		return k.schedule(ctx, task.Id, task.QuorumHeight+grace)
	case task.QuorumHeight != 0:
		// The quorum was lost within the grace (validators jailed or unbonded): wait for a new one.
		task.QuorumHeight = 0
		if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
			return err
		}
	}
	if height-task.CreatedHeight >= int64(params.MaxIdleBlocks) {
		// Nobody served the task: its creator loses the deposit for the slot it held.
		return k.endTask(ctx, task, params, types.TASK_STATUS_EXPIRED, "too few validators opted in", true)
	}
	// Opt-ins wake the task; otherwise look again when it would expire.
	return k.schedule(ctx, task.Id, task.CreatedHeight+int64(params.MaxIdleBlocks))
}

// endTask retires a task (COMPLETED after its last round, or EXPIRED), refunds the unspent escrow and the
// task deposit to its creator — or burns the deposit when burnDeposit says the task expired for want of
// opt-ins or updates —, frees its active slot and schedules the pruning of its model and rounds.
func (k Keeper) endTask(ctx context.Context, task *types.Task, params types.Params, status types.TaskStatus, reason string, burnDeposit bool) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	burnt := sdk.NewCoin(task.Deposit.Denom, sdkmath.ZeroInt())
	refund := sdk.NewCoins(task.Escrow)
	if burnDeposit {
		burnt = task.Deposit
	} else {
		refund = refund.Add(task.Deposit)
	}
	if refund.IsAllPositive() {
		creator, err := k.addressCodec.StringToBytes(task.Creator)
		if err != nil {
			return err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, creator, refund); err != nil {
			return err
		}
	}
	if burnt.IsPositive() {
		if err := k.bank.BurnCoins(ctx, types.ModuleName, sdk.NewCoins(burnt)); err != nil {
			return err
		}
	}
	model, err := k.GlobalModels.Get(ctx, task.Id)
	if err != nil {
		return err
	}
	escrowRefund := task.Escrow
	task.Escrow = sdk.NewCoin(task.Escrow.Denom, sdkmath.ZeroInt())
	task.Deposit = sdk.NewCoin(task.Deposit.Denom, sdkmath.ZeroInt())
	task.Status = status
	task.FinalModelSha256 = model.Sha256
	task.EndedHeight = sdkCtx.BlockHeight()
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	if err := k.addActive(ctx, task.Creator, -1); err != nil {
		return err
	}
	if err := k.schedule(ctx, task.Id, task.EndedHeight+int64(params.ModelRetentionBlocks)); err != nil {
		return err
	}
	if status == types.TASK_STATUS_EXPIRED {
		return sdkCtx.EventManager().EmitTypedEvent(&types.EventTaskExpired{
			TaskId: task.Id, Reason: reason, Refund: escrowRefund, DepositBurnt: burnt,
		})
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventTaskCompleted{
		TaskId: task.Id, RoundsFinalized: task.RoundsFinalized, RoundsFailed: task.RoundsFailed, Refund: escrowRefund,
	})
}

// prune leaves an ended task a small record: its model's bytes, its model spec, its opt-ins and, a batch per
// block, its round records go; the task keeps its counters and final model hash.
func (k Keeper) prune(ctx context.Context, task *types.Task) error {
	if err := k.GlobalModels.Remove(ctx, task.Id); err != nil {
		return err
	}
	if err := k.OptIns.Clear(ctx, collections.NewPrefixedPairRange[uint64, string](task.Id)); err != nil {
		return err
	}
	var batch []types.RoundKey
	err := k.Rounds.Walk(ctx, collections.NewPrefixedPairRange[uint64, uint64](task.Id), func(key types.RoundKey, _ types.Round) (bool, error) {
		batch = append(batch, key)
		return len(batch) >= pruneRoundsPerStep, nil
	})
	if err != nil {
		return err
	}
	for _, key := range batch {
		if err := k.Rounds.Remove(ctx, key); err != nil {
			return err
		}
	}
	if len(batch) == pruneRoundsPerStep {
		return k.schedule(ctx, task.Id, sdk.UnwrapSDKContext(ctx).BlockHeight()+1)
	}
	task.ModelSpec = ""
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	return k.unschedule(ctx, task.Id)
}
