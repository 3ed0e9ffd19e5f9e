package consensus

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"os"
	"slices"
	"testing"
)

// The shared vectors are checked here and by sidecar/tests/test_protocol_vectors.py. Regenerate with
//
//	go test ./x/fedlearn/consensus/ -run TestVectors -update
var updateVectors = flag.Bool("update", false, "rewrite testdata/vectors.json from the Go implementation")

const vectorsPath = "testdata/vectors.json"

// Error kinds in the vectors, one per sentinel error (the Python port raises the matching class).
var errorKinds = map[string]error{
	"invalid_input":   ErrInvalidInput,
	"invalid_rule":    ErrInvalidRule,
	"unsorted_hashes": ErrUnsortedHashes,
}

func errorKind(err error) string {
	for kind, sentinel := range errorKinds {
		if errors.Is(err, sentinel) {
			return kind
		}
	}
	if err != nil {
		panic(fmt.Sprintf("error without a kind: %v", err))
	}
	return ""
}

// Every uint64 is a JSON number (Go decodes it into uint64 and Python into int, both exactly);
// ExpNeg's argument, which may exceed uint64, is a decimal string; byte strings are lowercase hex.
type vectorFile struct {
	Comment     string              `json:"comment"`
	Scales      map[string]uint64   `json:"scales"`
	ExpNeg      []expNegVector      `json:"exp_neg"`
	Median      []medianVector      `json:"median"`
	Consensus   []consensusVector   `json:"consensus"`
	Temperature []temperatureVector `json:"temperature"`
	Softmax     []softmaxVector     `json:"softmax"`
	RoundSeed   []roundSeedVector   `json:"round_seed"`
	Selection   []selectionVector   `json:"selection"`
	Commitment  []commitmentVector  `json:"commitment"`
	// UpdateCommitment: participants' update commitments (participant as hex of its address bytes).
	UpdateCommitment []updateCommitmentVector `json:"update_commitment"`
}

type updateCommitmentVector struct {
	Name        string `json:"name,omitempty"`
	TaskID      uint64 `json:"task_id"`
	Round       uint64 `json:"round"`
	Participant string `json:"participant"`
	Sha256      string `json:"sha256"`
	NumSamples  uint64 `json:"num_samples"`
	Salt        string `json:"salt"`
	Want        string `json:"want"`
	Error       string `json:"error,omitempty"`
}

// documentedUpdateCommitment is the update commitment example quoted in docs/protocol.md.
func documentedUpdateCommitment() updateCommitmentVector {
	var salt, participant [32]byte
	for i := range salt {
		salt[i] = byte(i)
		participant[i] = byte(0x10 + i)
	}
	update := sha256.Sum256([]byte("update-a"))
	return updateCommitmentVector{
		Name: "documented example (docs/protocol.md)", TaskID: 1, Round: 3,
		Participant: hex.EncodeToString(participant[:20]), Sha256: hex.EncodeToString(update[:]),
		NumSamples: 450, Salt: hex.EncodeToString(salt[:]),
	}
}

type expNegVector struct {
	X    string `json:"x"`
	Want uint64 `json:"want"`
}

type medianVector struct {
	Values []uint64 `json:"values"`
	Stakes []uint64 `json:"stakes"`
	Want   uint64   `json:"want"`
	Error  string   `json:"error,omitempty"`
}

type consensusVector struct {
	Reveals [][]uint64 `json:"reveals"`
	Stakes  []uint64   `json:"stakes"`
	Want    []uint64   `json:"want"`
	Error   string     `json:"error,omitempty"`
}

type ruleVector struct {
	Mode          string `json:"mode"`
	Tau           uint64 `json:"tau"`
	MadMultiplier uint64 `json:"mad_multiplier"`
	TauMin        uint64 `json:"tau_min"`
}

func (r ruleVector) rule() TemperatureRule {
	return TemperatureRule{Mode: TemperatureMode(r.Mode), Tau: r.Tau, MadMultiplier: r.MadMultiplier, TauMin: r.TauMin}
}

func ruleVectorOf(r TemperatureRule) ruleVector {
	return ruleVector{Mode: string(r.Mode), Tau: r.Tau, MadMultiplier: r.MadMultiplier, TauMin: r.TauMin}
}

