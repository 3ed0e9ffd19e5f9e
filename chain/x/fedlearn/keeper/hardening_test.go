package keeper_test

// Issue 8, "Chain hardening": each test performs one attack on x/fedlearn and shows the defence.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/keeper"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// newFixtureOver builds newFixture's fixture for tests and benchmarks alike (testing.TB); when wrapBank is
// given, the keeper sees wrapBank(the fake bank) instead of the fake bank. It also returns the commit
// multistore, so a benchmark can commit its setup.
func newFixtureOver(tb testing.TB, wrapBank func(*fakeBank) types.BankKeeper) (fixture, storetypes.CommitMultiStore) {
	tb.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	testCtx := testutil.DefaultContextWithDB(tb, key, storetypes.NewTransientStoreKey("transient"))
	enc := moduletestutil.MakeTestEncodingConfig()
	types.RegisterInterfaces(enc.InterfaceRegistry)
	codec := address.NewBech32Codec("sabfl")
	authority, err := codec.BytesToString(authtypes.NewModuleAddress("gov"))
	require.NoError(tb, err)
	creator, err := codec.BytesToString(sdk.AccAddress("creator_____________"))
	require.NoError(tb, err)
	bank := &fakeBank{balances: map[string]sdk.Coins{
		sdk.AccAddress("creator_____________").String(): sdk.NewCoins(sdk.NewInt64Coin("stake", 10_000_000)),
	}}
	staking := &fakeStaking{}
	var validators []string
	for i, power := range validatorPowers {
		operator := sdk.AccAddress(fmt.Sprintf("validator%d___________", i)[:20])
		pubKey := ed25519.GenPrivKeyFromSecret([]byte{byte(i)}).PubKey()
		v, err := stakingtypes.NewValidator(sdk.ValAddress(operator).String(), pubKey, stakingtypes.Description{})
		require.NoError(tb, err)
		v.Status = stakingtypes.Bonded
		v.Tokens = sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction)
		staking.validators = append(staking.validators, v)
		account, err := codec.BytesToString(operator)
		require.NoError(tb, err)
		validators = append(validators, account)
	}
	slashing := &fakeSlashing{staking: staking, jailed: map[string]time.Time{}}
	var bankKeeper types.BankKeeper = bank
	if wrapBank != nil {
		bankKeeper = wrapBank(bank)
	}
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), codec, bankKeeper, staking, slashing, authority)
	genesis := types.DefaultGenesis()
	// Tasks start in the block of their opt-in quorum, as most tests count blocks from there; the grace
	// tests (TestOptInGrace…) restore the default.
	genesis.Params.OptInGraceBlocks = 0
	require.NoError(tb, k.InitGenesis(testCtx.Ctx, genesis))
	return fixture{
		ctx: testCtx.Ctx.WithBlockHeight(7).WithHeaderHash(make([]byte, 32)), keeper: k, msgs: keeper.NewMsgServerImpl(k),
		queries: keeper.NewQueryServerImpl(k), bank: bank, staking: staking, slashing: slashing, codec: codec,
		creator: creator, authority: authority, validators: validators, storeKey: key,
	}, testCtx.CMS
}

// fundAccount gives a new account (named by up to 20 bytes) amount stake and returns its address.
func (f *fixture) fundAccount(tb testing.TB, name string, amount int64) string {
	tb.Helper()
	account := sdk.AccAddress(fmt.Sprintf("%-20s", name)[:20])
	f.bank.balances[account.String()] = sdk.NewCoins(sdk.NewInt64Coin("stake", amount))
	address, err := f.codec.BytesToString(account)
	require.NoError(tb, err)
	return address
}

// activeCounts are the pending-or-active task counts per creator ("" is the chain's).
func (f *fixture) activeCounts(t *testing.T) map[string]uint64 {
	t.Helper()
	counts := map[string]uint64{}
	require.NoError(t, f.keeper.ActiveCount.Walk(f.ctx, nil, func(key string, n uint64) (bool, error) {
		counts[key] = n
		return false, nil
	}))
	return counts
}

// scheduledAt is the height of a task's next EndBlocker step; false when none is scheduled. It also checks
// that the Due index holds exactly that one entry for the task.
func (f *fixture) scheduledAt(t *testing.T, id uint64) (int64, bool) {
	t.Helper()
	var heights []int64
	require.NoError(t, f.keeper.Due.Walk(f.ctx, nil, func(key collections.Pair[int64, uint64]) (bool, error) {
		if key.K2() == id {
			heights = append(heights, key.K1())
		}
		return false, nil
	}))
	wake, err := f.keeper.WakeAt.Get(f.ctx, id)
	if err != nil {
		require.ErrorIs(t, err, collections.ErrNotFound)
		require.Empty(t, heights, "task %d is due without a wake height", id)
		return 0, false
	}
	require.Equal(t, []int64{wake}, heights, "task %d has one Due entry, at its wake height", id)
	return wake, true
}

// splitStepFailures splits a block's events into the ids of the tasks whose step failed (the untyped
// task_step_failed events, with their error attributes) and the other, typed events.
func splitStepFailures(events sdk.Events) (failed, errs []string, rest sdk.Events) {
	for _, event := range events {
		if event.Type != types.EventTypeTaskStepFailed {
			rest = append(rest, event)
			continue
		}
		for _, attribute := range event.Attributes {
			switch attribute.Key {
			case types.AttributeKeyTaskID:
				failed = append(failed, attribute.Value)
			case types.AttributeKeyError:
				errs = append(errs, attribute.Value)
			}
		}
	}
	return failed, errs, rest
}

// createFor creates validCreateTask(creator), changed by change, without opt-ins; it returns the task id.
func (f *fixture) createFor(t *testing.T, creator string, change func(*types.MsgCreateTask)) uint64 {
	t.Helper()
	msg := validCreateTask(creator)
	if change != nil {
		change(msg)
	}
	res, err := f.msgs.CreateTask(f.ctx, msg)
	require.NoError(t, err)
	return res.TaskId
}

func (f *fixture) taskOf(t *testing.T, id uint64) types.Task {
	t.Helper()
	task, err := f.keeper.Tasks.Get(f.ctx, id)
	require.NoError(t, err)
	return task
}

// stats are a validator's stats, zero when it has none.
func (f *fixture) stats(t *testing.T, validator string) types.ValidatorStats {
	t.Helper()
	stats, err := f.keeper.Stats.Get(f.ctx, validator)
	if err != nil {
		require.ErrorIs(t, err, collections.ErrNotFound)
	}
	return stats
}

// endBlocksUntil ends blocks until the context is at height (the block at height not ended yet) and
// returns their events.
func (f *fixture) endBlocksUntil(t *testing.T, height int64) sdk.Events {
	t.Helper()
	var events sdk.Events
	for f.ctx.BlockHeight() < height {
		events = append(events, f.endBlock(t)...)
	}
	return events
}

