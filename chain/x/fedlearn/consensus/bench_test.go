package consensus

import (
	"math/rand"
	"testing"
)

// BenchmarkSoftmaxWeights measures the chain's weight recomputation for a large round (1000 updates).
func BenchmarkSoftmaxWeights(b *testing.B) {
	losses, rule := randomSoftmaxCase(rand.New(rand.NewSource(3)), 1000)
	for b.Loop() {
		if _, err := SoftmaxWeights(losses, rule); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDrawCommittee measures a 20-member draw from 150 candidates.
func BenchmarkDrawCommittee(b *testing.B) {
	rng := rand.New(rand.NewSource(4))
	candidates := make([]Candidate, 150)
	for i := range candidates {
		candidates[i] = Candidate{Operator: string(rune('A'+i%26)) + string(rune('a'+i/26)), Power: uint64(1 + rng.Intn(1_000_000))}
	}
	for b.Loop() {
		if _, err := DrawCommittee(seedOf(1), candidates, 20); err != nil {
			b.Fatal(err)
		}
	}
}
