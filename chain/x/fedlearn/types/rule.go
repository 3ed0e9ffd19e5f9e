package types

import (
	"fmt"
	"math"
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
	if len(s) > MaxDecimalLength {
		// Checked before anything reads s: big.Int's parser is quadratic in the length of its input.
		return 0, fmt.Errorf("decimal has %d characters, limit %d", len(s), MaxDecimalLength)
	}
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

// TemperatureRule parses the task's rule, once, into the consensus package's fixed-point form; every
// decimal it needs must be a positive micro-unit amount.
func (r AggregationRule) TemperatureRule() (consensus.TemperatureRule, error) {
	positive := func(name, value string) (uint64, error) {
		micro, err := ParseMicro(value)
		if err != nil {
			return 0, errorsmod.Wrapf(ErrInvalidRule, "%s: %v", name, err)
		}
		if micro == 0 {
			return 0, errorsmod.Wrapf(ErrInvalidRule, "%s must be > 0", name)
		}
		return micro, nil
	}
	switch r.TemperatureMode {
	case TEMPERATURE_MODE_FIXED:
		tau, err := positive("temperature", r.Temperature)
		return consensus.TemperatureRule{Mode: consensus.TemperatureFixed, Tau: tau}, err
	case TEMPERATURE_MODE_MAD:
		multiplier, err := positive("mad_multiplier", r.MadMultiplier)
		if err != nil {
			return consensus.TemperatureRule{}, err
		}
		tauMin, err := positive("temperature_min", r.TemperatureMin)
		return consensus.TemperatureRule{Mode: consensus.TemperatureMAD, MadMultiplier: multiplier, TauMin: tauMin}, err
	default:
		return consensus.TemperatureRule{}, errorsmod.Wrapf(ErrInvalidRule, "unknown temperature mode %s", r.TemperatureMode)
	}
}

// Validate checks the rule's temperature and its scoring terms: score step η ∈ (0, 1], a known probe,
// loss tolerance, direction weight and norm limit ≥ 0 and direction margin ∈ [0, 1] (empty means 0).
func (r AggregationRule) Validate() error {
	// Every decimal is bounded, also those the temperature mode does not read: none may carry a long string
	// into state.
	for _, field := range []struct{ name, value string }{
		{"temperature", r.Temperature}, {"mad_multiplier", r.MadMultiplier}, {"temperature_min", r.TemperatureMin},
		{"score_step", r.ScoreStep}, {"loss_tolerance", r.LossTolerance}, {"direction_weight", r.DirectionWeight},
		{"direction_margin", r.DirectionMargin}, {"norm_limit", r.NormLimit},
	} {
		if len(field.value) > MaxDecimalLength {
			return errorsmod.Wrapf(ErrInvalidRule, "%s has %d characters, limit %d", field.name, len(field.value), MaxDecimalLength)
		}
	}
	if _, err := r.TemperatureRule(); err != nil {
		return err
	}
	step, err := ParseMicro(r.ScoreStep)
	if err != nil {
		return errorsmod.Wrapf(ErrInvalidRule, "score_step: %v", err)
	}
	if step == 0 || step > MicroScale {
		return errorsmod.Wrapf(ErrInvalidRule, "score_step must be in (0, 1], got %s", r.ScoreStep)
	}
	if _, ok := ScoreProbe_name[int32(r.Probe)]; !ok {
		return errorsmod.Wrapf(ErrInvalidRule, "unknown probe %s", r.Probe)
	}
	for _, term := range []struct {
		name, value string
		max         uint64
	}{
		{"loss_tolerance", r.LossTolerance, math.MaxUint64},
		{"direction_weight", r.DirectionWeight, math.MaxUint64},
		{"direction_margin", r.DirectionMargin, MicroScale},
		{"norm_limit", r.NormLimit, math.MaxUint64},
	} {
		if term.value == "" {
			continue
		}
		micro, err := ParseMicro(term.value)
		if err != nil {
			return errorsmod.Wrapf(ErrInvalidRule, "%s: %v", term.name, err)
		}
		if micro > term.max {
			return errorsmod.Wrapf(ErrInvalidRule, "%s must be at most 1, got %s", term.name, term.value)
		}
	}
	return nil
}
