package consensus

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
)

// TemperatureMode names how a task's softmax temperature τ is chosen.
type TemperatureMode string

const (
	// TemperatureFixed uses the task's τ as is.
	TemperatureFixed TemperatureMode = "fixed"
	// TemperatureMAD scales τ with the spread of the round's losses: τ = max(c·MAD(L), τ_min).
	TemperatureMAD TemperatureMode = "mad"
)

// TemperatureRule is a task's rule for τ. Tau, MadMultiplier and TauMin are micro-units (LossScale):
// Tau is used by TemperatureFixed, MadMultiplier (c) and TauMin by TemperatureMAD.
type TemperatureRule struct {
	Mode          TemperatureMode
	Tau           uint64
	MadMultiplier uint64
	TauMin        uint64
}

// Validate checks that the rule always yields τ > 0: Tau > 0 for fixed; MadMultiplier > 0 and
// TauMin > 0 for mad.
func (r TemperatureRule) Validate() error {
	switch r.Mode {
	case TemperatureFixed:
		if r.Tau == 0 {
			return fmt.Errorf("%w: fixed mode needs tau > 0", ErrInvalidRule)
		}
	case TemperatureMAD:
		if r.MadMultiplier == 0 || r.TauMin == 0 {
			return fmt.Errorf("%w: mad mode needs mad_multiplier > 0 and tau_min > 0, got %d and %d",
				ErrInvalidRule, r.MadMultiplier, r.TauMin)
		}
	default:
		return fmt.Errorf("%w: unknown mode %q", ErrInvalidRule, r.Mode)
	}
	return nil
}

// Temperature returns τ in micro-units for the round's consensus losses (micro-units), over the losses
// other than Unavailable (at least one).
//
//	fixed: τ = Tau
//	mad:   med = lower median of L, MAD = lower median of |L_i − med|  (lower median = sorted[(n−1)/2])
//	       τ = max(floor(c·MAD / LossScale), TauMin), saturating at MaxUint64
//
// A loss-relative τ keeps the weights meaningful whatever the loss scale of the task's model; TauMin
// keeps it positive when most losses are equal (MAD = 0).
func (r TemperatureRule) Temperature(losses []uint64) (uint64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	losses = available(losses)
	if len(losses) == 0 {
		return 0, fmt.Errorf("%w: temperature of no available losses", ErrInvalidInput)
	}
	if r.Mode == TemperatureFixed {
		return r.Tau, nil
	}
	median := lowerMedian(losses)
	deviations := make([]uint64, len(losses))
	for i, loss := range losses {
		deviations[i] = max(loss, median) - min(loss, median)
	}
	hi, lo := bits.Mul64(r.MadMultiplier, lowerMedian(deviations))
	if hi >= LossScale { // the quotient would not fit in 64 bits
		return math.MaxUint64, nil
	}
	scaled, _ := bits.Div64(hi, lo, LossScale)
	return max(scaled, r.TauMin), nil
}

// Unavailable is the loss a committee member reveals for an update whose bytes it could not fetch. It
// ranks above every real loss, so an update's consensus loss is Unavailable exactly when members holding
// more than half of the revealed stake could not fetch it.
const Unavailable = math.MaxUint64

// available returns the losses other than Unavailable.
func available(losses []uint64) []uint64 {
	return slices.DeleteFunc(slices.Clone(losses), func(l uint64) bool { return l == Unavailable })
}

// SoftmaxWeights returns w_i = e^(−(L_i − min L)/τ) / Σ_k e^(−(L_k − min L)/τ) at WeightScale, with τ
// from rule and losses L in micro-units, over the available updates: an update whose loss is Unavailable
// gets weight 0 and takes no part in τ, min L or the sums. The weights sum to exactly WeightScale:
//
//  1. E_i = e^(−(L_i − min L)/τ) at the internal scale 1e36 (expNegRatio; E_i = 1e36 for the minimum;
//     E_i = 0 for an unavailable update);
//  2. w_i = floor(E_i·WeightScale / ΣE), with fractional remainder rem_i = E_i·WeightScale mod ΣE;
//  3. the R = WeightScale − Σ w_i < n missing units go one each to the R indices with the largest
//     rem_i, ties to the lowest index (largest-remainder rounding).
//
// Each weight is within 1 unit (1e-18) of the exact softmax of the given losses and τ.
func SoftmaxWeights(losses []uint64, rule TemperatureRule) ([]uint64, error) {
	tau, err := rule.Temperature(losses)
	if err != nil {
		return nil, err
	}
	lowest := slices.Min(available(losses))
	tauBig := new(big.Int).SetUint64(tau)
	exps := make([]*big.Int, len(losses))
	total := new(big.Int)
	for i, loss := range losses {
		exps[i] = new(big.Int)
		if loss != Unavailable {
			exps[i] = expNegRatio(new(big.Int).SetUint64(loss-lowest), tauBig)
		}
		total.Add(total, exps[i])
	}

	weights := make([]uint64, len(losses))
	remainders := make([]*big.Int, len(losses))
	missing := WeightScale
	for i, e := range exps {
		quotient, remainder := new(big.Int).QuoRem(new(big.Int).Mul(e, weightScaleBig), total, new(big.Int))
		weights[i] = quotient.Uint64()
		remainders[i] = remainder
		missing -= weights[i]
	}
	order := make([]int, len(losses))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(remainders[b].Cmp(remainders[a]), cmp.Compare(a, b))
	})
	for _, i := range order[:missing] {
		weights[i]++
	}
	return weights, nil
}
