package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// liveRound loads the task's current round and checks that msgRound is it and that it is in phase.
func (k Keeper) liveRound(ctx context.Context, taskID, msgRound uint64, phases ...types.RoundPhase) (types.Task, types.Round, error) {
	task, err := k.Tasks.Get(ctx, taskID)
	if err != nil {
		return task, types.Round{}, errorsmod.Wrapf(types.ErrTaskNotFound, "task %d", taskID)
	}
	if task.Status != types.TASK_STATUS_ACTIVE || task.CurrentRound == 0 {
		return task, types.Round{}, errorsmod.Wrapf(types.ErrTaskNotActive, "task %d is %s", taskID, task.Status)
	}
	if msgRound != task.CurrentRound {
		return task, types.Round{}, errorsmod.Wrapf(types.ErrWrongRound, "round %d, current round is %d", msgRound, task.CurrentRound)
	}
	round, err := k.Rounds.Get(ctx, collections.Join(taskID, msgRound))
	if err != nil {
		return task, round, errorsmod.Wrapf(types.ErrRoundNotFound, "task %d round %d", taskID, msgRound)
	}
	if !slices.Contains(phases, round.Phase) {
		return task, round, errorsmod.Wrapf(types.ErrWrongPhase, "round %d is in %s, not %s", msgRound, round.Phase, phaseNames(phases))
	}
	return task, round, nil
}

// phaseNames lists the phases a message is accepted in, for its wrong-phase error.
func phaseNames(phases []types.RoundPhase) string {
	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = p.String()
	}
	return strings.Join(names, " or ")
}

// committeeRound is liveRound for a committee member's message: the signer must sit on the round's
// committee and still be a bonded, unjailed validator (one jailed or unbonding since the draw may not act).
// It returns the round and the member's index.
func (k Keeper) committeeRound(ctx context.Context, signer string, taskID, msgRound uint64, phases ...types.RoundPhase) (types.Round, int, error) {
	account, address, err := k.canonicalAddress(signer)
	if err != nil {
		return types.Round{}, -1, err
	}
	_, round, err := k.liveRound(ctx, taskID, msgRound, phases...)
	if err != nil {
		return round, -1, err
	}
	i := slices.IndexFunc(round.Committee, func(m types.CommitteeMember) bool { return m.Address == address })
	if i < 0 {
		return round, i, errorsmod.Wrapf(types.ErrNotInCommittee, "%s is not in the committee of round %d", address, round.Round)
	}
	if err := k.checkActiveValidator(ctx, account, address); err != nil {
		return round, i, err
	}
	return round, i, nil
}

// checkActiveValidator checks that the operator account's validator is bonded and not jailed.
func (k Keeper) checkActiveValidator(ctx context.Context, account []byte, address string) error {
	validator, err := k.staking.GetValidator(ctx, sdk.ValAddress(account))
	if err != nil {
		return errorsmod.Wrapf(types.ErrValidatorNotActive, "%s is not a validator", address)
	}
	if validator.IsJailed() || !validator.IsBonded() {
		return errorsmod.Wrapf(types.ErrValidatorNotActive, "%s is %s (jailed: %t)", address, validator.GetStatus(), validator.IsJailed())
	}
	return nil
}

func emit(ctx context.Context, event proto.Message) error {
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(event)
}

