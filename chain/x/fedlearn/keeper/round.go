package keeper

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// EndBlocker drives every active task's current round: it opens rounds, and advances a phase at its
// deadline or as soon as everything the phase waits for has arrived.
func (k Keeper) EndBlocker(ctx context.Context) error {
	var active []uint64
	err := k.ActiveTasks.Walk(ctx, nil, func(id uint64) (bool, error) {
		active = append(active, id)
		return false, nil
	})
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, id := range active {
		// One task's failure must not halt the chain: each task advances in its own cached context; a
		// failed step is discarded, logged and reported as an event, and tried again next block.
		taskCtx, write := sdkCtx.CacheContext()
		if err := k.advanceTask(taskCtx, id); err != nil {
			sdkCtx.Logger().Error("fedlearn: task step failed; retrying next block", "task", id, "err", err)
			sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeTaskStepFailed,
				sdk.NewAttribute(types.AttributeKeyTaskID, fmt.Sprint(id)),
				sdk.NewAttribute(types.AttributeKeyError, err.Error())))
			continue
		}
		write()
	}
	return nil
}

// advanceTask moves a task's round by at most one phase; after a round ends, the next EndBlocker opens
// the next round (or completes the task), so rounds never idle.
func (k Keeper) advanceTask(ctx context.Context, taskID uint64) error {
	task, err := k.Tasks.Get(ctx, taskID)
	if err != nil {
		return err
	}
	params, err := k.GetParams(ctx)
	if err != nil {
		return err
	}
	if task.CurrentRound == 0 {
		return k.startRound(ctx, &task, params)
	}
	key := collections.Join(taskID, task.CurrentRound)
	round, err := k.Rounds.Get(ctx, key)
	if err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	due := height >= round.Deadline

	switch round.Phase {
	case types.ROUND_PHASE_SUBMIT:
		full := len(round.Updates) >= updateCap(task, params)
		if !full && !due {
			return nil
		}
		if len(round.Updates) == 0 {
			// Nothing to score: keep the window open rather than burn a round.
			round.Deadline = height + int64(task.Phases.Submit)
			return k.Rounds.Set(ctx, key, round)
		}
		return k.enterPhase(ctx, &round, types.ROUND_PHASE_COMMIT, task.Phases.Commit, !due)
	case types.ROUND_PHASE_COMMIT:
		all := allMembers(round, func(m types.CommitteeMember) bool { return m.Committed })
		if !all && !due {
			return nil
		}
		if err := k.markMissed(ctx, &round, params, func(m types.CommitteeMember) bool { return !m.Committed }, "commit"); err != nil {
			return err
		}
		if !anyMember(round, func(m types.CommitteeMember) bool { return m.Committed }) {
			return k.failRound(ctx, &task, &round, "no committee member committed")
		}
		return k.enterPhase(ctx, &round, types.ROUND_PHASE_REVEAL, task.Phases.Reveal, !due)
	case types.ROUND_PHASE_REVEAL:
		all := allMembers(round, func(m types.CommitteeMember) bool { return !m.Committed || m.Revealed })
		if !all && !due {
			return nil
		}
		if err := k.markMissed(ctx, &round, params, func(m types.CommitteeMember) bool { return m.Committed && !m.Revealed }, "reveal"); err != nil {
			return err
		}
		if !hasQuorum(round, func(m types.CommitteeMember) bool { return m.Revealed }) {
			return k.failRound(ctx, &task, &round, "reveal quorum (2/3 of committee power) not reached")
		}
		if err := k.computeWeights(ctx, task, &round); err != nil {
			return err
		}
		round.MinerAttempt = 0
		if !nextRevealedMiner(&round) {
			return k.failRound(ctx, &task, &round, "no miner revealed")
		}
		return k.enterPhase(ctx, &round, types.ROUND_PHASE_AGGREGATE, task.Phases.Aggregate, !due)
	case types.ROUND_PHASE_AGGREGATE:
		if len(round.AggregateSha256) > 0 {
			return k.enterPhase(ctx, &round, types.ROUND_PHASE_ATTEST, task.Phases.Attest, !due)
		}
		if !due {
			return nil
		}
		return k.replaceMiner(ctx, &task, &round, params, "no aggregate within its window")
	case types.ROUND_PHASE_ATTEST:
		attested, err := k.attestations(ctx, key)
		if err != nil {
			return err
		}
		if hasQuorum(round, func(m types.CommitteeMember) bool {
			return bytes.Equal(attested[m.Address], round.AggregateSha256)
		}) {
			return k.finalizeRound(ctx, &task, &round, params)
		}
		all := allMembers(round, func(m types.CommitteeMember) bool { return attested[m.Address] != nil })
		if !all && !due {
			return nil
		}
		return k.replaceMiner(ctx, &task, &round, params, "aggregate missed the attest quorum")
	}
	// FINALIZED or FAILED: the task's next round, or the end of the task.
	if task.CurrentRound >= task.NumRounds {
		return k.completeTask(ctx, &task)
	}
	return k.startRound(ctx, &task, params)
}

