package app

import (
	"context"
	"fmt"
	"slices"

	storetypes "cosmossdk.io/store/types"
	upgradetypes "cosmossdk.io/x/upgrade/types"

	"github.com/cosmos/cosmos-sdk/types/module"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	fedlearntypes "github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Upgrade is a software upgrade this binary can apply. The old binary, which has no handler for Name,
// halts at the height of the gov-passed MsgSoftwareUpgrade plan named Name and writes the plan to
// data/upgrade-info.json; this binary then opens the stores with StoreUpgrades (stores added, renamed or
// deleted), runs Prepare and then the modules' registered migrations, from the version map stored in state
// to their current ConsensusVersion. A binary that already has the handler while the plan is still in the
// future refuses to run (x/upgrade: "BINARY UPDATED BEFORE TRIGGER"): an upgrade always changes binaries.
type Upgrade struct {
	Name          string
	StoreUpgrades storetypes.StoreUpgrades
	// Prepare changes state outside the modules' own migrations (e.g. another module's records); optional.
	Prepare func(ctx context.Context, app *App) error
	// Unversioned names the modules whose stored version is 0 because the previous release did not declare
	// one (x/upgrade records 0 for a module without ConsensusVersion): their migrations start at 1.
	Unversioned []string
}

// upgrades are the upgrades this binary knows. A change to a stored type ships as a module migration
// (a bumped ConsensusVersion and a migration registered in the module's RegisterServices) plus an entry
// here, and is applied by an upgrade proposal instead of a re-genesis.
var upgrades = []Upgrade{{
	// x/fedlearn 1 → 2 (its Migrate1to2); the fedlearn module account may now burn forfeited task deposits.
	Name:        "v2",
	Prepare:     grantBurner(fedlearntypes.ModuleName),
	Unversioned: []string{fedlearntypes.ModuleName},
}}

// registerUpgrades registers a handler for every known upgrade and, when the node restarts at the height
// of one of them, the store loader that applies its store changes.
func (app *App) registerUpgrades() error {
	for _, u := range upgrades {
		app.UpgradeKeeper.SetUpgradeHandler(u.Name,
			func(ctx context.Context, _ upgradetypes.Plan, fromVM module.VersionMap) (module.VersionMap, error) {
				for _, name := range u.Unversioned {
					if fromVM[name] == 0 {
						fromVM[name] = 1
					}
				}
				if u.Prepare != nil {
					if err := u.Prepare(ctx, app); err != nil {
						return nil, fmt.Errorf("upgrade %s: %w", u.Name, err)
					}
				}
				return app.ModuleManager.RunMigrations(ctx, app.configurator, fromVM)
			})
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

// grantBurner gives a module account the Burner permission: x/auth keeps an existing module account's
// permissions in state, so a permission added to moduleAccountPermissions reaches only new chains.
func grantBurner(name string) func(context.Context, *App) error {
	return func(ctx context.Context, app *App) error {
		account, ok := app.AccountKeeper.GetModuleAccount(ctx, name).(*authtypes.ModuleAccount)
		if !ok {
			return fmt.Errorf("module account %s not found", name)
		}
		if slices.Contains(account.Permissions, authtypes.Burner) {
			return nil
		}
		account.Permissions = append(account.Permissions, authtypes.Burner)
		app.AccountKeeper.SetModuleAccount(ctx, account)
		return nil
	}
}
