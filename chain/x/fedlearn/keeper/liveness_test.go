package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestLivenessPenalizesMissesWithinAWindow(t *testing.T) {
	cases := []struct {
		name              string
		window, maxMissed uint32
		// phase is the one the watched validator stays silent in, in the rounds misses marks.
		phase     types.RoundPhase
		misses    []bool
		penalties uint64
	}{
		{"max missed commits within the window: penalized once", 4, 2, types.ROUND_PHASE_COMMIT, []bool{true, true, true}, 1},
		{"max missed reveals within the window: penalized once", 4, 2, types.ROUND_PHASE_REVEAL, []bool{true, true, true}, 1},
		{"misses in two windows are forgiven", 2, 2, types.ROUND_PHASE_COMMIT, []bool{true, false, true}, 0},
		{"a new window counts from zero after a penalty", 2, 1, types.ROUND_PHASE_COMMIT, []bool{true, true}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setParams(t, func(p *types.Params) { p.LivenessWindow, p.LivenessMaxMissed = tc.window, tc.maxMissed })
			d := f.startTask(t, func(m *types.MsgCreateTask) { m.MaxUpdatesPerRound = 1 })
			d.updates = 1
			// The 10-power validator: the others keep the reveal quorum without it.
			watched := f.validators[3]
			var misses uint64
			for _, miss := range tc.misses {
				require.Contains(t, d.members(t), watched)
				d.silent = nil
				if miss {
					d.silent = map[types.RoundPhase][]string{tc.phase: {watched}}
					misses++
				}
				d.driveTo(t, types.ROUND_PHASE_FINALIZED)
				// The validator unjails itself and is drawn again.
				f.staking.validators[3].Jailed = false
				f.endBlock(t)
			}

			stats, err := f.keeper.Stats.Get(f.ctx, watched)
			require.NoError(t, err)
			missed := map[types.RoundPhase]uint64{types.ROUND_PHASE_COMMIT: stats.MissedCommits, types.ROUND_PHASE_REVEAL: stats.MissedReveals}
			require.Equal(t, misses, missed[tc.phase])
			require.Equal(t, tc.penalties, stats.TimesPenalized)
			require.Len(t, f.slashing.slashed, int(tc.penalties))
			for _, consAddr := range f.slashing.slashed {
				require.Equal(t, f.consAddress(t, watched), consAddr)
			}
		})
	}
}
