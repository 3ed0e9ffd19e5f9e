package keeper

import (
	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Migrator moves x/fedlearn's state from one ConsensusVersion to the next; the module registers one
// migration per step and x/upgrade runs them when an upgrade plan is applied.
type Migrator struct{ k Keeper }

// NewMigrator returns the module's migrator.
func NewMigrator(k Keeper) Migrator { return Migrator{k: k} }

// Migrate1to2 moves v1 state to v2:
//   - params lose weight_tolerance (field 9) and gain opt_in_grace_blocks and task_deposit at their defaults;
//   - every task gets a zero deposit (v1 tasks escrowed none), so ending it refunds or burns nothing more;
//   - the live rounds' aggregates lose the miner's weights (field 4): each record is rewritten.
//
// Decoding a v1 record into the v2 type skips the removed fields; writing it back drops them.
func (m Migrator) Migrate1to2(ctx sdk.Context) error {
	params, err := m.k.Params.Get(ctx)
	if err != nil {
		return err
	}
	defaults := types.DefaultParams()
	params.OptInGraceBlocks = defaults.OptInGraceBlocks
	params.TaskDeposit = sdk.NewCoin(params.MinRoundReward.Denom, defaults.TaskDeposit.Amount)
	if err := params.Validate(); err != nil {
		return err
	}
	if err := m.k.Params.Set(ctx, params); err != nil {
		return err
	}
	var tasks []types.Task
	if err := m.k.Tasks.Walk(ctx, nil, func(_ uint64, task types.Task) (bool, error) {
		if task.Deposit.Denom == "" {
			task.Deposit = sdk.NewInt64Coin(params.TaskDeposit.Denom, 0)
			tasks = append(tasks, task)
		}
		return false, nil
	}); err != nil {
		return err
	}
	for _, task := range tasks {
		if err := m.k.Tasks.Set(ctx, task.Id, task); err != nil {
			return err
		}
	}
	var aggregates []types.Aggregate
	if err := m.k.Aggregates.Walk(ctx, nil, func(_ types.RoundKey, a types.Aggregate) (bool, error) {
		aggregates = append(aggregates, a)
		return false, nil
	}); err != nil {
		return err
	}
	for _, a := range aggregates {
		if err := m.k.Aggregates.Set(ctx, collections.Join(a.TaskId, a.Round), a); err != nil {
			return err
		}
	}
	return nil
}
