package app_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	upgradetypes "cosmossdk.io/x/upgrade/types"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	fedlearnmodule "github.com/sabfl/sabfl/chain/x/fedlearn/module"
	fedlearntypes "github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// The v2 upgrade on a chain whose state is v1's: x/fedlearn at consensus version 0 (the previous release
// declared none, so x/upgrade recorded 0) and a fedlearn module account without the Burner permission. At the plan's height the handler runs x/fedlearn's 1 → 2
// migration and grants the permission; the chain keeps producing blocks.
func TestV2UpgradeMigratesFedlearnAndGrantsTheBurner(t *testing.T) {
	c := newChain(t)
	c.block(nil)

	// Rewind what v2 changed to v1's, in the committed state the next block starts from.
	ctx := c.app.NewUncachedContext(false, cmtproto.Header{Height: c.height, Time: c.time})
	versions, err := c.app.UpgradeKeeper.GetModuleVersionMap(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(fedlearnmodule.ConsensusVersion), versions[fedlearntypes.ModuleName])
	versions[fedlearntypes.ModuleName] = 0
	require.NoError(t, c.app.UpgradeKeeper.SetModuleVersionMap(ctx, versions))
	account := c.app.AccountKeeper.GetModuleAccount(ctx, fedlearntypes.ModuleName).(*authtypes.ModuleAccount)
	account.Permissions = nil
	c.app.AccountKeeper.SetModuleAccount(ctx, account)
	params, err := c.app.FedlearnKeeper.GetParams(ctx)
	require.NoError(t, err)
	params.OptInGraceBlocks = 0
	params.TaskDeposit.Amount = params.TaskDeposit.Amount.MulRaw(7) // v1 had no deposit: the migration sets the default
	require.NoError(t, c.app.FedlearnKeeper.Params.Set(ctx, params))

	// A plan due in the next block (this binary has the handler, so a plan further ahead would halt it).
	plan := upgradetypes.Plan{Name: "v2", Height: c.height + 1}
	require.NoError(t, c.app.UpgradeKeeper.ScheduleUpgrade(ctx, plan))
	c.block(nil)
	c.block(nil)

	ctx = c.app.NewContext(true)
	done, err := c.app.UpgradeKeeper.GetDoneHeight(ctx, "v2")
	require.NoError(t, err)
	require.Equal(t, plan.Height, done)
	versions, err = c.app.UpgradeKeeper.GetModuleVersionMap(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(2), versions[fedlearntypes.ModuleName], "x/fedlearn migrated to v2")
	account = c.app.AccountKeeper.GetModuleAccount(ctx, fedlearntypes.ModuleName).(*authtypes.ModuleAccount)
	require.True(t, account.HasPermission(authtypes.Burner), "the fedlearn module account may burn deposits")
	params, err = c.app.FedlearnKeeper.GetParams(ctx)
	require.NoError(t, err)
	defaults := fedlearntypes.DefaultParams()
	require.Equal(t, defaults.OptInGraceBlocks, params.OptInGraceBlocks)
	require.Equal(t, defaults.TaskDeposit, params.TaskDeposit)
}
