package app_test

import (
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"

	"github.com/sabfl/sabfl/chain/app"
	fedlearntypes "github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// invalidMsg is a message whose ValidateBasic fails: gov's MsgExecLegacyContent checks its authority's
// bech32 (the SDK's other messages check themselves in their handlers).
func invalidMsg() sdk.Msg { return &govv1.MsgExecLegacyContent{Authority: "not-an-address"} }

func exec(grantee *account, msgs ...sdk.Msg) *authz.MsgExec {
	m := authz.NewMsgExec(grantee.address(), msgs)
	return &m
}

func TestValidateMsgsDecorator(t *testing.T) {
	c := newChain(t)
	a, b := c.participants[0], c.participants[1]
	send := banktypes.NewMsgSend(a.address(), b.address(), sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1)))
	govAddress := c.app.AccountKeeper.GetModuleAddress(govtypes.ModuleName).String()
	proposal := func(msgs ...sdk.Msg) sdk.Msg {
		p, err := govv1.NewMsgSubmitProposal(msgs, nil, a.String(), "", "title", "summary", false)
		require.NoError(t, err)
		return p
	}
	many := func(n int) []sdk.Msg {
		out := make([]sdk.Msg, n)
		for i := range out {
			out[i] = send
		}
		return out
	}

	for _, tc := range []struct {
		name string
		msgs []sdk.Msg
		err  string // "" = accepted
	}{
		{"plain send", []sdk.Msg{send}, ""},
		{"exec of a send", []sdk.Msg{exec(b, send)}, ""},
		{"proposal of a valid message", []sdk.Msg{proposal(&govv1.MsgExecLegacyContent{Authority: govAddress})}, ""},
		{"invalid top-level message", []sdk.Msg{send, invalidMsg()}, "message 1: decoding bech32 failed"},
		{"invalid message in an exec", []sdk.Msg{exec(b, send, invalidMsg())}, "message 0, wrapped message 1: decoding bech32 failed"},
		{"invalid message in a proposal", []sdk.Msg{send, proposal(invalidMsg())}, "message 1, wrapped message 0: decoding bech32 failed"},
		{"exec in an exec", []sdk.Msg{exec(b, exec(a, send))}, "messages that wrap messages cannot be nested"},
		{"exec in a proposal", []sdk.Msg{proposal(exec(a, send))}, "messages that wrap messages cannot be nested"},
		{"64 messages", many(app.MaxMsgsPerTx), ""},
		{"65 messages", many(app.MaxMsgsPerTx + 1), "tx has 65 messages, limit 64"},
		{"an exec of 64 messages", []sdk.Msg{exec(b, many(app.MaxMsgsPerTx)...)}, "more than 64 messages, counting wrapped ones"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Encode and decode, as CheckTx would: the wrapped messages come out of the tx decoder.
			builder := c.app.TxConfig().NewTxBuilder()
			require.NoError(t, builder.SetMsgs(tc.msgs...))
			bz, err := c.app.TxConfig().TxEncoder()(builder.GetTx())
			require.NoError(t, err)
			tx, err := c.app.TxConfig().TxDecoder()(bz)
			require.NoError(t, err)

			called := false
			next := func(ctx sdk.Context, _ sdk.Tx, _ bool) (sdk.Context, error) {
				called = true
				return ctx, nil
			}
			decorator := app.NewValidateMsgsDecorator(c.app.InterfaceRegistry(), app.MaxMsgsPerTx)
			_, err = decorator.AnteHandle(c.app.NewContext(true), tx, false, next)
			if tc.err == "" {
				require.NoError(t, err)
				require.True(t, called)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.False(t, called, "a rejected tx goes no further")
		})
	}
}

// A MsgExec carrying a message that fails its own checks is refused in CheckTx and in a block.
func TestWrappedInvalidMessageRefusedInCheckTxAndBlock(t *testing.T) {
	c := newChain(t)
	grantee := c.participants[0]
	bz := c.tx(grantee, exec(grantee, invalidMsg()))
	res, err := c.app.CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_New})
	require.NoError(t, err)
	require.NotZero(t, res.Code)
	require.Contains(t, res.Log, "wrapped message 0: decoding bech32 failed")

	block := c.block([][]byte{bz}, 0)
	require.NotZero(t, block.TxResults[0].Code)
	require.Contains(t, block.TxResults[0].Log, "wrapped message 0: decoding bech32 failed")
	account := c.app.AccountKeeper.GetAccount(c.app.NewContext(true), grantee.address())
	require.Zero(t, account.GetSequence(), "the ante handler refused the tx before its sequence was used")
}

// The attack the decorator exists for: a MsgExec carrying a MsgCreateTask whose rule's temperature is a
// 1 MiB decimal string. x/fedlearn's own length check refuses it in CheckTx, before any parser reads it.
func TestWrappedOversizeDecimalRefusedInCheckTx(t *testing.T) {
	c := newChain(t)
	grantee := c.participants[0]
	initial, initialHash := payload("initial")
	createTask := &fedlearntypes.MsgCreateTask{
		Creator: c.creator.String(), ModelSpec: "digits/logreg", InitialModelSha256: initialHash, InitialModel: initial,
		NumRounds: 1, CommitteeSize: uint32(len(validatorPowers)), MaxUpdatesPerRound: 3,
		Rule: fedlearntypes.AggregationRule{
			TemperatureMode: fedlearntypes.TEMPERATURE_MODE_FIXED, Temperature: strings.Repeat("1", 1<<20), ScoreStep: "1",
		},
		Phases: fedlearntypes.PhaseLengths{Submit: 5, Commit: 5, Reveal: 5, Aggregate: 5, Attest: 5, UpdateReveal: 5},
		Budget: sdk.NewInt64Coin(app.BondDenom, 400_000),
	}
	res, err := c.app.CheckTx(&abci.RequestCheckTx{Tx: c.tx(grantee, exec(grantee, createTask)), Type: abci.CheckTxType_New})
	require.NoError(t, err)
	require.NotZero(t, res.Code)
	require.Contains(t, res.Log, "wrapped message 0")
	require.Contains(t, res.Log, "temperature has 1048576 characters, limit 32")
}