type temperatureVector struct {
	Rule   ruleVector `json:"rule"`
	Losses []uint64   `json:"losses"`
	Want   uint64     `json:"want"`
	Error  string     `json:"error,omitempty"`
}

type softmaxVector struct {
	Rule   ruleVector `json:"rule"`
	Losses []uint64   `json:"losses"`
	Want   []uint64   `json:"want"`
	Error  string     `json:"error,omitempty"`
}

type roundSeedVector struct {
	BlockHash string `json:"block_hash"`
	TaskID    uint64 `json:"task_id"`
	Round     uint64 `json:"round"`
	Want      string `json:"want"`
}

type candidateVector struct {
	Operator string `json:"operator"`
	Power    uint64 `json:"power"`
}

type selectionVector struct {
	Seed       string            `json:"seed"`
	Candidates []candidateVector `json:"candidates"`
	Size       int               `json:"size"`
	Want       []string          `json:"want"`
	Error      string            `json:"error,omitempty"`
}

type commitmentVector struct {
	Name         string   `json:"name,omitempty"`
	TaskID       uint64   `json:"task_id"`
	Round        uint64   `json:"round"`
	Validator    string   `json:"validator"`
	Salt         string   `json:"salt"`
	UpdateHashes []string `json:"update_hashes"`
	Losses       []uint64 `json:"losses"`
	Want         string   `json:"want"`
	Error        string   `json:"error,omitempty"`
}

// documentedCommitment is the commitment example quoted in docs/protocol.md.
func documentedCommitment() commitmentVector {
	var salt [32]byte
	for i := range salt {
		salt[i] = byte(i)
	}
	hashes := [][32]byte{sha256.Sum256([]byte("update-a")), sha256.Sum256([]byte("update-b")), sha256.Sum256([]byte("update-c"))}
	slices.SortFunc(hashes, func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) })
	return commitmentVector{
		Name:         "documented example (docs/protocol.md)",
		TaskID:       1,
		Round:        3,
		Validator:    "sabflvaloper1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5cyrlx2",
		Salt:         hex.EncodeToString(salt[:]),
		UpdateHashes: hexAll(hashes),
		Losses:       []uint64{693_147, 1_000_000_000_000, 250_000},
	}
}

