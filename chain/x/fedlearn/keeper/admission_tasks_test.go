package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// A task starts opt_in_grace_blocks after its opt-in quorum, and round 1 is drawn from every validator
// opted in by then: a validator whose opt-in lands within the grace is drawn, one after it serves from
// round 2, and a quorum lost within the grace delays the start.
func TestOptInGraceDrawsRoundOneFromLateOptIns(t *testing.T) {
	const grace = 3
	require.Equal(t, uint64(grace), types.DefaultParams().OptInGraceBlocks)
	setup := func(t *testing.T) (*fixture, uint64) {
		f := newFixture(t) // powers 40, 30, 20, 10; min_opt_in_power_bps 5000
		f.setParams(t, func(p *types.Params) { p.OptInGraceBlocks = grace })
		id := f.createFor(t, f.creator, func(m *types.MsgCreateTask) { m.NumRounds, m.CommitteeSize = 2, 4 })
		return &f, id
	}
	optIn := func(t *testing.T, f *fixture, id uint64, validators ...int) {
		t.Helper()
		for _, i := range validators {
			require.NoError(t, f.deliver(&types.MsgOptIn{Validator: f.validators[i], TaskId: id}))
		}
	}

	t.Run("an opt-in within the grace is drawn for round 1", func(t *testing.T) {
		f, id := setup(t)
		optIn(t, f, id, 0, 1) // 70 of 100: the quorum
		quorumHeight := f.ctx.BlockHeight()
		events := f.endBlock(t)
		require.Equal(t, []*types.EventTaskQuorumReached{{TaskId: id, OptedInPowerBps: 7000, ActivationHeight: quorumHeight + grace}},
			eventsOf[*types.EventTaskQuorumReached](t, events))
		require.Empty(t, eventsOf[*types.EventTaskActivated](t, events), "the grace has begun")
		task := f.taskOf(t, id)
		require.Equal(t, types.TASK_STATUS_PENDING, task.Status)
		require.Equal(t, quorumHeight, task.QuorumHeight)
		at, _ := f.scheduledAt(t, id)
		require.Equal(t, quorumHeight+grace, at)

		optIn(t, f, id, 3) // a block later: wakes the task, which waits for the grace's end
		require.Empty(t, eventsOf[*types.EventTaskActivated](t, f.endBlock(t)))
		at, _ = f.scheduledAt(t, id)
		require.Equal(t, quorumHeight+grace, at, "an opt-in does not move the start")
		events = f.endBlocksUntil(t, quorumHeight+grace+1)
		require.Equal(t, []*types.EventTaskActivated{{TaskId: id, OptedInPowerBps: 8000}}, eventsOf[*types.EventTaskActivated](t, events))
		d := driver{f: f, taskID: id, updates: 3, losses: spreadLosses}
		require.Equal(t, quorumHeight+grace, d.round(t).StartHeight)
		require.ElementsMatch(t, []string{f.validators[0], f.validators[1], f.validators[3]}, d.members(t),
			"the late opt-in is in round 1's committee")

		optIn(t, f, id, 2) // after the grace: from round 2 on
		d.driveTo(t, types.ROUND_PHASE_FINALIZED)
		f.endBlock(t)
		require.Equal(t, uint64(2), d.round(t).Round)
		require.ElementsMatch(t, f.validators, d.members(t))
	})
	t.Run("a quorum lost within the grace delays the start", func(t *testing.T) {
		f, id := setup(t)
		optIn(t, f, id, 0, 3) // 50 of 100: exactly the quorum
		f.endBlock(t)
		require.NotZero(t, f.taskOf(t, id).QuorumHeight)
		f.staking.validators[3].Jailed = true // 40 of 90 left
		f.endBlocksUntil(t, f.ctx.BlockHeight()+grace)
		task := f.taskOf(t, id)
		require.Equal(t, types.TASK_STATUS_PENDING, task.Status, "no quorum at the grace's end")
		require.Zero(t, task.QuorumHeight, "the grace starts again with the next quorum")
		optIn(t, f, id, 2) // 60 of 90
		quorumHeight := f.ctx.BlockHeight()
		f.endBlocksUntil(t, quorumHeight+grace)
		require.Equal(t, types.TASK_STATUS_PENDING, f.taskOf(t, id).Status)
		f.endBlock(t)
		require.Equal(t, types.TASK_STATUS_ACTIVE, f.taskOf(t, id).Status)
	})
	t.Run("no grace: the task starts in the quorum's block", func(t *testing.T) {
		f, id := setup(t)
		f.setParams(t, func(p *types.Params) { p.OptInGraceBlocks = 0 })
		optIn(t, f, id, 0, 1)
		height := f.ctx.BlockHeight()
		events := f.endBlock(t)
		require.Len(t, eventsOf[*types.EventTaskQuorumReached](t, events), 1)
		require.Len(t, eventsOf[*types.EventTaskActivated](t, events), 1)
		require.Equal(t, height, f.taskOf(t, id).QuorumHeight)
	})
}

// Task-slot griefing: Sybil creators fill max_active_tasks with tasks nobody serves, so an honest creator is
// refused. The slots come back after max_idle_blocks, and each one costs its creator the task deposit.
func TestTaskDepositBoundsSlotGriefing(t *testing.T) {
	const idle, slots = 10, 3
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxActiveTasks, p.MaxActiveTasksPerCreator, p.MaxIdleBlocks = slots, 1, idle })
	deposit := types.DefaultParams().TaskDeposit
	budget := validCreateTask(f.creator).Budget

	// A failed tx leaves no state: refused creations run in a context that is dropped, as the SDK's is.
	refused := func() sdk.Context { ctx, _ := f.ctx.CacheContext(); return ctx }
	// The deposit is escrowed on top of the budget: a creator that can pay only the budget is refused.
	poor := f.fundAccount(t, "poor creator", budget.Amount.Int64())
	_, err := f.msgs.CreateTask(refused(), validCreateTask(poor))
	require.ErrorIs(t, err, types.ErrInsufficientFunds)

	var sybils []string
	for i := range slots {
		sybil := f.fundAccount(t, "sybil "+string(rune('a'+i)), budget.Amount.Add(deposit.Amount).Int64())
		f.createFor(t, sybil, nil)
		sybils = append(sybils, sybil)
	}
	_, err = f.msgs.CreateTask(refused(), validCreateTask(f.creator))
	require.ErrorIs(t, err, types.ErrTooManyTasks, "the slots are full")

	f.endBlocksUntil(t, f.ctx.BlockHeight()+idle+1)
	require.Empty(t, f.activeCounts(t), "every Sybil task expired")
	for _, sybil := range sybils {
		require.Equal(t, budget.Amount.Int64(), f.balance(sybil), "each Sybil got its budget back, not its deposit")
	}
	require.Equal(t, sdk.NewCoins(sdk.NewCoin(deposit.Denom, deposit.Amount.MulRaw(slots))), f.bank.burnt)
	_, err = f.msgs.CreateTask(f.ctx, validCreateTask(f.creator))
	require.NoError(t, err, "the honest creator gets a slot")
}
