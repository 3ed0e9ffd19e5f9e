package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"testing"
)

func seedOf(i uint64) [32]byte {
	return sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
}

func TestRoundSeedLayout(t *testing.T) {
	blockHash := []byte{0xaa, 0xbb}
	want := sha256.Sum256([]byte{0xaa, 0xbb, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 1, 2})
	if got := RoundSeed(blockHash, 7, 258); got != want {
		t.Errorf("RoundSeed = %x, want %x", got, want)
	}
	if RoundSeed(blockHash, 7, 1) == RoundSeed(blockHash, 7, 2) || RoundSeed(blockHash, 7, 1) == RoundSeed(blockHash, 8, 1) {
		t.Error("RoundSeed does not separate tasks or rounds")
	}
}

func TestDrawCommitteeIsDeterministicAndIgnoresInputOrder(t *testing.T) {
	candidates := []Candidate{{"valoper1c", 30}, {"valoper1a", 10}, {"valoper1b", 20}, {"valoper1d", 40}}
	reversed := slices.Clone(candidates)
	slices.Reverse(reversed)
	seed := seedOf(1)
	first, err := DrawCommittee(seed, candidates, 3)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := DrawCommittee(seed, reversed, 3)
	if !slices.Equal(first, second) || len(first) != 3 {
		t.Errorf("draws differ or have the wrong size: %v vs %v", first, second)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(first)))) != 3 {
		t.Errorf("committee %v repeats a member", first)
	}
}

// TestDrawCommitteeTakesEveryoneWhenSmall: size ≥ candidates takes all positive-power ones, in a
// seed-dependent draw order, and never a zero-power one.
func TestDrawCommitteeTakesEveryoneWhenSmall(t *testing.T) {
	candidates := []Candidate{{"a", 5}, {"b", 0}, {"c", 1}, {"d", 3}}
	orders := map[string]bool{}
	for i := range uint64(200) {
		got, err := DrawCommittee(seedOf(i), candidates, 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), []string{"a", "c", "d"}) {
			t.Fatalf("seed %d: committee %v, want a, c, d in some order", i, got)
		}
		orders[hex.EncodeToString([]byte(got[0]+got[1]+got[2]))] = true
	}
	if len(orders) != 6 {
		t.Errorf("saw %d of the 6 draw orders in 200 seeds", len(orders))
	}
}

// TestDrawCommitteeFirstDrawFollowsStake: over 10,000 seeds each candidate is drawn first with a
// frequency within ±2 percentage points of its stake share (4σ for the largest share).
func TestDrawCommitteeFirstDrawFollowsStake(t *testing.T) {
	candidates := []Candidate{{"v1", 50}, {"v2", 25}, {"v3", 15}, {"v4", 10}, {"v5", 0}}
	const seeds = 10_000
	counts := map[string]int{}
	for i := range uint64(seeds) {
		got, err := DrawCommittee(seedOf(i), candidates, 2)
		if err != nil {
			t.Fatal(err)
		}
		counts[got[0]]++
		if got[1] == "v5" {
			t.Fatalf("zero-power candidate drawn for seed %d", i)
		}
	}
	for _, c := range candidates {
		share := float64(c.Power) / 100
		frequency := float64(counts[c.Operator]) / seeds
		if math.Abs(frequency-share) > 0.02 {
			t.Errorf("%s drawn first %.4f of the time, stake share %.2f", c.Operator, frequency, share)
		}
	}
	t.Logf("first-draw counts over %d seeds: %v", seeds, counts)
}

func TestDrawTargetRejectsTheBiasedTail(t *testing.T) {
	// With total = 2^63 + 1, 2^64 mod total = 2^63 − 1: about half of all stream values are rejected,
	// so some seed must need more than one stream value for its first draw.
	total := uint64(1)<<63 + 1
	for i := range uint64(64) {
		target, next := drawTarget(seedOf(i), 0, total)
		if target >= total {
			t.Fatalf("target %d out of range", target)
		}
		if next > 1 {
			return
		}
	}
	t.Error("no rejection seen in 64 seeds at a 50% rejection rate")
}

func TestDrawCommitteeRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		candidates []Candidate
		size       int
	}{
		"size zero":      {[]Candidate{{"a", 1}}, 0},
		"no candidates":  {nil, 1},
		"all zero power": {[]Candidate{{"a", 0}, {"b", 0}}, 1},
		"duplicate":      {[]Candidate{{"a", 1}, {"b", 1}, {"a", 2}}, 1},
		"power overflow": {[]Candidate{{"a", math.MaxUint64}, {"b", 1}}, 1},
	} {
		if _, err := DrawCommittee(seedOf(0), tc.candidates, tc.size); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error %v, want ErrInvalidInput", name, err)
		}
	}
}
