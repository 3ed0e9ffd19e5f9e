package keeper_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	addresscodec "cosmossdk.io/core/address"
	sdkmath "cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/keeper"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// fakeBank keeps balances in memory: enough to observe escrow movements without a bank module.
type fakeBank struct {
	balances map[string]sdk.Coins
	burnt    sdk.Coins
}

func (b *fakeBank) BurnCoins(_ context.Context, module string, amt sdk.Coins) error {
	moduleAddr := authtypes.NewModuleAddress(module).String()
	if !b.balances[moduleAddr].IsAllGTE(amt) {
		return fmt.Errorf("module %s: cannot burn %s, holds %s", module, amt, b.balances[moduleAddr])
	}
	b.balances[moduleAddr] = b.balances[moduleAddr].Sub(amt...)
	b.burnt = b.burnt.Add(amt...)
	return nil
}

func (b *fakeBank) SpendableCoins(_ context.Context, addr sdk.AccAddress) sdk.Coins {
	return b.balances[addr.String()]
}

func (b *fakeBank) GetAllBalances(_ context.Context, addr sdk.AccAddress) sdk.Coins {
	return b.balances[addr.String()]
}

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	have := b.balances[from.String()]
	if !have.IsAllGTE(amt) {
		return fmt.Errorf("insufficient funds: %s < %s", have, amt)
	}
	b.balances[from.String()] = have.Sub(amt...)
	moduleAddr := authtypes.NewModuleAddress(module).String()
	b.balances[moduleAddr] = b.balances[moduleAddr].Add(amt...)
	return nil
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	moduleAddr := authtypes.NewModuleAddress(module).String()
	if !b.balances[moduleAddr].IsAllGTE(amt) {
		return fmt.Errorf("module %s: insufficient funds: %s < %s", module, b.balances[moduleAddr], amt)
	}
	b.balances[moduleAddr] = b.balances[moduleAddr].Sub(amt...)
	b.balances[to.String()] = b.balances[to.String()].Add(amt...)
	return nil
}

// fakeStaking serves a fixed set of bonded validators; jailing through fakeSlashing marks them jailed.
type fakeStaking struct {
	validators []stakingtypes.Validator
}

func (s *fakeStaking) GetBondedValidatorsByPower(context.Context) ([]stakingtypes.Validator, error) {
	var bonded []stakingtypes.Validator
	for _, v := range s.validators {
		if v.IsBonded() && !v.IsJailed() {
			bonded = append(bonded, v)
		}
	}
	return bonded, nil
}

