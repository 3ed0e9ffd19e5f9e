package keeper_test

import (
	"crypto/sha256"
	"slices"
	"testing"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// phaseLength is how many blocks a task gives phase (0 for the end states).
func phaseLength(phases types.PhaseLengths, phase types.RoundPhase) int64 {
	return int64(map[types.RoundPhase]uint64{
		types.ROUND_PHASE_SUBMIT: phases.Submit, types.ROUND_PHASE_UPDATE_REVEAL: phases.UpdateReveal, types.ROUND_PHASE_COMMIT: phases.Commit, types.ROUND_PHASE_REVEAL: phases.Reveal,
		types.ROUND_PHASE_AGGREGATE: phases.Aggregate, types.ROUND_PHASE_ATTEST: phases.Attest,
	}[phase])
}

func TestPhaseTransitions(t *testing.T) {
	otherHash := sha256.Sum256([]byte("another model"))
	cases := []struct {
		name string
		task func(*types.MsgCreateTask)
		from types.RoundPhase
		// act is what arrives in the first block of the phase.
		act   func(*testing.T, driver)
		to    types.RoundPhase
		early bool
	}{
		{
			name: "submit of an allowlisted task ends when every allowed participant submitted",
			task: func(m *types.MsgCreateTask) {
				m.AllowedParticipants = []string{participantAddress(0), participantAddress(1)}
			},
			from: types.ROUND_PHASE_SUBMIT, act: func(t *testing.T, d driver) { d.submit(t, 0, 1) },
			to: types.ROUND_PHASE_UPDATE_REVEAL, early: true,
		},
		{
			name: "submit of an open task runs to its deadline even at its cap", task: func(m *types.MsgCreateTask) { m.MaxUpdatesPerRound = 2 },
			from: types.ROUND_PHASE_SUBMIT, act: func(t *testing.T, d driver) { d.submit(t, 0, 1) },
			to: types.ROUND_PHASE_UPDATE_REVEAL,
		},
		{
			name: "submit ends at its deadline below the cap",
			from: types.ROUND_PHASE_SUBMIT, act: func(t *testing.T, d driver) { d.submit(t, 0) },
			to: types.ROUND_PHASE_UPDATE_REVEAL,
		},
		{
			name: "update reveal ends when every commitment is revealed",
			from: types.ROUND_PHASE_UPDATE_REVEAL, act: func(t *testing.T, d driver) { d.revealUpdates(t, 0, 1, 2) },
			to: types.ROUND_PHASE_COMMIT, early: true,
		},
		{
			name: "update reveal ends at its deadline with a commitment unrevealed",
			from: types.ROUND_PHASE_UPDATE_REVEAL, act: func(t *testing.T, d driver) { d.revealUpdates(t, 0, 2) },
			to: types.ROUND_PHASE_COMMIT,
		},
		{
			name: "update reveal fails the round at its deadline when nothing was revealed",
			from: types.ROUND_PHASE_UPDATE_REVEAL, act: func(t *testing.T, d driver) {},
			to: types.ROUND_PHASE_FAILED,
		},
		{
			name: "commit ends when every member committed",
			from: types.ROUND_PHASE_COMMIT, act: func(t *testing.T, d driver) { d.commit(t, d.members(t)...) },
			to: types.ROUND_PHASE_REVEAL, early: true,
		},
		{
			name: "commit ends at its deadline when a member is silent",
			from: types.ROUND_PHASE_COMMIT, act: func(t *testing.T, d driver) { d.commit(t, d.members(t)[1:]...) },
			to: types.ROUND_PHASE_REVEAL,
		},
		{
			name: "commit without any commitment fails the round at its deadline",
			from: types.ROUND_PHASE_COMMIT, act: func(*testing.T, driver) {},
			to: types.ROUND_PHASE_FAILED,
		},
		{
			name: "reveal ends when every committer revealed",
			from: types.ROUND_PHASE_REVEAL, act: func(t *testing.T, d driver) { d.reveal(t, d.members(t)...) },
			to: types.ROUND_PHASE_AGGREGATE, early: true,
		},
		{
			name: "reveal ends at its deadline when a committer is silent",
			from: types.ROUND_PHASE_REVEAL, act: func(t *testing.T, d driver) { d.reveal(t, d.f.validators[:3]...) },
			to: types.ROUND_PHASE_AGGREGATE,
		},
		{
			name: "aggregate ends when the miner's aggregate arrived",
			from: types.ROUND_PHASE_AGGREGATE,
			act:  func(t *testing.T, d driver) { require.NoError(t, d.f.deliver(d.aggregateMsg(t, "on time"))) },
			to:   types.ROUND_PHASE_ATTEST, early: true,
		},
		{
			name: "aggregate finalizes in the miner's block when 2/3 of the power attested with it",
			from: types.ROUND_PHASE_AGGREGATE,
			act: func(t *testing.T, d driver) {
				aggregate := d.aggregateMsg(t, "on time")
				d.attest(t, aggregate.ModelSha256, d.f.validators[:2]...) // before the miner's tx: recomputed
				require.NoError(t, d.f.deliver(aggregate))
			},
			to: types.ROUND_PHASE_FINALIZED, early: true,
		},
		{
			name: "aggregate passes to the next miner at once when over 1/3 of the power attested another hash",
			from: types.ROUND_PHASE_AGGREGATE,
			act: func(t *testing.T, d driver) {
				d.attest(t, otherHash[:], d.f.validators[1:3]...)
				require.NoError(t, d.f.deliver(d.aggregateMsg(t, "on time")))
			},
			to: types.ROUND_PHASE_AGGREGATE, early: true,
		},
		{
			name: "aggregate without its aggregate waits for its deadline, whatever was attested",
			from: types.ROUND_PHASE_AGGREGATE,
			act:  func(t *testing.T, d driver) { d.attest(t, otherHash[:], d.members(t)...) },
			to:   types.ROUND_PHASE_AGGREGATE,
		},
		{
			name: "aggregate window of a silent miner passes to the next miner at its deadline",
			from: types.ROUND_PHASE_AGGREGATE, act: func(*testing.T, driver) {},
			to: types.ROUND_PHASE_AGGREGATE,
		},
		{
			name: "attest finalizes as soon as 2/3 of the power attested",
			from: types.ROUND_PHASE_ATTEST,
			act:  func(t *testing.T, d driver) { d.attest(t, d.round(t).AggregateSha256, d.f.validators[:2]...) },
			to:   types.ROUND_PHASE_FINALIZED, early: true,
		},
		{
			name: "attest passes to the next miner once everyone attested without quorum",
			from: types.ROUND_PHASE_ATTEST,
			act:  func(t *testing.T, d driver) { d.attest(t, otherHash[:], d.members(t)...) },
			to:   types.ROUND_PHASE_AGGREGATE, early: true,
		},
		{
			name: "attest passes to the next miner as soon as over 1/3 of the power contradicts the miner",
			from: types.ROUND_PHASE_ATTEST,
			act:  func(t *testing.T, d driver) { d.attest(t, otherHash[:], d.f.validators[1:3]...) },
			to:   types.ROUND_PHASE_AGGREGATE, early: true,
		},
		{
			name: "attest fails the round at its deadline when too few attested, without blaming the miner",
			from: types.ROUND_PHASE_ATTEST,
			act:  func(t *testing.T, d driver) { d.attest(t, d.round(t).AggregateSha256, d.f.validators[2:]...) },
			to:   types.ROUND_PHASE_FAILED,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			d := f.startTask(t, tc.task)
			d.driveTo(t, tc.from)
			deadline := d.round(t).Deadline
			tc.act(t, d)
			for {
				height := f.ctx.BlockHeight()
				advanced := eventsOf[*types.EventPhaseAdvanced](t, f.endBlock(t))
				if len(advanced) == 0 {
					require.Less(t, height, deadline, "the phase ends by its deadline")
					require.False(t, tc.early, "the phase ends in the block where everything arrived")
					require.Equal(t, tc.from, d.round(t).Phase)
					continue
				}
				require.Equal(t, []*types.EventPhaseAdvanced{{
					TaskId: d.taskID, Round: 1, From: tc.from, To: tc.to, Early: tc.early,
					Deadline: height + phaseLength(d.task(t).Phases, tc.to),
				}}, advanced)
				if tc.early {
					require.Less(t, height, deadline)
				} else {
					require.Equal(t, deadline, height)
				}
				round := d.round(t)
				require.Equal(t, tc.to, round.Phase)
				require.Equal(t, height+phaseLength(d.task(t).Phases, tc.to), round.Deadline)
				return
			}
		})
	}
}

