package consensus

import "errors"

// Sentinel errors; every returned error wraps one of them (test with errors.Is) and adds the detail.
var (
	// ErrInvalidInput: empty input, mismatched lengths, zero total stake, a negative argument, or a
	// sum that does not fit the integer type.
	ErrInvalidInput = errors.New("invalid input")
	// ErrInvalidRule: a TemperatureRule with an unknown mode or a zero parameter.
	ErrInvalidRule = errors.New("invalid temperature rule")
	// ErrUnsortedHashes: update hashes that are not strictly ascending.
	ErrUnsortedHashes = errors.New("update hashes not strictly ascending")
)
