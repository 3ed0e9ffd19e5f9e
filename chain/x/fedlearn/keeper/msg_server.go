package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

type msgServer struct{ k Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the module's Msg service.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k: k} }

// CreateTask validates the task, escrows its budget and the task deposit in the module account and stores
// it, PENDING until enough validators opt in, with its initial model as the task's global model.
func (s msgServer) CreateTask(ctx context.Context, msg *types.MsgCreateTask) (*types.MsgCreateTaskResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	creator, creatorName, err := s.k.canonicalAddress(msg.Creator)
	if err != nil {
		return nil, err
	}
	params, err := s.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.ValidateAgainst(params); err != nil {
		return nil, err
	}
	fee := msg.UpdateFee
	if fee.Denom == "" {
		fee = sdk.NewCoin(msg.Budget.Denom, sdkmath.ZeroInt()) // no fee
	}
	allowed := make([]string, 0, len(msg.AllowedParticipants))
	for _, p := range msg.AllowedParticipants {
		_, canonical, err := s.k.canonicalAddress(p)
		if err != nil {
			return nil, err
		}
		allowed = append(allowed, canonical)
	}
	if err := s.k.reserveActiveSlot(ctx, creatorName, params); err != nil {
		return nil, err
	}
	escrowed := sdk.NewCoins(msg.Budget).Add(params.TaskDeposit)
	if spendable := s.k.bank.SpendableCoins(ctx, creator); !spendable.IsAllGTE(escrowed) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientFunds, "budget %s and task deposit %s, spendable %s", msg.Budget, params.TaskDeposit, spendable)
	}
	if err := s.k.bank.SendCoinsFromAccountToModule(ctx, creator, types.ModuleName, escrowed); err != nil {
		return nil, errorsmod.Wrap(types.ErrInsufficientFunds, err.Error())
	}
	id, err := s.k.TaskSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	task := types.Task{
		Id:                  id,
		Creator:             creatorName,
		ModelSpec:           msg.ModelSpec,
		InitialModelSha256:  msg.InitialModelSha256,
		NumRounds:           msg.NumRounds,
		CommitteeSize:       msg.CommitteeSize,
		Rule:                msg.Rule,
		Phases:              msg.Phases,
		MaxUpdatesPerRound:  msg.MaxUpdatesPerRound,
		Budget:              msg.Budget,
		Escrow:              msg.Budget,
		Deposit:             params.TaskDeposit,
		AllowedParticipants: allowed,
		UpdateFee:           fee,
		Status:              types.TASK_STATUS_PENDING,
		CreatedHeight:       sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := s.k.Tasks.Set(ctx, id, task); err != nil {
		return nil, err
	}
	initial := msg.Blob()
	model := types.GlobalModel{
		TaskId: id, Round: 0, Sha256: initial.Sha256, Payload: initial.Payload, SizeBytes: initial.Bytes(), Locator: initial.Locator,
	}
	if err := s.k.GlobalModels.Set(ctx, id, model); err != nil {
		return nil, err
	}
	// Opt-ins wake the task; without them it expires after max_idle_blocks.
	if err := s.k.schedule(ctx, id, task.CreatedHeight+int64(params.MaxIdleBlocks)); err != nil {
		return nil, err
	}
	err = sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventTaskCreated{
		TaskId: id, Creator: creatorName, Budget: msg.Budget, NumRounds: msg.NumRounds,
		InitialModelSha256: msg.InitialModelSha256,
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgCreateTaskResponse{TaskId: id}, nil
}

// UpdateParams replaces the params; only the authority may.
func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if msg.Authority != s.k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", s.k.authority, msg.Authority)
	}
	if err := s.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventParamsUpdated{Params: msg.Params}); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