func TestSubmitWithoutUpdatesExtendsItsDeadline(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	deadline := d.round(t).Deadline
	submit := int64(d.task(t).Phases.Submit)
	for f.ctx.BlockHeight() <= deadline {
		require.Empty(t, eventsOf[*types.EventPhaseAdvanced](t, f.endBlock(t)))
	}
	round := d.round(t)
	require.Equal(t, types.ROUND_PHASE_SUBMIT, round.Phase)
	require.Equal(t, deadline+submit, round.Deadline, "extended by a submit phase from the old deadline")

	d.submit(t, 0)
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	require.Equal(t, deadline+submit+1, f.ctx.BlockHeight(), "the first update is revealed after the extended deadline")
}

func TestFullRoundsFinalizePayAndCompleteTheTask(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds, m.MaxUpdatesPerRound = 2, 3 })
	// losses[validator][participant]; the validators' powers are 40, 30, 20 and 10.
	d.losses = lossMatrix([][]uint64{
		{500_000, 200_000, 700_000},
		{300_000, 400_000, 100_000},
		{900_000, 600_000, 100_000},
		{100_000, 400_000, 100_000},
	})
	// Lower stake-weighted median: the first value, in ascending order, at which the cumulative power
	// reaches half of 100.
	// participant 0: 0.1 (10), 0.3 (40), 0.5 (80) → 0.5
	// participant 1: 0.2 (40), 0.4 (80) → 0.4
	// participant 2: 0.1 (60) → 0.1: the 40-power validator's 0.7 is outvoted.
	wantLosses := []uint64{500_000, 400_000, 100_000}
	budget := d.task(t).Budget.Amount.Int64()
	creatorBefore := f.balance(f.creator)

	var paid int64
	var lastBlock sdk.Events
	mined := map[string]uint64{}
	for number := uint64(1); number <= 2; number++ {
		d.driveTo(t, types.ROUND_PHASE_AGGREGATE)
		round := d.round(t)
		require.Equal(t, number, round.Round)
		participants := make([]string, len(round.Updates))
		for i, u := range round.Updates {
			participants[i] = u.Participant
			require.Equal(t, wantLosses[f.participantIndex(t, u.Participant)], round.ConsensusLosses[i], "update of %s", u.Participant)
		}
		rule := consensus.TemperatureRule{Mode: consensus.TemperatureFixed, Tau: 50_000}
		wantWeights, err := consensus.SoftmaxWeights(round.ConsensusLosses, rule)
		require.NoError(t, err)
		require.Equal(t, wantWeights, round.Weights)
		require.Equal(t, uint64(50_000), round.Temperature)
		best := slices.Index(round.Weights, slices.Max(round.Weights))
		require.Equal(t, f.participant(2), participants[best], "the lowest consensus loss weighs most")

		d.driveTo(t, types.ROUND_PHASE_ATTEST)
		aggregate, err := f.keeper.Aggregates.Get(f.ctx, d.key(t))
		require.NoError(t, err)
		miner := d.miner(t)
		d.attest(t, aggregate.Sha256, d.members(t)...)
		balances := map[string]int64{}
		for _, address := range append(slices.Clone(f.validators), participants...) {
			balances[address] = f.balance(address)
		}
		escrow := d.task(t).Escrow.Amount.Int64()
		module := f.moduleBalance().AmountOf("stake").Int64()
		events := f.endBlock(t)

		round = d.round(t)
		require.Equal(t, types.ROUND_PHASE_FINALIZED, round.Phase)
		require.Equal(t, aggregate.Sha256, round.FinalizedSha256)
		model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
		require.NoError(t, err)
		require.Equal(t, types.GlobalModel{
			TaskId: d.taskID, Round: number, Sha256: aggregate.Sha256, Payload: aggregate.Payload, SizeBytes: uint64(len(aggregate.Payload)),
		}, model)
		require.Equal(t, []*types.EventRoundFinalized{{TaskId: d.taskID, Round: number, Sha256: aggregate.Sha256, Miner: miner}},
			eventsOf[*types.EventRoundFinalized](t, events))
		require.Empty(t, d.perRoundRecords(t, collections.Join(d.taskID, number)), "state stays flat")
		require.Equal(t, number, d.task(t).RoundsFinalized)

		// Per round budget/2 = 200_000: participants 60 % by weight, 4 revealers 30 % in equal parts,
		// the miner 10 %.
		want := map[string]int64{}
		for i, p := range participants {
			want[p] = sdkmath.NewInt(120_000).Mul(sdkmath.NewIntFromUint64(round.Weights[i])).
				Quo(sdkmath.NewIntFromUint64(consensus.WeightScale)).Int64()
		}
		for _, v := range f.validators {
			want[v] = 15_000
		}
		want[miner] += 20_000
		var roundPaid int64
		for address, amount := range want {
			require.Equal(t, amount, f.balance(address)-balances[address], "reward of %s", address)
			roundPaid += amount
		}
		require.Len(t, eventsOf[*types.EventRewardPaid](t, events), len(participants)+len(f.validators)+1)
		require.Equal(t, escrow-roundPaid, d.task(t).Escrow.Amount.Int64(), "escrow pays exactly the rewards")
		require.Equal(t, module-roundPaid, f.moduleBalance().AmountOf("stake").Int64())
		paid += roundPaid
		stats, err := f.keeper.Stats.Get(f.ctx, miner)
		require.NoError(t, err)
		mined[miner]++
		require.Equal(t, mined[miner], stats.AggregatesFinalized)

		// The next block opens the next round on the new global model, or completes the task.
		lastBlock = f.endBlock(t)
		if number == 1 {
			next := d.round(t)
			require.Equal(t, uint64(2), next.Round)
			require.Equal(t, types.ROUND_PHASE_SUBMIT, next.Phase)
			require.Equal(t, f.ctx.BlockHeight()-1, next.StartHeight)
			require.Equal(t, aggregate.Sha256, next.BaseModelSha256)
			require.Len(t, eventsOf[*types.EventRoundStarted](t, lastBlock), 1)
		}
	}

	task := d.task(t)
	require.Equal(t, types.TASK_STATUS_COMPLETED, task.Status)
	refund := budget - paid
	require.Equal(t, []*types.EventTaskCompleted{{
		TaskId: d.taskID, RoundsFinalized: 2, Refund: sdk.NewInt64Coin("stake", refund),
	}}, eventsOf[*types.EventTaskCompleted](t, lastBlock))
	require.True(t, task.Escrow.IsZero())
	deposit := types.DefaultParams().TaskDeposit.Amount.Int64()
	require.Equal(t, creatorBefore+refund+deposit, f.balance(f.creator), "the creator gets the unspent escrow and the deposit back")
	require.True(t, f.moduleBalance().IsZero())
	wake, err := f.keeper.WakeAt.Get(f.ctx, d.taskID)
	require.NoError(t, err)
	require.Equal(t, task.EndedHeight+int64(types.DefaultParams().ModelRetentionBlocks), wake, "only its pruning is scheduled")
	require.Empty(t, f.endBlock(t), "a completed task is no longer driven")
}

