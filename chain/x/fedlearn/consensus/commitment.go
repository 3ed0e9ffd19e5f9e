package consensus

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
)

// CommitmentDomain prefixes every commitment preimage, so it cannot collide with another sha256 use.
const CommitmentDomain = "sabfl/commit/v1"

// Commitment returns a validator's loss commitment for one round:
//
//	sha256( "sabfl/commit/v1" ‖ uint64be(taskID) ‖ uint64be(round)
//	        ‖ uint16be(len(validator)) ‖ validator bytes ‖ salt (32 B)
//	        ‖ for each update, hashes ascending: update hash (32 B) ‖ uint64be(loss) )
//
// updateHashes must be strictly ascending (byte order; scores are keyed by update hash, never by slot)
// and losses[i] belongs to updateHashes[i]; the validator address is at most 65535 bytes.
func Commitment(taskID, round uint64, validator string, salt [32]byte, updateHashes [][32]byte, losses []uint64) ([32]byte, error) {
	if len(updateHashes) != len(losses) {
		return [32]byte{}, fmt.Errorf("%w: %d update hashes but %d losses", ErrInvalidInput, len(updateHashes), len(losses))
	}
	if len(validator) > math.MaxUint16 {
		return [32]byte{}, fmt.Errorf("%w: validator address of %d bytes", ErrInvalidInput, len(validator))
	}
	for i := 1; i < len(updateHashes); i++ {
		if bytes.Compare(updateHashes[i-1][:], updateHashes[i][:]) >= 0 {
			return [32]byte{}, fmt.Errorf("%w: hash %d (%x) is not above hash %d (%x)",
				ErrUnsortedHashes, i, updateHashes[i], i-1, updateHashes[i-1])
		}
	}
	h := sha256.New()
	h.Write([]byte(CommitmentDomain))
	var word [8]byte
	binary.BigEndian.PutUint64(word[:], taskID)
	h.Write(word[:])
	binary.BigEndian.PutUint64(word[:], round)
	h.Write(word[:])
	binary.BigEndian.PutUint16(word[:2], uint16(len(validator)))
	h.Write(word[:2])
	h.Write([]byte(validator))
	h.Write(salt[:])
	for i, hash := range updateHashes {
		h.Write(hash[:])
		binary.BigEndian.PutUint64(word[:], losses[i])
		h.Write(word[:])
	}
	var digest [32]byte
	h.Sum(digest[:0])
	return digest, nil
}

// UpdateCommitmentDomain prefixes every update commitment preimage.
const UpdateCommitmentDomain = "sabfl/update/v1"

// UpdateCommitment returns a participant's update commitment for one round, sent in SUBMIT and opened in
// UPDATE_REVEAL:
//
//	sha256( "sabfl/update/v1" ‖ uint64be(taskID) ‖ uint64be(round)
//	        ‖ uint16be(len(participant)) ‖ participant address bytes
//	        ‖ update sha256 (32 B) ‖ uint64be(numSamples) ‖ salt (32 B) )
//
// participant is the account's address bytes (not its bech32 spelling), at most 65535 bytes: a copier
// that re-sends the commitment from another account cannot open it.
func UpdateCommitment(taskID, round uint64, participant []byte, updateSha256 [32]byte, numSamples uint64, salt [32]byte) ([32]byte, error) {
	if len(participant) == 0 || len(participant) > math.MaxUint16 {
		return [32]byte{}, fmt.Errorf("%w: participant address of %d bytes", ErrInvalidInput, len(participant))
	}
	h := sha256.New()
	h.Write([]byte(UpdateCommitmentDomain))
	var word [8]byte
	binary.BigEndian.PutUint64(word[:], taskID)
	h.Write(word[:])
	binary.BigEndian.PutUint64(word[:], round)
	h.Write(word[:])
	binary.BigEndian.PutUint16(word[:2], uint16(len(participant)))
	h.Write(word[:2])
	h.Write(participant)
	h.Write(updateSha256[:])
	binary.BigEndian.PutUint64(word[:], numSamples)
	h.Write(word[:])
	h.Write(salt[:])
	var digest [32]byte
	h.Sum(digest[:0])
	return digest, nil
}
