package keeper

import (
	"context"
	"encoding/binary"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// roundKey resolves round 0 to the task's current round.
func (q queryServer) roundKey(ctx context.Context, taskID, round uint64) (types.RoundKey, error) {
	if round == 0 {
		task, err := q.k.Tasks.Get(ctx, taskID)
		if err != nil {
			return types.RoundKey{}, notFoundOr(err, taskID)
		}
		round = task.CurrentRound
	}
	return collections.Join(taskID, round), nil
}

func notFound(err error, sentinel *errorsmod.Error, format string, args ...any) error {
	if errors.Is(err, collections.ErrNotFound) {
		return status.Error(codes.NotFound, errorsmod.Wrapf(sentinel, format, args...).Error())
	}
	return status.Error(codes.Internal, err.Error())
}

func (q queryServer) Round(ctx context.Context, req *types.QueryRoundRequest) (*types.QueryRoundResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	key, err := q.roundKey(ctx, req.TaskId, req.Round)
	if err != nil {
		return nil, err
	}
	round, err := q.k.Rounds.Get(ctx, key)
	if err != nil {
		return nil, notFound(err, types.ErrRoundNotFound, "task %d round %d", key.K1(), key.K2())
	}
	return &types.QueryRoundResponse{Round: round}, nil
}

func (q queryServer) Rounds(ctx context.Context, req *types.QueryRoundsRequest) (*types.QueryRoundsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	rounds, page, err := query.CollectionPaginate(ctx, q.k.Rounds, boundedPage(req.Pagination),
		func(_ types.RoundKey, round types.Round) (types.Round, error) { return round, nil },
		query.WithCollectionPaginationPairPrefix[uint64, uint64](req.TaskId))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryRoundsResponse{Rounds: rounds, Pagination: page}, nil
}

// Updates pages through a round's update list (the Round record's, without payloads: no payload is read).
func (q queryServer) Updates(ctx context.Context, req *types.QueryUpdatesRequest) (*types.QueryUpdatesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	key, err := q.roundKey(ctx, req.TaskId, req.Round)
	if err != nil {
		return nil, err
	}
	round, err := q.k.Rounds.Get(ctx, key)
	if err != nil {
		return nil, notFound(err, types.ErrRoundNotFound, "task %d round %d", key.K1(), key.K2())
	}
	// A page key is the big-endian offset of the page's first update.
	page := boundedPage(req.Pagination)
	start := page.Offset
	if len(page.Key) > 0 {
		if len(page.Key) != 8 {
			return nil, status.Error(codes.InvalidArgument, "invalid page key")
		}
		start = binary.BigEndian.Uint64(page.Key)
	}
	n := uint64(len(round.Updates))
	start = min(start, n)
	end := min(start+page.Limit, n)
	response := &types.QueryUpdatesResponse{Updates: round.Updates[start:end], Pagination: &query.PageResponse{}}
	if end < n {
		response.Pagination.NextKey = binary.BigEndian.AppendUint64(nil, end)
	}
	if page.CountTotal {
		response.Pagination.Total = n
	}
	return response, nil
}

func (q queryServer) Update(ctx context.Context, req *types.QueryUpdateRequest) (*types.QueryUpdateResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	key, err := q.roundKey(ctx, req.TaskId, req.Round)
	if err != nil {
		return nil, err
	}
	update, err := q.k.Updates.Get(ctx, collections.Join(key, req.Sha256))
	if err != nil {
		return nil, notFound(err, types.ErrUpdateNotFound, "update %x of task %d round %d", req.Sha256, key.K1(), key.K2())
	}
	return &types.QueryUpdateResponse{Update: update}, nil
}

func (q queryServer) Reveals(ctx context.Context, req *types.QueryRevealsRequest) (*types.QueryRevealsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	key, err := q.roundKey(ctx, req.TaskId, req.Round)
	if err != nil {
		return nil, err
	}
	var reveals []types.Reveal
	err = q.k.Reveals.Walk(ctx, collections.NewPrefixedPairRange[types.RoundKey, string](key),
		func(_ collections.Pair[types.RoundKey, string], reveal types.Reveal) (bool, error) {
			reveals = append(reveals, reveal)
			return false, nil
		})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryRevealsResponse{Reveals: reveals}, nil
}

func (q queryServer) Aggregate(ctx context.Context, req *types.QueryAggregateRequest) (*types.QueryAggregateResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	key, err := q.roundKey(ctx, req.TaskId, req.Round)
	if err != nil {
		return nil, err
	}
	aggregate, err := q.k.Aggregates.Get(ctx, key)
	if err != nil {
		return nil, notFound(err, types.ErrAggregateNotFound, "task %d round %d", key.K1(), key.K2())
	}
	return &types.QueryAggregateResponse{Aggregate: aggregate}, nil
}

func (q queryServer) ValidatorStats(ctx context.Context, req *types.QueryValidatorStatsRequest) (*types.QueryValidatorStatsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	stats, err := q.k.Stats.Get(ctx, req.Address)
	if errors.Is(err, collections.ErrNotFound) {
		return &types.QueryValidatorStatsResponse{Stats: types.ValidatorStats{Address: req.Address}}, nil
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryValidatorStatsResponse{Stats: stats}, nil
}
