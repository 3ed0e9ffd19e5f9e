package consensus

import (
	"errors"
	"math"
	"math/big"
	"math/rand"
	"testing"
)

// referencePrec is the big.Float precision (bits) of the high-precision references in tests.
const referencePrec = 320

// referenceExpNeg returns e^(−x) to ~referencePrec bits, as 1/Σ xⁿ/n! (no range reduction, so it
// shares no step with expNegRatio).
func referenceExpNeg(x *big.Float) *big.Float {
	sum := new(big.Float).SetPrec(referencePrec).SetInt64(1)
	term := new(big.Float).SetPrec(referencePrec).SetInt64(1)
	epsilon := new(big.Float).SetPrec(referencePrec).SetMantExp(big.NewFloat(1), -referencePrec)
	for n := int64(1); ; n++ {
		term.Mul(term, x)
		term.Quo(term, new(big.Float).SetInt64(n))
		sum.Add(sum, term)
		if term.Cmp(new(big.Float).Mul(sum, epsilon)) < 0 {
			break
		}
	}
	return new(big.Float).SetPrec(referencePrec).Quo(big.NewFloat(1).SetPrec(referencePrec), sum)
}

// expNegTestInputs returns x values at WeightScale: edges named in the spec plus random ones spread
// uniformly over [0, 45] and log-uniformly over [1e-18, 45].
func expNegTestInputs() []*big.Int {
	unit := new(big.Int).SetUint64(WeightScale)
	of := func(v float64) *big.Int {
		r, _ := new(big.Float).Mul(big.NewFloat(v), new(big.Float).SetInt(unit)).Int(nil)
		return r
	}
	inputs := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(1000), unit, of(0.5), of(40), of(41.4),
		of(42.1396), of(42.1397), of(42.14), of(43), of(89.9), of(90), of(1e6),
		new(big.Int).SetUint64(math.MaxUint64), new(big.Int).Lsh(big.NewInt(1), 200),
		new(big.Int).Set(ln2Fixed).Quo(ln2Fixed, unit), // ln 2 at 1e18
	}
	rng := rand.New(rand.NewSource(1))
	for range 1000 {
		inputs = append(inputs, new(big.Int).Rand(rng, of(45)))
		inputs = append(inputs, of(math.Pow(10, rng.Float64()*(18+math.Log10(45))-18)))
	}
	return inputs
}

// TestExpNegIsCorrectlyRounded checks ExpNeg against a 320-bit reference: every result is the nearest
// integer to e^(−x)·1e18, so the maximum absolute error is 0.5e-18 (measured and logged).
func TestExpNegIsCorrectlyRounded(t *testing.T) {
	unit := new(big.Float).SetPrec(referencePrec).SetUint64(WeightScale)
	var maxError float64
	for _, x := range expNegTestInputs() {
		got, err := ExpNeg(x)
		if err != nil {
			t.Fatalf("ExpNeg(%v): %v", x, err)
		}
		xf := new(big.Float).SetPrec(referencePrec).Quo(new(big.Float).SetPrec(referencePrec).SetInt(x), unit)
		if xf.Cmp(big.NewFloat(50)) > 0 { // e^(−50)·1e18 < 2e-4: the nearest integer is 0
			if got != 0 {
				t.Errorf("ExpNeg(%v) = %d, want 0", x, got)
			}
			continue
		}
		exact := new(big.Float).SetPrec(referencePrec).Mul(referenceExpNeg(xf), unit)
		diff, _ := new(big.Float).Sub(exact, new(big.Float).SetUint64(got)).Float64()
		maxError = max(maxError, math.Abs(diff))
		if math.Abs(diff) > 0.5 {
			t.Errorf("ExpNeg(%v) = %d, exact %s: off by %.3g units", x, got, exact.Text('f', 6), diff)
		}
	}
	t.Logf("max |ExpNeg − exact| = %.4f units of 1e-18", maxError)
}

// TestExpNegMatchesFloat64 compares with math.Exp: the difference is float64's own rounding, bounded by
// 256 units of 1e-18 (2.6e-16, about one float64 ulp at 1.0); the measured maximum is logged.
func TestExpNegMatchesFloat64(t *testing.T) {
	var maxError float64
	for _, x := range expNegTestInputs() {
		got, err := ExpNeg(x)
		if err != nil {
			t.Fatalf("ExpNeg(%v): %v", x, err)
		}
		xf, _ := new(big.Float).Quo(new(big.Float).SetInt(x), new(big.Float).SetUint64(WeightScale)).Float64()
		diff := math.Abs(float64(got) - math.Exp(-xf)*float64(WeightScale))
		maxError = max(maxError, diff)
		if diff > 256 {
			t.Errorf("ExpNeg(%v) = %d, float64 %.0f", x, got, math.Exp(-xf)*float64(WeightScale))
		}
	}
	t.Logf("max |ExpNeg − float64| = %.1f units of 1e-18", maxError)
}

func TestExpNegEdges(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    *big.Int
		want uint64
	}{
		{"zero is one", big.NewInt(0), WeightScale},
		{"one unit", big.NewInt(1), WeightScale - 1},
		{"just below the rounding edge ln(2e18)", mustBig("42139678854452767000"), 1},
		{"just above the rounding edge ln(2e18)", mustBig("42139678854452768000"), 0},
		{"cutoff", mustBig("90000000000000000000"), 0},
		{"max uint64 (18.44)", new(big.Int).SetUint64(math.MaxUint64), 9_742_733_872},
	} {
		got, err := ExpNeg(tc.x)
		if err != nil || got != tc.want {
			t.Errorf("%s: ExpNeg(%v) = %d, %v; want %d", tc.name, tc.x, got, err, tc.want)
		}
	}
	for _, x := range []*big.Int{nil, big.NewInt(-1)} {
		if _, err := ExpNeg(x); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("ExpNeg(%v) error = %v, want ErrInvalidInput", x, err)
		}
	}
}

func TestExpNegIsNonIncreasing(t *testing.T) {
	previous := WeightScale
	step := mustBig("7919000000000000") // 0.007919
	x := new(big.Int)
	for range 6000 {
		got, _ := ExpNeg(x)
		if got > previous {
			t.Fatalf("ExpNeg increases at %v: %d > %d", x, got, previous)
		}
		previous = got
		x.Add(x, step)
	}
}

func mustBig(decimal string) *big.Int {
	v, ok := new(big.Int).SetString(decimal, 10)
	if !ok {
		panic("bad decimal " + decimal)
	}
	return v
}