// 1. Task spam: the active-task bounds refuse the next task and change nothing; an ended task frees its slot.
func TestTaskSpamIsRefusedPerCreatorAndChainWideUntilATaskEnds(t *testing.T) {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxActiveTasks, p.MaxActiveTasksPerCreator, p.MaxIdleBlocks = 3, 2, 30 })
	other := f.fundAccount(t, "other creator", 10_000_000)
	third := f.fundAccount(t, "third creator", 10_000_000)
	refused := func(creator, why string) {
		t.Helper()
		before, counts := f.state(t), f.activeCounts(t)
		_, err := f.msgs.CreateTask(f.ctx, validCreateTask(creator))
		require.ErrorIs(t, err, types.ErrTooManyTasks, why)
		require.Equal(t, before, f.state(t), "a refused task changes no state and no balance (%s)", why)
		require.Equal(t, counts, f.activeCounts(t))
	}

	finishing := f.createTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 1 }) // task 1, everyone opted in
	pending := f.createFor(t, f.creator, nil)                                      // task 2, nobody opts in
	refused(f.creator, "max_active_tasks_per_creator")
	otherTask := f.createFor(t, other, nil) // task 3
	require.Equal(t, map[string]uint64{"": 3, f.creator: 2, other: 1}, f.activeCounts(t))
	refused(other, "max_active_tasks")
	refused(third, "max_active_tasks")

	// Completing a task frees its creator's slot and the chain's.
	f.endBlock(t)
	finishing.driveTo(t, types.ROUND_PHASE_FINALIZED)
	completed := eventsOf[*types.EventTaskCompleted](t, f.endBlock(t))
	require.Len(t, completed, 1)
	require.Equal(t, types.TASK_STATUS_COMPLETED, finishing.task(t).Status)
	require.Equal(t, map[string]uint64{"": 2, f.creator: 1, other: 1}, f.activeCounts(t))
	again := f.createFor(t, f.creator, nil)
	refused(third, "max_active_tasks after the refill")

	// Expiring frees the slots too: tasks 2 and 3 were created at height 7 and nobody opts in.
	require.Less(t, f.ctx.BlockHeight(), int64(7+30))
	var expired []uint64
	for _, e := range eventsOf[*types.EventTaskExpired](t, f.endBlocksUntil(t, 7+30+1)) {
		expired = append(expired, e.TaskId)
	}
	require.Equal(t, []uint64{pending, otherTask}, expired)
	require.Equal(t, types.TASK_STATUS_PENDING, f.taskOf(t, again).Status, "created later, it expires later")
	require.Equal(t, map[string]uint64{"": 1, f.creator: 1}, f.activeCounts(t))
	f.createFor(t, other, nil)
	f.createFor(t, third, nil)
	require.Equal(t, map[string]uint64{"": 3, f.creator: 1, other: 1, third: 1}, f.activeCounts(t))
	refused(third, "max_active_tasks once more")
}

// 2. A budget of 1 base unit (a round reward below min_round_reward) is refused.
func TestBudgetOfOneBaseUnitIsRefused(t *testing.T) {
	minimum := types.DefaultParams().MinRoundReward
	require.True(t, minimum.Amount.Int64() > 1)
	for _, rounds := range []uint64{1, 5} {
		f := newFixture(t)
		msg := validCreateTask(f.creator)
		msg.NumRounds, msg.Budget = rounds, sdk.NewInt64Coin(minimum.Denom, 1)
		before := f.state(t)
		_, err := f.msgs.CreateTask(f.ctx, msg)
		require.ErrorIs(t, err, types.ErrInvalidBudget, "%d round(s)", rounds)
		require.Equal(t, before, f.state(t))
	}
	// The boundary: num_rounds × min_round_reward is accepted, one base unit less is not.
	f := newFixture(t)
	msg := validCreateTask(f.creator)
	msg.Budget = sdk.NewInt64Coin(minimum.Denom, int64(msg.NumRounds)*minimum.Amount.Int64()-1)
	_, err := f.msgs.CreateTask(f.ctx, msg)
	require.ErrorIs(t, err, types.ErrInvalidBudget)
	msg.Budget = msg.Budget.AddAmount(sdkmath.OneInt())
	_, err = f.msgs.CreateTask(f.ctx, msg)
	require.NoError(t, err)
}

// 3. Tasks that nobody serves, or that receive no update, expire after max_idle_blocks: the escrow is refunded
// and the task deposit burnt (the price of the active-task slot the task held for nothing).
func TestIdleTasksExpireAndRefundTheirEscrow(t *testing.T) {
	const idle = 12
	t.Run("pending task nobody opts in to", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = idle })
		balance := f.balance(f.creator)
		id := f.createFor(t, f.creator, nil)
		task := f.taskOf(t, id)
		for f.ctx.BlockHeight() < task.CreatedHeight+idle {
			require.Empty(t, eventsOf[*types.EventTaskExpired](t, f.endBlock(t)))
			require.Equal(t, types.TASK_STATUS_PENDING, f.taskOf(t, id).Status)
		}
		events := f.endBlock(t)
		deposit := types.DefaultParams().TaskDeposit
		require.Equal(t, []*types.EventTaskExpired{{TaskId: id, Reason: "too few validators opted in", Refund: task.Budget, DepositBurnt: deposit}},
			eventsOf[*types.EventTaskExpired](t, events))
		ended := f.taskOf(t, id)
		require.Equal(t, types.TASK_STATUS_EXPIRED, ended.Status)
		require.Equal(t, task.CreatedHeight+idle, ended.EndedHeight)
		require.True(t, ended.Escrow.IsZero())
		require.True(t, ended.Deposit.IsZero())
		require.Equal(t, balance-deposit.Amount.Int64(), f.balance(f.creator), "the whole budget is back, the deposit is not")
		require.Equal(t, sdk.NewCoins(deposit), f.bank.burnt)
		require.True(t, f.moduleBalance().IsZero())
		require.Empty(t, f.activeCounts(t))
	})
	t.Run("active task whose SUBMIT gets no update", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = idle })
		balance := f.balance(f.creator)
		d := f.startTask(t, nil)
		start, budget, submit := d.round(t).StartHeight, d.task(t).Budget, int64(d.task(t).Phases.Submit)
		var events sdk.Events
		for d.task(t).Status == types.TASK_STATUS_ACTIVE {
			require.LessOrEqual(t, f.ctx.BlockHeight(), start+idle+submit, "expired by the first SUBMIT deadline after max_idle_blocks")
			events = f.endBlock(t)
		}
		require.GreaterOrEqual(t, f.ctx.BlockHeight()-1, start+idle, "not before max_idle_blocks")
		reason := "no update within max_idle_blocks"
		deposit := types.DefaultParams().TaskDeposit
		require.Equal(t, []*types.EventTaskExpired{{TaskId: d.taskID, Reason: reason, Refund: budget, DepositBurnt: deposit}},
			eventsOf[*types.EventTaskExpired](t, events))
		round := d.round(t)
		require.Equal(t, types.ROUND_PHASE_FAILED, round.Phase)
		require.Equal(t, reason, round.FailureReason)
		task := d.task(t)
		require.Equal(t, types.TASK_STATUS_EXPIRED, task.Status)
		require.Equal(t, uint64(1), task.RoundsFailed)
		require.Equal(t, balance-deposit.Amount.Int64(), f.balance(f.creator), "the whole budget is back, the deposit is not")
		require.Equal(t, sdk.NewCoins(deposit), f.bank.burnt)
		require.True(t, f.moduleBalance().IsZero())
		require.Empty(t, f.activeCounts(t))
		require.Empty(t, f.slashing.slashed, "nobody is penalised for an idle task")
	})
	t.Run("active task idle after a finalized round refunds what is left", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = idle })
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 3 })
		d.driveTo(t, types.ROUND_PHASE_FINALIZED)
		escrow := d.task(t).Escrow
		require.True(t, escrow.IsLT(d.task(t).Budget), "round 1 paid rewards")
		balance := f.balance(f.creator)
		var events sdk.Events
		for d.task(t).Status == types.TASK_STATUS_ACTIVE {
			require.Less(t, f.ctx.BlockHeight(), int64(200))
			events = append(events, f.endBlock(t)...)
		}
		deposit := types.DefaultParams().TaskDeposit
		require.Equal(t, []*types.EventTaskExpired{{TaskId: d.taskID, Reason: "no update within max_idle_blocks", Refund: escrow, DepositBurnt: deposit}},
			eventsOf[*types.EventTaskExpired](t, events))
		require.Equal(t, balance+escrow.Amount.Int64(), f.balance(f.creator))
		require.True(t, f.moduleBalance().IsZero())
		require.Equal(t, uint64(2), d.task(t).CurrentRound)
	})
}

