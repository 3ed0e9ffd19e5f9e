package app

import (
	"context"

	storetypes "cosmossdk.io/store/types"
	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/cosmos/cosmos-sdk/types/module"
)

// Upgrade is a software upgrade this binary can apply: when the chain halts at the height of the gov-passed
// MsgSoftwareUpgrade plan named Name, the new binary opens the stores with StoreUpgrades (stores added,
// renamed or deleted) and x/upgrade's PreBlocker runs the modules' registered migrations from the version
// map stored in state to their new ConsensusVersion.
type Upgrade struct {
	Name          string
	StoreUpgrades storetypes.StoreUpgrades
}

// upgrades are the upgrades this binary knows. A change to a stored type ships as a module migration
// (a bumped ConsensusVersion and a migration registered in the module's RegisterServices) plus an entry
// here, and is applied by an upgrade proposal instead of a re-genesis.
var upgrades []Upgrade

// registerUpgrades registers a handler for every known upgrade and, when the node restarts at the height
// of one of them, the store loader that applies its store changes.
func (app *App) registerUpgrades() error {
	for _, u := range upgrades {
		app.UpgradeKeeper.SetUpgradeHandler(u.Name,
			func(ctx context.Context, _ upgradetypes.Plan, fromVM module.VersionMap) (module.VersionMap, error) {
				return app.ModuleManager.RunMigrations(ctx, app.configurator, fromVM)
			})
	}
	if len(upgrades) == 0 {
		return nil
	}
	// The old binary wrote the plan it halted at to data/upgrade-info.json.
	plan, err := app.UpgradeKeeper.ReadUpgradeInfoFromDisk()
	if err != nil || plan.Name == "" || app.UpgradeKeeper.IsSkipHeight(plan.Height) {
		return err
	}
	for _, u := range upgrades {
		if u.Name == plan.Name {
			app.SetStoreLoader(upgradetypes.UpgradeStoreLoader(plan.Height, &u.StoreUpgrades))
		}
	}
	return nil
}
