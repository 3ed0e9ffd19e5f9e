package consensus

import (
	"errors"
	"math"
	"math/big"
	"math/rand"
	"slices"
	"testing"
)

func fixed(tau uint64) TemperatureRule { return TemperatureRule{Mode: TemperatureFixed, Tau: tau} }

func mad(c, tauMin uint64) TemperatureRule {
	return TemperatureRule{Mode: TemperatureMAD, MadMultiplier: c, TauMin: tauMin}
}

func TestTemperature(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rule   TemperatureRule
		losses []uint64
		want   uint64
	}{
		{"fixed ignores the losses", fixed(250_000), []uint64{1, 2, 3}, 250_000},
		// med 3, |L − 3| = [2 1 0 1 97] → MAD 1; 2.0·1 = 2
		{"mad, odd count", mad(2_000_000, 1), []uint64{1, 2, 3, 4, 100}, 2},
		{"mad, tau_min floor", mad(2_000_000, 5), []uint64{1, 2, 3, 4, 100}, 5},
		// med = sorted[1] = 20, deviations sorted [0 10 10 20] → MAD 10; 1.5·10 = 15
		{"mad, even count takes the lower middle", mad(1_500_000, 1), []uint64{40, 10, 30, 20}, 15},
		// deviations sorted [0 3 3] → MAD 3; floor(1.500001·3 = 4.500003) = 4
		{"mad rounds down", mad(1_500_001, 1), []uint64{7, 10, 13}, 4},
		{"mad of equal losses is tau_min", mad(1_000_000, 42), []uint64{9, 9, 9}, 42},
		{"mad of one loss is tau_min", mad(1_000_000, 42), []uint64{1_000_000_000_000}, 42},
		// med = MaxUint64/2 = MAD: c·MAD/1e6 does not fit in 64 bits
		{"mad saturates", mad(math.MaxUint64, 1), []uint64{0, math.MaxUint64 - 1, math.MaxUint64 / 2}, math.MaxUint64},
		// Unavailable takes no part: med of [1 2 3 4] = 2, deviations [1 0 1 2] → MAD 1; 2.0·1 = 2
		{"mad skips unavailable updates", mad(2_000_000, 1), []uint64{1, Unavailable, 2, 3, 4, Unavailable}, 2},
	} {
		got, err := tc.rule.Temperature(tc.losses)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
}

func TestTemperatureRejects(t *testing.T) {
	for _, rule := range []TemperatureRule{fixed(0), mad(0, 1), mad(1, 0), {Mode: "softmax", Tau: 1}, {}} {
		if err := rule.Validate(); !errors.Is(err, ErrInvalidRule) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidRule", rule, err)
		}
		if _, err := SoftmaxWeights([]uint64{1}, rule); !errors.Is(err, ErrInvalidRule) {
			t.Errorf("SoftmaxWeights with %+v: error %v, want ErrInvalidRule", rule, err)
		}
	}
	if _, err := SoftmaxWeights(nil, fixed(1)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("SoftmaxWeights(nil): error %v, want ErrInvalidInput", err)
	}
}