// 4. Only validators that opted in are drawn, a task waits for min_opt_in_power_bps, and opt-ins from
// inactive validators, twice, or to ended tasks are refused.
func TestOptInGatesTheDrawAndTheTasksStart(t *testing.T) {
	t.Run("pending until the opted-in power reaches the share; others never drawn", func(t *testing.T) {
		f := newFixture(t) // powers 40, 30, 20, 10; min_opt_in_power_bps 5000
		require.Equal(t, uint32(5000), types.DefaultParams().MinOptInPowerBps)
		id := f.createFor(t, f.creator, func(m *types.MsgCreateTask) { m.NumRounds, m.CommitteeSize = 3, 4 })
		optIn := func(i int) {
			t.Helper()
			require.NoError(t, f.deliver(&types.MsgOptIn{Validator: f.validators[i], TaskId: id}))
		}
		optIn(3)
		optIn(2)
		events := f.endBlock(t)
		require.Empty(t, eventsOf[*types.EventTaskActivated](t, events), "10 + 20 of 100 is below half")
		require.Empty(t, eventsOf[*types.EventRoundStarted](t, events))
		require.Equal(t, types.TASK_STATUS_PENDING, f.taskOf(t, id).Status)
		optIn(1)
		events = f.endBlock(t)
		require.Equal(t, []*types.EventTaskActivated{{TaskId: id, OptedInPowerBps: 6000}}, eventsOf[*types.EventTaskActivated](t, events))
		require.Equal(t, types.TASK_STATUS_ACTIVE, f.taskOf(t, id).Status)

		d := driver{f: &f, taskID: id, updates: 3, losses: spreadLosses}
		for number := uint64(1); number <= 3; number++ {
			require.Equal(t, number, d.round(t).Round)
			require.ElementsMatch(t, f.validators[1:], d.members(t), "the committee is the opted-in validators only")
			d.driveTo(t, types.ROUND_PHASE_FINALIZED)
			f.endBlock(t)
		}
		require.Equal(t, types.TASK_STATUS_COMPLETED, d.task(t).Status)
		require.Zero(t, f.stats(t, f.validators[0]).RoundsServed, "the 40-power validator never opted in and never served")
		require.Equal(t, uint64(3), f.stats(t, f.validators[3]).RoundsServed)
	})
	for _, tc := range []struct {
		bps    uint32
		active bool
	}{{5000, true}, {5001, false}} {
		t.Run(fmt.Sprintf("40 + 10 of 100 opted in, min_opt_in_power_bps %d", tc.bps), func(t *testing.T) {
			f := newFixture(t)
			f.setParams(t, func(p *types.Params) { p.MinOptInPowerBps = tc.bps })
			id := f.createFor(t, f.creator, nil)
			for _, i := range []int{0, 3} {
				require.NoError(t, f.deliver(&types.MsgOptIn{Validator: f.validators[i], TaskId: id}))
			}
			f.endBlock(t)
			want := types.TASK_STATUS_PENDING
			if tc.active {
				want = types.TASK_STATUS_ACTIVE
			}
			require.Equal(t, want, f.taskOf(t, id).Status)
		})
	}
	t.Run("refused opt-ins", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = 3 })
		id := f.createFor(t, f.creator, nil)
		f.staking.validators[0].Jailed = true
		f.staking.validators[1].Status = stakingtypes.Unbonding
		f.setPowers(40, 30, 20, 0) // validator 3 unbonded
		refuse := func(validator string, taskID uint64, want error) {
			t.Helper()
			before := f.state(t)
			require.ErrorIs(t, f.deliver(&types.MsgOptIn{Validator: validator, TaskId: taskID}), want)
			require.Equal(t, before, f.state(t))
		}
		refuse(f.validators[0], id, types.ErrValidatorNotActive)
		refuse(f.validators[1], id, types.ErrValidatorNotActive)
		refuse(f.validators[3], id, types.ErrValidatorNotActive)
		refuse(f.creator, id, types.ErrValidatorNotActive)
		refuse(strings.ToUpper(f.validators[2]), id, types.ErrInvalidAddress)
		refuse(f.validators[2], 99, types.ErrTaskNotFound)
		require.NoError(t, f.deliver(&types.MsgOptIn{Validator: f.validators[2], TaskId: id}))
		refuse(f.validators[2], id, types.ErrDuplicate)

		// Ended tasks, expired or completed, take no opt-in.
		f.staking.validators[0].Jailed = false
		f.staking.validators[1].Status = stakingtypes.Bonded
		expiring := f.createFor(t, f.creator, nil)
		f.endBlocksUntil(t, f.ctx.BlockHeight()+4)
		require.Equal(t, types.TASK_STATUS_EXPIRED, f.taskOf(t, expiring).Status)
		refuse(f.validators[0], expiring, types.ErrTaskNotActive)
		completed := f.createTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 1 })
		f.endBlock(t)
		completed.driveTo(t, types.ROUND_PHASE_FINALIZED)
		f.endBlock(t)
		require.Equal(t, types.TASK_STATUS_COMPLETED, completed.task(t).Status)
		refuse(f.validators[0], completed.taskID, types.ErrTaskNotActive)
	})
}

