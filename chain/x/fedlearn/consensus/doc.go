// Package consensus holds the deterministic maths of one SABFL round, in integer fixed point and with
// the standard library only, so the state machine and the Python sidecar port
// (sidecar/src/sabfl/protocol) compute bit-identical results.
//
// Phases of a round, in the order the keeper applies them:
//
//  1. Selection: RoundSeed → DrawCommittee (stake-weighted, without replacement); the committee in
//     draw order is also the miner queue.
//  2. Commit/reveal: Commitment binds a validator's losses, keyed by update hash.
//  3. Consensus: ConsensusLosses takes, per update, the StakeWeightedMedian of the revealed losses.
//  4. Softmax: TemperatureRule.Temperature picks τ, SoftmaxWeights turns consensus losses into weights
//     that sum to exactly WeightScale. The miner applies these on-chain weights; the attesters check its
//     aggregate by recomputing its hash.
//
// Scales (all unsigned integers, never floats):
//
//   - losses, scores, τ and the MAD multiplier c: micro-units, LossScale = 1e6 (a loss cap of 1e6 is
//     1e12 micro-units);
//   - weights and ExpNeg's argument/result: WeightScale = 1e18, the 18 decimals of cosmossdk.io/math
//     LegacyDec, so a weight w maps to LegacyDec with w as the mantissa at precision 18.
//
// The shared test vectors in testdata/vectors.json are checked by this package's tests and by
// sidecar/tests/test_protocol_vectors.py; regenerate them with `go test -run TestVectors -update`.
package consensus