func TestSoftmaxWeightsExtremes(t *testing.T) {
	third := WeightScale / 3
	for _, tc := range []struct {
		name   string
		losses []uint64
		rule   TemperatureRule
		want   []uint64
	}{
		{"single update", []uint64{123}, fixed(1), []uint64{WeightScale}},
		{"all equal is uniform, the extra unit to index 0", []uint64{5, 5, 5}, fixed(1), []uint64{third + 1, third, third}},
		{"loss at the cap gets nothing", []uint64{500_000, 1_000_000_000_000}, fixed(100_000), []uint64{WeightScale, 0}},
		{"huge spread, tiny tau", []uint64{math.MaxUint64, 0}, fixed(1), []uint64{0, WeightScale}},
		// x = 1e12 / (2^64 − 1) ≈ 5.4e-8: 1/(1 + e^(−x)) = 0.500000013552527156068…
		{"huge tau is nearly uniform", []uint64{0, 1_000_000_000_000}, fixed(math.MaxUint64), []uint64{500_000_013_552_527_156, 499_999_986_447_472_844}},
		// e^(−1) / (1 + e^(−1)) = 0.268941421369995120748…
		{"one nat apart", []uint64{1_000_000, 2_000_000}, fixed(1_000_000), []uint64{731_058_578_630_004_879, 268_941_421_369_995_121}},
		// 1/(2 + e^(−10)) = 0.499988650275197733210…, e^(−10)/(2 + e^(−10)) = 0.000022699449604533579…:
		// the missing unit goes to the largest remainder (index 2), not to index 0
		{"tie on the minimum", []uint64{7, 7, 7 + 10*1_000_000}, fixed(1_000_000), []uint64{499_988_650_275_197_733, 499_988_650_275_197_733, 22_699_449_604_534}},
	} {
		got, err := SoftmaxWeights(tc.losses, tc.rule)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// referenceSoftmax returns the exact softmax weights scaled by WeightScale, to ~320 bits.
func referenceSoftmax(losses []uint64, tau uint64) []*big.Float {
	lowest := slices.Min(losses)
	exps := make([]*big.Float, len(losses))
	total := new(big.Float).SetPrec(referencePrec)
	for i, loss := range losses {
		x := new(big.Float).SetPrec(referencePrec).SetUint64(loss - lowest)
		x.Quo(x, new(big.Float).SetUint64(tau))
		if x.Cmp(big.NewFloat(120)) > 0 { // e^(−120) < 1e-52: no effect at 1e-18
			exps[i] = new(big.Float).SetPrec(referencePrec)
		} else {
			exps[i] = referenceExpNeg(x)
		}
		total.Add(total, exps[i])
	}
	for _, e := range exps {
		e.Quo(e, total).Mul(e, new(big.Float).SetUint64(WeightScale))
	}
	return exps
}

// randomSoftmaxCase draws losses with a spread from ~1e-6 to ~1e12 micro-units and a fixed or mad rule.
func randomSoftmaxCase(rng *rand.Rand, n int) ([]uint64, TemperatureRule) {
	spread := uint64(math.Pow(10, 1+rng.Float64()*11))
	base := uint64(rng.Int63n(1_000_000_000))
	losses := make([]uint64, n)
	for i := range losses {
		losses[i] = base + uint64(rng.Int63n(int64(spread)))
	}
	if rng.Intn(2) == 0 {
		return losses, fixed(1 + uint64(rng.Int63n(int64(spread))))
	}
	return losses, mad(uint64(rng.Int63n(5_000_000))+1, uint64(rng.Int63n(100_000))+1)
}

// TestSoftmaxWeightsAccuracy checks random cases against a 320-bit reference (each weight within
// 1 unit = 1e-18; measured maximum logged) and float64 softmax (each weight within 1e-15, i.e. 1000
// units: float64's rounding of e^(−x)·1e18 and of the sum; measured maximum logged).
func TestSoftmaxWeightsAccuracy(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var maxExact, maxFloat float64
	for trial := range 120 {
		n := 1 + rng.Intn(40)
		if trial == 0 {
			n = 1000
		}
		losses, rule := randomSoftmaxCase(rng, n)
		got, err := SoftmaxWeights(losses, rule)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		tau, _ := rule.Temperature(losses)
		exact := referenceSoftmax(losses, tau)
		lowest := slices.Min(losses)
		floats := make([]float64, n)
		var floatTotal float64
		for i, loss := range losses {
			floats[i] = math.Exp(-float64(loss-lowest) / float64(tau))
			floatTotal += floats[i]
		}
		var sum uint64
		for i, w := range got {
			sum += w
			diff, _ := new(big.Float).Sub(exact[i], new(big.Float).SetUint64(w)).Float64()
			maxExact = max(maxExact, math.Abs(diff))
			floatDiff := math.Abs(float64(w) - floats[i]/floatTotal*float64(WeightScale))
			maxFloat = max(maxFloat, floatDiff)
			if math.Abs(diff) >= 1 || floatDiff > 1000 {
				t.Fatalf("trial %d, weight %d: got %d, exact %s, float64 %.0f", trial, i, w, exact[i].Text('f', 3),
					floats[i]/floatTotal*float64(WeightScale))
			}
		}
		if sum != WeightScale {
			t.Fatalf("trial %d: weights sum to %d", trial, sum)
		}
	}
	t.Logf("max |w − exact| = %.4f units, max |w − float64| = %.1f units (of 1e-18)", maxExact, maxFloat)
}

func TestSoftmaxWeightsOrderFollowsLosses(t *testing.T) {
	losses := []uint64{900_000, 100_000, 500_000, 100_001}
	w, err := SoftmaxWeights(losses, fixed(200_000))
	if err != nil {
		t.Fatal(err)
	}
	if !(w[1] > w[3] && w[3] > w[2] && w[2] > w[0]) {
		t.Errorf("weights %v do not decrease with the losses %v", w, losses)
	}
}