// 6. An honest miner is not penalised for absent attesters; a miner contradicted by over 1/3 of the power is.
func TestHonestMinerIsNotPenalizedWhenAttestersAreAbsent(t *testing.T) {
	otherHash := sha256.Sum256([]byte("a model the miner did not build"))
	t.Run("under 2/3 attest the miner's hash, the others are absent", func(t *testing.T) {
		f := newFixture(t) // powers 40, 30, 20, 10
		d := f.startTask(t, nil)
		d.driveTo(t, types.ROUND_PHASE_ATTEST)
		round := d.round(t)
		miner := d.miner(t)
		require.Equal(t, round.Committee[0].Address, miner)
		var total uint64
		for _, m := range round.Committee {
			total += m.Power
		}
		// The miner and, in draw order, whoever still keeps the attesting power under 2/3.
		attesters, power := []string{miner}, round.Committee[0].Power
		var absent []string
		for _, m := range round.Committee[1:] {
			if 3*(power+m.Power) < 2*total {
				attesters, power = append(attesters, m.Address), power+m.Power
			} else {
				absent = append(absent, m.Address)
			}
		}
		require.NotEmpty(t, absent)
		require.Less(t, 3*power, 2*total)
		d.attest(t, round.AggregateSha256, attesters...)

		var events sdk.Events
		for f.ctx.BlockHeight() < round.Deadline {
			events = append(events, f.endBlock(t)...)
			require.Equal(t, types.ROUND_PHASE_ATTEST, d.round(t).Phase, "ATTEST runs to its deadline")
		}
		events = append(events, f.endBlock(t)...)
		failed := d.round(t)
		require.Equal(t, types.ROUND_PHASE_FAILED, failed.Phase)
		require.Equal(t, "attest quorum not reached: too few members attested", failed.FailureReason)
		require.Empty(t, f.slashing.slashed, "nobody is slashed")
		require.Empty(t, f.slashing.jailed, "nobody is jailed")
		require.Empty(t, eventsOf[*types.EventValidatorPenalized](t, events))
		require.Zero(t, f.stats(t, miner).MinerFailures)
		require.Zero(t, f.stats(t, miner).TimesPenalized)
		for _, member := range absent {
			require.Equal(t, uint64(1), f.stats(t, member).MissedAttests, "absent %s is marked", member)
			require.Equal(t, uint32(1), f.stats(t, member).WindowMissed)
		}
		for _, member := range attesters {
			require.Zero(t, f.stats(t, member).MissedAttests, "attester %s is not marked", member)
		}
	})
	for _, tc := range []struct {
		name         string
		contradictor int // members, after the miner, that attest another hash; the rest are absent
		penalized    bool
	}{
		{"exactly 1/3 contradicts the miner: not penalised", 1, false},
		{"over 1/3 contradicts the miner: penalised", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setPowers(10, 10, 10, 0)
			d := f.startTask(t, nil)
			d.driveTo(t, types.ROUND_PHASE_ATTEST)
			members, miner := d.members(t), d.miner(t)
			require.Len(t, members, 3)
			deadline := d.round(t).Deadline
			d.attest(t, d.round(t).AggregateSha256, miner)
			d.attest(t, otherHash[:], members[1:1+tc.contradictor]...)
			blockTime := f.ctx.BlockTime()
			events := f.endBlock(t)
			if tc.penalized {
				require.Less(t, f.ctx.BlockHeight()-1, deadline, "penalised as soon as contradicted")
				f.requirePenalized(t, blockTime, miner)
				require.Equal(t, uint64(1), f.stats(t, miner).MinerFailures)
				require.Len(t, eventsOf[*types.EventValidatorPenalized](t, events), 1)
				round := d.round(t)
				require.Equal(t, types.ROUND_PHASE_AGGREGATE, round.Phase)
				require.Equal(t, uint32(1), round.MinerAttempt, "the next miner gets a window")
				return
			}
			events = append(events, f.endBlocksUntil(t, deadline+1)...)
			require.Equal(t, types.ROUND_PHASE_FAILED, d.round(t).Phase)
			require.Empty(t, f.slashing.slashed)
			require.Empty(t, eventsOf[*types.EventValidatorPenalized](t, events))
			require.Zero(t, f.stats(t, miner).MinerFailures)
			require.Equal(t, uint64(1), f.stats(t, members[2]).MissedAttests, "the absent member is marked")
			require.Zero(t, f.stats(t, members[1]).MissedAttests, "a member that attested is not")
		})
	}
}

// 7. A member jailed or unbonding since the draw may not act in the round.
func TestMemberJailedOrUnbondingAfterTheDrawIsRefused(t *testing.T) {
	phases := []struct {
		phase  types.RoundPhase
		member func(*testing.T, driver) string
		msg    func(*testing.T, driver, string) sdk.Msg
	}{
		{types.ROUND_PHASE_COMMIT, func(t *testing.T, d driver) string { return d.members(t)[1] },
			func(t *testing.T, d driver, v string) sdk.Msg { return d.commitMsg(t, v) }},
		{types.ROUND_PHASE_REVEAL, func(t *testing.T, d driver) string { return d.members(t)[1] },
			func(t *testing.T, d driver, v string) sdk.Msg { return d.revealMsg(t, v) }},
		{types.ROUND_PHASE_AGGREGATE, func(t *testing.T, d driver) string { return d.miner(t) },
			func(t *testing.T, d driver, _ string) sdk.Msg { return d.aggregateMsg(t, "by a jailed miner") }},
		{types.ROUND_PHASE_ATTEST, func(t *testing.T, d driver) string { return d.members(t)[1] },
			func(t *testing.T, d driver, v string) sdk.Msg { return d.attestMsg(t, v, d.round(t).AggregateSha256) }},
	}
	states := []struct {
		name        string
		leave, back func(*stakingtypes.Validator)
	}{
		{"jailed", func(v *stakingtypes.Validator) { v.Jailed = true }, func(v *stakingtypes.Validator) { v.Jailed = false }},
		{"unbonding", func(v *stakingtypes.Validator) { v.Status = stakingtypes.Unbonding },
			func(v *stakingtypes.Validator) { v.Status = stakingtypes.Bonded }},
	}
	for _, p := range phases {
		for _, s := range states {
			t.Run(fmt.Sprintf("%s in %s", s.name, p.phase), func(t *testing.T) {
				f := newFixture(t)
				d := f.startTask(t, nil)
				d.driveTo(t, p.phase)
				member := p.member(t, d)
				msg := p.msg(t, d, member)
				validator := &f.staking.validators[f.validatorIndex(t, member)]
				s.leave(validator)
				before := f.state(t)
				require.ErrorIs(t, f.deliver(msg), types.ErrValidatorNotActive)
				require.Equal(t, before, f.state(t), "a refused message changes nothing")
				s.back(validator)
				require.NoError(t, f.deliver(msg), "the same message from the bonded, unjailed member is accepted")
			})
		}
	}
}