func updateCap(task types.Task, params types.Params) int {
	if task.MaxUpdatesPerRound > 0 {
		return int(task.MaxUpdatesPerRound)
	}
	return int(params.MaxUpdatesPerRound)
}

func allMembers(round types.Round, pred func(types.CommitteeMember) bool) bool {
	return !slices.ContainsFunc(round.Committee, func(m types.CommitteeMember) bool { return !pred(m) })
}

func anyMember(round types.Round, pred func(types.CommitteeMember) bool) bool {
	return slices.ContainsFunc(round.Committee, pred)
}

// hasQuorum says whether the members satisfying pred hold at least 2/3 of the committee's power.
func hasQuorum(round types.Round, pred func(types.CommitteeMember) bool) bool {
	var total, yes uint64
	for _, m := range round.Committee {
		total += m.Power
		if pred(m) {
			yes += m.Power
		}
	}
	return total > 0 && 3*yes >= 2*total
}

// nextRevealedMiner moves miner_attempt to the first member, from the current one on, that revealed
// (a member that did not reveal is likely offline); false when none is left.
func nextRevealedMiner(round *types.Round) bool {
	for i := int(round.MinerAttempt); i < len(round.Committee); i++ {
		if round.Committee[i].Revealed {
			round.MinerAttempt = uint32(i)
			return true
		}
	}
	return false
}

// beforeDeadline says whether the round's current phase ends before its deadline (EventPhaseAdvanced.early).
func beforeDeadline(ctx context.Context, round types.Round) bool {
	return sdk.UnwrapSDKContext(ctx).BlockHeight() < round.Deadline
}

func (k Keeper) enterPhase(ctx context.Context, round *types.Round, phase types.RoundPhase, blocks uint64, early bool) error {
	from := round.Phase
	round.Phase = phase
	round.Deadline = sdk.UnwrapSDKContext(ctx).BlockHeight() + int64(blocks)
	if err := k.Rounds.Set(ctx, collections.Join(round.TaskId, round.Round), *round); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPhaseAdvanced{
		TaskId: round.TaskId, Round: round.Round, From: from, To: phase, Early: early, Deadline: round.Deadline,
	})
}

