package consensus

import (
	"errors"
	"math"
	"math/rand"
	"slices"
	"testing"
)

func TestStakeWeightedMedian(t *testing.T) {
	for _, tc := range []struct {
		name           string
		values, stakes []uint64
		want           uint64
	}{
		{"single", []uint64{7}, []uint64{1}, 7},
		{"equal stakes, odd count", []uint64{30, 10, 20}, []uint64{1, 1, 1}, 20},
		{"equal stakes, even count takes the lower middle", []uint64{40, 10, 30, 20}, []uint64{1, 1, 1, 1}, 20},
		{"exactly half the stake reaches the median", []uint64{1, 2}, []uint64{5, 5}, 1},
		{"a majority holder decides", []uint64{100, 1, 2, 3}, []uint64{51, 16, 16, 17}, 100},
		{"zero-stake entries do not count", []uint64{1, 2, 3}, []uint64{0, 0, 4}, 3},
		{"ties keep original order", []uint64{5, 5, 9}, []uint64{1, 1, 1}, 5},
		{"stakes summing beyond uint64", []uint64{3, 1, 2}, []uint64{math.MaxUint64, math.MaxUint64, 1}, 2},
		{"extreme values", []uint64{math.MaxUint64, 0, math.MaxUint64}, []uint64{1, 1, 1}, math.MaxUint64},
	} {
		got, err := StakeWeightedMedian(tc.values, tc.stakes)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
}

func TestStakeWeightedMedianRejects(t *testing.T) {
	for _, tc := range []struct {
		name           string
		values, stakes []uint64
	}{
		{"empty", nil, nil},
		{"mismatched", []uint64{1, 2}, []uint64{1}},
		{"zero total stake", []uint64{1, 2}, []uint64{0, 0}},
	} {
		if _, err := StakeWeightedMedian(tc.values, tc.stakes); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error = %v, want ErrInvalidInput", tc.name, err)
		}
	}
}

// TestLyingMinorityStaysInHonestRange: whatever validators holding < 1/2 of the stake report, the
// median lies within [min, max] of the honest reports.
func TestLyingMinorityStaysInHonestRange(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := range 2000 {
		n := 1 + rng.Intn(12)
		values := make([]uint64, n)
		stakes := make([]uint64, n)
		liar := make([]bool, n)
		var honestStake, liarStake uint64
		for i := range n {
			stakes[i] = uint64(rng.Intn(1000))
			liar[i] = rng.Intn(3) == 0
			if liar[i] {
				liarStake += stakes[i]
			} else {
				honestStake += stakes[i]
			}
		}
		if liarStake*2 >= liarStake+honestStake {
			continue
		}
		lo, hi := uint64(math.MaxUint64), uint64(0)
		for i := range n {
			if liar[i] {
				values[i] = []uint64{0, math.MaxUint64, rng.Uint64()}[rng.Intn(3)]
				continue
			}
			values[i] = 1_000_000 + uint64(rng.Intn(5000))
			lo, hi = min(lo, values[i]), max(hi, values[i])
		}
		got, err := StakeWeightedMedian(values, stakes)
		if err != nil || got < lo || got > hi {
			t.Fatalf("trial %d: median %d, %v outside honest range [%d, %d] (values %v stakes %v)",
				trial, got, err, lo, hi, values, stakes)
		}
	}
}

func TestConsensusLosses(t *testing.T) {
	reveals := [][]uint64{
		{10, 200, 3000},
		{11, 210, 1},
		{12, 999_999, 3100},
	}
	got, err := ConsensusLosses(reveals, []uint64{1, 1, 1})
	if err != nil || !slices.Equal(got, []uint64{11, 210, 3000}) {
		t.Errorf("equal stakes: got %v, %v", got, err)
	}
	got, err = ConsensusLosses(reveals, []uint64{1, 1, 5})
	if err != nil || !slices.Equal(got, []uint64{12, 999_999, 3100}) {
		t.Errorf("majority validator: got %v, %v", got, err)
	}
	got, err = ConsensusLosses([][]uint64{{}, {}}, []uint64{1, 1})
	if err != nil || len(got) != 0 {
		t.Errorf("no updates: got %v, %v", got, err)
	}
	for name, tc := range map[string]struct {
		reveals [][]uint64
		stakes  []uint64
	}{
		"no validators": {nil, nil},
		"stake count":   {reveals, []uint64{1, 1}},
		"ragged rows":   {[][]uint64{{1, 2}, {1}}, []uint64{1, 1}},
		"zero total":    {reveals, []uint64{0, 0, 0}},
	} {
		if _, err := ConsensusLosses(tc.reveals, tc.stakes); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error = %v, want ErrInvalidInput", name, err)
		}
	}
}