// 8. A slash uses the round's start height and the member's drawn power, whenever it comes and whatever
// the validator's power is by then.
func TestSlashUsesTheRoundsStartHeightAndDrawnPower(t *testing.T) {
	const submit = 40
	t.Run("miner without an aggregate, unbonding since the draw", func(t *testing.T) {
		f := newFixture(t)
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.Phases.Submit = submit })
		round := d.round(t)
		d.driveTo(t, types.ROUND_PHASE_AGGREGATE)
		miner := d.miner(t)
		drawn := int64(round.Committee[0].Power)
		validator := &f.staking.validators[f.validatorIndex(t, miner)]
		validator.Tokens = sdk.TokensFromConsensusPower(drawn/2, sdk.DefaultPowerReduction)
		validator.Status = stakingtypes.Unbonding
		for range 20 {
			if len(f.slashing.infractions) > 0 {
				break
			}
			f.endBlock(t)
		}
		require.Equal(t, []infraction{{power: drawn, height: round.StartHeight}}, f.slashing.infractions)
		require.Equal(t, []sdk.ConsAddress{f.consAddress(t, miner)}, f.slashing.slashed)
		require.Greater(t, f.ctx.BlockHeight()-1-round.StartHeight, int64(submit), "the penalty came long after the start")
		require.NotEqual(t, drawn, validator.ConsensusPower(sdk.DefaultPowerReduction))
	})
	t.Run("liveness: a member that misses its commit", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.LivenessMaxMissed = 1 })
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.Phases.Submit = submit })
		round := d.round(t)
		silent := round.Committee[len(round.Committee)-1]
		f.setPowers(41, 31, 21, 11)
		d.silent = map[types.RoundPhase][]string{types.ROUND_PHASE_COMMIT: {silent.Address}}
		d.driveTo(t, types.ROUND_PHASE_REVEAL)
		require.Equal(t, []infraction{{power: int64(silent.Power), height: round.StartHeight}}, f.slashing.infractions)
		require.Equal(t, []sdk.ConsAddress{f.consAddress(t, silent.Address)}, f.slashing.slashed)
		require.Greater(t, f.ctx.BlockHeight()-1-round.StartHeight, int64(submit))
		current := f.staking.validators[f.validatorIndex(t, silent.Address)].ConsensusPower(sdk.DefaultPowerReduction)
		require.Equal(t, int64(silent.Power)+1, current, "the validator's power changed since the draw")
	})
}

// 9. One update per account and round, however its address is spelled; one update per hash.
func TestParticipantSubmitsOncePerRoundWhateverTheSpelling(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	refuse := func(msg sdk.Msg, want error) {
		t.Helper()
		before := f.state(t)
		require.ErrorIs(t, f.deliver(msg), want)
		require.Equal(t, before, f.state(t))
	}
	upper := d.updateMsg(t, 0)
	upper.Participant = strings.ToUpper(upper.Participant)
	refuse(sealMsg(t, upper), types.ErrInvalidAddress)
	otherPrefix := d.updateMsg(t, 0)
	var err error
	otherPrefix.Participant, err = bech32.ConvertAndEncode("cosmos", f.account(0))
	require.NoError(t, err)
	refuse(sealMsg(t, otherPrefix), types.ErrInvalidAddress)

	d.submit(t, 0)
	refuse(sealMsg(t, d.updateMsg(t, 0)), types.ErrDuplicate)
	another := d.updateMsg(t, 0)
	another.Payload = []byte("another update of the same account")
	digest := sha256.Sum256(another.Payload)
	another.Sha256, another.NumSamples = digest[:], 7
	refuse(sealMsg(t, another), types.ErrDuplicate)
	shouted := *sealMsg(t, another)
	shouted.Participant = strings.ToUpper(another.Participant)
	refuse(&shouted, types.ErrInvalidAddress)
	// Another account committing to the same bytes is accepted in SUBMIT (nobody can tell), but its reveal
	// is refused: the hash was revealed first by participant 0.
	copied := d.updateMsg(t, 0)
	copied.Participant = f.participant(1)
	require.NoError(t, f.deliver(sealMsg(t, copied)))
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	d.revealUpdates(t, 0)
	refuse(copied, types.ErrDuplicate)
	d.advanceTo(t, types.ROUND_PHASE_COMMIT)

	require.Len(t, d.round(t).Updates, 1)
	require.Equal(t, f.participant(0), d.round(t).Updates[0].Participant)
}

// commitWithSalt and revealWithSalt are a member's commit and reveal of its losses under salt s.
func (d driver) commitWithSalt(t *testing.T, validator string, s [32]byte) *types.MsgCommitLosses {
	t.Helper()
	round := d.round(t)
	hashes := make([][32]byte, len(round.Updates))
	for i, u := range round.Updates {
		hashes[i] = [32]byte(u.Sha256)
	}
	digest, err := consensus.Commitment(d.taskID, round.Round, validator, s, hashes, d.lossesOf(t, validator))
	require.NoError(t, err)
	return &types.MsgCommitLosses{Validator: validator, TaskId: d.taskID, Round: round.Round, Commitment: digest[:]}
}

func (d driver) revealWithSalt(t *testing.T, validator string, s [32]byte) *types.MsgRevealLosses {
	t.Helper()
	msg := d.revealMsg(t, validator)
	msg.Salt = s[:]
	return msg
}

