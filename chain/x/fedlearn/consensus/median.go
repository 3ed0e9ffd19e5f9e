package consensus

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// StakeWeightedMedian returns the lower stake-weighted median of values: order the entries by value
// (ties by original index) and return the first value at which the cumulative stake c satisfies
// 2·c ≥ total stake. Validators holding less than half of the stake therefore cannot move the result
// outside the range of the values reported by the rest. Zero stakes are allowed (such entries never
// decide the result unless they tie); the total must be positive. Stake sums use 128-bit arithmetic.
func StakeWeightedMedian(values, stakes []uint64) (uint64, error) {
	if len(values) == 0 {
		return 0, fmt.Errorf("%w: median of no values", ErrInvalidInput)
	}
	if len(values) != len(stakes) {
		return 0, fmt.Errorf("%w: %d values but %d stakes", ErrInvalidInput, len(values), len(stakes))
	}
	var total uint128
	for _, s := range stakes {
		total = total.add(s)
	}
	if total.isZero() {
		return 0, fmt.Errorf("%w: total stake is zero", ErrInvalidInput)
	}
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(values[a], values[b]), cmp.Compare(a, b))
	})
	var cumulative uint128
	last := len(order) - 1
	for _, i := range order[:last] {
		cumulative = cumulative.add(stakes[i])
		if !cumulative.double().less(total) {
			return values[i], nil
		}
	}
	// Only the last entry remains: it brings the cumulative stake up to the total.
	return values[order[last]], nil
}

// ConsensusLosses returns, for every update j, the stake-weighted median over validators v of
// reveals[v][j] (validator × update matrix, rows in the order of stakes). Every row must have the same
// length; zero updates give an empty result.
func ConsensusLosses(reveals [][]uint64, stakes []uint64) ([]uint64, error) {
	if len(reveals) == 0 {
		return nil, fmt.Errorf("%w: no reveals", ErrInvalidInput)
	}
	if len(reveals) != len(stakes) {
		return nil, fmt.Errorf("%w: %d reveals but %d stakes", ErrInvalidInput, len(reveals), len(stakes))
	}
	updates := len(reveals[0])
	for v, row := range reveals {
		if len(row) != updates {
			return nil, fmt.Errorf("%w: reveal %d has %d losses, reveal 0 has %d", ErrInvalidInput, v, len(row), updates)
		}
	}
	consensus := make([]uint64, updates)
	column := make([]uint64, len(reveals))
	for j := range consensus {
		for v, row := range reveals {
			column[v] = row[j]
		}
		median, err := StakeWeightedMedian(column, stakes)
		if err != nil {
			return nil, fmt.Errorf("update %d: %w", j, err)
		}
		consensus[j] = median
	}
	return consensus, nil
}

// lowerMedian returns sorted(values)[(n−1)/2], the unweighted lower median (values must be non-empty).
func lowerMedian(values []uint64) uint64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)/2]
}

// uint128 is an unsigned 128-bit integer for stake sums that may exceed uint64.
type uint128 struct{ hi, lo uint64 }

func (a uint128) add(b uint64) uint128 {
	lo, carry := bits.Add64(a.lo, b, 0)
	return uint128{hi: a.hi + carry, lo: lo}
}

// double returns 2·a; it cannot overflow for sums of fewer than 2^63 uint64 values.
func (a uint128) double() uint128 {
	return uint128{hi: a.hi<<1 | a.lo>>63, lo: a.lo << 1}
}

func (a uint128) less(b uint128) bool {
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
}

func (a uint128) isZero() bool { return a.hi == 0 && a.lo == 0 }
