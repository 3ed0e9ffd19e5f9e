package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Admission of updates to a round: who may submit, and which updates an open task keeps.

// allSubmitted says whether every participant of an allowlisted task has committed an update in the round.
func allSubmitted(task types.Task, round types.Round) bool {
	return len(task.AllowedParticipants) > 0 && int(round.UpdatesCommitted) >= len(task.AllowedParticipants)
}

// drawCommitments keeps at most the task's cap of the round's update commitments when SUBMIT ends: those
// whose sha256(header hash ‖ round entropy ‖ commitment) is lowest, a draw no participant can steer (the
// hash of the block that ends SUBMIT is unknown while it is open, and a commitment hides its update). The
// others are dropped (with their update, for a round migrated with updates already revealed); their fees
// stay paid.
func (k Keeper) drawCommitments(ctx context.Context, task types.Task, round *types.Round, params types.Params) error {
	limit := updateCap(task, params)
	if int(round.UpdatesCommitted) <= limit {
		return nil
	}
	header := sdk.UnwrapSDKContext(ctx).HeaderHash()
	type ranked struct {
		account []byte
		sealed  types.UpdateCommitment
		rank    [32]byte
	}
	var all []ranked
	key := collections.Join(round.TaskId, round.Round)
	rng := collections.NewPrefixedPairRange[types.RoundKey, []byte](key)
	if err := k.UpdateCommitments.Walk(ctx, rng, func(pk collections.Pair[types.RoundKey, []byte], sealed types.UpdateCommitment) (bool, error) {
		all = append(all, ranked{pk.K2(), sealed, sha256.Sum256(slices.Concat(header, round.Entropy, sealed.Commitment))})
		return false, nil
	}); err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b ranked) int { return bytes.Compare(a.rank[:], b.rank[:]) })
	for _, dropped := range all[limit:] {
		if err := k.UpdateCommitments.Remove(ctx, collections.Join(key, dropped.account)); err != nil {
			return err
		}
		if dropped.sealed.Info != nil {
			if err := k.Updates.Remove(ctx, collections.Join(key, dropped.sealed.Info.Sha256)); err != nil {
				return err
			}
			round.UpdatesRevealed--
		}
	}
	round.UpdatesDropped = uint32(len(all) - limit)
	round.UpdatesCommitted = uint32(limit)
	return nil
}

// revealedUpdates lists the round's revealed updates in ascending hash order (at most the task's cap):
// the round's update set, built once when UPDATE_REVEAL ends.
func (k Keeper) revealedUpdates(ctx context.Context, key types.RoundKey) ([]types.UpdateInfo, error) {
	var infos []types.UpdateInfo
	rng := collections.NewPrefixedPairRange[types.RoundKey, []byte](key)
	err := k.UpdateCommitments.Walk(ctx, rng, func(_ collections.Pair[types.RoundKey, []byte], sealed types.UpdateCommitment) (bool, error) {
		if sealed.Info != nil {
			infos = append(infos, *sealed.Info)
		}
		return false, nil
	})
	slices.SortFunc(infos, func(a, b types.UpdateInfo) int { return bytes.Compare(a.Sha256, b.Sha256) })
	return infos, err
}

func updateCap(task types.Task, params types.Params) int {
	if task.MaxUpdatesPerRound > 0 {
		return int(task.MaxUpdatesPerRound)
	}
	return int(params.MaxUpdatesPerRound)
}