// 10. The seed of round 2 comes from round 1's revealed salts, not from a block hash.
func TestNextRoundSeedAbsorbsEveryRevealedSalt(t *testing.T) {
	headerHash := make([]byte, 32) // the fixture's header hash
	type run struct{ first, second types.Round }
	// play runs round 1 with the salts given (salt(v) otherwise), sets the header hash of the block that
	// opens round 2 and returns both rounds.
	play := func(t *testing.T, salts map[int][32]byte, nextHeaderHash []byte) run {
		f := newFixture(t)
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 2 })
		opened := d.round(t)
		require.Equal(t, headerHash, opened.Entropy, "round 1 starts from the activating block's hash")
		seed := consensus.RoundSeed(headerHash, d.taskID, 1)
		require.Equal(t, seed[:], opened.Seed)
		saltOf := func(v string) [32]byte {
			if s, ok := salts[f.validatorIndex(t, v)]; ok {
				return s
			}
			return salt(v)
		}
		d.driveTo(t, types.ROUND_PHASE_COMMIT)
		members := d.members(t)
		for _, m := range members {
			require.NoError(t, f.deliver(d.commitWithSalt(t, m, saltOf(m))))
		}
		d.advanceTo(t, types.ROUND_PHASE_REVEAL)
		entropy := slices.Clone(headerHash)
		for _, m := range members {
			require.NoError(t, f.deliver(d.revealWithSalt(t, m, saltOf(m))))
			s := saltOf(m)
			next := sha256.Sum256(append(entropy, s[:]...))
			entropy = next[:]
			require.Equal(t, entropy, d.round(t).Entropy, "the entropy absorbs %s's salt", m)
		}
		d.driveTo(t, types.ROUND_PHASE_FINALIZED)
		first := d.round(t)
		f.ctx = f.ctx.WithHeaderHash(nextHeaderHash)
		events := f.endBlock(t)
		second := d.round(t)
		require.Equal(t, uint64(2), second.Round)
		want := consensus.RoundSeed(first.Entropy, d.taskID, 2)
		require.Equal(t, want[:], second.Seed)
		require.Equal(t, first.Entropy, second.Entropy, "round 2 starts from round 1's entropy")
		started := eventsOf[*types.EventRoundStarted](t, events)
		require.Len(t, started, 1)
		require.Equal(t, want[:], started[0].Seed)
		return run{first: first, second: second}
	}
	base := play(t, nil, headerHash)
	changedSalt := play(t, map[int][32]byte{2: sha256.Sum256([]byte("another salt"))}, headerHash)
	otherHeader := play(t, nil, []byte(strings.Repeat("\xff", 32)))

	require.Equal(t, base.first.Seed, changedSalt.first.Seed)
	require.NotEqual(t, base.first.Entropy, changedSalt.first.Entropy)
	require.NotEqual(t, base.second.Seed, changedSalt.second.Seed, "one salt changes round 2's seed, same header hash")
	require.Equal(t, base.second.Seed, otherHeader.second.Seed, "the proposer's header hash does not enter round 2's seed")
}

// panickyBank panics when the module pays victim while armed, and records the heights at which it did.
type panickyBank struct {
	*fakeBank
	victim sdk.AccAddress
	armed  bool
	panics []int64
}

func (b *panickyBank) SendCoinsFromModuleToAccount(ctx context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if b.armed && to.Equals(b.victim) {
		b.panics = append(b.panics, sdk.UnwrapSDKContext(ctx).BlockHeight())
		panic(fmt.Sprintf("bank broken for %s", to))
	}
	return b.fakeBank.SendCoinsFromModuleToAccount(ctx, module, to, amt)
}

// 11. A panic in one task's step fails that step only; the task is retried every few blocks.
func TestPanickingTaskStepIsRecoveredAndRetriedLater(t *testing.T) {
	var bank *panickyBank
	f, _ := newFixtureOver(t, func(b *fakeBank) types.BankKeeper {
		bank = &panickyBank{fakeBank: b, armed: true}
		return bank
	})
	f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = 10 })
	brokenCreator := f.fundAccount(t, "broken creator", 10_000_000)
	account, err := f.codec.StringToBytes(brokenCreator)
	require.NoError(t, err)
	bank.victim = account

	// Task 1 expires at height 17 and its refund panics; task 2's SUBMIT ends at 17 too.
	broken := f.createFor(t, brokenCreator, nil)
	d := f.createTask(t, func(m *types.MsgCreateTask) { m.Phases.Submit = 10 })
	f.endBlock(t)
	d.submit(t, 0)
	f.endBlocksUntil(t, 17)
	moduleBefore, brokenBefore := f.moduleBalance(), f.balance(brokenCreator)
	due, ok := f.scheduledAt(t, broken)
	require.True(t, ok)
	require.Equal(t, int64(17), due)
	require.Equal(t, int64(17), d.round(t).Deadline)

	events := f.endBlock(t) // EndBlocker returned nil
	failed, errs, rest := splitStepFailures(events)
	require.Equal(t, []string{fmt.Sprint(broken)}, failed, "task_step_failed names the broken task")
	require.Len(t, errs, 1)
	require.Contains(t, errs[0], fmt.Sprintf("panic in task %d step", broken))
	require.Equal(t, []int64{17}, bank.panics)
	require.Equal(t, types.ROUND_PHASE_UPDATE_REVEAL, d.round(t).Phase, "the other task advanced in the same block")
	require.Len(t, eventsOf[*types.EventPhaseAdvanced](t, rest), 1)
	require.Empty(t, eventsOf[*types.EventTaskExpired](t, rest), "the failed step's events are dropped")
	task := f.taskOf(t, broken)
	require.Equal(t, types.TASK_STATUS_PENDING, task.Status, "the failed step left no partial state")
	require.Equal(t, task.Budget, task.Escrow)
	require.Equal(t, moduleBefore, f.moduleBalance())
	require.Equal(t, brokenBefore, f.balance(brokenCreator))
	retry, ok := f.scheduledAt(t, broken)
	require.True(t, ok)
	require.Equal(t, int64(27), retry)

	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	f.endBlocksUntil(t, 38)
	require.Equal(t, []int64{17, 27, 37}, bank.panics, "retried every 10 blocks, not every block")
	require.Equal(t, uint64(1), d.task(t).RoundsFinalized)

	bank.armed = false
	events = f.endBlocksUntil(t, 48)
	failed, _, rest = splitStepFailures(events)
	require.Empty(t, failed)
	var expired []*types.EventTaskExpired
	for _, e := range eventsOf[*types.EventTaskExpired](t, rest) {
		if e.TaskId == broken {
			expired = append(expired, e)
		}
	}
	deposit := types.DefaultParams().TaskDeposit
	require.Equal(t, []*types.EventTaskExpired{{TaskId: broken, Reason: "too few validators opted in", Refund: task.Budget, DepositBurnt: deposit}}, expired,
		"the mended task expires at its next retry")
	require.Equal(t, types.TASK_STATUS_EXPIRED, f.taskOf(t, broken).Status)
	require.Equal(t, 10_000_000-deposit.Amount.Int64(), f.balance(brokenCreator), "its refund is paid in full, its deposit burnt")
}

