package keeper_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestRevealQuorum(t *testing.T) {
	cases := []struct {
		name      string
		powers    []int64
		revealers []int // fixture validator indices; every member commits
		want      types.RoundPhase
	}{
		{"70 % of the power revealed", []int64{40, 30, 20, 10}, []int{0, 1}, types.ROUND_PHASE_AGGREGATE},
		{"60 % of the power revealed", []int64{40, 30, 20, 10}, []int{0, 2}, types.ROUND_PHASE_FAILED},
		{"exactly 2/3 of the power revealed", []int64{10, 10, 10, 0}, []int{0, 1}, types.ROUND_PHASE_AGGREGATE},
		{"67 % of the power revealed", []int64{34, 33, 33, 0}, []int{0, 1}, types.ROUND_PHASE_AGGREGATE},
		{"66 % of the power revealed", []int64{34, 33, 33, 0}, []int{1, 2}, types.ROUND_PHASE_FAILED},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setPowers(tc.powers...)
			d := f.startTask(t, nil)
			d.driveTo(t, types.ROUND_PHASE_REVEAL)
			model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
			require.NoError(t, err)
			for _, v := range tc.revealers {
				d.reveal(t, f.validators[v])
			}
			events := d.advanceTo(t, tc.want)
			round := d.round(t)
			if tc.want == types.ROUND_PHASE_AGGREGATE {
				require.NotEmpty(t, round.Weights)
				return
			}
			reason := "reveal quorum (2/3 of committee power) not reached"
			require.Equal(t, reason, round.FailureReason)
			require.Equal(t, []*types.EventRoundFailed{{TaskId: d.taskID, Round: 1, Reason: reason}}, eventsOf[*types.EventRoundFailed](t, events))
			require.Empty(t, round.Weights)
			after, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
			require.NoError(t, err)
			require.Equal(t, model, after, "a failed round leaves the global model")
			require.Empty(t, d.perRoundRecords(t, d.key(t)))
			require.Equal(t, uint64(1), d.task(t).RoundsFailed)
			require.Empty(t, eventsOf[*types.EventRewardPaid](t, events))
			f.endBlock(t)
			require.Equal(t, uint64(2), d.round(t).Round, "the next round opens in the next block")
		})
	}
}

// consAddress is the consensus address of a fixture validator.
func (f *fixture) consAddress(t *testing.T, validator string) sdk.ConsAddress {
	t.Helper()
	consAddr, err := f.staking.validators[f.validatorIndex(t, validator)].GetConsAddr()
	require.NoError(t, err)
	return consAddr
}

// requirePenalized checks that the fake slashing keeper slashed and jailed exactly validators, in order,
// until the block time plus the jail duration.
func (f *fixture) requirePenalized(t *testing.T, jailedAt time.Time, validators ...string) {
	t.Helper()
	var want []sdk.ConsAddress
	for _, v := range validators {
		consAddr := f.consAddress(t, v)
		want = append(want, consAddr)
		require.True(t, f.staking.validators[f.validatorIndex(t, v)].IsJailed(), "%s jailed", v)
		require.Equal(t, jailedAt.Add(time.Duration(types.DefaultParams().JailDurationSeconds)*time.Second), f.slashing.jailed[consAddr.String()])
	}
	require.Equal(t, want, f.slashing.slashed)
	require.Len(t, f.slashing.jailed, len(validators))
}

