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

// advanceTask moves an active task's round by at most one phase and schedules its next step: the current
// phase's deadline, or the next block once a round has ended (it opens the next round or ends the task).
func (k Keeper) advanceTask(ctx context.Context, task *types.Task, params types.Params) error {
	if task.CurrentRound == 0 {
		return k.startRound(ctx, task, params)
	}
	key := collections.Join(task.Id, task.CurrentRound)
	round, err := k.Rounds.Get(ctx, key)
	if err != nil {
		return err
	}
	if round.Phase == types.ROUND_PHASE_FINALIZED || round.Phase == types.ROUND_PHASE_FAILED {
		if task.CurrentRound >= task.NumRounds {
			return k.endTask(ctx, task, params, types.TASK_STATUS_COMPLETED, "", false)
		}
		return k.startRound(ctx, task, params)
	}
	if err := k.advanceRound(ctx, task, &round, params); err != nil {
		return err
	}
	next := round.Deadline
	if round.Phase == types.ROUND_PHASE_FINALIZED || round.Phase == types.ROUND_PHASE_FAILED {
		next = sdk.UnwrapSDKContext(ctx).BlockHeight() + 1
	}
	if task.Status != types.TASK_STATUS_ACTIVE {
		return nil // the task ended and scheduled its pruning
	}
	return k.schedule(ctx, task.Id, next)
}

