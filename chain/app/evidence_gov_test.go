package app_test

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	evidencetypes "cosmossdk.io/x/evidence/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"

	"github.com/sabfl/sabfl/chain/app"
	fedlearntypes "github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestDoubleSignEvidenceSlashesJailsAndTombstones(t *testing.T) {
	c := newChain(t)
	c.block(nil)
	c.block(nil)

	const i = 1 // the double signer
	operator := sdk.ValAddress(c.operators[i].address())
	consAddr := sdk.ConsAddress(c.consKeys[i].PubKey().Address())
	ctx := c.app.NewContext(true)
	before, err := c.app.StakingKeeper.GetValidator(ctx, operator)
	require.NoError(t, err)
	require.False(t, before.IsJailed())
	fraction, err := c.app.SlashingKeeper.SlashFractionDoubleSign(ctx)
	require.NoError(t, err)
	require.True(t, fraction.IsPositive())

	duplicateVote := abci.Misbehavior{
		Type:             abci.MisbehaviorType_DUPLICATE_VOTE,
		Validator:        abci.Validator{Address: consAddr, Power: validatorPowers[i]},
		Height:           c.height,
		Time:             c.time,
		TotalVotingPower: 100,
	}
	res := c.blockWithEvidence([]abci.Misbehavior{duplicateVote}, nil)

	ctx = c.app.NewContext(true)
	after, err := c.app.StakingKeeper.GetValidator(ctx, operator)
	require.NoError(t, err)
	require.True(t, after.IsJailed(), "the double signer is jailed")
	// x/evidence slashes the power the validator had when it double-signed.
	slashed := sdk.TokensFromConsensusPower(validatorPowers[i], sdk.DefaultPowerReduction).ToLegacyDec().Mul(fraction).TruncateInt()
	require.True(t, slashed.IsPositive())
	require.Equal(t, before.Tokens.Sub(slashed), after.Tokens, "slashed by the double-sign fraction")
	require.True(t, c.app.SlashingKeeper.IsTombstoned(ctx, consAddr), "tombstoned")
	info, err := c.app.SlashingKeeper.GetValidatorSigningInfo(ctx, consAddr)
	require.NoError(t, err)
	require.Equal(t, evidencetypes.DoubleSignJailEndTime.Unix(), info.JailedUntil.Unix(), "jailed for ever")

	var removed bool
	for _, update := range res.ValidatorUpdates {
		if string(update.PubKey.GetEd25519()) == string(c.consKeys[i].PubKey().Bytes()) {
			removed = update.Power == 0
		}
	}
	require.True(t, removed, "the double signer leaves the active set in the same block")

	var evidence evidencetypes.QueryAllEvidenceResponse
	c.query("/cosmos.evidence.v1beta1.Query/AllEvidence", &evidencetypes.QueryAllEvidenceRequest{}, &evidence)
	require.Len(t, evidence.Evidence, 1)

	// A tombstoned validator cannot unjail, and the same evidence reported again slashes nothing more.
	unjail := c.blockWithEvidence([]abci.Misbehavior{duplicateVote},
		[][]byte{c.tx(c.operators[i], &slashingtypes.MsgUnjail{ValidatorAddr: operator.String()})}, 0)
	require.Equal(t, slashingtypes.ModuleName, unjail.TxResults[0].Codespace)
	require.Equal(t, slashingtypes.ErrValidatorJailed.ABCICode(), unjail.TxResults[0].Code)
	again, err := c.app.StakingKeeper.GetValidator(c.app.NewContext(true), operator)
	require.NoError(t, err)
	require.True(t, again.IsJailed())
	require.Equal(t, after.Tokens, again.Tokens)
}

func TestGovProposalChangesFedlearnParams(t *testing.T) {
	c := newChain(t)
	c.block(nil)
	var params fedlearntypes.QueryParamsResponse
	c.query("/sabfl.fedlearn.v1.Query/Params", &fedlearntypes.QueryParamsRequest{}, &params)
	changed := params.Params
	changed.MaxRounds--

	govAddress := c.app.AccountKeeper.GetModuleAddress(govtypes.ModuleName).String()
	// Only the gov module account may update the params.
	direct := c.block([][]byte{c.tx(c.creator, &fedlearntypes.MsgUpdateParams{Authority: c.creator.String(), Params: changed})}, 0)
	require.NotZero(t, direct.TxResults[0].Code)

	proposal, err := govv1.NewMsgSubmitProposal(
		[]sdk.Msg{&fedlearntypes.MsgUpdateParams{Authority: govAddress, Params: changed}},
		sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, govMinDeposit)), c.creator.String(),
		"", "one round fewer", "lower max_rounds by one", false)
	require.NoError(t, err)
	res := c.block([][]byte{c.tx(c.creator, proposal)})
	var submitted govv1.MsgSubmitProposalResponse
	require.NoError(t, c.app.AppCodec().Unmarshal(msgResponse(t, res.TxResults[0], 0), &submitted))

	var votes [][]byte
	for _, operator := range c.operators {
		votes = append(votes, c.tx(operator, govv1.NewMsgVote(operator.address(), submitted.ProposalId, govv1.OptionYes, "")))
	}
	c.block(votes)
	for range 3 { // the 12 s voting period ends
		c.block(nil)
	}

	var answer govv1.QueryProposalResponse
	c.query("/cosmos.gov.v1.Query/Proposal", &govv1.QueryProposalRequest{ProposalId: submitted.ProposalId}, &answer)
	require.Equal(t, govv1.StatusPassed, answer.Proposal.Status, answer.Proposal.FailedReason)
	c.query("/sabfl.fedlearn.v1.Query/Params", &fedlearntypes.QueryParamsRequest{}, &params)
	require.Equal(t, changed.MaxRounds, params.Params.MaxRounds)
}

// msgResponse is the encoded response of the index-th message of a delivered tx.
func msgResponse(t *testing.T, result *abci.ExecTxResult, index int) []byte {
	t.Helper()
	var data sdk.TxMsgData
	require.NoError(t, data.Unmarshal(result.Data))
	require.Greater(t, len(data.MsgResponses), index)
	return data.MsgResponses[index].Value
}
