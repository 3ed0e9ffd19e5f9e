package types

import (
	"bytes"
	"crypto/sha256"

	errorsmod "cosmossdk.io/errors"
)

// ValidateStateless checks everything about a MsgCreateTask that needs neither state nor params.
func (m *MsgCreateTask) ValidateStateless() error {
	if m.ModelSpec == "" {
		return ErrEmptyModelSpec
	}
	if len(m.InitialModel) == 0 {
		return errorsmod.Wrap(ErrEmptyPayload, "initial_model")
	}
	if got := sha256.Sum256(m.InitialModel); !bytes.Equal(got[:], m.InitialModelSha256) {
		return errorsmod.Wrapf(ErrHashMismatch, "initial_model_sha256 %x, payload hashes to %x", m.InitialModelSha256, got)
	}
	if m.NumRounds == 0 {
		return errorsmod.Wrap(ErrInvalidRounds, "num_rounds must be positive")
	}
	if m.CommitteeSize == 0 {
		return errorsmod.Wrap(ErrInvalidCommittee, "committee_size must be positive")
	}
	if err := m.Rule.Validate(); err != nil {
		return err
	}
	if !m.Budget.IsValid() || m.Budget.IsZero() {
		return errorsmod.Wrapf(ErrInvalidBudget, "budget %s must be a positive coin", m.Budget)
	}
	return nil
}

// ValidateAgainst checks a MsgCreateTask against the module parameters.
func (m *MsgCreateTask) ValidateAgainst(p Params) error {
	if uint64(len(m.InitialModel)) > p.MaxModelBytes {
		return errorsmod.Wrapf(ErrPayloadTooLarge, "initial_model has %d bytes, max_model_bytes is %d", len(m.InitialModel), p.MaxModelBytes)
	}
	if m.NumRounds > p.MaxRounds {
		return errorsmod.Wrapf(ErrInvalidRounds, "num_rounds %d > max_rounds %d", m.NumRounds, p.MaxRounds)
	}
	if m.CommitteeSize > p.MaxCommitteeSize {
		return errorsmod.Wrapf(ErrInvalidCommittee, "committee_size %d > max_committee_size %d", m.CommitteeSize, p.MaxCommitteeSize)
	}
	if m.MaxUpdatesPerRound > p.MaxUpdatesPerRound {
		return errorsmod.Wrapf(ErrInvalidUpdateLimit, "max_updates_per_round %d > %d", m.MaxUpdatesPerRound, p.MaxUpdatesPerRound)
	}
	for _, phase := range []struct {
		name   string
		blocks uint64
	}{
		{"submit", m.Phases.Submit}, {"commit", m.Phases.Commit}, {"reveal", m.Phases.Reveal},
		{"aggregate", m.Phases.Aggregate}, {"attest", m.Phases.Attest},
	} {
		if phase.blocks < p.MinPhaseBlocks || phase.blocks > p.MaxPhaseBlocks {
			return errorsmod.Wrapf(ErrInvalidPhases, "%s phase of %d blocks is outside [%d, %d]",
				phase.name, phase.blocks, p.MinPhaseBlocks, p.MaxPhaseBlocks)
		}
	}
	return nil
}
