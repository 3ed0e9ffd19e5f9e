package keeper_test

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestGenesisRoundTripWithARoundInProgress(t *testing.T) {
	cases := []struct {
		name string
		at   types.RoundPhase
		// partial delivers part of what the phase waits for before the export.
		partial func(*testing.T, driver)
	}{
		{"in reveal with two reveals", types.ROUND_PHASE_REVEAL, func(t *testing.T, d driver) { d.reveal(t, d.members(t)[:2]...) }},
		{"in attest with one attestation", types.ROUND_PHASE_ATTEST, func(t *testing.T, d driver) {
			d.attest(t, d.round(t).AggregateSha256, d.members(t)[0])
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			d := f.startTask(t, nil)
			d.driveTo(t, tc.at)
			tc.partial(t, d)
			exported, err := f.keeper.ExportGenesis(f.ctx)
			require.NoError(t, err)
			require.Len(t, exported.Rounds, 1)
			require.Len(t, exported.Updates, 3)
			require.Len(t, exported.Commitments, 4)
			require.NotEmpty(t, exported.Reveals)
			require.Len(t, exported.ValidatorStats, 4)
			if tc.at == types.ROUND_PHASE_ATTEST {
				require.Len(t, exported.Aggregates, 1)
				require.Len(t, exported.Attestations, 1)
			}

			// A fresh chain at the same height, with the bank's state, imports the module's state.
			g := newFixture(t)
			g.ctx = g.ctx.WithBlockHeight(f.ctx.BlockHeight())
			g.bank.balances = maps.Clone(f.bank.balances)
			require.NoError(t, g.keeper.InitGenesis(g.ctx, exported))
			again, err := g.keeper.ExportGenesis(g.ctx)
			require.NoError(t, err)
			require.Equal(t, exported, again)
			require.Equal(t, f.state(t), g.state(t), "participants and active tasks are restored too")

			// Both chains finish the round the same way.
			imported := d
			imported.f = &g
			d.driveTo(t, types.ROUND_PHASE_FINALIZED)
			imported.driveTo(t, types.ROUND_PHASE_FINALIZED)
			require.Equal(t, f.state(t), g.state(t))
			require.Equal(t, uint64(1), imported.task(t).RoundsFinalized)
		})
	}
}
