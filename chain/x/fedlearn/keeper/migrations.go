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
//   - the live rounds' aggregates lose the miner's weights (field 4): each record is rewritten;
//   - update commitments: min_phases and every task gain an update_reveal phase (a task's: its loss
//     reveal length, at least the minimum); each live round's plain updates count as committed and
//     revealed — the v1 participant index under the same keys is rewritten as UpdateCommitment records
//     (the update's sha256 stands for its commitment in SUBMIT's draw) — and a round still in SUBMIT
//     drops its update list, which UPDATE_REVEAL's end builds again from those records.
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
	params.MinPhases.UpdateReveal = defaults.MinPhases.UpdateReveal
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
		}
		if task.Phases.UpdateReveal == 0 {
			task.Phases.UpdateReveal = max(task.Phases.Reveal, params.MinPhases.UpdateReveal)
		}
		tasks = append(tasks, task)
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
	return m.sealLiveUpdates(ctx)
}

// sealLiveUpdates turns each live round's v1 updates into revealed update commitments.
func (m Migrator) sealLiveUpdates(ctx sdk.Context) error {
	var live []types.Round
	if err := m.k.Rounds.Walk(ctx, nil, func(_ types.RoundKey, r types.Round) (bool, error) {
		if r.Phase != types.ROUND_PHASE_FINALIZED && r.Phase != types.ROUND_PHASE_FAILED && len(r.Updates) > 0 {
			live = append(live, r)
		}
		return false, nil
	}); err != nil {
		return err
	}
	for _, round := range live {
		key := collections.Join(round.TaskId, round.Round)
		for _, u := range round.Updates {
			account, _, err := m.k.canonicalAddress(u.Participant)
			if err != nil {
				return err
			}
			info := u
			sealed := types.UpdateCommitment{TaskId: round.TaskId, Round: round.Round, Participant: u.Participant, Commitment: u.Sha256, Info: &info}
			if err := m.k.UpdateCommitments.Set(ctx, collections.Join(key, account), sealed); err != nil {
				return err
			}
		}
		round.UpdatesCommitted = uint32(len(round.Updates))
		round.UpdatesRevealed = round.UpdatesCommitted
		if round.Phase == types.ROUND_PHASE_SUBMIT {
			round.Updates = nil
		}
		if err := m.k.Rounds.Set(ctx, key, round); err != nil {
			return err
		}
	}
	return nil
}