// advanceRound moves a live round by at most one phase: at its deadline, or as soon as what the phase waits
// for has arrived. One commented branch per outcome.
func (k Keeper) advanceRound(ctx context.Context, task *types.Task, round *types.Round, params types.Params) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	height := sdkCtx.BlockHeight()
	due := height >= round.Deadline
	unbonding, err := k.staking.UnbondingTime(ctx)
	if err != nil {
		return err
	}
	// A round may not outlast half the unbonding time: its slashes use its start height as infraction
	// height, and must still reach stake that began unbonding after it started.
	if sdkCtx.BlockTime().Unix()-round.StartTimeUnix >= int64(unbonding.Seconds())/2 {
		return k.failRound(ctx, task, round, "round outlasted half the unbonding time")
	}

	switch round.Phase {
	case types.ROUND_PHASE_SUBMIT:
		// An open task's SUBMIT runs to its deadline (no first-come cap can close it or shut anyone out);
		// an allowlisted task's ends as soon as every allowed participant committed.
		if !allSubmitted(*task, *round) && !due {
			return nil
		}
		if round.UpdatesCommitted == 0 {
			// Nothing to score after max_idle_blocks: the task expires and refunds its escrow.
			if height-round.StartHeight >= int64(params.MaxIdleBlocks) {
				if err := k.failRound(ctx, task, round, "no update within max_idle_blocks"); err != nil {
					return err
				}
				// Nobody took part: the creator loses the deposit for the slot the task held.
				return k.endTask(ctx, task, params, types.TASK_STATUS_EXPIRED, "no update within max_idle_blocks", true)
			}
			// Nothing to score yet: keep the window open rather than burn a round.
			round.Deadline = height + int64(task.Phases.Submit)
			return k.Rounds.Set(ctx, collections.Join(round.TaskId, round.Round), *round)
		}
		if err := k.drawCommitments(ctx, *task, round, params); err != nil {
			return err
		}
		return k.enterPhase(ctx, round, types.ROUND_PHASE_UPDATE_REVEAL, task.Phases.UpdateReveal, !due)
	case types.ROUND_PHASE_UPDATE_REVEAL:
		// Ends as soon as every kept commitment is revealed; the unrevealed ones are dropped at the deadline
		// (no weight, no reward; their fees stay in the escrow).
		if round.UpdatesRevealed < round.UpdatesCommitted && !due {
			return nil
		}
		updates, err := k.revealedUpdates(ctx, collections.Join(round.TaskId, round.Round))
		if err != nil {
			return err
		}
		if len(updates) == 0 {
			return k.failRound(ctx, task, round, "no committed update was revealed")
		}
		round.Updates = updates
		return k.enterPhase(ctx, round, types.ROUND_PHASE_COMMIT, task.Phases.Commit, !due)
	case types.ROUND_PHASE_COMMIT:
		all := allMembers(*round, func(m types.CommitteeMember) bool { return m.Committed })
		if !all && !due {
			return nil
		}
		// Only a phase that ran to its deadline marks anyone: an early end means everyone committed.
		if err := k.markMissed(ctx, round, params, func(m types.CommitteeMember) bool { return !m.Committed }, "commit"); err != nil {
			return err
		}
		if !anyMember(*round, func(m types.CommitteeMember) bool { return m.Committed }) {
			return k.failRound(ctx, task, round, "no committee member committed")
		}
		return k.enterPhase(ctx, round, types.ROUND_PHASE_REVEAL, task.Phases.Reveal, !due)
	case types.ROUND_PHASE_REVEAL:
		all := allMembers(*round, func(m types.CommitteeMember) bool { return !m.Committed || m.Revealed })
		if !all && !due {
			return nil
		}
		if err := k.markMissed(ctx, round, params, func(m types.CommitteeMember) bool { return m.Committed && !m.Revealed }, "reveal"); err != nil {
			return err
		}
		if !hasQuorum(*round, func(m types.CommitteeMember) bool { return m.Revealed }) {
			return k.failRound(ctx, task, round, "reveal quorum (2/3 of committee power) not reached")
		}
		if err := k.computeWeights(ctx, *task, round); err != nil {
			return err
		}
		if round.Weights == nil {
			return k.failRound(ctx, task, round, "no update's bytes were available to committee members holding half of the revealed power")
		}
		round.MinerAttempt = 0
		if !nextRevealedMiner(round) {
			return k.failRound(ctx, task, round, "no miner revealed")
		}
		return k.enterPhase(ctx, round, types.ROUND_PHASE_AGGREGATE, task.Phases.Aggregate, !due)
	case types.ROUND_PHASE_AGGREGATE:
		if len(round.AggregateSha256) == 0 {
			if !due {
				return nil
			}
			// The miner's own fault: no aggregate within its window.
			return k.replaceMiner(ctx, task, round, params, "no aggregate within its window")
		}
		// Members recompute the aggregate from the weights REVEAL published, so their attestations may land
		// with the miner's aggregate: a quorum either way settles the round here, without an ATTEST block.
		if _, settled, err := k.settleAttestations(ctx, task, round, params); err != nil || settled {
			return err
		}
		return k.enterPhase(ctx, round, types.ROUND_PHASE_ATTEST, task.Phases.Attest, !due)
	case types.ROUND_PHASE_ATTEST:
		attested, settled, err := k.settleAttestations(ctx, task, round, params)
		if err != nil || settled || !due {
			return err
		}
		// The deadline passed without a quorum either way: the absent members are at fault, not the miner.
		if err := k.markMissed(ctx, round, params, func(m types.CommitteeMember) bool { return attested[m.Address] == nil }, "attest"); err != nil {
			return err
		}
		return k.failRound(ctx, task, round, "attest quorum not reached: too few members attested")
	}
	return fmt.Errorf("round %d of task %d is in unexpected phase %s", round.Round, task.Id, round.Phase)
}