// startRound opens the task's next round: draws the committee from the bonded validators with a seed
// from this block's hash, and opens SUBMIT.
func (k Keeper) startRound(ctx context.Context, task *types.Task, params types.Params) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	number := task.CurrentRound + 1
	validators, err := k.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return err
	}
	reduction := k.staking.PowerReduction(ctx)
	candidates := make([]consensus.Candidate, 0, len(validators))
	powers := make(map[string]uint64, len(validators))
	for _, v := range validators {
		if v.IsJailed() {
			continue
		}
		operator, err := sdk.ValAddressFromBech32(v.GetOperator())
		if err != nil {
			return err
		}
		account, err := k.addressCodec.BytesToString(operator)
		if err != nil {
			return err
		}
		power := v.ConsensusPower(reduction)
		if power <= 0 {
			continue
		}
		candidates = append(candidates, consensus.Candidate{Operator: account, Power: uint64(power)})
		powers[account] = uint64(power)
	}
	if len(candidates) == 0 {
		return nil // no bonded validator: try again next block
	}
	seed := consensus.RoundSeed(sdkCtx.HeaderHash(), task.Id, number)
	drawn, err := consensus.DrawCommittee(seed, candidates, int(task.CommitteeSize))
	if err != nil {
		return err
	}
	model, err := k.GlobalModels.Get(ctx, task.Id)
	if err != nil {
		return err
	}
	round := types.Round{
		TaskId: task.Id, Round: number, Phase: types.ROUND_PHASE_SUBMIT, StartHeight: sdkCtx.BlockHeight(),
		Deadline: sdkCtx.BlockHeight() + int64(task.Phases.Submit), Seed: seed[:], BaseModelSha256: model.Sha256,
	}
	for _, address := range drawn {
		round.Committee = append(round.Committee, types.CommitteeMember{Address: address, Power: powers[address]})
		if err := k.updateStats(ctx, address, func(s *types.ValidatorStats) {
			if s.WindowServed >= params.LivenessWindow {
				s.WindowServed, s.WindowMissed = 0, 0
			}
			s.RoundsServed++
			s.WindowServed++
		}); err != nil {
			return err
		}
	}
	task.CurrentRound = number
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	if err := k.Rounds.Set(ctx, collections.Join(task.Id, number), round); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventRoundStarted{
		TaskId: task.Id, Round: number, Committee: drawn, Seed: seed[:], Deadline: round.Deadline,
	})
}

// computeWeights takes the stake-weighted median of the revealed losses per update and the chain's
// fixed-point softmax of them; the miner's weights are checked against these.
func (k Keeper) computeWeights(ctx context.Context, task types.Task, round *types.Round) error {
	key := collections.Join(round.TaskId, round.Round)
	var reveals [][]uint64
	var stakes []uint64
	for _, m := range round.Committee {
		if !m.Revealed {
			continue
		}
		reveal, err := k.Reveals.Get(ctx, collections.Join(key, m.Address))
		if err != nil {
			return err
		}
		reveals = append(reveals, reveal.Losses)
		stakes = append(stakes, m.Power)
	}
	losses, err := consensus.ConsensusLosses(reveals, stakes)
	if err != nil {
		return err
	}
	rule, err := task.Rule.TemperatureRule()
	if err != nil {
		return err
	}
	tau, err := rule.Temperature(losses)
	if err != nil {
		return err
	}
	weights, err := consensus.SoftmaxWeights(losses, rule)
	if err != nil {
		return err
	}
	round.ConsensusLosses, round.Temperature, round.Weights = losses, tau, weights
	return nil
}

// attestations maps each attesting committee member to the hash it attested.
func (k Keeper) attestations(ctx context.Context, key types.RoundKey) (map[string][]byte, error) {
	attested := map[string][]byte{}
	rng := collections.NewPrefixedPairRange[types.RoundKey, string](key)
	err := k.Attestations.Walk(ctx, rng, func(k collections.Pair[types.RoundKey, string], hash []byte) (bool, error) {
		attested[k.K2()] = hash
		return false, nil
	})
	return attested, err
}

// replaceMiner penalises the current miner and gives the next miner in the queue an AGGREGATE window,
// or fails the round when the attempts are used up.
func (k Keeper) replaceMiner(ctx context.Context, task *types.Task, round *types.Round, params types.Params, reason string) error {
	miner := round.Committee[round.MinerAttempt].Address
	if err := k.updateStats(ctx, miner, func(s *types.ValidatorStats) { s.MinerFailures++ }); err != nil {
		return err
	}
	if err := k.penalize(ctx, *round, miner, "miner: "+reason, params.MinerSlashFraction, params); err != nil {
		return err
	}
	key := collections.Join(round.TaskId, round.Round)
	if err := k.clearAttempt(ctx, key); err != nil {
		return err
	}
	round.AggregateSha256 = nil
	attemptsUsed := 1
	for i := 0; i < int(round.MinerAttempt); i++ {
		if round.Committee[i].Revealed {
			attemptsUsed++
		}
	}
	round.MinerAttempt++
	if attemptsUsed >= int(params.MaxMinerAttempts) || !nextRevealedMiner(round) {
		return k.failRound(ctx, task, round, fmt.Sprintf("no aggregate reached quorum after %d miner(s); last: %s", attemptsUsed, reason))
	}
	return k.enterPhase(ctx, round, types.ROUND_PHASE_AGGREGATE, task.Phases.Aggregate, beforeDeadline(ctx, *round))
}

