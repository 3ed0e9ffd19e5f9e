package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and module account name.
	ModuleName = "fedlearn"
	StoreKey   = ModuleName
)

// Store prefixes of the module's collections.
var (
	ParamsKey       = collections.NewPrefix(0)
	TaskSeqKey      = collections.NewPrefix(1)
	TasksKey        = collections.NewPrefix(2)
	GlobalModelsKey = collections.NewPrefix(3)
	RoundsKey       = collections.NewPrefix(5)
	UpdatesKey      = collections.NewPrefix(6)
	// UpdateCommitmentsKey held the v1 participant index (a key set with the same keys) before update
	// commitments: the v2 migration rewrites those entries.
	UpdateCommitmentsKey = collections.NewPrefix(7)
	CommitmentsKey       = collections.NewPrefix(8)
	RevealsKey           = collections.NewPrefix(9)
	AggregatesKey        = collections.NewPrefix(10)
	AttestationsKey      = collections.NewPrefix(11)
	StatsKey             = collections.NewPrefix(12)
	DueKey               = collections.NewPrefix(13)
	WakeAtKey            = collections.NewPrefix(14)
	OptInsKey            = collections.NewPrefix(15)
	ActiveCountKey       = collections.NewPrefix(16)
)

// A task step that failed in the EndBlocker is reported with this untyped event: it changes no state.
const (
	EventTypeTaskStepFailed = "fedlearn_task_step_failed"
	AttributeKeyTaskID      = "task_id"
	AttributeKeyError       = "error"
)

// RoundKey identifies a round: (task id, round number).
type RoundKey = collections.Pair[uint64, uint64]

// RoundKeyCodec encodes RoundKey; it is also the prefix of every per-round collection.
var RoundKeyCodec = collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key)
