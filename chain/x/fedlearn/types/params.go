package types

import (
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
)

// DefaultParams suit a localnet with small inline models.
func DefaultParams() Params {
	return Params{
		MaxModelBytes:         4 << 20,
		MaxUpdateBytes:        4 << 20,
		MaxCommitteeSize:      64,
		MaxRounds:             10_000,
		MinPhaseBlocks:        1,
		MaxPhaseBlocks:        10_000,
		MaxUpdatesPerRound:    256,
		LossCap:               1_000_000 * 1_000_000, // a loss of 1e6
		WeightTolerance:       1_000_000_000_000,     // 1e-6 at weight scale 1e18
		MaxMinerAttempts:      3,
		ParticipantRewardBps:  6000,
		CommitteeRewardBps:    3000,
		MinerRewardBps:        1000,
		LivenessWindow:        20,
		LivenessMaxMissed:     10,
		LivenessSlashFraction: "0.0001",
		MinerSlashFraction:    "0.001",
		JailDurationSeconds:   60,
	}
}

// Validate checks that every bound is usable.
func (p Params) Validate() error {
	switch {
	case p.MaxModelBytes == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_model_bytes must be positive")
	case p.MaxUpdateBytes == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_update_bytes must be positive")
	case p.MaxCommitteeSize == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_committee_size must be positive")
	case p.MaxRounds == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_rounds must be positive")
	case p.MinPhaseBlocks == 0:
		return errorsmod.Wrap(ErrInvalidParams, "min_phase_blocks must be positive")
	case p.MaxPhaseBlocks < p.MinPhaseBlocks:
		return errorsmod.Wrapf(ErrInvalidParams, "max_phase_blocks %d < min_phase_blocks %d", p.MaxPhaseBlocks, p.MinPhaseBlocks)
	case p.MaxUpdatesPerRound == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_updates_per_round must be positive")
	case p.LossCap == 0:
		return errorsmod.Wrap(ErrInvalidParams, "loss_cap must be positive")
	case p.MaxMinerAttempts == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_miner_attempts must be positive")
	case p.ParticipantRewardBps+p.CommitteeRewardBps+p.MinerRewardBps != 10_000:
		return errorsmod.Wrapf(ErrInvalidParams, "reward shares sum to %d bps, want 10000",
			p.ParticipantRewardBps+p.CommitteeRewardBps+p.MinerRewardBps)
	case p.LivenessWindow == 0 || p.LivenessMaxMissed == 0 || p.LivenessMaxMissed > p.LivenessWindow:
		return errorsmod.Wrapf(ErrInvalidParams, "need 0 < liveness_max_missed (%d) <= liveness_window (%d)",
			p.LivenessMaxMissed, p.LivenessWindow)
	}
	// A slice, not a map: the first invalid field named must be the same on every node.
	for _, f := range []struct{ name, fraction string }{
		{"liveness_slash_fraction", p.LivenessSlashFraction}, {"miner_slash_fraction", p.MinerSlashFraction},
	} {
		name, fraction := f.name, f.fraction
		dec, err := sdkmath.LegacyNewDecFromStr(fraction)
		if err != nil || dec.IsNegative() || dec.GT(sdkmath.LegacyOneDec()) {
			return errorsmod.Wrapf(ErrInvalidParams, "%s %q must be a decimal in [0, 1]", name, fraction)
		}
	}
	return nil
}
