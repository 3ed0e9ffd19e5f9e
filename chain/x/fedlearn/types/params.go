package types

import errorsmod "cosmossdk.io/errors"

// DefaultParams suit a localnet with small inline models.
func DefaultParams() Params {
	return Params{
		MaxModelBytes:      4 << 20,
		MaxUpdateBytes:     4 << 20,
		MaxCommitteeSize:   64,
		MaxRounds:          10_000,
		MinPhaseBlocks:     1,
		MaxPhaseBlocks:     10_000,
		MaxUpdatesPerRound: 256,
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
	}
	return nil
}
