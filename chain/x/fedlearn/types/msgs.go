package types

import (
	"bytes"
	"crypto/sha256"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Every message checks itself statelessly: the SDK runs ValidateBasic in CheckTx (the app's ante handler
// also runs it on messages wrapped in authz MsgExec), so an oversize or malformed message never reaches a
// block, a parser or the store. The msg server checks the same again, then what needs state or params.
var (
	_ sdk.HasValidateBasic = (*MsgCreateTask)(nil)
	_ sdk.HasValidateBasic = (*MsgSubmitUpdate)(nil)
	_ sdk.HasValidateBasic = (*MsgRevealUpdate)(nil)
	_ sdk.HasValidateBasic = (*MsgCommitLosses)(nil)
	_ sdk.HasValidateBasic = (*MsgRevealLosses)(nil)
	_ sdk.HasValidateBasic = (*MsgSubmitAggregate)(nil)
	_ sdk.HasValidateBasic = (*MsgAttestAggregate)(nil)
	_ sdk.HasValidateBasic = (*MsgOptIn)(nil)
	_ sdk.HasValidateBasic = (*MsgUpdateParams)(nil)
)

// ValidateBasic checks everything about a MsgCreateTask that needs neither state nor params.
func (m *MsgCreateTask) ValidateBasic() error {
	if err := checkAddress("creator", m.Creator); err != nil {
		return err
	}
	if m.ModelSpec == "" {
		return ErrEmptyModelSpec
	}
	if err := checkLength("model_spec", len(m.ModelSpec), MaxModelSpecBytes); err != nil {
		return err
	}
	if err := m.Blob().ValidateBasic(); err != nil {
		return err
	}
	if m.NumRounds == 0 {
		return errorsmod.Wrap(ErrInvalidRounds, "num_rounds must be positive")
	}
	if m.CommitteeSize == 0 || m.CommitteeSize > MaxCommitteeSize {
		return errorsmod.Wrapf(ErrInvalidCommittee, "committee_size %d outside [1, %d]", m.CommitteeSize, MaxCommitteeSize)
	}
	if m.MaxUpdatesPerRound > MaxUpdatesPerRound {
		return errorsmod.Wrapf(ErrInvalidUpdateLimit, "max_updates_per_round %d > %d", m.MaxUpdatesPerRound, MaxUpdatesPerRound)
	}
	if err := m.Rule.Validate(); err != nil {
		return err
	}
	if !m.Budget.IsValid() || m.Budget.IsZero() {
		return errorsmod.Wrapf(ErrInvalidBudget, "budget %s must be a positive coin", m.Budget)
	}
	return m.validateAdmission()
}

// validateAdmission checks the allowlist (distinct well-formed addresses, at most MaxAllowedParticipants,
// no fewer than the cap admits) and the update fee (none, or a coin of the budget's denom).
func (m *MsgCreateTask) validateAdmission() error {
	if len(m.AllowedParticipants) > MaxAllowedParticipants {
		return errorsmod.Wrapf(ErrInvalidAdmission, "%d allowed participants, limit %d", len(m.AllowedParticipants), MaxAllowedParticipants)
	}
	seen := make(map[string]bool, len(m.AllowedParticipants))
	for _, p := range m.AllowedParticipants {
		if err := checkAddress("allowed participant", p); err != nil {
			return err
		}
		if seen[p] {
			return errorsmod.Wrapf(ErrInvalidAdmission, "%s is listed twice", p)
		}
		seen[p] = true
	}
	if n := len(m.AllowedParticipants); n > 0 && m.MaxUpdatesPerRound != 0 && int(m.MaxUpdatesPerRound) < n {
		return errorsmod.Wrapf(ErrInvalidAdmission, "an allowlist of %d with a cap of %d updates would shut some out", n, m.MaxUpdatesPerRound)
	}
	if isSet(m.UpdateFee) && (!m.UpdateFee.IsValid() || m.UpdateFee.Denom != m.Budget.Denom) {
		return errorsmod.Wrapf(ErrInvalidAdmission, "update_fee %s must be a coin of the budget's denom %s", m.UpdateFee, m.Budget.Denom)
	}
	return nil
}

// isSet says whether a coin field was given: a denom or a non-zero amount (an absent coin decodes as
// an empty denom with amount 0).
func isSet(coin sdk.Coin) bool {
	return coin.Denom != "" || (!coin.Amount.IsNil() && !coin.Amount.IsZero())
}

// Charges says whether an update fee asks for a positive amount.
func Charges(fee sdk.Coin) bool {
	return !fee.Amount.IsNil() && fee.Amount.IsPositive()
}

// ValidateAgainst checks a MsgCreateTask against the module parameters.
func (m *MsgCreateTask) ValidateAgainst(p Params) error {
	if err := m.Blob().ValidateAgainst(p, "max_model_bytes", p.MaxModelBytes); err != nil {
		return err
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
	for _, phase := range m.Phases.named(p.MinPhases) {
		if phase.blocks < phase.min || phase.blocks > p.MaxPhaseBlocks {
			return errorsmod.Wrapf(ErrInvalidPhases, "%s phase of %d blocks is outside [%d, %d]",
				phase.name, phase.blocks, phase.min, p.MaxPhaseBlocks)
		}
	}
	if m.Budget.Denom != p.MinRoundReward.Denom {
		return errorsmod.Wrapf(ErrInvalidBudget, "budget denom %s, rewards are paid in %s", m.Budget.Denom, p.MinRoundReward.Denom)
	}
	if perRound := m.Budget.Amount.QuoRaw(int64(m.NumRounds)); perRound.LT(p.MinRoundReward.Amount) {
		return errorsmod.Wrapf(ErrInvalidBudget, "budget %s over %d rounds pays %s%s a round, min_round_reward is %s",
			m.Budget, m.NumRounds, perRound, m.Budget.Denom, p.MinRoundReward)
	}
	return nil
}

type namedPhase struct {
	name        string
	blocks, min uint64
}

// named lists the phases with their names and the matching minimum from mins.
func (p PhaseLengths) named(mins PhaseLengths) []namedPhase {
	return []namedPhase{
		{name: "submit", blocks: p.Submit, min: mins.Submit},
		{name: "update_reveal", blocks: p.UpdateReveal, min: mins.UpdateReveal},
		{name: "commit", blocks: p.Commit, min: mins.Commit},
		{name: "reveal", blocks: p.Reveal, min: mins.Reveal},
		{name: "aggregate", blocks: p.Aggregate, min: mins.Aggregate},
		{name: "attest", blocks: p.Attest, min: mins.Attest},
	}
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

// checkPayload checks that an inline payload is non-empty, within the hard bound, and hashes to digest.
func checkPayload(field string, digest, payload []byte) error {
	if len(payload) == 0 {
		return errorsmod.Wrap(ErrEmptyPayload, field)
	}
	if len(payload) > MaxPayloadBytes {
		return errorsmod.Wrapf(ErrPayloadTooLarge, "%s has %d bytes, limit %d", field, len(payload), MaxPayloadBytes)
	}
	return checkSha256(field+" sha256", digest, payload)
}

// ValidateBasic checks the update's signer, sample count and payload (inline or by reference).
func (m *MsgSubmitUpdate) ValidateBasic() error {
	if err := checkAddress("participant", m.Participant); err != nil {
		return err
	}
	return checkSha256("commitment", m.Commitment, nil)
}

// ValidateBasic checks the signer, the salt, the sample count and the blob (inline or by reference).
func (m *MsgRevealUpdate) ValidateBasic() error {
	if err := checkAddress("participant", m.Participant); err != nil {
		return err
	}
	if len(m.Salt) != 32 {
		return errorsmod.Wrapf(ErrInvalidSalt, "salt has %d bytes, want 32", len(m.Salt))
	}
	if m.NumSamples == 0 {
		return errorsmod.Wrap(ErrInvalidSamples, "num_samples must be positive")
	}
	return m.Blob().ValidateBasic()
}

// ValidateBasic checks the signer and the commitment's length.
func (m *MsgCommitLosses) ValidateBasic() error {
	if err := checkAddress("validator", m.Validator); err != nil {
		return err
	}
	return checkSha256("commitment", m.Commitment, nil)
}

// ValidateBasic checks the signer, the salt's length and the number of losses.
func (m *MsgRevealLosses) ValidateBasic() error {
	if err := checkAddress("validator", m.Validator); err != nil {
		return err
	}
	if len(m.Salt) != 32 {
		return errorsmod.Wrapf(ErrInvalidSalt, "salt has %d bytes, want 32", len(m.Salt))
	}
	if len(m.Losses) > MaxUpdatesPerRound {
		return errorsmod.Wrapf(ErrLossCount, "%d losses, at most %d updates per round", len(m.Losses), MaxUpdatesPerRound)
	}
	return nil
}

// ValidateBasic checks the miner and the aggregate's payload (inline or by reference).
func (m *MsgSubmitAggregate) ValidateBasic() error {
	if err := checkAddress("miner", m.Miner); err != nil {
		return err
	}
	return m.Blob().ValidateBasic()
}

// ValidateBasic checks the signer and the attested hash's length.
func (m *MsgAttestAggregate) ValidateBasic() error {
	if err := checkAddress("validator", m.Validator); err != nil {
		return err
	}
	return checkSha256("model_sha256", m.ModelSha256, nil)
}

// ValidateBasic checks the signer.
func (m *MsgOptIn) ValidateBasic() error {
	return checkAddress("validator", m.Validator)
}

// ValidateBasic checks the authority's spelling and the params.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := checkAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
