package consensus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hashOf(b byte) [32]byte {
	var h [32]byte
	h[0] = b
	return h
}

// TestCommitmentPreimage rebuilds the preimage byte by byte from the documented layout.
func TestCommitmentPreimage(t *testing.T) {
	var salt [32]byte
	for i := range salt {
		salt[i] = byte(i)
	}
	hashes := [][32]byte{hashOf(1), hashOf(2)}
	got, err := Commitment(5, 9, "val", salt, hashes, []uint64{0x0102, 7})
	if err != nil {
		t.Fatal(err)
	}
	var preimage bytes.Buffer
	preimage.WriteString("sabfl/commit/v1")
	preimage.Write([]byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 9, 0, 3, 'v', 'a', 'l'})
	preimage.Write(salt[:])
	preimage.Write(hashes[0][:])
	preimage.Write([]byte{0, 0, 0, 0, 0, 0, 1, 2})
	preimage.Write(hashes[1][:])
	preimage.Write([]byte{0, 0, 0, 0, 0, 0, 0, 7})
	if want := sha256.Sum256(preimage.Bytes()); got != want {
		t.Errorf("Commitment = %x, want %x", got, want)
	}
}

func TestCommitmentBindsEveryField(t *testing.T) {
	var salt [32]byte
	hashes := [][32]byte{hashOf(1), hashOf(2)}
	base, _ := Commitment(1, 1, "v", salt, hashes, []uint64{10, 20})
	otherSalt := salt
	otherSalt[31] = 1
	for name, variant := range map[string]func() ([32]byte, error){
		"task":      func() ([32]byte, error) { return Commitment(2, 1, "v", salt, hashes, []uint64{10, 20}) },
		"round":     func() ([32]byte, error) { return Commitment(1, 2, "v", salt, hashes, []uint64{10, 20}) },
		"validator": func() ([32]byte, error) { return Commitment(1, 1, "w", salt, hashes, []uint64{10, 20}) },
		"salt":      func() ([32]byte, error) { return Commitment(1, 1, "v", otherSalt, hashes, []uint64{10, 20}) },
		"loss":      func() ([32]byte, error) { return Commitment(1, 1, "v", salt, hashes, []uint64{10, 21}) },
		"hash": func() ([32]byte, error) {
			return Commitment(1, 1, "v", salt, [][32]byte{hashOf(1), hashOf(3)}, []uint64{10, 20})
		},
	} {
		if got, err := variant(); err != nil || got == base {
			t.Errorf("changing the %s leaves the commitment unchanged (%v)", name, err)
		}
	}
}

func TestCommitmentRejects(t *testing.T) {
	var salt [32]byte
	for name, tc := range map[string]struct {
		validator string
		hashes    [][32]byte
		losses    []uint64
		want      error
	}{
		"descending":       {"v", [][32]byte{hashOf(2), hashOf(1)}, []uint64{1, 2}, ErrUnsortedHashes},
		"duplicate":        {"v", [][32]byte{hashOf(1), hashOf(1)}, []uint64{1, 2}, ErrUnsortedHashes},
		"more losses":      {"v", [][32]byte{hashOf(1)}, []uint64{1, 2}, ErrInvalidInput},
		"fewer losses":     {"v", [][32]byte{hashOf(1), hashOf(2)}, []uint64{1}, ErrInvalidInput},
		"validator length": {strings.Repeat("v", 1<<16), nil, nil, ErrInvalidInput},
	} {
		if _, err := Commitment(1, 1, tc.validator, salt, tc.hashes, tc.losses); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", name, err, tc.want)
		}
	}
	if _, err := Commitment(1, 1, strings.Repeat("v", 1<<16-1), salt, nil, nil); err != nil {
		t.Errorf("a 65535-byte validator address is allowed: %v", err)
	}
}

// TestDocumentedCommitment pins the example quoted in docs/protocol.md (inputs in documentedCommitment).
func TestDocumentedCommitment(t *testing.T) {
	c := documentedCommitment()
	hashes := make([][32]byte, len(c.UpdateHashes))
	for i, h := range c.UpdateHashes {
		hashes[i] = decode32(t, h)
	}
	got, err := Commitment(c.TaskID, c.Round, c.Validator, decode32(t, c.Salt), hashes, c.Losses)
	const want = "08c4b3fc9da8076b372e6f5ea33a366bc954424f4faf91144f3040033c63b821"
	if err != nil || hex.EncodeToString(got[:]) != want {
		t.Errorf("documented commitment = %x, %v; want %s", got, err, want)
	}
}
