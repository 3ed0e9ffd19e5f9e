package types

import (
	"fmt"
	"strings"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
)

// MicroScale is the fixed-point scale of the rule's decimals on chain: 1.0 = 1_000_000.
const MicroScale = 1_000_000

// ParseMicro parses a non-negative decimal string with at most 6 fractional digits into micro-units,
// so the chain never holds a float. "0.05" → 50_000.
func ParseMicro(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty decimal")
	}
	if strings.Trim(s, "0123456789.") != "" {
		// Only digits and a point: LegacyNewDecFromStr also reads signs, "--1" as 1 and "+" as 0.
		return 0, fmt.Errorf("%q is not a decimal of digits", s)
	}
	dec, err := sdkmath.LegacyNewDecFromStr(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a decimal: %w", s, err)
	}
	if dec.IsNegative() {
		return 0, fmt.Errorf("%q is negative", s)
	}
	micro := dec.MulInt64(MicroScale)
	if !micro.IsInteger() {
		return 0, fmt.Errorf("%q has more than 6 fractional digits", s)
	}
	if !micro.TruncateInt().IsUint64() {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return micro.TruncateInt().Uint64(), nil
}

// TemperatureRule converts the task's rule into the consensus package's fixed-point form.
func (r AggregationRule) TemperatureRule() (consensus.TemperatureRule, error) {
	if err := r.Validate(); err != nil {
		return consensus.TemperatureRule{}, err
	}
	if r.TemperatureMode == TEMPERATURE_MODE_FIXED {
		tau, _ := ParseMicro(r.Temperature)
		return consensus.TemperatureRule{Mode: consensus.TemperatureFixed, Tau: tau}, nil
	}
	multiplier, _ := ParseMicro(r.MadMultiplier)
	tauMin, _ := ParseMicro(r.TemperatureMin)
	return consensus.TemperatureRule{Mode: consensus.TemperatureMAD, MadMultiplier: multiplier, TauMin: tauMin}, nil
}

// Validate checks the rule's mode and that each decimal it needs is a positive micro-unit amount.
func (r AggregationRule) Validate() error {
	positive := func(name, value string) error {
		micro, err := ParseMicro(value)
		if err != nil {
			return errorsmod.Wrapf(ErrInvalidRule, "%s: %v", name, err)
		}
		if micro == 0 {
			return errorsmod.Wrapf(ErrInvalidRule, "%s must be > 0", name)
		}
		return nil
	}
	switch r.TemperatureMode {
	case TEMPERATURE_MODE_FIXED:
		if err := positive("temperature", r.Temperature); err != nil {
			return err
		}
	case TEMPERATURE_MODE_MAD:
		if err := positive("mad_multiplier", r.MadMultiplier); err != nil {
			return err
		}
		if err := positive("temperature_min", r.TemperatureMin); err != nil {
			return err
		}
	default:
		return errorsmod.Wrapf(ErrInvalidRule, "unknown temperature mode %s", r.TemperatureMode)
	}
	step, err := ParseMicro(r.ScoreStep)
	if err != nil {
		return errorsmod.Wrapf(ErrInvalidRule, "score_step: %v", err)
	}
	if step == 0 || step > MicroScale {
		return errorsmod.Wrapf(ErrInvalidRule, "score_step must be in (0, 1], got %s", r.ScoreStep)
	}
	return nil
}