// 12. max_task_steps_per_block: one step per block with the bound at 1, the oldest due step first.
func TestStepsPerBlockBoundRunsTheOldestDueStepFirst(t *testing.T) {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxTaskStepsPerBlock = 1 })
	ids := []uint64{f.createFor(t, f.creator, nil), f.createFor(t, f.creator, nil), f.createFor(t, f.creator, nil)}
	optIn := func(id uint64) {
		t.Helper()
		for _, v := range f.validators {
			require.NoError(t, f.deliver(&types.MsgOptIn{Validator: v, TaskId: id}))
		}
	}
	// Tasks 2 and 3 become due at height 7, task 1 at height 8.
	optIn(ids[1])
	optIn(ids[2])
	started := func(events sdk.Events) []uint64 {
		var out []uint64
		for _, e := range eventsOf[*types.EventRoundStarted](t, events) {
			out = append(out, e.TaskId)
		}
		return out
	}
	require.Equal(t, []uint64{ids[1]}, started(f.endBlock(t)), "height 7: one step")
	optIn(ids[0])
	require.Equal(t, []uint64{ids[2]}, started(f.endBlock(t)), "height 8: task 3, due since 7, before task 1, due at 8")
	require.Equal(t, []uint64{ids[0]}, started(f.endBlock(t)), "height 9: task 1")
	require.Empty(t, started(f.endBlock(t)))
	for i, id := range ids {
		task := f.taskOf(t, id)
		require.Equal(t, types.TASK_STATUS_ACTIVE, task.Status)
		round, err := f.keeper.Rounds.Get(f.ctx, collections.Join(id, uint64(1)))
		require.NoError(t, err)
		require.Equal(t, []int64{9, 7, 8}[i], round.StartHeight)
	}
}

// 13. An ended task leaves a small record: its model stays queryable for model_retention_blocks, then the
// model, its rounds, its model spec and its opt-ins go, and nothing of it is scheduled.
func TestEndedTaskIsPrunedAfterTheModelRetention(t *testing.T) {
	const retention = 4
	roundKeys := func(f *fixture, id uint64) []uint64 {
		var rounds []uint64
		require.NoError(t, f.keeper.Rounds.Walk(f.ctx, collections.NewPrefixedPairRange[uint64, uint64](id),
			func(key types.RoundKey, _ types.Round) (bool, error) {
				rounds = append(rounds, key.K2())
				return false, nil
			}))
		return rounds
	}
	optIns := func(f *fixture, id uint64) int {
		n := 0
		require.NoError(t, f.keeper.OptIns.Walk(f.ctx, collections.NewPrefixedPairRange[uint64, string](id),
			func(collections.Pair[uint64, string]) (bool, error) {
				n++
				return false, nil
			}))
		return n
	}
	t.Run("completed task", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.ModelRetentionBlocks = retention })
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 2 })
		for range 2 {
			d.driveTo(t, types.ROUND_PHASE_FINALIZED)
			f.endBlock(t)
		}
		ended := d.task(t)
		require.Equal(t, types.TASK_STATUS_COMPLETED, ended.Status)
		model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
		require.NoError(t, err)
		require.Equal(t, model.Sha256, ended.FinalModelSha256)
		require.Equal(t, uint64(2), model.Round)

		for f.ctx.BlockHeight() <= ended.EndedHeight+retention {
			res, err := f.queries.GlobalModel(f.ctx, &types.QueryGlobalModelRequest{TaskId: d.taskID})
			require.NoError(t, err, "queryable at height %d", f.ctx.BlockHeight())
			require.Equal(t, model, res.Model)
			f.endBlock(t)
		}
		_, err = f.queries.GlobalModel(f.ctx, &types.QueryGlobalModelRequest{TaskId: d.taskID})
		require.Equal(t, codes.NotFound, status.Code(err), "the model is gone after model_retention_blocks")
		_, err = f.queries.Round(f.ctx, &types.QueryRoundRequest{TaskId: d.taskID, Round: 1})
		require.Equal(t, codes.NotFound, status.Code(err))
		require.Empty(t, roundKeys(&f, d.taskID))
		require.Zero(t, optIns(&f, d.taskID))
		record := d.task(t)
		want := ended
		want.ModelSpec = ""
		require.Equal(t, want, record, "the task keeps its final hash, counters and status, not its model spec")
		require.Equal(t, uint64(2), record.RoundsFinalized)
		_, scheduled := f.scheduledAt(t, d.taskID)
		require.False(t, scheduled, "nothing of it is scheduled")
		for range 20 {
			require.Empty(t, f.endBlock(t), "an ended, pruned task is never stepped again")
		}
		require.Equal(t, record, d.task(t))
	})
	t.Run("expired task", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.ModelRetentionBlocks, p.MaxIdleBlocks = retention, 3 })
		id := f.createFor(t, f.creator, nil)
		f.endBlocksUntil(t, 7+3+1)
		ended := f.taskOf(t, id)
		require.Equal(t, types.TASK_STATUS_EXPIRED, ended.Status)
		require.Equal(t, validCreateTask(f.creator).InitialModelSha256, ended.FinalModelSha256)
		f.endBlocksUntil(t, ended.EndedHeight+retention+1)
		_, err := f.keeper.GlobalModels.Get(f.ctx, id)
		require.ErrorIs(t, err, collections.ErrNotFound)
		ended.ModelSpec = ""
		require.Equal(t, ended, f.taskOf(t, id))
		_, scheduled := f.scheduledAt(t, id)
		require.False(t, scheduled)
	})
	t.Run("a task with 250 rounds is pruned 100 rounds a block", func(t *testing.T) {
		f := newFixture(t)
		f.setParams(t, func(p *types.Params) { p.ModelRetentionBlocks = retention })
		d := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 1 })
		d.driveTo(t, types.ROUND_PHASE_FINALIZED)
		f.endBlock(t)
		ended := d.task(t)
		require.Equal(t, types.TASK_STATUS_COMPLETED, ended.Status)
		// Stand-ins for 249 more round records (as a 250-round task leaves), written directly.
		last, err := f.keeper.Rounds.Get(f.ctx, collections.Join(d.taskID, uint64(1)))
		require.NoError(t, err)
		for number := uint64(2); number <= 250; number++ {
			last.Round = number
			require.NoError(t, f.keeper.Rounds.Set(f.ctx, collections.Join(d.taskID, number), last))
		}
		f.endBlocksUntil(t, ended.EndedHeight+retention)
		for _, left := range []int{150, 50, 0} {
			f.endBlock(t)
			require.Len(t, roundKeys(&f, d.taskID), left)
			wake, scheduled := f.scheduledAt(t, d.taskID)
			require.Equal(t, left > 0, scheduled)
			if scheduled {
				require.Equal(t, f.ctx.BlockHeight(), wake, "the next batch goes in the next block")
				require.NotEmpty(t, d.task(t).ModelSpec)
			}
		}
		require.Empty(t, d.task(t).ModelSpec)
	})
}

