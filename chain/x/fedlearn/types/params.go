package types

import (
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Upper bounds of params that have no natural one: generous, but finite, so no param can make a task's
// work unbounded or an arithmetic expression wrap.
const (
	maxLossCap             = 1_000_000_000_000_000_000 // a loss of 1e12, in micro-units
	maxRoundsBound         = 100_000
	maxPhaseBlocksBound    = 100_000
	maxLivenessWindow      = 10_000
	maxJailSeconds         = 365 * 24 * 3600
	maxActiveTasksBound    = 100_000
	maxIdleBlocksBound     = 1_000_000
	maxRetentionBlocks     = 10_000_000
	maxTaskStepsBound      = 10_000
	bpsScale               = 10_000
	defaultRewardDenom     = "stake"
	defaultMinPhaseBlocks  = 5
	defaultMinRoundRewards = 1_000
	defaultTaskDeposit     = 10_000
	defaultOptInGrace      = 3
)

// DefaultParams suit a localnet: small models inline, models up to 256 MiB by reference.
func DefaultParams() Params {
	minPhase := uint64(defaultMinPhaseBlocks)
	return Params{
		MaxModelBytes:            256 << 20,
		MaxUpdateBytes:           256 << 20,
		MaxInlineBytes:           256 << 10,
		MaxCommitteeSize:         64,
		MaxRounds:                10_000,
		MaxPhaseBlocks:           10_000,
		MaxUpdatesPerRound:       256,
		LossCap:                  1_000_000 * 1_000_000, // a loss of 1e6
		MaxMinerAttempts:         3,
		ParticipantRewardBps:     6000,
		CommitteeRewardBps:       3000,
		MinerRewardBps:           1000,
		LivenessWindow:           20,
		LivenessMaxMissed:        10,
		LivenessSlashFraction:    "0.0001",
		MinerSlashFraction:       "0.001",
		JailDurationSeconds:      60,
		MinPhases:                PhaseLengths{Submit: minPhase, Commit: minPhase, Reveal: minPhase, Aggregate: minPhase, Attest: minPhase, UpdateReveal: minPhase},
		MaxActiveTasks:           1_000,
		MaxActiveTasksPerCreator: 200,
		MinRoundReward:           sdk.NewInt64Coin(defaultRewardDenom, defaultMinRoundRewards),
		MaxIdleBlocks:            600,
		ModelRetentionBlocks:     1_000,
		MaxTaskStepsPerBlock:     200,
		MinOptInPowerBps:         5_000,
		OptInGraceBlocks:         defaultOptInGrace,
		TaskDeposit:              sdk.NewInt64Coin(defaultRewardDenom, defaultTaskDeposit),
	}
}

// bounded is one param with its allowed range, checked in a fixed order so that every node names the
// same field.
type bounded struct {
	name     string
	value    uint64
	min, max uint64
}

// Validate checks that every param lies within its bounds.
func (p Params) Validate() error {
	for _, b := range []bounded{
		{"max_model_bytes", p.MaxModelBytes, 1, MaxBlobBytes},
		{"max_update_bytes", p.MaxUpdateBytes, 1, MaxBlobBytes},
		{"max_inline_bytes", p.MaxInlineBytes, 1, MaxPayloadBytes},
		{"max_committee_size", uint64(p.MaxCommitteeSize), 1, MaxCommitteeSize},
		{"max_rounds", p.MaxRounds, 1, maxRoundsBound},
		{"max_phase_blocks", p.MaxPhaseBlocks, 1, maxPhaseBlocksBound},
		{"min_phases.submit", p.MinPhases.Submit, 1, p.MaxPhaseBlocks},
		{"min_phases.commit", p.MinPhases.Commit, 1, p.MaxPhaseBlocks},
		{"min_phases.reveal", p.MinPhases.Reveal, 1, p.MaxPhaseBlocks},
		{"min_phases.update_reveal", p.MinPhases.UpdateReveal, 1, p.MaxPhaseBlocks},
		{"min_phases.aggregate", p.MinPhases.Aggregate, 1, p.MaxPhaseBlocks},
		{"min_phases.attest", p.MinPhases.Attest, 1, p.MaxPhaseBlocks},
		{"max_updates_per_round", uint64(p.MaxUpdatesPerRound), 1, MaxUpdatesPerRound},
		{"loss_cap", p.LossCap, 1, maxLossCap},
		{"max_miner_attempts", uint64(p.MaxMinerAttempts), 1, uint64(p.MaxCommitteeSize)},
		{"participant_reward_bps", uint64(p.ParticipantRewardBps), 0, bpsScale},
		{"committee_reward_bps", uint64(p.CommitteeRewardBps), 0, bpsScale},
		{"miner_reward_bps", uint64(p.MinerRewardBps), 0, bpsScale},
		{"liveness_window", uint64(p.LivenessWindow), 1, maxLivenessWindow},
		{"liveness_max_missed", uint64(p.LivenessMaxMissed), 1, uint64(p.LivenessWindow)},
		{"jail_duration_seconds", p.JailDurationSeconds, 0, maxJailSeconds},
		{"max_active_tasks", uint64(p.MaxActiveTasks), 1, maxActiveTasksBound},
		{"max_active_tasks_per_creator", uint64(p.MaxActiveTasksPerCreator), 1, uint64(p.MaxActiveTasks)},
		{"max_idle_blocks", p.MaxIdleBlocks, 1, maxIdleBlocksBound},
		{"model_retention_blocks", p.ModelRetentionBlocks, 0, maxRetentionBlocks},
		{"max_task_steps_per_block", uint64(p.MaxTaskStepsPerBlock), 1, maxTaskStepsBound},
		{"min_opt_in_power_bps", uint64(p.MinOptInPowerBps), 1, bpsScale},
		// The grace ends before a pending task would expire.
		{"opt_in_grace_blocks", p.OptInGraceBlocks, 0, p.MaxIdleBlocks - 1},
	} {
		if b.value < b.min || b.value > b.max {
			return errorsmod.Wrapf(ErrInvalidParams, "%s %d outside [%d, %d]", b.name, b.value, b.min, b.max)
		}
	}
	// Each share is at most 10000 (above), so the sum cannot wrap.
	if sum := p.ParticipantRewardBps + p.CommitteeRewardBps + p.MinerRewardBps; sum != bpsScale {
		return errorsmod.Wrapf(ErrInvalidParams, "reward shares sum to %d bps, want %d", sum, bpsScale)
	}
	for _, c := range []struct {
		name string
		coin sdk.Coin
	}{{"min_round_reward", p.MinRoundReward}, {"task_deposit", p.TaskDeposit}} {
		if !c.coin.IsValid() {
			return errorsmod.Wrapf(ErrInvalidParams, "%s %s is not a valid coin", c.name, c.coin)
		}
	}
	for _, f := range []struct{ name, fraction string }{
		{"liveness_slash_fraction", p.LivenessSlashFraction}, {"miner_slash_fraction", p.MinerSlashFraction},
	} {
		if _, err := ParseFraction(f.fraction); err != nil {
			return errorsmod.Wrapf(ErrInvalidParams, "%s: %v", f.name, err)
		}
	}
	return nil
}

// ParseFraction parses a slash fraction: a decimal in [0, 1] of at most MaxDecimalLength characters.
func ParseFraction(s string) (sdkmath.LegacyDec, error) {
	if len(s) > MaxDecimalLength {
		return sdkmath.LegacyDec{}, errorsmod.Wrapf(ErrFieldTooLong, "fraction has %d characters, limit %d", len(s), MaxDecimalLength)
	}
	dec, err := sdkmath.LegacyNewDecFromStr(s)
	if err != nil || dec.IsNegative() || dec.GT(sdkmath.LegacyOneDec()) {
		return sdkmath.LegacyDec{}, errorsmod.Wrapf(ErrInvalidParams, "%q must be a decimal in [0, 1]", s)
	}
	return dec, nil
}