func (s *fakeStaking) GetValidator(_ context.Context, addr sdk.ValAddress) (stakingtypes.Validator, error) {
	for _, v := range s.validators {
		if v.OperatorAddress == addr.String() {
			return v, nil
		}
	}
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

func (s *fakeStaking) PowerReduction(context.Context) sdkmath.Int { return sdk.DefaultPowerReduction }

// UnbondingTime is the SDK's default, three weeks.
func (s *fakeStaking) UnbondingTime(context.Context) (time.Duration, error) {
	return 21 * 24 * time.Hour, nil
}

// fakeSlashing records slashes and jails.
type fakeSlashing struct {
	staking *fakeStaking
	slashed []sdk.ConsAddress
	// infractions are the power and infraction height of each slash, in order.
	infractions []infraction
	jailed      map[string]time.Time
}

type infraction struct{ power, height int64 }

func (s *fakeSlashing) Slash(_ context.Context, consAddr sdk.ConsAddress, _ sdkmath.LegacyDec, power, height int64) error {
	s.slashed = append(s.slashed, consAddr)
	s.infractions = append(s.infractions, infraction{power: power, height: height})
	return nil
}

func (s *fakeSlashing) Jail(_ context.Context, consAddr sdk.ConsAddress) error {
	for i, v := range s.staking.validators {
		if addr, _ := v.GetConsAddr(); bytes.Equal(addr, consAddr) {
			s.staking.validators[i].Jailed = true
		}
	}
	return nil
}

func (s *fakeSlashing) JailUntil(_ context.Context, consAddr sdk.ConsAddress, until time.Time) error {
	s.jailed[consAddr.String()] = until
	return nil
}

type fixture struct {
	ctx        sdk.Context
	keeper     keeper.Keeper
	msgs       types.MsgServer
	queries    types.QueryServer
	bank       *fakeBank
	staking    *fakeStaking
	slashing   *fakeSlashing
	codec      addresscodec.Codec
	creator    string
	authority  string
	validators []string // operator account addresses, in the order of powers
	storeKey   *storetypes.KVStoreKey
}

// validatorPowers are the consensus powers of the fixture's bonded validators.
var validatorPowers = []int64{40, 30, 20, 10}

func newFixture(t *testing.T) fixture {
	t.Helper()
	f, _ := newFixtureOver(t, nil)
	return f
}

func validCreateTask(creator string) *types.MsgCreateTask {
	payload := []byte("canonical initial model bytes")
	digest := sha256.Sum256(payload)
	return &types.MsgCreateTask{
		Creator:            creator,
		ModelSpec:          "digits/logreg",
		InitialModelSha256: digest[:],
		InitialModel:       payload,
		NumRounds:          5,
		CommitteeSize:      3,
		Rule: types.AggregationRule{
			TemperatureMode: types.TEMPERATURE_MODE_FIXED, Temperature: "0.05", ScoreStep: "1",
		},
		Phases:             types.PhaseLengths{Submit: 5, Commit: 5, Reveal: 5, Aggregate: 5, Attest: 5, UpdateReveal: 5},
		MaxUpdatesPerRound: 20,
		Budget:             sdk.NewInt64Coin("stake", 400_000),
	}
}

func (f fixture) moduleBalance() sdk.Coins {
	return f.bank.balances[authtypes.NewModuleAddress(types.ModuleName).String()]
}

func TestCreateTaskStoresTaskEscrowAndModel(t *testing.T) {
	f := newFixture(t)
	msg := validCreateTask(f.creator)

	res, err := f.msgs.CreateTask(f.ctx, msg)
	require.NoError(t, err)
	require.Equal(t, uint64(1), res.TaskId)

	task, err := f.queries.Task(f.ctx, &types.QueryTaskRequest{TaskId: 1})
	require.NoError(t, err)
	require.Equal(t, types.Task{
		Id: 1, Creator: f.creator, ModelSpec: msg.ModelSpec, InitialModelSha256: msg.InitialModelSha256,
		NumRounds: 5, CommitteeSize: 3, Rule: msg.Rule, Phases: msg.Phases, MaxUpdatesPerRound: 20,
		Budget: msg.Budget, Escrow: msg.Budget, Status: types.TASK_STATUS_PENDING, CreatedHeight: 7,
		UpdateFee: sdk.NewInt64Coin("stake", 0), Deposit: types.DefaultParams().TaskDeposit,
	}, task.Task)

	model, err := f.queries.GlobalModel(f.ctx, &types.QueryGlobalModelRequest{TaskId: 1})
	require.NoError(t, err)
	require.Equal(t, msg.InitialModel, model.Model.Payload)
	require.Equal(t, uint64(0), model.Model.Round)

	// The budget and the task deposit (10,000stake by default) are escrowed.
	require.Equal(t, sdk.NewCoins(msg.Budget).Add(types.DefaultParams().TaskDeposit), f.moduleBalance())
	require.Equal(t, int64(9_590_000), f.bank.balances[sdk.AccAddress("creator_____________").String()].AmountOf("stake").Int64())

	var created bool
	for _, event := range f.ctx.EventManager().Events() {
		created = created || event.Type == "sabfl.fedlearn.v1.EventTaskCreated"
	}
	require.True(t, created, "EventTaskCreated emitted")

	res, err = f.msgs.CreateTask(f.ctx, validCreateTask(f.creator))
	require.NoError(t, err)
	require.Equal(t, uint64(2), res.TaskId, "task ids increase")
}

func TestCreateTaskRejections(t *testing.T) {
	oversize := make([]byte, types.DefaultParams().MaxModelBytes+1)
	oversizeDigest := sha256.Sum256(oversize)
	cases := []struct {
		name   string
		mutate func(*types.MsgCreateTask)
		err    error
	}{
		{"empty model spec", func(m *types.MsgCreateTask) { m.ModelSpec = "" }, types.ErrEmptyModelSpec},
		{"empty payload", func(m *types.MsgCreateTask) { m.InitialModel = nil }, types.ErrEmptyPayload},
		{"hash mismatch", func(m *types.MsgCreateTask) { m.InitialModelSha256 = make([]byte, 32) }, types.ErrHashMismatch},
		{"oversize payload", func(m *types.MsgCreateTask) {
			m.InitialModel, m.InitialModelSha256 = oversize, oversizeDigest[:]
		}, types.ErrPayloadTooLarge},
		{"zero temperature", func(m *types.MsgCreateTask) { m.Rule.Temperature = "0" }, types.ErrInvalidRule},
		{"negative temperature", func(m *types.MsgCreateTask) { m.Rule.Temperature = "-0.5" }, types.ErrInvalidRule},
		{"temperature not a decimal", func(m *types.MsgCreateTask) { m.Rule.Temperature = "warm" }, types.ErrInvalidRule},
		{"temperature too precise", func(m *types.MsgCreateTask) { m.Rule.Temperature = "0.0000001" }, types.ErrInvalidRule},
		{"unspecified temperature mode", func(m *types.MsgCreateTask) {
			m.Rule.TemperatureMode = types.TEMPERATURE_MODE_UNSPECIFIED
		}, types.ErrInvalidRule},
		{"mad mode without multiplier", func(m *types.MsgCreateTask) {
			m.Rule = types.AggregationRule{TemperatureMode: types.TEMPERATURE_MODE_MAD, TemperatureMin: "0.01", ScoreStep: "1"}
		}, types.ErrInvalidRule},
		{"score step zero", func(m *types.MsgCreateTask) { m.Rule.ScoreStep = "0" }, types.ErrInvalidRule},
		{"score step above one", func(m *types.MsgCreateTask) { m.Rule.ScoreStep = "1.5" }, types.ErrInvalidRule},
		{"zero rounds", func(m *types.MsgCreateTask) { m.NumRounds = 0 }, types.ErrInvalidRounds},
		{"too many rounds", func(m *types.MsgCreateTask) { m.NumRounds = types.DefaultParams().MaxRounds + 1 }, types.ErrInvalidRounds},
		{"zero committee", func(m *types.MsgCreateTask) { m.CommitteeSize = 0 }, types.ErrInvalidCommittee},
		{"committee too large", func(m *types.MsgCreateTask) {
			m.CommitteeSize = types.DefaultParams().MaxCommitteeSize + 1
		}, types.ErrInvalidCommittee},
		{"zero-block phase", func(m *types.MsgCreateTask) { m.Phases.Reveal = 0 }, types.ErrInvalidPhases},
		{"phase too long", func(m *types.MsgCreateTask) { m.Phases.Submit = types.DefaultParams().MaxPhaseBlocks + 1 }, types.ErrInvalidPhases},
		{"update cap above param", func(m *types.MsgCreateTask) {
			m.MaxUpdatesPerRound = types.DefaultParams().MaxUpdatesPerRound + 1
		}, types.ErrInvalidUpdateLimit},
		{"zero budget", func(m *types.MsgCreateTask) { m.Budget = sdk.NewInt64Coin("stake", 0) }, types.ErrInvalidBudget},
		{"invalid budget denom", func(m *types.MsgCreateTask) { m.Budget = sdk.Coin{Denom: "1x", Amount: sdkmath.NewInt(5)} }, types.ErrInvalidBudget},
		{"insufficient funds", func(m *types.MsgCreateTask) { m.Budget = sdk.NewInt64Coin("stake", 20_000_000) }, types.ErrInsufficientFunds},
		{"denom other than the reward denom", func(m *types.MsgCreateTask) { m.Budget = sdk.NewInt64Coin("other", 400_000) }, types.ErrInvalidBudget},
		{"round reward below the minimum", func(m *types.MsgCreateTask) { m.Budget = sdk.NewInt64Coin("stake", 4_999) }, types.ErrInvalidBudget},
		{"upper-case creator", func(m *types.MsgCreateTask) { m.Creator = strings.ToUpper(m.Creator) }, types.ErrInvalidAddress},
		{"model spec over the bound", func(m *types.MsgCreateTask) { m.ModelSpec = strings.Repeat("x", types.MaxModelSpecBytes+1) }, types.ErrFieldTooLong},
		{"1 MiB decimal", func(m *types.MsgCreateTask) { m.Rule.Temperature = strings.Repeat("9", 1<<20) }, types.ErrInvalidRule},
		{"phase below the chain's minimum", func(m *types.MsgCreateTask) { m.Phases.Commit = 1 }, types.ErrInvalidPhases},
		{"direction margin above 1", func(m *types.MsgCreateTask) { m.Rule.DirectionMargin = "1.5" }, types.ErrInvalidRule},
		{"norm limit with 7 decimals", func(m *types.MsgCreateTask) { m.Rule.NormLimit = "0.0000001" }, types.ErrInvalidRule},
		{"unknown probe", func(m *types.MsgCreateTask) { m.Rule.Probe = 9 }, types.ErrInvalidRule},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			msg := validCreateTask(f.creator)
			tc.mutate(msg)
			_, err := f.msgs.CreateTask(f.ctx, msg)
			require.ErrorIs(t, err, tc.err)
			_, err = f.keeper.Tasks.Get(f.ctx, 1)
			require.Error(t, err, "no task stored")
			require.True(t, f.moduleBalance().IsZero(), "nothing escrowed")
		})
	}
	t.Run("bad creator address", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.msgs.CreateTask(f.ctx, validCreateTask("cosmos1notours"))
		require.ErrorContains(t, err, "creator")
	})
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	params := types.DefaultParams()
	params.MaxCommitteeSize = 7

	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.creator, Params: params})
	require.ErrorIs(t, err, types.ErrInvalidAuthority)

	bad := params
	bad.MaxRounds = 0
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: bad})
	require.ErrorIs(t, err, types.ErrInvalidParams)

	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: params})
	require.NoError(t, err)
	got, err := f.queries.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, params, got.Params)

	msg := validCreateTask(f.creator)
	msg.CommitteeSize = 8
	_, err = f.msgs.CreateTask(f.ctx, msg)
	require.ErrorIs(t, err, types.ErrInvalidCommittee, "new params apply")
}

