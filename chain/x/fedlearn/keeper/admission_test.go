package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// Sybil accounts that submit first cannot take an open task's places: its SUBMIT runs to the deadline
// and its cap is drawn at random among every update commitment that arrived.
func TestOpenTaskCapIsDrawnNotFirstCome(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, func(m *types.MsgCreateTask) { m.MaxUpdatesPerRound = 2 })
	d.submit(t, 0, 1) // the "Sybils", first in
	f.endBlock(t)
	require.Equal(t, types.ROUND_PHASE_SUBMIT, d.round(t).Phase, "reaching the cap does not close SUBMIT")
	d.submit(t, 2, 3)
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)

	round := d.round(t)
	require.Equal(t, uint32(2), round.UpdatesDropped)
	require.Equal(t, uint32(2), round.UpdatesCommitted)
	// The kept two are those of lowest sha256(header hash ‖ entropy ‖ commitment).
	header := f.ctx.HeaderHash()
	ranked := []int{0, 1, 2, 3}
	rank := func(p int) []byte {
		sum := sha256.Sum256(slices.Concat(header, round.Entropy, sealMsg(t, d.updateMsg(t, p)).Commitment))
		return sum[:]
	}
	slices.SortFunc(ranked, func(a, b int) int { return bytes.Compare(rank(a), rank(b)) })
	for _, p := range ranked[2:] {
		_, kept := d.sealed(t, p)
		require.False(t, kept, "participant %d's commitment was drawn out", p)
		require.ErrorIs(t, f.deliver(d.updateMsg(t, p)), types.ErrNoUpdateCommitment)
	}
	d.revealUpdates(t, ranked[:2]...)
	f.endBlock(t)
	round = d.round(t)
	require.Equal(t, types.ROUND_PHASE_COMMIT, round.Phase, "every kept commitment revealed: UPDATE_REVEAL ended early")
	want := [][]byte{d.updateMsg(t, ranked[0]).Sha256, d.updateMsg(t, ranked[1]).Sha256}
	slices.SortFunc(want, bytes.Compare)
	var kept [][]byte
	for _, u := range round.Updates {
		kept = append(kept, u.Sha256)
	}
	require.Equal(t, want, kept)
	require.Equal(t, map[string]int{"updates": 2, "participants": 2}, d.perRoundRecords(t, d.key(t)),
		"the dropped commitments are gone")
}

// An update fee is paid by each accepted update and joins the task's escrow when the round ends; an
// account that cannot pay it is refused.
func TestUpdateFeeJoinsTheEscrow(t *testing.T) {
	f := newFixture(t)
	fee := sdk.NewInt64Coin("stake", 250)
	for p := range 3 {
		account := sdk.AccAddress(f.account(p)).String()
		f.bank.balances[account] = sdk.NewCoins(sdk.NewInt64Coin("stake", 1_000))
	}
	d := f.startTask(t, func(m *types.MsgCreateTask) { m.UpdateFee = fee })
	escrow := d.task(t).Escrow
	d.submit(t, 0, 1, 2)
	require.Equal(t, int64(750), f.balance(f.participant(0)))
	require.Equal(t, sdk.NewInt64Coin("stake", 750), d.round(t).UpdateFees)

	broke := sealMsg(t, d.updateMsg(t, 3))
	require.ErrorIs(t, f.deliver(broke), types.ErrInsufficientFunds, "participant 3 has nothing to pay the fee with")
	_, seen := d.sealed(t, 3)
	require.False(t, seen)

	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
	paid := escrow.Sub(d.task(t).Escrow).Add(sdk.NewInt64Coin("stake", 750))
	require.True(t, paid.IsPositive(), "the round paid its rewards out of an escrow that grew by the fees")
	require.Equal(t, escrow.Amount.AddRaw(750).Sub(paid.Amount), d.task(t).Escrow.Amount)
}

func TestAdmissionRulesAreValidated(t *testing.T) {
	other := participantAddress(1)
	cases := map[string]struct {
		change func(*types.MsgCreateTask)
		err    error
	}{
		"allowlist with a duplicate": {func(m *types.MsgCreateTask) { m.AllowedParticipants = []string{other, other} }, types.ErrInvalidAdmission},
		"cap below the allowlist": {func(m *types.MsgCreateTask) {
			m.AllowedParticipants, m.MaxUpdatesPerRound = []string{other, m.Creator}, 1
		}, types.ErrInvalidAdmission},
		"malformed allowed participant": {func(m *types.MsgCreateTask) { m.AllowedParticipants = []string{"sabfl1nope"} }, types.ErrInvalidAddress},
		"fee in another denom":          {func(m *types.MsgCreateTask) { m.UpdateFee = sdk.NewInt64Coin("other", 1) }, types.ErrInvalidAdmission},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			msg := validCreateTask(newFixture(t).creator)
			tc.change(msg)
			require.ErrorIs(t, msg.ValidateBasic(), tc.err)
		})
	}
}