// settleAttestations ends the round's attestation once the miner's aggregate is in and a quorum either way
// has attested (settled): 2/3 of the committee's power on the miner's hash finalizes the round; over 1/3 on
// another hash replaces the miner. It returns the attestations it counted (member → hash).
func (k Keeper) settleAttestations(ctx context.Context, task *types.Task, round *types.Round, params types.Params) (map[string][]byte, bool, error) {
	attested, err := k.attestations(ctx, collections.Join(round.TaskId, round.Round))
	if err != nil {
		return nil, false, err
	}
	matches := func(m types.CommitteeMember) bool { return bytes.Equal(attested[m.Address], round.AggregateSha256) }
	// 2/3 of the committee's power recomputed the miner's hash: the round is done.
	if hasQuorum(*round, matches) {
		return attested, true, k.finalizeRound(ctx, task, round, params)
	}
	// Over 1/3 of the power recomputed another hash: with fewer than 1/3 faulty, an honest miner is never
	// contradicted, so the miner is at fault.
	if overThird(*round, func(m types.CommitteeMember) bool { return attested[m.Address] != nil && !matches(m) }) {
		return attested, true, k.replaceMiner(ctx, task, round, params, "aggregate contradicted by over 1/3 of the committee")
	}
	return attested, false, nil
}

func allMembers(round types.Round, pred func(types.CommitteeMember) bool) bool {
	return !slices.ContainsFunc(round.Committee, func(m types.CommitteeMember) bool { return !pred(m) })
}

func anyMember(round types.Round, pred func(types.CommitteeMember) bool) bool {
	return slices.ContainsFunc(round.Committee, pred)
}

// powerOf sums the committee's power and the power of the members satisfying pred; members this round
// jailed count in neither.
func powerOf(round types.Round, pred func(types.CommitteeMember) bool) (yes, total uint64) {
	for _, m := range round.Committee {
		if m.Jailed {
			continue
		}
		total += m.Power
		if pred(m) {
			yes += m.Power
		}
	}
	return yes, total
}

// hasQuorum says whether the members satisfying pred hold at least 2/3 of the committee's power.
func hasQuorum(round types.Round, pred func(types.CommitteeMember) bool) bool {
	yes, total := powerOf(round, pred)
	return total > 0 && 3*yes >= 2*total
}

// overThird says whether the members satisfying pred hold more than 1/3 of the committee's power.
func overThird(round types.Round, pred func(types.CommitteeMember) bool) bool {
	yes, total := powerOf(round, pred)
	return total > 0 && 3*yes > total
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

// candidates lists the validators a task's committee can be drawn from — bonded, unjailed, with power, and
// opted in to the task — by operator account address, with the bonded power of all validators.
func (k Keeper) candidates(ctx context.Context, taskID uint64) ([]consensus.Candidate, uint64, error) {
	validators, err := k.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return nil, 0, err
	}
	reduction := k.staking.PowerReduction(ctx)
	var candidates []consensus.Candidate
	var total uint64
	for _, v := range validators {
		power := v.ConsensusPower(reduction)
		if v.IsJailed() || power <= 0 {
			continue
		}
		total += uint64(power)
		operator, err := sdk.ValAddressFromBech32(v.GetOperator())
		if err != nil {
			return nil, 0, err
		}
		account, err := k.addressCodec.BytesToString(operator)
		if err != nil {
			return nil, 0, err
		}
		opted, err := k.OptIns.Has(ctx, collections.Join(taskID, account))
		if err != nil {
			return nil, 0, err
		}
		if opted {
			candidates = append(candidates, consensus.Candidate{Operator: account, Power: uint64(power)})
		}
	}
	return candidates, total, nil
}

