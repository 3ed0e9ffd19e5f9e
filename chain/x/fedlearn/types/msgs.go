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

// checkSha256 checks that digest is a sha256 and, when payload is given, that it is payload's.
func checkSha256(field string, digest, payload []byte) error {
	if len(digest) != sha256.Size {
		return errorsmod.Wrapf(ErrInvalidHash, "%s has %d bytes, want %d", field, len(digest), sha256.Size)
	}
	if payload == nil {
		return nil
	}
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], digest) {
		return errorsmod.Wrapf(ErrHashMismatch, "%s %x, payload hashes to %x", field, digest, got)
	}
	return nil
}

// ValidateStateless checks the update's hash, payload and sample count.
func (m *MsgSubmitUpdate) ValidateStateless() error {
	if len(m.Payload) == 0 {
		return errorsmod.Wrap(ErrEmptyPayload, "payload")
	}
	if m.NumSamples == 0 {
		return errorsmod.Wrap(ErrInvalidSamples, "num_samples must be positive")
	}
	return checkSha256("sha256", m.Sha256, m.Payload)
}

// ValidateStateless checks the commitment's length.
func (m *MsgCommitLosses) ValidateStateless() error {
	return checkSha256("commitment", m.Commitment, nil)
}

// ValidateStateless checks the salt's length.
func (m *MsgRevealLosses) ValidateStateless() error {
	if len(m.Salt) != 32 {
		return errorsmod.Wrapf(ErrInvalidSalt, "salt has %d bytes, want 32", len(m.Salt))
	}
	return nil
}

// ValidateStateless checks the aggregate's hash and payload.
func (m *MsgSubmitAggregate) ValidateStateless() error {
	if len(m.Payload) == 0 {
		return errorsmod.Wrap(ErrEmptyPayload, "payload")
	}
	return checkSha256("model_sha256", m.ModelSha256, m.Payload)
}

// ValidateStateless checks the attested hash's length.
func (m *MsgAttestAggregate) ValidateStateless() error {
	return checkSha256("model_sha256", m.ModelSha256, nil)
}
