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
)
