package keeper_test

import (
	"testing"

	storetypes "cosmossdk.io/store/types"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// A copier that re-sends an honest participant's commitment from its own account, then its reveal, is
// refused: the commitment binds the honest account's address bytes. The round goes on with the honest
// update, and the copier earns nothing.
func TestCopiedCommitmentCannotBeRevealed(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.updates = 2
	d.submit(t, 0, 1)
	honest := d.updateMsg(t, 0)
	copied := sealMsg(t, honest)
	copied.Participant = f.participant(2)
	require.NoError(t, f.deliver(copied), "SUBMIT cannot tell a copy from a commitment")
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)

	d.revealUpdates(t, 0, 1)
	stolen := *honest
	stolen.Participant = f.participant(2)
	require.ErrorIs(t, f.deliver(&stolen), types.ErrUpdateCommitMismatch, "the honest update under the copier's account")
	perturbed := d.updateMsg(t, 2)
	perturbed.Salt = honest.Salt
	require.ErrorIs(t, f.deliver(perturbed), types.ErrUpdateCommitMismatch, "another update under the copied commitment")

	d.driveTo(t, types.ROUND_PHASE_AGGREGATE)
	round := d.round(t)
	require.Len(t, round.Updates, 2)
	for _, u := range round.Updates {
		require.NotEqual(t, f.participant(2), u.Participant)
	}
	before := f.balance(f.participant(2))
	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	require.Equal(t, before, f.balance(f.participant(2)), "the copier earns nothing")
}

// A commitment never revealed is dropped when UPDATE_REVEAL ends at its deadline: no weight, no reward,
// and the fee it paid stays in the escrow.
func TestUnrevealedCommitmentIsDroppedAndItsFeeKept(t *testing.T) {
	f := newFixture(t)
	fee := sdk.NewInt64Coin("stake", 250)
	for p := range 3 {
		f.bank.balances[sdk.AccAddress(f.account(p)).String()] = sdk.NewCoins(sdk.NewInt64Coin("stake", 1_000))
	}
	d := f.startTask(t, func(m *types.MsgCreateTask) { m.UpdateFee = fee })
	d.hidden = []int{2}
	d.driveTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	deadline := d.round(t).Deadline
	d.driveTo(t, types.ROUND_PHASE_COMMIT)
	require.Equal(t, deadline+1, f.ctx.BlockHeight(), "UPDATE_REVEAL waited for its deadline")
	round := d.round(t)
	require.Equal(t, uint32(3), round.UpdatesCommitted)
	require.Equal(t, uint32(2), round.UpdatesRevealed)
	require.Len(t, round.Updates, 2)
	for _, u := range round.Updates {
		require.NotEqual(t, f.participant(2), u.Participant)
	}
	require.Equal(t, sdk.NewInt64Coin("stake", 750), round.UpdateFees, "all three fees stay collected")
	escrow := d.task(t).Escrow
	d.driveTo(t, types.ROUND_PHASE_ATTEST)
	d.attest(t, d.round(t).AggregateSha256, d.members(t)...)
	events := f.endBlock(t)
	require.Equal(t, types.ROUND_PHASE_FINALIZED, d.round(t).Phase)
	paid := sdk.NewInt64Coin("stake", 0)
	for _, e := range eventsOf[*types.EventRewardPaid](t, events) {
		require.NotEqual(t, f.participant(2), e.Recipient)
		paid = paid.Add(e.Amount)
	}
	require.Equal(t, int64(750), f.balance(f.participant(2)), "paid its fee, earned nothing")
	require.Greater(t, f.balance(f.participant(0)), int64(750), "a revealed update earns its share")
	require.Len(t, d.round(t).Weights, 2)
	require.Equal(t, escrow.Add(sdk.NewInt64Coin("stake", 750)).Sub(paid), d.task(t).Escrow, "the fees joined the escrow")
}

// gasOf is the gas msg uses when delivered.
func gasOf(t *testing.T, f *fixture, msg sdk.Msg) uint64 {
	t.Helper()
	f.ctx = f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	require.NoError(t, f.deliver(msg))
	return f.ctx.GasMeter().GasConsumed()
}

// Commit and reveal cost the same gas for the first and the last update of a full round: each writes
// its own record and a round record of constant size (counters only), never the growing update list.
func TestCommitAndRevealGasIsFlat(t *testing.T) {
	f := newFixture(t)
	n := int(types.DefaultParams().MaxUpdatesPerRound)
	d := f.startTask(t, func(m *types.MsgCreateTask) { m.MaxUpdatesPerRound = 0 })
	d.updates = n
	commits := make([]uint64, n)
	for p := range n {
		commits[p] = gasOf(t, &f, sealMsg(t, d.updateMsg(t, p)))
	}
	require.ErrorIs(t, f.deliver(sealMsg(t, d.updateMsg(t, n))), types.ErrRoundFull, "the round is full")
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	reveals := make([]uint64, n)
	for p := range n {
		reveals[p] = gasOf(t, &f, d.updateMsg(t, p))
	}
	t.Logf("%d updates: commit gas first %d, last %d; reveal gas first %d, last but one %d, last %d",
		n, commits[0], commits[n-1], reveals[0], reveals[n-2], reveals[n-1])
	const slack = 1_000 // varint growth of the round's counters and of the records' heights
	require.InDelta(t, float64(commits[0]), float64(commits[n-1]), slack)
	require.InDelta(t, float64(reveals[0]), float64(reveals[n-2]), slack)
	// The last reveal also moves the task's schedule entry to this block (UPDATE_REVEAL ends early): a
	// fixed cost of a few reads and writes, whatever the number of updates.
	require.InDelta(t, float64(reveals[0]), float64(reveals[n-1]), 10_000)
	f.endBlock(t)
	round := d.round(t)
	require.Equal(t, types.ROUND_PHASE_COMMIT, round.Phase)
	require.Len(t, round.Updates, n)
}
