package keeper_test

import (
	"crypto/sha256"
	"testing"

	"cosmossdk.io/collections"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func requireCode(t *testing.T, code codes.Code, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, status.Code(err), err.Error())
}

func TestRoundQueries(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.driveTo(t, types.ROUND_PHASE_ATTEST)
	q := f.queries
	stored := d.round(t)

	t.Run("round: 0 is the current round", func(t *testing.T) {
		for _, number := range []uint64{0, 1} {
			res, err := q.Round(f.ctx, &types.QueryRoundRequest{TaskId: d.taskID, Round: number})
			require.NoError(t, err)
			require.Equal(t, stored, res.Round)
		}
		_, err := q.Round(f.ctx, &types.QueryRoundRequest{TaskId: d.taskID, Round: 2})
		requireCode(t, codes.NotFound, err)
		_, err = q.Round(f.ctx, &types.QueryRoundRequest{TaskId: 99})
		requireCode(t, codes.NotFound, err)
	})
	t.Run("updates: paginated in hash order, without payloads", func(t *testing.T) {
		res, err := q.Updates(f.ctx, &types.QueryUpdatesRequest{TaskId: d.taskID, Pagination: &query.PageRequest{Limit: 2, CountTotal: true}})
		require.NoError(t, err)
		require.Equal(t, stored.Updates[:2], res.Updates)
		require.Equal(t, uint64(3), res.Pagination.Total)
		rest, err := q.Updates(f.ctx, &types.QueryUpdatesRequest{TaskId: d.taskID, Pagination: &query.PageRequest{Key: res.Pagination.NextKey}})
		require.NoError(t, err)
		require.Equal(t, stored.Updates[2:], rest.Updates)
	})
	t.Run("update: with its payload", func(t *testing.T) {
		info := stored.Updates[0]
		res, err := q.Update(f.ctx, &types.QueryUpdateRequest{TaskId: d.taskID, Sha256: info.Sha256})
		require.NoError(t, err)
		require.Equal(t, info, res.Update.Info)
		require.Equal(t, d.updateMsg(t, f.participantIndex(t, info.Participant)).Payload, res.Update.Payload)
		unknown := sha256.Sum256([]byte("never submitted"))
		_, err = q.Update(f.ctx, &types.QueryUpdateRequest{TaskId: d.taskID, Sha256: unknown[:]})
		requireCode(t, codes.NotFound, err)
	})
	t.Run("reveals: one per revealed member", func(t *testing.T) {
		res, err := q.Reveals(f.ctx, &types.QueryRevealsRequest{TaskId: d.taskID})
		require.NoError(t, err)
		require.Len(t, res.Reveals, len(stored.Committee))
		for _, reveal := range res.Reveals {
			require.Equal(t, d.lossesOf(t, reveal.Validator), reveal.Losses)
		}
	})
	t.Run("aggregate: the current miner's", func(t *testing.T) {
		res, err := q.Aggregate(f.ctx, &types.QueryAggregateRequest{TaskId: d.taskID})
		require.NoError(t, err)
		want, err := f.keeper.Aggregates.Get(f.ctx, collections.Join(d.taskID, uint64(1)))
		require.NoError(t, err)
		require.Equal(t, want, res.Aggregate)
		require.Equal(t, stored.AggregateSha256, res.Aggregate.Sha256)
	})
	t.Run("validator stats: counted per validator, zero for an unknown address", func(t *testing.T) {
		res, err := q.ValidatorStats(f.ctx, &types.QueryValidatorStatsRequest{Address: f.validators[0]})
		require.NoError(t, err)
		require.Equal(t, uint64(1), res.Stats.RoundsServed)
		res, err = q.ValidatorStats(f.ctx, &types.QueryValidatorStatsRequest{Address: f.creator})
		require.NoError(t, err)
		require.Equal(t, types.ValidatorStats{Address: f.creator}, res.Stats)
	})

	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	f.endBlock(t)
	t.Run("rounds: the ended rounds stay queryable", func(t *testing.T) {
		res, err := q.Rounds(f.ctx, &types.QueryRoundsRequest{TaskId: d.taskID})
		require.NoError(t, err)
		require.Len(t, res.Rounds, 2)
		require.Equal(t, types.ROUND_PHASE_FINALIZED, res.Rounds[0].Phase)
		require.Equal(t, types.ROUND_PHASE_SUBMIT, res.Rounds[1].Phase)
		_, err = q.Aggregate(f.ctx, &types.QueryAggregateRequest{TaskId: d.taskID, Round: 1})
		requireCode(t, codes.NotFound, err)
	})
}