// 14. A round that outlasts half the unbonding time fails without penalising anyone, so a slash's
// infraction height always lies within the unbonding period.
func TestRoundOutlastingHalfTheUnbondingTimeFailsWithoutPenalties(t *testing.T) {
	unbonding, err := (&fakeStaking{}).UnbondingTime(context.Background())
	require.NoError(t, err)
	half := unbonding / 2
	for _, tc := range []struct {
		name    string
		phase   types.RoundPhase
		elapsed time.Duration
		outlast bool
	}{
		{"miner silent in AGGREGATE, half the unbonding time", types.ROUND_PHASE_AGGREGATE, half, true},
		{"miner silent in AGGREGATE, a second less", types.ROUND_PHASE_AGGREGATE, half - time.Second, false},
		{"member silent in COMMIT, half the unbonding time", types.ROUND_PHASE_COMMIT, half, true},
		{"member silent in COMMIT, a second less", types.ROUND_PHASE_COMMIT, half - time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setParams(t, func(p *types.Params) { p.LivenessMaxMissed = 1 })
			d := f.startTask(t, nil)
			start := f.ctx.BlockTime()
			require.Equal(t, start.Unix(), d.round(t).StartTimeUnix)
			d.driveTo(t, tc.phase)
			silent := d.miner(t)
			if tc.phase == types.ROUND_PHASE_COMMIT {
				members := d.members(t)
				silent = members[len(members)-1]
				d.commit(t, members[:len(members)-1]...)
				f.endBlock(t)
				require.Equal(t, types.ROUND_PHASE_COMMIT, d.round(t).Phase)
			}
			f.ctx = f.ctx.WithBlockTime(start.Add(tc.elapsed))
			var events sdk.Events
			for d.round(t).Phase == tc.phase && len(f.slashing.slashed) == 0 {
				require.LessOrEqual(t, f.ctx.BlockHeight(), d.round(t).Deadline)
				events = append(events, f.endBlock(t)...)
			}
			if tc.outlast {
				round := d.round(t)
				require.Equal(t, types.ROUND_PHASE_FAILED, round.Phase)
				require.Equal(t, "round outlasted half the unbonding time", round.FailureReason)
				require.Empty(t, f.slashing.slashed)
				require.Empty(t, eventsOf[*types.EventValidatorPenalized](t, events))
				stats := f.stats(t, silent)
				require.Zero(t, stats.MinerFailures+stats.MissedCommits+stats.TimesPenalized, "%s is not marked", silent)
				return
			}
			require.Equal(t, []sdk.ConsAddress{f.consAddress(t, silent)}, f.slashing.slashed, "the control: a silent member is penalised")
		})
	}
}

// An active task whose opted-in validators have all left (jailed or unbonded) is never served again: it
// expires max_idle_blocks after its last round ended and refunds its escrow, instead of holding its slot.
func TestActiveTaskWhoseOptedInValidatorsLeftExpires(t *testing.T) {
	const idle = 20
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxIdleBlocks = idle })
	id := f.createFor(t, f.creator, func(m *types.MsgCreateTask) { m.NumRounds, m.CommitteeSize = 3, 4 })
	for _, v := range f.validators[1:] { // 60 % of the power; the 40-power validator keeps the chain alive
		require.NoError(t, f.deliver(&types.MsgOptIn{Validator: v, TaskId: id}))
	}
	f.endBlock(t)
	d := driver{f: &f, taskID: id, updates: 3, losses: spreadLosses}
	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	ended := d.round(t).EndHeight
	escrow := d.task(t).Escrow
	balance := f.balance(f.creator)
	for i := 1; i < len(f.validators); i++ {
		f.staking.validators[i].Jailed = true
	}
	var events sdk.Events
	for d.task(t).Status == types.TASK_STATUS_ACTIVE {
		require.Less(t, f.ctx.BlockHeight(), ended+idle+int64(d.task(t).Phases.Submit)+1, "expired within a SUBMIT length of max_idle_blocks")
		events = append(events, f.endBlock(t)...)
	}
	require.GreaterOrEqual(t, f.ctx.BlockHeight()-1, ended+idle, "not before max_idle_blocks")
	task := d.task(t)
	require.Equal(t, types.TASK_STATUS_EXPIRED, task.Status)
	require.Equal(t, uint64(1), task.CurrentRound, "no round could start")
	// The validators left: not the creator's fault, so its deposit comes back with the escrow.
	deposit := types.DefaultParams().TaskDeposit
	require.Equal(t, []*types.EventTaskExpired{{
		TaskId: id, Reason: "no opted-in validator bonded and unjailed", Refund: escrow, DepositBurnt: sdk.NewInt64Coin(deposit.Denom, 0),
	}}, eventsOf[*types.EventTaskExpired](t, events))
	require.Equal(t, balance+escrow.Amount.Add(deposit.Amount).Int64(), f.balance(f.creator))
	require.Empty(t, f.bank.burnt)
	require.True(t, f.moduleBalance().IsZero())
	require.Empty(t, f.activeCounts(t), "its slot is free")
}

// A member jailed or unbonding since the draw cannot act (the chain refuses its messages), so a phase that
// runs to its deadline without it gives it no liveness mark: neither a member jailed by another cause nor
// the miner this round jailed.
func TestMemberThatCannotActGetsNoLivenessMark(t *testing.T) {
	t.Run("jailed after the draw, silent in COMMIT", func(t *testing.T) {
		f := newFixture(t)
		d := f.startTask(t, nil)
		d.driveTo(t, types.ROUND_PHASE_COMMIT)
		members := d.members(t)
		barred, absent := members[len(members)-1], members[len(members)-2]
		f.staking.validators[f.validatorIndex(t, barred)].Jailed = true
		require.ErrorIs(t, f.deliver(d.commitMsg(t, barred)), types.ErrValidatorNotActive)
		d.commit(t, members[:len(members)-2]...)
		d.advanceTo(t, types.ROUND_PHASE_REVEAL)
		require.Zero(t, f.stats(t, barred).MissedCommits, "no mark for a commit the chain refused")
		require.Equal(t, uint64(1), f.stats(t, absent).MissedCommits, "the control: a bonded, unjailed absentee is marked")
	})
	t.Run("the miner jailed in this round, at the next attempt's ATTEST deadline", func(t *testing.T) {
		f := newFixture(t)
		d := f.startTask(t, nil)
		d.driveTo(t, types.ROUND_PHASE_ATTEST)
		members := d.members(t)
		first := d.miner(t)
		contradiction := sha256.Sum256([]byte("the model the others recompute"))
		d.attest(t, contradiction[:], members[1:]...)
		f.endBlock(t)
		require.True(t, f.staking.validators[f.validatorIndex(t, first)].IsJailed(), "the contradicted miner is jailed")
		d.driveTo(t, types.ROUND_PHASE_ATTEST)
		require.ErrorIs(t, f.deliver(d.attestMsg(t, first, d.round(t).AggregateSha256)), types.ErrValidatorNotActive,
			"the jailed member may not attest the second miner's aggregate")
		// Only the second miner attests: no quorum either way; ATTEST runs to its deadline.
		second := d.miner(t)
		d.attest(t, d.round(t).AggregateSha256, second)
		d.advanceTo(t, types.ROUND_PHASE_FAILED)
		require.Zero(t, f.stats(t, first).MissedAttests, "no mark for a phase the chain barred it from")
		for _, m := range members[1:] {
			if m != second {
				require.Equal(t, uint64(1), f.stats(t, m).MissedAttests, "the control: absent %s is marked", m)
			}
		}
	})
}
