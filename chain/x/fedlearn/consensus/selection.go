package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
)

// Candidate is a bonded validator eligible for a round's committee: its operator address and its
// power (stake in any integer unit, e.g. consensus power).
type Candidate struct {
	Operator string
	Power    uint64
}

// RoundSeed returns sha256(blockHash ‖ uint64be(taskID) ‖ uint64be(round)), the seed of a round's
// committee draw; blockHash is the hash of the block at which the round starts.
func RoundSeed(blockHash []byte, taskID, round uint64) [32]byte {
	buf := make([]byte, 0, len(blockHash)+16)
	buf = append(buf, blockHash...)
	buf = binary.BigEndian.AppendUint64(buf, taskID)
	buf = binary.BigEndian.AppendUint64(buf, round)
	return sha256.Sum256(buf)
}

// DrawCommittee draws min(size, number of candidates with power > 0) distinct operators, stake-weighted
// and without replacement, and returns them in draw order: the first is the miner, the rest are the
// committee's fallback miners in order.
//
//   - Candidates are sorted by operator address (byte order); zero-power candidates are never drawn;
//     duplicate operators are an error; the sum of powers must fit in a uint64.
//   - Random stream: r_c = first 8 bytes, big-endian, of sha256(seed ‖ uint64be(c)) for c = 0, 1, 2, ….
//   - Each draw takes the next r_c from the stream and, with T the remaining candidates' total power,
//     rejects it if r_c ≥ 2^64 − (2^64 mod T) (rejection sampling, so target = r_c mod T is exactly
//     uniform; a rejection has probability < T/2^64 and in practice c = draw index). The drawn
//     candidate is the first one, in address order among those remaining, whose cumulative power
//     exceeds target; it is removed and T shrinks by its power.
func DrawCommittee(seed [32]byte, candidates []Candidate, size int) ([]string, error) {
	if size < 1 {
		return nil, fmt.Errorf("%w: committee size %d", ErrInvalidInput, size)
	}
	sorted := slices.Clone(candidates)
	slices.SortFunc(sorted, func(a, b Candidate) int { return strings.Compare(a.Operator, b.Operator) })
	pool := make([]Candidate, 0, len(sorted))
	var total uint64
	for i, c := range sorted {
		if i > 0 && c.Operator == sorted[i-1].Operator {
			return nil, fmt.Errorf("%w: duplicate candidate %q", ErrInvalidInput, c.Operator)
		}
		if c.Power == 0 {
			continue
		}
		var carry uint64
		if total, carry = bits.Add64(total, c.Power, 0); carry != 0 {
			return nil, fmt.Errorf("%w: total candidate power overflows uint64", ErrInvalidInput)
		}
		pool = append(pool, c)
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("%w: no candidate with power > 0", ErrInvalidInput)
	}

	draws := min(size, len(pool))
	committee := make([]string, 0, draws)
	var counter uint64
	for len(committee) < draws {
		var target uint64
		target, counter = drawTarget(seed, counter, total)
		var cumulative uint64
		for i, c := range pool {
			cumulative += c.Power
			if target < cumulative {
				committee = append(committee, c.Operator)
				total -= c.Power
				pool = slices.Delete(pool, i, i+1)
				break
			}
		}
	}
	return committee, nil
}

// drawTarget returns a uniform target in [0, total) from the stream value r_counter (rejecting values
// at or above the largest multiple of total that fits in 2^64) and the next unused counter.
func drawTarget(seed [32]byte, counter, total uint64) (target, next uint64) {
	excess := (math.MaxUint64%total + 1) % total // 2^64 mod total
	var buf [40]byte
	copy(buf[:32], seed[:])
	for {
		binary.BigEndian.PutUint64(buf[32:], counter)
		digest := sha256.Sum256(buf[:])
		r := binary.BigEndian.Uint64(digest[:8])
		counter++
		if r <= math.MaxUint64-excess {
			return r % total, counter
		}
	}
}
