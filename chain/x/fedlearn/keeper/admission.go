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

// allSubmitted says whether every participant of an allowlisted task has submitted in the round.
func allSubmitted(task types.Task, round types.Round) bool {
	return len(task.AllowedParticipants) > 0 && len(round.Updates) >= len(task.AllowedParticipants)
}

// drawUpdates keeps at most the task's cap of the round's updates when SUBMIT ends: those whose
// sha256(header hash ‖ round entropy ‖ update hash) is lowest, a draw no participant can steer (the hash
// of the block that ends SUBMIT is unknown while it is open). The others are dropped with their payloads;
// their fees stay paid.
func (k Keeper) drawUpdates(ctx context.Context, task types.Task, round *types.Round, params types.Params) error {
	limit := updateCap(task, params)
	if len(round.Updates) <= limit {
		return nil
	}
	header := sdk.UnwrapSDKContext(ctx).HeaderHash()
	rank := func(u types.UpdateInfo) []byte {
		sum := sha256.Sum256(slices.Concat(header, round.Entropy, u.Sha256))
		return sum[:]
	}
	drawn := slices.Clone(round.Updates)
	slices.SortFunc(drawn, func(a, b types.UpdateInfo) int { return bytes.Compare(rank(a), rank(b)) })
	key := collections.Join(round.TaskId, round.Round)
	for _, dropped := range drawn[limit:] {
		if err := k.Updates.Remove(ctx, collections.Join(key, dropped.Sha256)); err != nil {
			return err
		}
	}
	kept := drawn[:limit]
	slices.SortFunc(kept, func(a, b types.UpdateInfo) int { return bytes.Compare(a.Sha256, b.Sha256) })
	round.UpdatesDropped = uint32(len(round.Updates) - limit)
	round.Updates = kept
	return nil
}

func updateCap(task types.Task, params types.Params) int {
	if task.MaxUpdatesPerRound > 0 {
		return int(task.MaxUpdatesPerRound)
	}
	return int(params.MaxUpdatesPerRound)
}
