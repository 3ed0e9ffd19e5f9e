package keeper

import (
	"bytes"
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// liveRound loads the task's current round and checks that msgRound is it and that it is in phase.
func (k Keeper) liveRound(ctx context.Context, signer string, taskID, msgRound uint64, phase types.RoundPhase) (types.Task, types.Round, error) {
	if _, err := k.addressCodec.StringToBytes(signer); err != nil {
		return types.Task{}, types.Round{}, errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "signer: %v", err)
	}
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
	if round.Phase != phase {
		return task, round, errorsmod.Wrapf(types.ErrWrongPhase, "round %d is in %s, not %s", msgRound, round.Phase, phase)
	}
	return task, round, nil
}

// member returns the signer's index in the committee.
func member(round types.Round, address string) (int, error) {
	i := slices.IndexFunc(round.Committee, func(m types.CommitteeMember) bool { return m.Address == address })
	if i < 0 {
		return i, errorsmod.Wrapf(types.ErrNotInCommittee, "%s is not in the committee of round %d", address, round.Round)
	}
	return i, nil
}

func emit(ctx context.Context, event proto.Message) error {
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(event)
}

// SubmitUpdate accepts one update per participant per round while the round is in SUBMIT.
func (s msgServer) SubmitUpdate(ctx context.Context, msg *types.MsgSubmitUpdate) (*types.MsgSubmitUpdateResponse, error) {
	if err := msg.ValidateStateless(); err != nil {
		return nil, err
	}
	task, round, err := s.k.liveRound(ctx, msg.Participant, msg.TaskId, msg.Round, types.ROUND_PHASE_SUBMIT)
	if err != nil {
		return nil, err
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if uint64(len(msg.Payload)) > params.MaxUpdateBytes {
		return nil, errorsmod.Wrapf(types.ErrPayloadTooLarge, "update has %d bytes, max_update_bytes is %d", len(msg.Payload), params.MaxUpdateBytes)
	}
	if len(round.Updates) >= updateCap(task, params) {
		return nil, errorsmod.Wrapf(types.ErrRoundFull, "round %d already has %d updates", round.Round, len(round.Updates))
	}
	key := collections.Join(task.Id, round.Round)
	seen, err := s.k.Participants.Has(ctx, collections.Join(key, msg.Participant))
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already submitted an update in round %d", msg.Participant, round.Round)
	}
	if seen, err = s.k.Updates.Has(ctx, collections.Join(key, msg.Sha256)); err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "update %x already submitted in round %d", msg.Sha256, round.Round)
	}
	info := types.UpdateInfo{
		Sha256: msg.Sha256, Participant: msg.Participant, NumSamples: msg.NumSamples,
		Height: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	at, _ := slices.BinarySearchFunc(round.Updates, msg.Sha256, func(u types.UpdateInfo, h []byte) int { return bytes.Compare(u.Sha256, h) })
	round.Updates = slices.Insert(round.Updates, at, info)
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	update := types.Update{TaskId: task.Id, Round: round.Round, Info: info, Payload: msg.Payload}
	if err := s.k.Updates.Set(ctx, collections.Join(key, msg.Sha256), update); err != nil {
		return nil, err
	}
	if err := s.k.Participants.Set(ctx, collections.Join(key, msg.Participant)); err != nil {
		return nil, err
	}
	return &types.MsgSubmitUpdateResponse{}, emit(ctx, &types.EventUpdateAccepted{
		TaskId: task.Id, Round: round.Round, Participant: msg.Participant, Sha256: msg.Sha256,
	})
}

// CommitLosses records a committee member's commitment while the round is in COMMIT.
func (s msgServer) CommitLosses(ctx context.Context, msg *types.MsgCommitLosses) (*types.MsgCommitLossesResponse, error) {
	if err := msg.ValidateStateless(); err != nil {
		return nil, err
	}
	_, round, err := s.k.liveRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_COMMIT)
	if err != nil {
		return nil, err
	}
	i, err := member(round, msg.Validator)
	if err != nil {
		return nil, err
	}
	if round.Committee[i].Committed {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already committed in round %d", msg.Validator, round.Round)
	}
	key := collections.Join(msg.TaskId, round.Round)
	round.Committee[i].Committed = true
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	if err := s.k.Commitments.Set(ctx, collections.Join(key, msg.Validator), msg.Commitment); err != nil {
		return nil, err
	}
	return &types.MsgCommitLossesResponse{}, emit(ctx, &types.EventLossesCommitted{
		TaskId: msg.TaskId, Round: round.Round, Validator: msg.Validator,
	})
}

