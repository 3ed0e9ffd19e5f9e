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
)