// clearAttempt removes the current miner's aggregate and the attestations of it.
func (k Keeper) clearAttempt(ctx context.Context, key types.RoundKey) error {
	if err := k.Aggregates.Remove(ctx, key); err != nil {
		return err
	}
	return k.Attestations.Clear(ctx, collections.NewPrefixedPairRange[types.RoundKey, string](key))
}

// finalizeRound makes the miner's aggregate the task's global model, pays the round's rewards and drops
// the round's payloads.
func (k Keeper) finalizeRound(ctx context.Context, task *types.Task, round *types.Round, params types.Params) error {
	key := collections.Join(round.TaskId, round.Round)
	aggregate, err := k.Aggregates.Get(ctx, key)
	if err != nil {
		return err
	}
	model := types.GlobalModel{TaskId: task.Id, Round: round.Round, Sha256: aggregate.Sha256, Payload: aggregate.Payload}
	if err := k.GlobalModels.Set(ctx, task.Id, model); err != nil {
		return err
	}
	if err := k.payRewards(ctx, task, *round, aggregate.Miner, params); err != nil {
		return err
	}
	if err := k.updateStats(ctx, aggregate.Miner, func(s *types.ValidatorStats) { s.AggregatesFinalized++ }); err != nil {
		return err
	}
	round.FinalizedSha256 = aggregate.Sha256
	task.RoundsFinalized++
	if err := k.endRound(ctx, task, round, types.ROUND_PHASE_FINALIZED); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRoundFinalized{
		TaskId: task.Id, Round: round.Round, Sha256: aggregate.Sha256, Miner: aggregate.Miner,
	})
}

// failRound ends the round with the global model unchanged.
func (k Keeper) failRound(ctx context.Context, task *types.Task, round *types.Round, reason string) error {
	round.FailureReason = reason
	task.RoundsFailed++
	if err := k.endRound(ctx, task, round, types.ROUND_PHASE_FAILED); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRoundFailed{
		TaskId: task.Id, Round: round.Round, Reason: reason,
	})
}

// endRound records the round's end and removes every per-round record but the round itself, so state
// stays flat as rounds go by.
func (k Keeper) endRound(ctx context.Context, task *types.Task, round *types.Round, phase types.RoundPhase) error {
	key := collections.Join(round.TaskId, round.Round)
	if err := k.Updates.Clear(ctx, collections.NewPrefixedPairRange[types.RoundKey, []byte](key)); err != nil {
		return err
	}
	for _, m := range []interface {
		Clear(context.Context, collections.Ranger[collections.Pair[types.RoundKey, string]]) error
	}{k.Participants, k.Commitments, k.Reveals} {
		if err := m.Clear(ctx, collections.NewPrefixedPairRange[types.RoundKey, string](key)); err != nil {
			return err
		}
	}
	if err := k.clearAttempt(ctx, key); err != nil {
		return err
	}
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	round.EndHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.enterPhase(ctx, round, phase, 0, beforeDeadline(ctx, *round))
}

// completeTask retires a task after its last round and refunds the unspent escrow to its creator.
func (k Keeper) completeTask(ctx context.Context, task *types.Task) error {
	refund := task.Escrow
	if refund.IsPositive() {
		creator, err := k.addressCodec.StringToBytes(task.Creator)
		if err != nil {
			return err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, creator, sdk.NewCoins(refund)); err != nil {
			return err
		}
	}
	task.Escrow = sdk.NewCoin(task.Escrow.Denom, sdkmath.ZeroInt())
	task.Status = types.TASK_STATUS_COMPLETED
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	if err := k.ActiveTasks.Remove(ctx, task.Id); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTaskCompleted{
		TaskId: task.Id, RoundsFinalized: task.RoundsFinalized, RoundsFailed: task.RoundsFailed, Refund: refund,
	})
}