// SubmitUpdate accepts one sealed update (a commitment) per participant account per round while the
// round is in SUBMIT; the update itself is revealed in UPDATE_REVEAL (RevealUpdate).
func (s msgServer) SubmitUpdate(ctx context.Context, msg *types.MsgSubmitUpdate) (*types.MsgSubmitUpdateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	account, participant, err := s.k.canonicalAddress(msg.Participant)
	if err != nil {
		return nil, err
	}
	task, round, err := s.k.liveRound(ctx, msg.TaskId, msg.Round, types.ROUND_PHASE_SUBMIT)
	if err != nil {
		return nil, err
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if len(task.AllowedParticipants) > 0 && !slices.Contains(task.AllowedParticipants, participant) {
		return nil, errorsmod.Wrapf(types.ErrNotAllowed, "%s may not submit to task %d", participant, task.Id)
	}
	// An open task takes commitments up to the chain's bound, not first-come up to its own cap: SUBMIT's
	// end draws the cap at random among them.
	if round.UpdatesCommitted >= params.MaxUpdatesPerRound {
		return nil, errorsmod.Wrapf(types.ErrRoundFull, "round %d already has %d updates", round.Round, round.UpdatesCommitted)
	}
	key := collections.Join(task.Id, round.Round)
	seen, err := s.k.UpdateCommitments.Has(ctx, collections.Join(key, account))
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already submitted an update in round %d", participant, round.Round)
	}
	if types.Charges(task.UpdateFee) {
		// The update's fee joins the task's escrow when the round ends, revealed or not.
		if err := s.k.bank.SendCoinsFromAccountToModule(ctx, account, types.ModuleName, sdk.NewCoins(task.UpdateFee)); err != nil {
			return nil, errorsmod.Wrapf(types.ErrInsufficientFunds, "update fee %s: %v", task.UpdateFee, err)
		}
		round.UpdateFees = round.UpdateFees.Add(task.UpdateFee)
	}
	round.UpdatesCommitted++
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	sealed := types.UpdateCommitment{TaskId: task.Id, Round: round.Round, Participant: participant, Commitment: msg.Commitment}
	if err := s.k.UpdateCommitments.Set(ctx, collections.Join(key, account), sealed); err != nil {
		return nil, err
	}
	if allSubmitted(task, round) {
		// Every allowlisted participant committed: SUBMIT ends in this block.
		if err := s.k.wake(ctx, task.Id); err != nil {
			return nil, err
		}
	}
	return &types.MsgSubmitUpdateResponse{}, emit(ctx, &types.EventUpdateCommitted{
		TaskId: task.Id, Round: round.Round, Participant: participant, Commitment: msg.Commitment,
	})
}

// RevealUpdate accepts the update a participant committed to in SUBMIT, while the round is in
// UPDATE_REVEAL: consensus.UpdateCommitment of (task, round, the signer's address bytes, sha256,
// num_samples, salt) must equal the stored commitment, so a commitment copied into another account
// cannot be opened.
func (s msgServer) RevealUpdate(ctx context.Context, msg *types.MsgRevealUpdate) (*types.MsgRevealUpdateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	account, participant, err := s.k.canonicalAddress(msg.Participant)
	if err != nil {
		return nil, err
	}
	task, round, err := s.k.liveRound(ctx, msg.TaskId, msg.Round, types.ROUND_PHASE_UPDATE_REVEAL)
	if errors.Is(err, types.ErrWrongPhase) {
		return nil, errorsmod.Wrapf(types.ErrNotUpdateRevealPhase, "round %d is in %s", msg.Round, round.Phase)
	}
	if err != nil {
		return nil, err
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	blob := msg.Blob()
	if err := blob.ValidateAgainst(params, "max_update_bytes", params.MaxUpdateBytes); err != nil {
		return nil, err
	}
	key := collections.Join(task.Id, round.Round)
	sealed, err := s.k.UpdateCommitments.Get(ctx, collections.Join(key, account))
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrNoUpdateCommitment, "%s committed no update in round %d", participant, round.Round)
	}
	if err != nil {
		return nil, err
	}
	if sealed.Info != nil {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already revealed its update in round %d", participant, round.Round)
	}
	want, err := consensus.UpdateCommitment(task.Id, round.Round, account, [32]byte(msg.Sha256), msg.NumSamples, [32]byte(msg.Salt))
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrUpdateCommitMismatch, err.Error())
	}
	if !bytes.Equal(want[:], sealed.Commitment) {
		return nil, errorsmod.Wrapf(types.ErrUpdateCommitMismatch, "%s's reveal hashes to %x, its commitment is %x", participant, want, sealed.Commitment)
	}
	seen, err := s.k.Updates.Has(ctx, collections.Join(key, msg.Sha256))
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "update %x already submitted in round %d", msg.Sha256, round.Round)
	}
	info := types.UpdateInfo{
		Sha256: msg.Sha256, Participant: participant, NumSamples: msg.NumSamples,
		Height: sdk.UnwrapSDKContext(ctx).BlockHeight(), SizeBytes: blob.Bytes(), Locator: blob.Locator,
	}
	sealed.Info = &info
	if err := s.k.UpdateCommitments.Set(ctx, collections.Join(key, account), sealed); err != nil {
		return nil, err
	}
	update := types.Update{TaskId: task.Id, Round: round.Round, Info: info, Payload: msg.Payload}
	if err := s.k.Updates.Set(ctx, collections.Join(key, msg.Sha256), update); err != nil {
		return nil, err
	}
	round.UpdatesRevealed++
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	if round.UpdatesRevealed >= round.UpdatesCommitted {
		// Every commitment is open: UPDATE_REVEAL ends in this block.
		if err := s.k.wake(ctx, task.Id); err != nil {
			return nil, err
		}
	}
	return &types.MsgRevealUpdateResponse{}, emit(ctx, &types.EventUpdateAccepted{
		TaskId: task.Id, Round: round.Round, Participant: participant, Sha256: msg.Sha256, SizeBytes: info.SizeBytes, Locator: info.Locator,
	})
}

