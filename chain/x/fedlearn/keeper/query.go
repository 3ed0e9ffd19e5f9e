package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

type queryServer struct{ k Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the module's Query service.
func NewQueryServerImpl(k Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	params, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

func (q queryServer) Task(ctx context.Context, req *types.QueryTaskRequest) (*types.QueryTaskResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	task, err := q.k.Tasks.Get(ctx, req.TaskId)
	if err != nil {
		return nil, notFoundOr(err, req.TaskId)
	}
	return &types.QueryTaskResponse{Task: task}, nil
}

func (q queryServer) Tasks(ctx context.Context, req *types.QueryTasksRequest) (*types.QueryTasksResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	tasks, page, err := query.CollectionPaginate(ctx, q.k.Tasks, boundedPage(req.Pagination),
		func(_ uint64, task types.Task) (types.Task, error) { return task, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryTasksResponse{Tasks: tasks, Pagination: page}, nil
}

func (q queryServer) GlobalModel(ctx context.Context, req *types.QueryGlobalModelRequest) (*types.QueryGlobalModelResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	model, err := q.k.GlobalModels.Get(ctx, req.TaskId)
	if err != nil {
		return nil, notFoundOr(err, req.TaskId)
	}
	return &types.QueryGlobalModelResponse{Model: model}, nil
}

// MaxPageLimit bounds the items one page of a list query returns.
const MaxPageLimit = 100

// boundedPage caps a list query's page at MaxPageLimit items; with no limit given, a page is
// MaxPageLimit items and the total is counted (the SDK's default).
func boundedPage(page *query.PageRequest) *query.PageRequest {
	bounded := query.PageRequest{}
	if page != nil {
		bounded = *page
	}
	if bounded.Limit == 0 {
		bounded.CountTotal = true
	}
	if bounded.Limit == 0 || bounded.Limit > MaxPageLimit {
		bounded.Limit = MaxPageLimit
	}
	return &bounded
}

// notFoundOr maps a missing task to NotFound with the module's error text, anything else to Internal.
func notFoundOr(err error, taskID uint64) error {
	if errors.Is(err, collections.ErrNotFound) {
		return status.Error(codes.NotFound, errorsmod.Wrapf(types.ErrTaskNotFound, "task %d", taskID).Error())
	}
	return status.Error(codes.Internal, err.Error())
}