func hexAll(hashes [][32]byte) []string {
	out := make([]string, len(hashes))
	for i, h := range hashes {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func decode32(t testing.TB, s string) [32]byte {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad 32-byte hex %q", s)
	}
	return [32]byte(b)
}

// buildVectors lays out the cases (inputs and, for now, empty expectations).
func buildVectors() vectorFile {
	rng := rand.New(rand.NewSource(2026))
	v := vectorFile{
		Comment: "Shared SABFL consensus vectors, generated by chain/x/fedlearn/consensus (go test -run TestVectors -update); " +
			"checked by the Go package and by sidecar/tests/test_protocol_vectors.py.",
		Scales: map[string]uint64{
			"loss_scale": LossScale, "weight_scale": WeightScale,
		},
	}
	for i, x := range expNegTestInputs() {
		if i < 18 || i%50 == 0 {
			v.ExpNeg = append(v.ExpNeg, expNegVector{X: x.String()})
		}
	}

	v.Median = []medianVector{
		{Values: []uint64{30, 10, 20}, Stakes: []uint64{1, 1, 1}},
		{Values: []uint64{40, 10, 30, 20}, Stakes: []uint64{1, 1, 1, 1}},
		{Values: []uint64{1, 2}, Stakes: []uint64{5, 5}},
		{Values: []uint64{5, 5, 9}, Stakes: []uint64{0, 1, 1}},
		{Values: []uint64{3, 1, 2}, Stakes: []uint64{math.MaxUint64, math.MaxUint64, 1}},
		{Values: []uint64{}, Stakes: []uint64{}},
		{Values: []uint64{1, 2}, Stakes: []uint64{1}},
		{Values: []uint64{1, 2}, Stakes: []uint64{0, 0}},
	}
	for range 12 {
		n := 1 + rng.Intn(9)
		m := medianVector{Values: make([]uint64, n), Stakes: make([]uint64, n)}
		for i := range n {
			m.Values[i] = uint64(rng.Intn(20)) * 100_000
			m.Stakes[i] = uint64(rng.Intn(5)) * 1_000_000
		}
		m.Stakes[0]++
		v.Median = append(v.Median, m)
	}

	v.Consensus = []consensusVector{
		{Reveals: [][]uint64{{10, 200, 3000}, {11, 210, 1}, {12, 999_999, 3100}}, Stakes: []uint64{1, 1, 5}},
		{Reveals: [][]uint64{{}, {}}, Stakes: []uint64{3, 4}},
		{Reveals: [][]uint64{{1, 2}, {1}}, Stakes: []uint64{1, 1}},
		{Reveals: [][]uint64{}, Stakes: []uint64{}},
	}

	rules := []TemperatureRule{fixed(250_000), mad(2_000_000, 1), mad(1_500_001, 3), mad(math.MaxUint64, 1), mad(1_000_000, 42)}
	lossSets := [][]uint64{{1, 2, 3, 4, 100}, {40, 10, 30, 20}, {7, 10, 13}, {9, 9, 9}, {0, math.MaxUint64, math.MaxUint64 / 2}}
	for _, rule := range rules {
		for _, losses := range lossSets {
			v.Temperature = append(v.Temperature, temperatureVector{Rule: ruleVectorOf(rule), Losses: losses})
		}
	}
	for _, rule := range []TemperatureRule{fixed(0), mad(0, 1), mad(1, 0), {Mode: "softmax", Tau: 1}} {
		v.Temperature = append(v.Temperature, temperatureVector{Rule: ruleVectorOf(rule), Losses: []uint64{1}})
	}
	v.Temperature = append(v.Temperature, temperatureVector{Rule: ruleVectorOf(fixed(1)), Losses: []uint64{}})

	softmaxCases := []struct {
		losses []uint64
		rule   TemperatureRule
	}{
		{[]uint64{123}, fixed(1)},
		{[]uint64{5, 5, 5}, fixed(1)},
		{[]uint64{500_000, 1_000_000_000_000}, fixed(100_000)},
		{[]uint64{math.MaxUint64, 0}, fixed(1)},
		{[]uint64{0, 1_000_000_000_000}, fixed(math.MaxUint64)},
		{[]uint64{1_000_000, 2_000_000}, fixed(1_000_000)},
		{[]uint64{7, 7, 7 + 10*1_000_000}, fixed(1_000_000)},
		{[]uint64{2_302_585, 2_290_000, 1_000_000_000_000, 2_310_000, 2_295_500}, mad(2_000_000, 1_000)},
		{[]uint64{1}, fixed(0)},
		{[]uint64{}, fixed(1)},
		{[]uint64{Unavailable, 3_000_000, Unavailable, 1_000_000, 2_000_000}, mad(2_000_000, 1_000)},
		{[]uint64{Unavailable, Unavailable}, fixed(1)},
	}
	for _, c := range softmaxCases {
		v.Softmax = append(v.Softmax, softmaxVector{Rule: ruleVectorOf(c.rule), Losses: c.losses})
	}
	for trial := range 16 {
		n := 2 + rng.Intn(30)
		if trial == 0 {
			n = 1000
		}
		losses, rule := randomSoftmaxCase(rng, n)
		v.Softmax = append(v.Softmax, softmaxVector{Rule: ruleVectorOf(rule), Losses: losses})
	}

	blockHash99 := seedOf(99)
	for i, blockHash := range [][]byte{{}, {0xaa, 0xbb}, blockHash99[:]} {
		v.RoundSeed = append(v.RoundSeed, roundSeedVector{BlockHash: hex.EncodeToString(blockHash), TaskID: uint64(i), Round: uint64(1000 * i)})
	}

	for trial := range 12 {
		n := 1 + rng.Intn(8)
		var candidates []candidateVector
		for i := range n {
			candidates = append(candidates, candidateVector{
				Operator: fmt.Sprintf("sabflvaloper1%02d%c", (i*37+trial)%100, 'a'+rng.Intn(26)),
				Power:    uint64(rng.Intn(4)) * uint64(1+rng.Intn(1_000_000)),
			})
		}
		candidates[0].Power++
		seed := seedOf(uint64(1000 + trial))
		v.Selection = append(v.Selection, selectionVector{Seed: hex.EncodeToString(seed[:]), Candidates: candidates, Size: 1 + rng.Intn(n+2)})
	}
	seed0 := seedOf(0)
	for _, c := range []selectionVector{
		{Candidates: []candidateVector{{"a", 1}, {"b", 2}}, Size: 0},
		{Candidates: []candidateVector{{"a", 0}}, Size: 1},
		{Candidates: []candidateVector{{"a", 1}, {"a", 2}}, Size: 1},
		{Candidates: []candidateVector{{"a", math.MaxUint64}, {"b", 1}}, Size: 1},
		// total power 2^63 + 1: about half of the stream values are rejected
		{Candidates: []candidateVector{{"a", 1 << 62}, {"b", 1<<62 + 1}, {"c", 0}}, Size: 3},
	} {
		c.Seed = hex.EncodeToString(seed0[:])
		v.Selection = append(v.Selection, c)
	}

	v.Commitment = append(v.Commitment, documentedCommitment())
	for trial := range 6 {
		hashes := make([][32]byte, trial)
		losses := make([]uint64, trial)
		for i := range hashes {
			hashes[i] = seedOf(uint64(rng.Int63()))
			losses[i] = rng.Uint64() >> uint(rng.Intn(64))
		}
		slices.SortFunc(hashes, func(a, b [32]byte) int { return slices.Compare(a[:], b[:]) })
		salt := seedOf(uint64(trial))
		v.Commitment = append(v.Commitment, commitmentVector{
			TaskID: rng.Uint64(), Round: uint64(trial), Validator: fmt.Sprintf("validator-%d", trial),
			Salt: hex.EncodeToString(salt[:]), UpdateHashes: hexAll(hashes), Losses: losses,
		})
	}
	unsorted := documentedCommitment()
	unsorted.Name = "unsorted hashes"
	unsorted.UpdateHashes[0], unsorted.UpdateHashes[1] = unsorted.UpdateHashes[1], unsorted.UpdateHashes[0]
	duplicated := documentedCommitment()
	duplicated.Name = "duplicate hash"
	duplicated.UpdateHashes[1] = duplicated.UpdateHashes[0]
	mismatched := documentedCommitment()
	mismatched.Name = "one loss missing"
	mismatched.Losses = mismatched.Losses[:2]
	v.Commitment = append(v.Commitment, unsorted, duplicated, mismatched)

	v.UpdateCommitment = append(v.UpdateCommitment, documentedUpdateCommitment())
	urng := rand.New(rand.NewSource(2027))
	for trial := range 5 {
		participant := make([]byte, 20+12*(trial%2)) // account (20 B) and module-style (32 B) addresses
		urng.Read(participant)
		update, salt := seedOf(urng.Uint64()), seedOf(urng.Uint64())
		v.UpdateCommitment = append(v.UpdateCommitment, updateCommitmentVector{
			TaskID: urng.Uint64(), Round: uint64(trial + 1), Participant: hex.EncodeToString(participant),
			Sha256: hex.EncodeToString(update[:]), NumSamples: urng.Uint64() >> uint(urng.Intn(64)), Salt: hex.EncodeToString(salt[:]),
		})
	}
	empty := documentedUpdateCommitment()
	empty.Name = "empty participant address"
	empty.Participant = ""
	v.UpdateCommitment = append(v.UpdateCommitment, empty)
	return v
}

// evaluate fills in every expectation of v from this package (it is also what the check compares).
func evaluate(t testing.TB, v *vectorFile) {
	for i := range v.ExpNeg {
		c := &v.ExpNeg[i]
		x, ok := new(big.Int).SetString(c.X, 10)
		if !ok {
			t.Fatalf("exp_neg %d: bad x %q", i, c.X)
		}
		got, err := ExpNeg(x)
		if err != nil {
			t.Fatalf("exp_neg %d: %v", i, err)
		}
		c.Want = got
	}
	for i := range v.Median {
		c := &v.Median[i]
		got, err := StakeWeightedMedian(c.Values, c.Stakes)
		c.Want, c.Error = got, errorKind(err)
	}
	for i := range v.Consensus {
		c := &v.Consensus[i]
		got, err := ConsensusLosses(c.Reveals, c.Stakes)
		c.Want, c.Error = got, errorKind(err)
	}
	for i := range v.Temperature {
		c := &v.Temperature[i]
		got, err := c.Rule.rule().Temperature(c.Losses)
		c.Want, c.Error = got, errorKind(err)
	}
	for i := range v.Softmax {
		c := &v.Softmax[i]
		got, err := SoftmaxWeights(c.Losses, c.Rule.rule())
		c.Want, c.Error = got, errorKind(err)
	}
	for i := range v.RoundSeed {
		c := &v.RoundSeed[i]
		blockHash, err := hex.DecodeString(c.BlockHash)
		if err != nil {
			t.Fatalf("round_seed %d: %v", i, err)
		}
		seed := RoundSeed(blockHash, c.TaskID, c.Round)
		c.Want = hex.EncodeToString(seed[:])
	}
	for i := range v.Selection {
		c := &v.Selection[i]
		candidates := make([]Candidate, len(c.Candidates))
		for j, cv := range c.Candidates {
			candidates[j] = Candidate{Operator: cv.Operator, Power: cv.Power}
		}
		got, err := DrawCommittee(decode32(t, c.Seed), candidates, c.Size)
		c.Want, c.Error = got, errorKind(err)
	}
	for i := range v.Commitment {
		c := &v.Commitment[i]
		hashes := make([][32]byte, len(c.UpdateHashes))
		for j, h := range c.UpdateHashes {
			hashes[j] = decode32(t, h)
		}
		digest, err := Commitment(c.TaskID, c.Round, c.Validator, decode32(t, c.Salt), hashes, c.Losses)
		c.Want, c.Error = "", errorKind(err)
		if err == nil {
			c.Want = hex.EncodeToString(digest[:])
		}
	}
	for i := range v.UpdateCommitment {
		c := &v.UpdateCommitment[i]
		participant, err := hex.DecodeString(c.Participant)
		if err != nil {
			t.Fatal(err)
		}
		digest, err := UpdateCommitment(c.TaskID, c.Round, participant, decode32(t, c.Sha256), c.NumSamples, decode32(t, c.Salt))
		c.Want, c.Error = "", errorKind(err)
		if err == nil {
			c.Want = hex.EncodeToString(digest[:])
		}
	}
}

// TestVectors recomputes every expectation in testdata/vectors.json (after rewriting the file from
// buildVectors when run with -update) and requires the file to match exactly.
func TestVectors(t *testing.T) {
	if *updateVectors {
		v := buildVectors()
		evaluate(t, &v)
		data, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorsPath, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var stored, recomputed vectorFile
	if err := json.Unmarshal(data, &stored); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &recomputed); err != nil {
		t.Fatal(err)
	}
	evaluate(t, &recomputed)
	storedJSON, _ := json.Marshal(stored)
	recomputedJSON, _ := json.Marshal(recomputed)
	if string(storedJSON) != string(recomputedJSON) {
		for _, section := range []struct {
			name      string
			got, want any
		}{
			{"exp_neg", recomputed.ExpNeg, stored.ExpNeg}, {"median", recomputed.Median, stored.Median},
			{"consensus", recomputed.Consensus, stored.Consensus}, {"temperature", recomputed.Temperature, stored.Temperature},
			{"softmax", recomputed.Softmax, stored.Softmax},
			{"round_seed", recomputed.RoundSeed, stored.RoundSeed}, {"selection", recomputed.Selection, stored.Selection},
			{"commitment", recomputed.Commitment, stored.Commitment},
			{"update_commitment", recomputed.UpdateCommitment, stored.UpdateCommitment},
		} {
			got, _ := json.Marshal(section.got)
			want, _ := json.Marshal(section.want)
			if string(got) != string(want) {
				t.Errorf("section %s differs from %s", section.name, vectorsPath)
			}
		}
		t.Fatal("vectors differ; if the change is intended, rerun with -update")
	}
	if documented := stored.Commitment[0]; documented.Name != documentedCommitment().Name {
		t.Errorf("first commitment vector is %q, want the documented example", documented.Name)
	}
	t.Logf("documented commitment: %s", stored.Commitment[0].Want)
	if documented := stored.UpdateCommitment[0]; documented.Name != documentedUpdateCommitment().Name {
		t.Errorf("first update commitment vector is %q, want the documented example", documented.Name)
	}
	t.Logf("documented update commitment: %s", stored.UpdateCommitment[0].Want)
}
