package consensus

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// uint64sOf splits data into big-endian uint64s (a trailing partial word is dropped), at most limit.
func uint64sOf(data []byte, limit int) []uint64 {
	var out []uint64
	for len(data) >= 8 && len(out) < limit {
		out = append(out, binary.BigEndian.Uint64(data))
		data = data[8:]
	}
	return out
}

// FuzzSoftmaxWeights: never panics; for a valid rule and at least one available loss the weights sum to
// exactly WeightScale, never increase with the loss, and are 0 for unavailable updates.
func FuzzSoftmaxWeights(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}, true, uint64(1), uint64(0), uint64(0))
	f.Add(bytes.Repeat([]byte{0xff}, 64), false, uint64(0), uint64(1_500_000), uint64(1))
	f.Add(bytes.Repeat([]byte{0x12, 0x34}, 80), false, uint64(0), ^uint64(0), uint64(1_000))
	f.Fuzz(func(t *testing.T, data []byte, fixedMode bool, tau, madMultiplier, tauMin uint64) {
		losses := uint64sOf(data, 256)
		rule := TemperatureRule{Mode: TemperatureMAD, Tau: tau, MadMultiplier: madMultiplier, TauMin: tauMin}
		if fixedMode {
			rule.Mode = TemperatureFixed
		}
		weights, err := SoftmaxWeights(losses, rule)
		if rule.Validate() != nil || len(available(losses)) == 0 {
			if err == nil {
				t.Fatalf("accepted rule %+v with %d losses", rule, len(losses))
			}
			return
		}
		if err != nil {
			t.Fatalf("rule %+v, losses %v: %v", rule, losses, err)
		}
		var sum uint64
		for _, w := range weights {
			sum += w
		}
		if len(weights) != len(losses) || sum != WeightScale {
			t.Fatalf("%d weights summing to %d for %d losses", len(weights), sum, len(losses))
		}
		for i, loss := range losses {
			if loss == Unavailable && weights[i] != 0 {
				t.Fatalf("unavailable update %d gets weight %d", i, weights[i])
			}
		}
		order := make([]int, len(losses))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(losses[a], losses[b]) })
		for k := 1; k < len(order); k++ {
			lower, higher := order[k-1], order[k]
			if losses[lower] < losses[higher] && weights[lower] < weights[higher] {
				t.Fatalf("loss %d gets %d < loss %d's %d", losses[lower], weights[lower], losses[higher], weights[higher])
			}
		}
	})
}

// FuzzCommitment: never panics; accepts exactly the inputs with strictly ascending hashes, one loss per
// hash and a validator address of at most 65535 bytes; is deterministic; rejects swapped hashes.
func FuzzCommitment(f *testing.F) {
	f.Add(uint64(1), uint64(2), "sabfvaloper1xyz", bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{1}, 64), make([]byte, 16))
	f.Add(uint64(0), uint64(0), "", []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, taskID, round uint64, validator string, saltData, hashData, lossData []byte) {
		var salt [32]byte
		copy(salt[:], saltData)
		var hashes [][32]byte
		for ; len(hashData) >= 32 && len(hashes) < 64; hashData = hashData[32:] {
			hashes = append(hashes, [32]byte(hashData[:32]))
		}
		losses := uint64sOf(lossData, 65)
		ascending := true
		for i := 1; i < len(hashes); i++ {
			ascending = ascending && bytes.Compare(hashes[i-1][:], hashes[i][:]) < 0
		}
		valid := ascending && len(hashes) == len(losses) && len(validator) <= 0xffff

		digest, err := Commitment(taskID, round, validator, salt, hashes, losses)
		if valid != (err == nil) {
			t.Fatalf("valid=%v but error %v", valid, err)
		}
		if !valid {
			return
		}
		if again, _ := Commitment(taskID, round, validator, salt, hashes, losses); again != digest {
			t.Fatal("commitment is not deterministic")
		}
		if len(hashes) >= 2 {
			hashes[0], hashes[1] = hashes[1], hashes[0]
			if _, err := Commitment(taskID, round, validator, salt, hashes, losses); !errors.Is(err, ErrUnsortedHashes) {
				t.Fatalf("swapped hashes: error %v, want ErrUnsortedHashes", err)
			}
		}
	})
}
