package types_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	cases := map[string]func(*types.Params){
		"zero max_model_bytes":       func(p *types.Params) { p.MaxModelBytes = 0 },
		"zero max_update_bytes":      func(p *types.Params) { p.MaxUpdateBytes = 0 },
		"zero max_committee_size":    func(p *types.Params) { p.MaxCommitteeSize = 0 },
		"zero max_rounds":            func(p *types.Params) { p.MaxRounds = 0 },
		"zero min commit phase":      func(p *types.Params) { p.MinPhases.Commit = 0 },
		"max below min phase":        func(p *types.Params) { p.MinPhases.Attest, p.MaxPhaseBlocks = 5, 4 },
		"zero max_updates_per_round": func(p *types.Params) { p.MaxUpdatesPerRound = 0 },
		// Each share below 2^32 but their uint32 sum wraps to exactly 10000.
		"reward bps wrap": func(p *types.Params) {
			p.ParticipantRewardBps, p.CommitteeRewardBps, p.MinerRewardBps = 1<<31, 1<<31, 10_000
		},
		"reward share above 10000":          func(p *types.Params) { p.ParticipantRewardBps, p.CommitteeRewardBps = 10_001, 0 },
		"payload bound above the hard cap":  func(p *types.Params) { p.MaxUpdateBytes = types.MaxBlobBytes + 1 },
		"committee above the hard cap":      func(p *types.Params) { p.MaxCommitteeSize = types.MaxCommitteeSize + 1 },
		"updates above the hard cap":        func(p *types.Params) { p.MaxUpdatesPerRound = types.MaxUpdatesPerRound + 1 },
		"miner attempts above committee":    func(p *types.Params) { p.MaxMinerAttempts = p.MaxCommitteeSize + 1 },
		"phase bound without end":           func(p *types.Params) { p.MaxPhaseBlocks = 1 << 40 },
		"zero max_active_tasks":             func(p *types.Params) { p.MaxActiveTasks = 0 },
		"per-creator bound above the total": func(p *types.Params) { p.MaxActiveTasksPerCreator = p.MaxActiveTasks + 1 },
		"zero max_idle_blocks":              func(p *types.Params) { p.MaxIdleBlocks = 0 },
		"zero steps per block":              func(p *types.Params) { p.MaxTaskStepsPerBlock = 0 },
		"opt-in share above 100%":           func(p *types.Params) { p.MinOptInPowerBps = 10_001 },
		"invalid min_round_reward":          func(p *types.Params) { p.MinRoundReward.Denom = "" },
		"grace as long as the idle bound":   func(p *types.Params) { p.OptInGraceBlocks = p.MaxIdleBlocks },
		"task deposit without denom":        func(p *types.Params) { p.TaskDeposit = sdk.Coin{} },
		"huge slash fraction string":        func(p *types.Params) { p.MinerSlashFraction = strings.Repeat("1", 1<<20) },
		"jail for a century":                func(p *types.Params) { p.JailDurationSeconds = 100 * 365 * 24 * 3600 },
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
	for _, in := range []string{"", "-1", "0.0000001", "abc", "1e3", "99999999999999999999", strings.Repeat("9", 33)} {
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
			Params: types.DefaultParams(),
			Tasks:  []types.Task{validTask(1, types.TASK_STATUS_ACTIVE, 2), validTask(2, types.TASK_STATUS_PENDING, 0)},
			GlobalModels: []types.GlobalModel{
				{TaskId: 1, Sha256: digest[:], Payload: payload},
				{TaskId: 2, Sha256: digest[:], SizeBytes: 1 << 30, Locator: "ipfs://bafkreia"},
			},
			NextTaskId: 3,
			Rounds: []types.Round{{
				TaskId: 1, Round: 2, Phase: types.ROUND_PHASE_COMMIT, Committee: []types.CommitteeMember{{Address: member, Power: 1}},
				Updates: []types.UpdateInfo{{Sha256: digest[:], Participant: member}}, Weights: []uint64{1},
			}},
			OptIns: []types.GenesisOptIn{{TaskId: 1, Validator: member}},
		}
	}
	gs := valid()
	require.NoError(t, gs.Validate())
	cases := map[string]func(*types.GenesisState){
		"bad params":                         func(g *types.GenesisState) { g.Params.MaxRounds = 0 },
		"zero next id":                       func(g *types.GenesisState) { g.NextTaskId = 0 },
		"task id at next id":                 func(g *types.GenesisState) { g.NextTaskId = 2 },
		"duplicate task":                     func(g *types.GenesisState) { g.Tasks[1].Id = 1 },
		"model of unknown task":              func(g *types.GenesisState) { g.GlobalModels[0].TaskId = 9 },
		"model hash mismatch":                func(g *types.GenesisState) { g.GlobalModels[0].Payload = []byte("other") },
		"duplicate global model":             func(g *types.GenesisState) { g.GlobalModels = append(g.GlobalModels, g.GlobalModels[0]) },
		"model both inline and by reference": func(g *types.GenesisState) { g.GlobalModels[1].Payload = payload },
		"model reference without a scheme":   func(g *types.GenesisState) { g.GlobalModels[1].Locator = "bafkreia" },
		"task without status":                func(g *types.GenesisState) { g.Tasks[0].Status = types.TASK_STATUS_UNSPECIFIED },
		"upper-case creator":                 func(g *types.GenesisState) { g.Tasks[0].Creator = strings.ToUpper(g.Tasks[0].Creator) },
		"escrow above budget":                func(g *types.GenesisState) { g.Tasks[0].Escrow = g.Tasks[0].Budget.AddAmount(g.Tasks[0].Budget.Amount) },
		"invalid rule":                       func(g *types.GenesisState) { g.Tasks[0].Rule.Temperature = "0" },
		"deposit without denom":              func(g *types.GenesisState) { g.Tasks[0].Deposit = sdk.Coin{} },
		"quorum before creation":             func(g *types.GenesisState) { g.Tasks[1].QuorumHeight = 2 },
		"round past the current":             func(g *types.GenesisState) { g.Rounds[0].Round = 3 },
		"round without committee":            func(g *types.GenesisState) { g.Rounds[0].Committee = nil },
		"miner outside committee":            func(g *types.GenesisState) { g.Rounds[0].MinerAttempt = 1 },
		"weights not aligned":                func(g *types.GenesisState) { g.Rounds[0].Weights = []uint64{1, 2} },
		"updates out of order": func(g *types.GenesisState) {
			g.Rounds[0].Updates = append(g.Rounds[0].Updates, g.Rounds[0].Updates[0])
		},
		"active task without its round": func(g *types.GenesisState) { g.Rounds = nil },
		"opt-in to unknown task":        func(g *types.GenesisState) { g.OptIns[0].TaskId = 9 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			g := valid()
			mutate(&g)
			require.Error(t, g.Validate())
		})
	}
}

// member is a well-formed account address for genesis records.
const member = "sabfl1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc59f78g9"

func validTask(id uint64, status types.TaskStatus, current uint64) types.Task {
	budget := sdk.NewInt64Coin("stake", 1000)
	return types.Task{
		Id: id, Creator: member, Status: status, NumRounds: 5, CurrentRound: current, CommitteeSize: 1,
		Rule:   types.AggregationRule{TemperatureMode: types.TEMPERATURE_MODE_FIXED, Temperature: "1", ScoreStep: "1"},
		Budget: budget, Escrow: budget, Deposit: sdk.NewInt64Coin("stake", 10), CreatedHeight: 3,
	}
}