// RevealLosses accepts the losses of a member that committed, if they match its commitment.
func (s msgServer) RevealLosses(ctx context.Context, msg *types.MsgRevealLosses) (*types.MsgRevealLossesResponse, error) {
	if err := msg.ValidateStateless(); err != nil {
		return nil, err
	}
	_, round, err := s.k.liveRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_REVEAL)
	if err != nil {
		return nil, err
	}
	i, err := member(round, msg.Validator)
	if err != nil {
		return nil, err
	}
	if !round.Committee[i].Committed {
		return nil, errorsmod.Wrapf(types.ErrNotCommitted, "%s did not commit in round %d", msg.Validator, round.Round)
	}
	if round.Committee[i].Revealed {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already revealed in round %d", msg.Validator, round.Round)
	}
	if len(msg.Losses) != len(round.Updates) {
		return nil, errorsmod.Wrapf(types.ErrLossCount, "%d losses for %d updates", len(msg.Losses), len(round.Updates))
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	for j, loss := range msg.Losses {
		if loss > params.LossCap {
			return nil, errorsmod.Wrapf(types.ErrLossAboveCap, "loss %d of update %d exceeds loss_cap %d", loss, j, params.LossCap)
		}
	}
	hashes := make([][32]byte, len(round.Updates))
	for j, u := range round.Updates {
		copy(hashes[j][:], u.Sha256)
	}
	key := collections.Join(msg.TaskId, round.Round)
	committed, err := s.k.Commitments.Get(ctx, collections.Join(key, msg.Validator))
	if err != nil {
		return nil, err
	}
	digest, err := consensus.Commitment(msg.TaskId, round.Round, msg.Validator, [32]byte(msg.Salt), hashes, msg.Losses)
	if err != nil {
		return nil, errorsmod.Wrap(types.ErrRevealMismatch, err.Error())
	}
	if !bytes.Equal(digest[:], committed) {
		return nil, errorsmod.Wrapf(types.ErrRevealMismatch, "reveal hashes to %x, commitment is %x", digest, committed)
	}
	round.Committee[i].Revealed = true
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	reveal := types.Reveal{Validator: msg.Validator, Losses: msg.Losses}
	if err := s.k.Reveals.Set(ctx, collections.Join(key, msg.Validator), reveal); err != nil {
		return nil, err
	}
	return &types.MsgRevealLossesResponse{}, emit(ctx, &types.EventLossesRevealed{
		TaskId: msg.TaskId, Round: round.Round, Validator: msg.Validator,
	})
}

// SubmitAggregate accepts the current miner's aggregate if its weights match the chain's softmax.
func (s msgServer) SubmitAggregate(ctx context.Context, msg *types.MsgSubmitAggregate) (*types.MsgSubmitAggregateResponse, error) {
	if err := msg.ValidateStateless(); err != nil {
		return nil, err
	}
	_, round, err := s.k.liveRound(ctx, msg.Miner, msg.TaskId, msg.Round, types.ROUND_PHASE_AGGREGATE)
	if err != nil {
		return nil, err
	}
	if miner := round.Committee[round.MinerAttempt].Address; msg.Miner != miner {
		return nil, errorsmod.Wrapf(types.ErrNotMiner, "current miner of round %d is %s", round.Round, miner)
	}
	if len(round.AggregateSha256) > 0 {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "aggregate already submitted in round %d", round.Round)
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if uint64(len(msg.Payload)) > params.MaxModelBytes {
		return nil, errorsmod.Wrapf(types.ErrPayloadTooLarge, "aggregate has %d bytes, max_model_bytes is %d", len(msg.Payload), params.MaxModelBytes)
	}
	if err := consensus.CheckWeights(msg.Weights, round.Weights, params.WeightTolerance); err != nil {
		return nil, errorsmod.Wrap(types.ErrWeightMismatch, err.Error())
	}
	key := collections.Join(msg.TaskId, round.Round)
	round.AggregateSha256 = msg.ModelSha256
	if err := s.k.Rounds.Set(ctx, key, round); err != nil {
		return nil, err
	}
	aggregate := types.Aggregate{
		TaskId: msg.TaskId, Round: round.Round, Miner: msg.Miner, Weights: msg.Weights, Sha256: msg.ModelSha256, Payload: msg.Payload,
	}
	if err := s.k.Aggregates.Set(ctx, key, aggregate); err != nil {
		return nil, err
	}
	return &types.MsgSubmitAggregateResponse{}, emit(ctx, &types.EventAggregateAccepted{
		TaskId: msg.TaskId, Round: round.Round, Miner: msg.Miner, Sha256: msg.ModelSha256,
	})
}

// AttestAggregate records the hash a committee member recomputed; one attestation per miner attempt.
func (s msgServer) AttestAggregate(ctx context.Context, msg *types.MsgAttestAggregate) (*types.MsgAttestAggregateResponse, error) {
	if err := msg.ValidateStateless(); err != nil {
		return nil, err
	}
	_, round, err := s.k.liveRound(ctx, msg.Validator, msg.TaskId, msg.Round, types.ROUND_PHASE_ATTEST)
	if err != nil {
		return nil, err
	}
	if _, err := member(round, msg.Validator); err != nil {
		return nil, err
	}
	key := collections.Join(collections.Join(msg.TaskId, round.Round), msg.Validator)
	seen, err := s.k.Attestations.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, errorsmod.Wrapf(types.ErrDuplicate, "%s already attested in round %d", msg.Validator, round.Round)
	}
	if err := s.k.Attestations.Set(ctx, key, msg.ModelSha256); err != nil {
		return nil, err
	}
	return &types.MsgAttestAggregateResponse{}, emit(ctx, &types.EventAggregateAttested{
		TaskId: msg.TaskId, Round: round.Round, Validator: msg.Validator, Sha256: msg.ModelSha256,
		MatchesMiner: bytes.Equal(msg.ModelSha256, round.AggregateSha256),
	})
}