func TestMinerMissingTheAttestQuorumIsPenalizedAndReplaced(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.driveTo(t, types.ROUND_PHASE_ATTEST)
	members := d.members(t)
	first := d.miner(t)
	require.Equal(t, members[0], first)
	firstHash := d.round(t).AggregateSha256
	recomputed := sha256.Sum256([]byte("the model the others recompute"))
	d.attest(t, firstHash, first)
	d.attest(t, recomputed[:], members[1:]...)
	blockTime := f.ctx.BlockTime()
	events := f.endBlock(t)

	f.requirePenalized(t, blockTime, first)
	stats, err := f.keeper.Stats.Get(f.ctx, first)
	require.NoError(t, err)
	require.Equal(t, uint64(1), stats.MinerFailures)
	require.Equal(t, uint64(1), stats.TimesPenalized)
	reason := "miner: aggregate contradicted by over 1/3 of the committee"
	require.Equal(t, []*types.EventValidatorPenalized{{
		TaskId: d.taskID, Round: 1, Validator: first, Reason: reason,
		SlashFraction: types.DefaultParams().MinerSlashFraction, JailedUntilUnix: f.slashing.jailed[f.consAddress(t, first).String()].Unix(),
	}}, eventsOf[*types.EventValidatorPenalized](t, events))
	round := d.round(t)
	require.Equal(t, types.ROUND_PHASE_AGGREGATE, round.Phase)
	require.Equal(t, uint32(1), round.MinerAttempt)
	require.Empty(t, round.AggregateSha256)
	require.Equal(t, map[string]int{"updates": 3, "participants": 3, "commitments": 4, "reveals": 4}, d.perRoundRecords(t, d.key(t)),
		"the failed attempt's aggregate and attestations are gone")

	stale := d.aggregateMsg(t, "again")
	stale.Miner = first
	require.ErrorIs(t, f.deliver(stale), types.ErrValidatorNotActive, "the failed miner is jailed: its messages are refused")
	second := d.miner(t)
	require.Equal(t, members[1], second)
	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
	require.NoError(t, err)
	require.Equal(t, d.aggregateMsg(t, "by "+second).ModelSha256, model.Sha256)
	require.Equal(t, d.round(t).FinalizedSha256, model.Sha256)
	for miner, finalized := range map[string]uint64{first: 0, second: 1} {
		stats, err := f.keeper.Stats.Get(f.ctx, miner)
		require.NoError(t, err)
		require.Equal(t, finalized, stats.AggregatesFinalized)
	}

	f.endBlock(t)
	require.NotContains(t, d.members(t), first, "a jailed validator is not drawn")
}

func TestRoundFailsWhenTheMinerAttemptsRunOut(t *testing.T) {
	cases := []struct {
		name      string
		powers    []int64
		attempts  uint32
		revealers []int
		// penalized are the fixture validators slashed and jailed; miners counts the miners tried.
		penalized int
		miners    uint64
		reason    string
	}{
		{
			name: "max_miner_attempts miners time out", powers: []int64{40, 30, 20, 10}, attempts: 2, revealers: []int{0, 1, 2, 3},
			penalized: 2, miners: 2, reason: "no aggregate reached quorum after 2 miner(s); last: no aggregate within its window",
		},
		{
			name: "every revealed member times out", powers: []int64{40, 30, 20, 10}, attempts: 3, revealers: []int{0, 1},
			penalized: 2, miners: 2, reason: "no aggregate reached quorum after 2 miner(s); last: no aggregate within its window",
		},
		{
			name: "the only bonded validator is counted, never jailed", powers: []int64{40, 0, 0, 0}, attempts: 3, revealers: []int{0},
			penalized: 0, miners: 1, reason: "no aggregate reached quorum after 1 miner(s); last: no aggregate within its window",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setPowers(tc.powers...)
			f.setParams(t, func(p *types.Params) { p.MaxMinerAttempts = tc.attempts })
			d := f.startTask(t, nil)
			d.driveTo(t, types.ROUND_PHASE_REVEAL)
			for _, v := range tc.revealers {
				d.reveal(t, f.validators[v])
			}
			model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
			require.NoError(t, err)
			d.advanceTo(t, types.ROUND_PHASE_AGGREGATE)
			queue := d.members(t)
			events := d.advanceTo(t, types.ROUND_PHASE_FAILED)

			round := d.round(t)
			require.Equal(t, tc.reason, round.FailureReason)
			require.Len(t, eventsOf[*types.EventValidatorPenalized](t, events), tc.penalized)
			require.Len(t, f.slashing.slashed, tc.penalized)
			var failures uint64
			for _, member := range queue {
				stats, err := f.keeper.Stats.Get(f.ctx, member)
				require.NoError(t, err)
				failures += stats.MinerFailures
				require.Equal(t, stats.MinerFailures, stats.TimesPenalized, "penalties of %s", member)
			}
			require.Equal(t, tc.miners, failures)
			after, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
			require.NoError(t, err)
			require.Equal(t, model, after)
			require.Empty(t, d.perRoundRecords(t, d.key(t)))
		})
	}
}
