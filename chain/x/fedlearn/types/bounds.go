package types

import (
	"strings"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/types/bech32"
)

// Hard bounds every message must meet before it costs the chain anything: they are checked statelessly
// in CheckTx (ValidateBasic), before any parser or store sees the message, and params may only tighten them.
const (
	// MaxAddressLength bounds an address string (bech32 strings are at most 90 characters).
	MaxAddressLength = 128
	// MaxModelSpecBytes bounds a task's model_spec.
	MaxModelSpecBytes = 64 << 10
	// MaxDecimalLength bounds a decimal string of the rule or params: parsing is superlinear in its length.
	MaxDecimalLength = 32
	// MaxPayloadBytes bounds any inline payload; max_inline_bytes may only be lower.
	MaxPayloadBytes = 16 << 20
	// MaxUpdatesPerRound bounds max_updates_per_round, and so the losses of a reveal and the weights of an aggregate.
	MaxUpdatesPerRound = 4096
	// MaxCommitteeSize bounds max_committee_size.
	MaxCommitteeSize = 256
	// MaxAllowedParticipants bounds a task's allowlist.
	MaxAllowedParticipants = 1024
)

// checkAddress checks that s is a bech32 address in its one canonical (lower-case) spelling; the keeper
// checks its prefix. An upper-case spelling is refused so that one account has one string.
func checkAddress(field, s string) error {
	if len(s) == 0 || len(s) > MaxAddressLength {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s has %d characters, want 1 to %d", field, len(s), MaxAddressLength)
	}
	if strings.ToLower(s) != s {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q is not in lower case", field, s)
	}
	if _, _, err := bech32.DecodeAndConvert(s); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, s, err)
	}
	return nil
}

// checkLength bounds a string or bytes field.
func checkLength(field string, length, limit int) error {
	if length > limit {
		return errorsmod.Wrapf(ErrFieldTooLong, "%s has %d bytes, limit %d", field, length, limit)
	}
	return nil
}
