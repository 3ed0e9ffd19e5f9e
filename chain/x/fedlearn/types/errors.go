package types

import errorsmod "cosmossdk.io/errors"

// Registered errors of x/fedlearn. Codes are part of the public API: never renumber.
var (
	ErrInvalidParams      = errorsmod.Register(ModuleName, 2, "invalid params")
	ErrInvalidAuthority   = errorsmod.Register(ModuleName, 3, "invalid authority")
	ErrEmptyModelSpec     = errorsmod.Register(ModuleName, 4, "empty model spec")
	ErrInvalidRule        = errorsmod.Register(ModuleName, 5, "invalid aggregation rule")
	ErrPayloadTooLarge    = errorsmod.Register(ModuleName, 6, "payload too large")
	ErrHashMismatch       = errorsmod.Register(ModuleName, 7, "sha256 does not match payload")
	ErrInvalidRounds      = errorsmod.Register(ModuleName, 8, "invalid number of rounds")
	ErrInvalidCommittee   = errorsmod.Register(ModuleName, 9, "invalid committee size")
	ErrInvalidPhases      = errorsmod.Register(ModuleName, 10, "invalid phase lengths")
	ErrInvalidBudget      = errorsmod.Register(ModuleName, 11, "invalid reward budget")
	ErrInsufficientFunds  = errorsmod.Register(ModuleName, 12, "insufficient funds for the reward budget")
	ErrTaskNotFound       = errorsmod.Register(ModuleName, 13, "task not found")
	ErrInvalidUpdateLimit = errorsmod.Register(ModuleName, 14, "invalid max updates per round")
	ErrEmptyPayload       = errorsmod.Register(ModuleName, 15, "empty payload")
	ErrTaskNotActive      = errorsmod.Register(ModuleName, 16, "task not active")
	ErrRoundNotFound      = errorsmod.Register(ModuleName, 17, "round not found")
	ErrWrongRound         = errorsmod.Register(ModuleName, 18, "not the current round")
	ErrWrongPhase         = errorsmod.Register(ModuleName, 19, "wrong phase")
	ErrDuplicate          = errorsmod.Register(ModuleName, 20, "duplicate")
	ErrRoundFull          = errorsmod.Register(ModuleName, 21, "round update cap reached")
	ErrNotInCommittee     = errorsmod.Register(ModuleName, 22, "not in the round's committee")
	ErrNotMiner           = errorsmod.Register(ModuleName, 23, "not the round's current miner")
	ErrNotCommitted       = errorsmod.Register(ModuleName, 24, "no commitment to reveal")
	ErrRevealMismatch     = errorsmod.Register(ModuleName, 25, "reveal does not match commitment")
	ErrLossCount          = errorsmod.Register(ModuleName, 26, "wrong number of losses")
	ErrLossAboveCap       = errorsmod.Register(ModuleName, 27, "loss above the loss cap")
	// ErrWeightMismatch is retired (v2: MsgSubmitAggregate carries no weights); it stays registered so that
	// code 28 is never given another meaning.
	ErrWeightMismatch    = errorsmod.Register(ModuleName, 28, "weights do not match the chain's softmax")
	ErrInvalidHash       = errorsmod.Register(ModuleName, 29, "invalid sha256")
	ErrInvalidSalt       = errorsmod.Register(ModuleName, 30, "invalid salt")
	ErrInvalidSamples    = errorsmod.Register(ModuleName, 31, "invalid number of samples")
	ErrUpdateNotFound    = errorsmod.Register(ModuleName, 32, "update not found")
	ErrAggregateNotFound = errorsmod.Register(ModuleName, 33, "aggregate not found")
)

// Errors added with chain hardening (docs/protocol.md, "Threat model").
var (
	ErrFieldTooLong       = errorsmod.Register(ModuleName, 34, "field too long")
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 35, "invalid address")
	ErrTooManyTasks       = errorsmod.Register(ModuleName, 36, "too many active tasks")
	ErrValidatorNotActive = errorsmod.Register(ModuleName, 37, "validator not bonded or jailed")
	ErrNotAllowed         = errorsmod.Register(ModuleName, 38, "participant not on the task's allowlist")
	ErrInvalidAdmission   = errorsmod.Register(ModuleName, 39, "invalid admission rules")
)

// Errors added with blob references (docs/protocol.md, "Blobs").
var (
	ErrInvalidBlob    = errorsmod.Register(ModuleName, 40, "invalid blob reference")
	ErrInlineTooLarge = errorsmod.Register(ModuleName, 41, "inline payload above max_inline_bytes")
	ErrInlineRequired = errorsmod.Register(ModuleName, 42, "payload small enough to travel inline")
)

// Errors added with update commitments (docs/protocol.md, "Update commitments").
var (
	ErrNoUpdateCommitment   = errorsmod.Register(ModuleName, 43, "no update commitment from this participant")
	ErrUpdateCommitMismatch = errorsmod.Register(ModuleName, 44, "update does not match its commitment")
	ErrNotUpdateRevealPhase = errorsmod.Register(ModuleName, 45, "update reveal outside UPDATE_REVEAL")
)