// startRound opens the task's next round: draws the committee from the opted-in validators with a seed
// from the task's entropy (the previous round's, which absorbed its revealed salts), and opens SUBMIT.
func (k Keeper) startRound(ctx context.Context, task *types.Task, params types.Params) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	number := task.CurrentRound + 1
	candidates, _, err := k.candidates(ctx, task.Id)
	if err != nil {
		return err
	}
	if len(candidates) == 0 {
		// No opted-in validator is bonded and unjailed: the task expires once it has idled max_idle_blocks
		// since its last round ended (or since its creation), else it looks again after a SUBMIT length.
		idleSince := task.CreatedHeight
		if task.CurrentRound > 0 {
			previous, err := k.Rounds.Get(ctx, collections.Join(task.Id, task.CurrentRound))
			if err != nil {
				return err
			}
			idleSince = previous.EndHeight
		}
		if sdkCtx.BlockHeight()-idleSince >= int64(params.MaxIdleBlocks) {
			// The validators left, not the creator's fault: the deposit is refunded.
			return k.endTask(ctx, task, params, types.TASK_STATUS_EXPIRED, "no opted-in validator bonded and unjailed", false)
		}
		return k.schedule(ctx, task.Id, sdkCtx.BlockHeight()+int64(task.Phases.Submit))
	}
	entropy := sdkCtx.HeaderHash() // the first round: the activating block's hash (proposer-biasable)
	if task.CurrentRound > 0 {
		previous, err := k.Rounds.Get(ctx, collections.Join(task.Id, task.CurrentRound))
		if err != nil {
			return err
		}
		entropy = previous.Entropy
	}
	seed := consensus.RoundSeed(entropy, task.Id, number)
	drawn, err := consensus.DrawCommittee(seed, candidates, int(task.CommitteeSize))
	if err != nil {
		return err
	}
	powers := make(map[string]uint64, len(candidates))
	for _, c := range candidates {
		powers[c.Operator] = c.Power
	}
	model, err := k.GlobalModels.Get(ctx, task.Id)
	if err != nil {
		return err
	}
	round := types.Round{
		TaskId: task.Id, Round: number, Phase: types.ROUND_PHASE_SUBMIT, StartHeight: sdkCtx.BlockHeight(),
		Deadline: sdkCtx.BlockHeight() + int64(task.Phases.Submit), Seed: seed[:], BaseModelSha256: model.Sha256,
		StartTimeUnix: sdkCtx.BlockTime().Unix(), Entropy: entropy,
		UpdateFees: sdk.NewCoin(task.Budget.Denom, sdkmath.ZeroInt()),
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
	if err := k.schedule(ctx, task.Id, round.Deadline); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventRoundStarted{
		TaskId: task.Id, Round: number, Committee: drawn, Seed: seed[:], Deadline: round.Deadline,
	})
}

// computeWeights takes the stake-weighted median of the revealed losses per update and the chain's
// fixed-point softmax of them; the miner's weights are checked against these. An update whose consensus
// loss is consensus.Unavailable gets weight 0; when every update is unavailable the round gets no weights.
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
	round.ConsensusLosses = losses
	if !slices.ContainsFunc(losses, func(l uint64) bool { return l != consensus.Unavailable }) {
		// No update's bytes reached members holding half of the revealed power: nothing to weigh.
		return nil
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
	round.Temperature, round.Weights = tau, weights
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
	if err := k.penalize(ctx, round, miner, "miner: "+reason, params.MinerSlashFraction, params); err != nil {
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
	model := types.GlobalModel{
		TaskId: task.Id, Round: round.Round, Sha256: aggregate.Sha256, Payload: aggregate.Payload, SizeBytes: aggregate.SizeBytes, Locator: aggregate.Locator,
	}
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
	if err := k.UpdateCommitments.Clear(ctx, collections.NewPrefixedPairRange[types.RoundKey, []byte](key)); err != nil {
		return err
	}
	for _, m := range []interface {
		Clear(context.Context, collections.Ranger[collections.Pair[types.RoundKey, string]]) error
	}{k.Commitments, k.Reveals} {
		if err := m.Clear(ctx, collections.NewPrefixedPairRange[types.RoundKey, string](key)); err != nil {
			return err
		}
	}
	if err := k.clearAttempt(ctx, key); err != nil {
		return err
	}
	if types.Charges(round.UpdateFees) {
		task.Escrow = task.Escrow.Add(round.UpdateFees)
	}
	if err := k.Tasks.Set(ctx, task.Id, *task); err != nil {
		return err
	}
	round.EndHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.enterPhase(ctx, round, phase, 0, beforeDeadline(ctx, *round))
}