// CommitLosses records a committee member's commitment while the round is in COMMIT.
func (s msgServer) CommitLosses(ctx context.Context, msg *types.MsgCommitLosses) (*types.MsgCommitLossesResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	round, i, err := s.k.committeeRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_COMMIT)
	if err != nil {
		return nil, err
	}
	member := round.Committee[i].Address
	if round.Committee[i].Committed {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already committed in round %d", member, round.Round)
	}
	key := collections.Join(msg.TaskId, round.Round)
	round.Committee[i].Committed = true
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	if err := s.k.Commitments.Set(ctx, collections.Join(key, member), msg.Commitment); err != nil {
		return nil, err
	}
	if err := s.k.wake(ctx, msg.TaskId); err != nil {
		return nil, err
	}
	return &types.MsgCommitLossesResponse{}, emit(ctx, &types.EventLossesCommitted{
		TaskId: msg.TaskId, Round: round.Round, Validator: member,
	})
}

// RevealLosses accepts the losses of a member that committed, if they match its commitment; the salt is
// mixed into the task's entropy, from which the next round's committee is drawn.
func (s msgServer) RevealLosses(ctx context.Context, msg *types.MsgRevealLosses) (*types.MsgRevealLossesResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	round, i, err := s.k.committeeRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_REVEAL)
	if err != nil {
		return nil, err
	}
	member := round.Committee[i].Address
	if !round.Committee[i].Committed {
		return nil, errorsmod.Wrapf(types.ErrNotCommitted, "%s did not commit in round %d", member, round.Round)
	}
	if round.Committee[i].Revealed {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already revealed in round %d", member, round.Round)
	}
	if len(msg.Losses) != len(round.Updates) {
		return nil, errorsmod.Wrapf(types.ErrLossCount, "%d losses for %d updates", len(msg.Losses), len(round.Updates))
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	for j, loss := range msg.Losses {
		if loss > params.LossCap && loss != consensus.Unavailable {
			return nil, errorsmod.Wrapf(types.ErrLossAboveCap, "loss %d of update %d exceeds loss_cap %d", loss, j, params.LossCap)
		}
	}
	hashes := make([][32]byte, len(round.Updates))
	for j, u := range round.Updates {
		copy(hashes[j][:], u.Sha256)
	}
	key := collections.Join(msg.TaskId, round.Round)
	committed, err := s.k.Commitments.Get(ctx, collections.Join(key, member))
	if err != nil {
		return nil, err
	}
	digest, err := consensus.Commitment(msg.TaskId, round.Round, member, [32]byte(msg.Salt), hashes, msg.Losses)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrRevealMismatch, err.Error())
	}
	if !bytes.Equal(digest[:], committed) {
		return nil, errorsmod.Wrapf(types.ErrRevealMismatch, "reveal hashes to %x, commitment is %x", digest, committed)
	}
	round.Committee[i].Revealed = true
	entropy := sha256.Sum256(append(slices.Clone(round.Entropy), msg.Salt...))
	round.Entropy = entropy[:]
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	reveal := types.Reveal{Validator: member, Losses: msg.Losses}
	if err := s.k.Reveals.Set(ctx, collections.Join(key, member), reveal); err != nil {
		return nil, err
	}
	if err := s.k.wake(ctx, msg.TaskId); err != nil {
		return nil, err
	}
	return &types.MsgRevealLossesResponse{}, emit(ctx, &types.EventLossesRevealed{
		TaskId: msg.TaskId, Round: round.Round, Validator: member,
	})
}

