package types_test

import (
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	cases := map[string]func(*types.Params){
		"zero max_model_bytes":       func(p *types.Params) { p.MaxModelBytes = 0 },
		"zero max_update_bytes":      func(p *types.Params) { p.MaxUpdateBytes = 0 },
		"zero max_committee_size":    func(p *types.Params) { p.MaxCommitteeSize = 0 },
		"zero max_rounds":            func(p *types.Params) { p.MaxRounds = 0 },
		"zero min_phase_blocks":      func(p *types.Params) { p.MinPhaseBlocks = 0 },
		"max below min phase":        func(p *types.Params) { p.MinPhaseBlocks, p.MaxPhaseBlocks = 5, 4 },
		"zero max_updates_per_round": func(p *types.Params) { p.MaxUpdatesPerRound = 0 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			p := types.DefaultParams()
			mutate(&p)
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
		})
	}
}

func TestParseMicro(t *testing.T) {
	good := map[string]uint64{"0.05": 50_000, "1": 1_000_000, "0.000001": 1, "12.5": 12_500_000, " 2 ": 2_000_000}
	for in, want := range good {
		got, err := types.ParseMicro(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-1", "0.0000001", "abc", "1e3", "99999999999999999999"} {
		_, err := types.ParseMicro(in)
		require.Error(t, err, in)
	}
}

func TestGenesisValidate(t *testing.T) {
	require.NoError(t, types.DefaultGenesis().Validate())
	payload := []byte("model")
	digest := sha256.Sum256(payload)
	valid := func() types.GenesisState {
		return types.GenesisState{
			Params:       types.DefaultParams(),
			Tasks:        []types.Task{{Id: 1}, {Id: 2}},
			GlobalModels: []types.GlobalModel{{TaskId: 1, Sha256: digest[:], Payload: payload}},
			NextTaskId:   3,
		}
	}
	gs := valid()
	require.NoError(t, gs.Validate())
	cases := map[string]func(*types.GenesisState){
		"bad params":             func(g *types.GenesisState) { g.Params.MaxRounds = 0 },
		"zero next id":           func(g *types.GenesisState) { g.NextTaskId = 0 },
		"task id at next id":     func(g *types.GenesisState) { g.NextTaskId = 2 },
		"duplicate task":         func(g *types.GenesisState) { g.Tasks[1].Id = 1 },
		"model of unknown task":  func(g *types.GenesisState) { g.GlobalModels[0].TaskId = 9 },
		"model hash mismatch":    func(g *types.GenesisState) { g.GlobalModels[0].Payload = []byte("other") },
		"duplicate global model": func(g *types.GenesisState) { g.GlobalModels = append(g.GlobalModels, g.GlobalModels[0]) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			g := valid()
			mutate(&g)
			require.Error(t, g.Validate())
		})
	}
}
