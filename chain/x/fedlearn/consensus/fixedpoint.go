package consensus

import (
	"fmt"
	"math/big"
)

const (
	// LossScale is the fixed-point scale of losses, scores, τ and the MAD multiplier: 1 = 1e6 units.
	LossScale uint64 = 1_000_000
	// WeightScale is the fixed-point scale of weights and of ExpNeg: 1 = 1e18 units (LegacyDec's 18 decimals).
	WeightScale uint64 = 1_000_000_000_000_000_000

	// expNegCutoff: for x ≥ 90, e^(−x) < 1e-39 is below one unit of the internal scale and is taken as 0
	// without computing it.
	expNegCutoff = 90
)

var (
	weightScaleBig = new(big.Int).SetUint64(WeightScale)
	// expScale is the internal scale of the exponential, 1e36: 18 guard digits below WeightScale.
	expScale = new(big.Int).Mul(weightScaleBig, weightScaleBig)
	// ln2Fixed is floor(ln 2 · 1e36).
	ln2Fixed, _ = new(big.Int).SetString("693147180559945309417232121458176568", 10)
	// halfWeightUnit is 0.5e-18 at the internal scale: added before dividing to round to nearest.
	halfWeightUnit = new(big.Int).Quo(weightScaleBig, big.NewInt(2))
)

// ExpNeg returns e^(−x) for x ≥ 0, with x and the result at WeightScale (x = 1e18 means 1.0), rounded to
// the nearest unit (halves up). The result is 0 once e^(−x) < 0.5e-18, i.e. for x above ln(2e18) ≈ 42.14.
// Computed at the internal scale 1e36 (see expNegRatio), so the result is the correctly rounded value
// except when e^(−x)·1e18 lies within ~1e-16 of a half-integer; the error is below 1 unit (1e-18).
// x is a *big.Int because the arguments that still give a non-zero result reach 42.14e18 > MaxUint64.
func ExpNeg(x *big.Int) (uint64, error) {
	if x == nil || x.Sign() < 0 {
		return 0, fmt.Errorf("%w: ExpNeg needs x >= 0, got %v", ErrInvalidInput, x)
	}
	v := expNegRatio(x, weightScaleBig)
	v.Add(v, halfWeightUnit)
	return v.Quo(v, weightScaleBig).Uint64(), nil
}

// expNegRatio returns e^(−num/den) at the internal scale 1e36 (num ≥ 0, den > 0), all divisions floored:
//
//	x = floor(num·1e36 / den)                            the argument at 1e36
//	k = floor(x / ln2), r = x − k·ln2                     x = k·ln2 + r with 0 ≤ r < ln2
//	s = Σ_{n≥0} (−1)^n t_n, t_0 = 1e36,
//	    t_n = floor(t_{n−1}·r / (n·1e36))                 Taylor series of e^(−r), until t_n = 0
//	result = floor(s / 2^k)                              e^(−x) = 2^(−k)·e^(−r)
//
// r < 0.7 keeps every term below 1 and the series needs ~30 terms; each floor costs at most 1e-36, far
// below the 1e-18 of the outputs. Results are 0 for num ≥ 90·den (e^(−90) < 1e-39).
func expNegRatio(num, den *big.Int) *big.Int {
	if num.Cmp(new(big.Int).Mul(den, big.NewInt(expNegCutoff))) >= 0 {
		return new(big.Int)
	}
	x := new(big.Int).Mul(num, expScale)
	x.Quo(x, den)
	k, r := new(big.Int).QuoRem(x, ln2Fixed, new(big.Int))

	sum := new(big.Int).Set(expScale)
	term := new(big.Int).Set(expScale)
	n := new(big.Int)
	for i := int64(1); ; i++ {
		term.Mul(term, r)
		term.Quo(term, expScale)
		term.Quo(term, n.SetInt64(i)) // floor(floor(a/b)/c) = floor(a/(b·c))
		if term.Sign() == 0 {
			break
		}
		if i%2 == 1 {
			sum.Sub(sum, term)
		} else {
			sum.Add(sum, term)
		}
	}
	return sum.Rsh(sum, uint(k.Uint64()))
}