// SubmitAggregate accepts the current miner's aggregate for attestation. The miner applies the round's
// on-chain weights; whether it did is what the attesters' recomputed hashes decide.
func (s msgServer) SubmitAggregate(ctx context.Context, msg *types.MsgSubmitAggregate) (*types.MsgSubmitAggregateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	round, i, err := s.k.committeeRound(ctx, msg.Miner, msg.TaskId, msg.Round, types.ROUND_PHASE_AGGREGATE)
	if err != nil {
		return nil, err
	}
	if i != int(round.MinerAttempt) {
		return nil, errorsmod.Wrapf(types.ErrNotMiner, "current miner of round %d is %s", round.Round, round.Committee[round.MinerAttempt].Address)
	}
	miner := round.Committee[i].Address
	if len(round.AggregateSha256) > 0 {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "aggregate already submitted in round %d", round.Round)
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	blob := msg.Blob()
	if err := blob.ValidateAgainst(params, "max_model_bytes", params.MaxModelBytes); err != nil {
		return nil, err
	}
	key := collections.Join(msg.TaskId, round.Round)
	round.AggregateSha256 = msg.ModelSha256
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	aggregate := types.Aggregate{
		TaskId: msg.TaskId, Round: round.Round, Miner: miner, Sha256: msg.ModelSha256, Payload: msg.Payload,
		SizeBytes: blob.Bytes(), Locator: blob.Locator,
	}
	if err := s.k.Aggregates.Set(ctx, key, aggregate); err != nil {
		return nil, err
	}
	if err := s.k.wake(ctx, msg.TaskId); err != nil {
		return nil, err
	}
	return &types.MsgSubmitAggregateResponse{}, emit(ctx, &types.EventAggregateAccepted{
		TaskId: msg.TaskId, Round: round.Round, Miner: miner, Sha256: msg.ModelSha256,
	})
}

// AttestAggregate records the hash a committee member recomputed; one attestation per miner attempt. A
// member may attest in AGGREGATE already (it recomputes from the weights REVEAL published, not from the
// miner's bytes), so the round can finalize in the block of the miner's aggregate.
func (s msgServer) AttestAggregate(ctx context.Context, msg *types.MsgAttestAggregate) (*types.MsgAttestAggregateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	round, i, err := s.k.committeeRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_AGGREGATE, types.ROUND_PHASE_ATTEST)
	if err != nil {
		return nil, err
	}
	member := round.Committee[i].Address
	key := collections.Join(collections.Join(msg.TaskId, round.Round), member)
	seen, err := s.k.Attestations.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already attested in round %d", member, round.Round)
	}
	if err := s.k.Attestations.Set(ctx, key, msg.ModelSha256); err != nil {
		return nil, err
	}
	if err := s.k.wake(ctx, msg.TaskId); err != nil {
		return nil, err
	}
	return &types.MsgAttestAggregateResponse{}, emit(ctx, &types.EventAggregateAttested{
		TaskId: msg.TaskId, Round: round.Round, Validator: member, Sha256: msg.ModelSha256,
		MatchesMiner: bytes.Equal(msg.ModelSha256, round.AggregateSha256),
	})
}

// OptIn records that a bonded, unjailed validator serves a pending or active task; only opted-in
// validators are drawn for its committees, so nobody is penalised for a task it did not accept.
func (s msgServer) OptIn(ctx context.Context, msg *types.MsgOptIn) (*types.MsgOptInResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	account, validator, err := s.k.canonicalAddress(msg.Validator)
	if err != nil {
		return nil, err
	}
	task, err := s.k.Tasks.Get(ctx, msg.TaskId)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrTaskNotFound, "task %d", msg.TaskId)
	}
	if task.Status != types.TASK_STATUS_PENDING && task.Status != types.TASK_STATUS_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrTaskNotActive, "task %d is %s", msg.TaskId, task.Status)
	}
	if err := s.k.checkActiveValidator(ctx, account, validator); err != nil {
		return nil, err
	}
	key := collections.Join(msg.TaskId, validator)
	seen, err := s.k.OptIns.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already opted in to task %d", validator, msg.TaskId)
	}
	if err := s.k.OptIns.Set(ctx, key); err != nil {
		return nil, err
	}
	if task.Status == types.TASK_STATUS_PENDING {
		// The opt-in quorum may be reached: the task may start in this block.
		if err := s.k.wake(ctx, msg.TaskId); err != nil {
			return nil, err
		}
	}
	return &types.MsgOptInResponse{}, emit(ctx, &types.EventValidatorOptedIn{TaskId: msg.TaskId, Validator: validator})
}