func TestQueries(t *testing.T) {
	f := newFixture(t)
	_, err := f.queries.Task(f.ctx, &types.QueryTaskRequest{TaskId: 9})
	require.ErrorContains(t, err, "task not found")
	for range 3 {
		_, err := f.msgs.CreateTask(f.ctx, validCreateTask(f.creator))
		require.NoError(t, err)
	}
	page, err := f.queries.Tasks(f.ctx, &types.QueryTasksRequest{})
	require.NoError(t, err)
	require.Len(t, page.Tasks, 3)
	require.Equal(t, uint64(3), page.Pagination.Total)
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		_, err := f.msgs.CreateTask(f.ctx, validCreateTask(f.creator))
		require.NoError(t, err)
	}
	exported, err := f.keeper.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Len(t, exported.Tasks, 2)
	require.Len(t, exported.GlobalModels, 2)
	require.Equal(t, uint64(3), exported.NextTaskId)

	g := newFixture(t)
	require.ErrorContains(t, g.keeper.InitGenesis(g.ctx, exported), "tasks escrow 820000stake",
		"a module account that does not hold the escrow is refused")
	g = newFixture(t)
	g.bank.balances = maps.Clone(f.bank.balances)
	require.NoError(t, g.keeper.InitGenesis(g.ctx, exported))
	again, err := g.keeper.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	res, err := g.msgs.CreateTask(g.ctx, validCreateTask(g.creator))
	require.NoError(t, err)
	require.Equal(t, uint64(3), res.TaskId, "imported sequence continues")
}

func TestFailingTaskDoesNotStopTheOthers(t *testing.T) {
	f := newFixture(t)
	for range 2 {
		_, err := f.msgs.CreateTask(f.ctx, validCreateTask(f.creator))
		require.NoError(t, err)
	}
	for _, v := range f.validators {
		for id := uint64(1); id <= 2; id++ {
			_, err := f.msgs.OptIn(f.ctx, &types.MsgOptIn{Validator: v, TaskId: id})
			require.NoError(t, err)
		}
	}
	// Task 1 is broken: its global model is gone, so opening its first round fails.
	require.NoError(t, f.keeper.GlobalModels.Remove(f.ctx, 1))

	require.NoError(t, f.keeper.EndBlocker(f.ctx), "a failing task does not fail the block")
	broken, err := f.keeper.Tasks.Get(f.ctx, 1)
	require.NoError(t, err)
	require.Zero(t, broken.CurrentRound, "the failed step left no partial state")
	healthy, err := f.keeper.Tasks.Get(f.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, uint64(1), healthy.CurrentRound)
	var reported bool
	for _, event := range f.ctx.EventManager().Events() {
		reported = reported || event.Type == types.EventTypeTaskStepFailed
	}
	require.True(t, reported)
}