func TestTasksAdvanceIndependently(t *testing.T) {
	f := newFixture(t)
	idle := f.createTask(t, nil)
	busy := f.startTask(t, func(m *types.MsgCreateTask) { m.NumRounds = 1 })
	idleRound := idle.round(t)

	busy.driveTo(t, types.ROUND_PHASE_FINALIZED)
	f.endBlock(t)
	require.Equal(t, types.TASK_STATUS_COMPLETED, busy.task(t).Status)

	round := idle.round(t)
	require.Equal(t, types.ROUND_PHASE_SUBMIT, round.Phase, "a task without updates waits in SUBMIT")
	require.Greater(t, round.Deadline, idleRound.Deadline)
	round.Deadline = idleRound.Deadline
	require.Equal(t, idleRound, round, "only its deadline moved")
	require.Equal(t, types.TASK_STATUS_ACTIVE, idle.task(t).Status)
	idle.driveTo(t, types.ROUND_PHASE_FINALIZED)
}

func TestAttestationsInAggregateBelongToTheMinerAttempt(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.driveTo(t, types.ROUND_PHASE_AGGREGATE)
	first := d.miner(t)
	otherHash := sha256.Sum256([]byte("a model the miner did not build"))
	// Every member attests before the miner's aggregate; the miner stays silent until its deadline.
	d.attest(t, otherHash[:], d.members(t)...)
	err := d.f.deliver(d.attestMsg(t, d.members(t)[0], otherHash[:]))
	require.ErrorIs(t, err, types.ErrDuplicate, "one attestation per member and miner attempt, in AGGREGATE too")
	d.advanceTo(t, types.ROUND_PHASE_AGGREGATE) // still there: the next miner's window
	for d.miner(t) == first {
		f.endBlock(t)
	}
	for _, m := range d.members(t) {
		attested, err := f.keeper.Attestations.Has(f.ctx, collections.Join(d.key(t), m))
		require.NoError(t, err)
		require.False(t, attested, "the silent miner's attempt and its attestations are dropped")
	}

	// The next miner's aggregate and every member still active attesting it, in one block (the jailed
	// miner counts in no quorum): FINALIZED in that block.
	aggregate := d.aggregateMsg(t, "second miner")
	require.NoError(t, d.f.deliver(aggregate))
	for _, m := range d.members(t) {
		if f.active(t, m) {
			d.attest(t, aggregate.ModelSha256, m)
		}
	}
	advanced := eventsOf[*types.EventPhaseAdvanced](t, f.endBlock(t))
	require.Len(t, advanced, 1)
	require.Equal(t, types.ROUND_PHASE_AGGREGATE, advanced[0].From)
	require.Equal(t, types.ROUND_PHASE_FINALIZED, advanced[0].To)
	require.Equal(t, types.ROUND_PHASE_FINALIZED, d.round(t).Phase)
	require.Equal(t, aggregate.ModelSha256, d.round(t).AggregateSha256)
}
