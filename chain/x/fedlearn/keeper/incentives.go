package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// payRewards pays a finalized round's share of the task budget (budget / num_rounds): participants in
// proportion to their weight, committee members who revealed in equal parts, and the miner. Integer
// division rounds every payment down; what is left stays in escrow and returns to the creator at the end.
func (k Keeper) payRewards(ctx context.Context, task *types.Task, round types.Round, miner string, params types.Params) error {
	perRound := task.Budget.Amount.QuoRaw(int64(task.NumRounds))
	share := func(bps uint32) sdkmath.Int { return perRound.MulRaw(int64(bps)).QuoRaw(10_000) }

	participantPool := share(params.ParticipantRewardBps)
	for i, update := range round.Updates {
		amount := participantPool.Mul(sdkmath.NewIntFromUint64(round.Weights[i])).Quo(sdkmath.NewIntFromUint64(consensus.WeightScale))
		if err := k.pay(ctx, task, round, update.Participant, "participant", amount); err != nil {
			return err
		}
	}
	var revealers []string
	for _, m := range round.Committee {
		if m.Revealed {
			revealers = append(revealers, m.Address)
		}
	}
	if len(revealers) > 0 {
		each := share(params.CommitteeRewardBps).QuoRaw(int64(len(revealers)))
		for _, address := range revealers {
			if err := k.pay(ctx, task, round, address, "committee", each); err != nil {
				return err
			}
		}
	}
	return k.pay(ctx, task, round, miner, "miner", share(params.MinerRewardBps))
}

func (k Keeper) pay(ctx context.Context, task *types.Task, round types.Round, recipient, role string, amount sdkmath.Int) error {
	if !amount.IsPositive() {
		return nil
	}
	if amount.GT(task.Escrow.Amount) {
		amount = task.Escrow.Amount
	}
	address, err := k.addressCodec.StringToBytes(recipient)
	if err != nil {
		return err
	}
	coin := sdk.NewCoin(task.Escrow.Denom, amount)
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, address, sdk.NewCoins(coin)); err != nil {
		return err
	}
	task.Escrow = task.Escrow.Sub(coin)
	if role != "participant" {
		if err := k.updateStats(ctx, recipient, func(s *types.ValidatorStats) { s.Rewards = s.Rewards.Add(coin) }); err != nil {
			return err
		}
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRewardPaid{
		TaskId: task.Id, Round: round.Round, Recipient: recipient, Role: role, Amount: coin,
	})
}

// updateStats applies change to a validator's stats, creating them on first use.
func (k Keeper) updateStats(ctx context.Context, address string, change func(*types.ValidatorStats)) error {
	stats, err := k.Stats.Get(ctx, address)
	if errors.Is(err, collections.ErrNotFound) {
		stats, err = types.ValidatorStats{Address: address}, nil
	}
	if err != nil {
		return err
	}
	change(&stats)
	return k.Stats.Set(ctx, address, stats)
}

// markMissed gives a liveness mark to every committee member matching missed; liveness_max_missed
// marks within a window of liveness_window rounds served jail and slash the member (the x/slashing
// missed-window pattern, counted in rounds instead of blocks).
func (k Keeper) markMissed(ctx context.Context, round *types.Round, params types.Params, missed func(types.CommitteeMember) bool, what string) error {
	for _, m := range round.Committee {
		if !missed(m) {
			continue
		}
		// A member jailed or unbonding since the draw could not act (its messages are refused): no mark.
		if m.Jailed || !k.isActiveValidator(ctx, m.Address) {
			continue
		}
		var penalize bool
		err := k.updateStats(ctx, m.Address, func(s *types.ValidatorStats) {
			switch what {
			case "commit":
				s.MissedCommits++
			case "reveal":
				s.MissedReveals++
			default:
				s.MissedAttests++
			}
			s.WindowMissed++
			if s.WindowMissed >= params.LivenessMaxMissed {
				penalize = true
				s.WindowMissed, s.WindowServed = 0, 0
			}
		})
		if err != nil {
			return err
		}
		if penalize {
			if err := k.penalize(ctx, round, m.Address, "liveness: missed "+what, params.LivenessSlashFraction, params); err != nil {
				return err
			}
		}
	}
	return nil
}

// isActiveValidator says whether an operator account's validator is bonded and not jailed.
func (k Keeper) isActiveValidator(ctx context.Context, address string) bool {
	account, err := k.addressCodec.StringToBytes(address)
	return err == nil && k.checkActiveValidator(ctx, account, address) == nil
}

// penalize slashes a validator (identified by its operator's account address) and jails it for
// jail_duration_seconds; the round stops counting it. The infraction happened in this round: the slash uses
// the round's start height and the power the member was drawn with, so stake that began unbonding since —
// the validator's own or its delegators' — is slashed too. A validator already jailed or fully unbonded is
// only counted; the last bonded validator is never jailed, so the chain keeps a validator set.
func (k Keeper) penalize(ctx context.Context, round *types.Round, address, reason, fraction string, params types.Params) error {
	if err := k.updateStats(ctx, address, func(s *types.ValidatorStats) { s.TimesPenalized++ }); err != nil {
		return err
	}
	account, err := k.addressCodec.StringToBytes(address)
	if err != nil {
		return err
	}
	validator, err := k.staking.GetValidator(ctx, sdk.ValAddress(account))
	if err != nil || validator.IsUnbonded() {
		return nil //nolint:nilerr // nothing left to slash or jail: the stats keep the record
	}
	var power int64
	exclude := func() {
		for i, m := range round.Committee {
			if m.Address == address {
				power = int64(m.Power)
				round.Committee[i].Jailed = true
			}
		}
	}
	if validator.IsJailed() {
		exclude()
		return nil // jailed already, for this or another fault: the stats keep the record
	}
	bonded, err := k.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return err
	}
	if len(bonded) <= 1 {
		return nil
	}
	consAddr, err := validator.GetConsAddr()
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	slashFraction, err := types.ParseFraction(fraction)
	if err != nil {
		return err
	}
	exclude()
	if err := k.slashing.Slash(ctx, consAddr, slashFraction, power, round.StartHeight); err != nil {
		return err
	}
	if err := k.slashing.Jail(ctx, consAddr); err != nil {
		return err
	}
	until := sdkCtx.BlockTime().Add(secondsDuration(params.JailDurationSeconds))
	if err := k.slashing.JailUntil(ctx, consAddr, until); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventValidatorPenalized{
		TaskId: round.TaskId, Round: round.Round, Validator: address, Reason: reason,
		SlashFraction: fraction, JailedUntilUnix: until.Unix(),
	})
}
