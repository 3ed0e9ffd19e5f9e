package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math/rand"
	"os"
	"slices"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/sabfl/sabfl/chain/app"
	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	fedlearntypes "github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

const (
	chainID = "sabfl-test"
	// govMinDeposit is the genesis minimum deposit of a gov proposal, in the bond denom.
	govMinDeposit = 1000
)

// validatorPowers are the consensus powers of the genesis validators.
var validatorPowers = []int64{40, 30, 20, 10}

func TestMain(m *testing.M) {
	// The bech32 prefixes are global and sealed once set: set them once for the whole package.
	app.SetAddressPrefixes()
	os.Exit(m.Run())
}

// account is a funded genesis account with its key and the sequence of its next transaction.
type account struct {
	key      *secp256k1.PrivKey
	number   uint64
	sequence uint64
}

func (a *account) address() sdk.AccAddress { return sdk.AccAddress(a.key.PubKey().Address()) }
func (a *account) String() string          { return a.address().String() }

// chain is an in-process sabfl app driven block by block.
type chain struct {
	t            *testing.T
	app          *app.App
	height       int64
	time         time.Time
	rand         *rand.Rand
	creator      *account
	participants []*account
	// operators are the validators' operator accounts, in the order of validatorPowers.
	operators []*account
	consKeys  []*ed25519.PrivKey
}

// newChain starts a chain whose genesis has 4 bonded validators (each self-delegated by its operator
// account), a task creator and 3 participants, all funded.
func newChain(t *testing.T) *chain {
	t.Helper()
	c := &chain{t: t, time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), rand: rand.New(rand.NewSource(1))}
	newAccount := func(name string) *account {
		return &account{key: secp256k1.GenPrivKeyFromSecret([]byte(name))}
	}
	c.creator = newAccount("creator")
	for i := range 3 {
		c.participants = append(c.participants, newAccount("participant "+string(rune('a'+i))))
	}
	for i := range validatorPowers {
		c.operators = append(c.operators, newAccount("operator "+string(rune('a'+i))))
		c.consKeys = append(c.consKeys, ed25519.GenPrivKeyFromSecret([]byte("consensus "+string(rune('a'+i)))))
	}
	c.app = app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()),
		baseapp.SetChainID(chainID))

	genesis := c.genesis()
	appState, err := json.Marshal(genesis)
	require.NoError(t, err)
	_, err = c.app.InitChain(&abci.RequestInitChain{
		ChainId: chainID, Time: c.time, InitialHeight: 1, AppStateBytes: appState,
		ConsensusParams: simtestutil.DefaultConsensusParams,
	})
	require.NoError(t, err)
	return c
}

func (c *chain) genesis() map[string]json.RawMessage {
	cdc := c.app.AppCodec()
	genesis := c.app.DefaultGenesis()
	funds := sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1_000_000_000))
	var accounts authtypes.GenesisAccounts
	var balances []banktypes.Balance
	for i, a := range append([]*account{c.creator}, append(c.participants, c.operators...)...) {
		a.number = uint64(i)
		accounts = append(accounts, authtypes.NewBaseAccount(a.address(), nil, a.number, 0))
		balances = append(balances, banktypes.Balance{Address: a.String(), Coins: funds})
	}
	genesis[authtypes.ModuleName] = cdc.MustMarshalJSON(authtypes.NewGenesisState(authtypes.DefaultParams(), accounts))

	var validators []stakingtypes.Validator
	var delegations []stakingtypes.Delegation
	var signingInfos []slashingtypes.SigningInfo
	bonded := sdkmath.ZeroInt()
	for i, power := range validatorPowers {
		operator := sdk.ValAddress(c.operators[i].address())
		pubKey, err := codectypes.NewAnyWithValue(c.consKeys[i].PubKey())
		require.NoError(c.t, err)
		tokens := sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction)
		bonded = bonded.Add(tokens)
		validators = append(validators, stakingtypes.Validator{
			OperatorAddress: operator.String(), ConsensusPubkey: pubKey, Status: stakingtypes.Bonded,
			Tokens: tokens, DelegatorShares: sdkmath.LegacyNewDecFromInt(tokens),
			Description:   stakingtypes.NewDescription("validator "+string(rune('a'+i)), "", "", "", ""),
			UnbondingTime: time.Unix(0, 0).UTC(),
			Commission: stakingtypes.NewCommission(sdkmath.LegacyNewDecWithPrec(1, 1), sdkmath.LegacyNewDecWithPrec(2, 1),
				sdkmath.LegacyNewDecWithPrec(1, 2)),
			MinSelfDelegation: sdkmath.OneInt(),
		})
		delegations = append(delegations, stakingtypes.NewDelegation(c.operators[i].String(), operator.String(), sdkmath.LegacyNewDecFromInt(tokens)))
		// A validator bonded by a gentx gets its signing info from the slashing hooks; one bonded in genesis
		// needs it there, or it could not be jailed.
		consAddr := sdk.ConsAddress(c.consKeys[i].PubKey().Address())
		signingInfos = append(signingInfos, slashingtypes.SigningInfo{
			Address:              consAddr.String(),
			ValidatorSigningInfo: slashingtypes.NewValidatorSigningInfo(consAddr, 0, 0, time.Unix(0, 0).UTC(), false, 0),
		})
	}
	genesis[stakingtypes.ModuleName] = cdc.MustMarshalJSON(stakingtypes.NewGenesisState(stakingtypes.DefaultParams(), validators, delegations))
	genesis[slashingtypes.ModuleName] = cdc.MustMarshalJSON(slashingtypes.NewGenesisState(slashingtypes.DefaultParams(), signingInfos, nil))
	balances = append(balances, banktypes.Balance{
		Address: authtypes.NewModuleAddress(stakingtypes.BondedPoolName).String(),
		Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, bonded)),
	})
	genesis[banktypes.ModuleName] = cdc.MustMarshalJSON(banktypes.NewGenesisState(banktypes.DefaultParams(), balances, nil, nil, nil))

	// Proposals that pass within a few blocks (each block is 5 s).
	gov := govv1.DefaultGenesisState()
	votingPeriod, expeditedPeriod := 12*time.Second, 6*time.Second
	gov.Params.VotingPeriod, gov.Params.ExpeditedVotingPeriod = &votingPeriod, &expeditedPeriod
	gov.Params.MinDeposit = sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, govMinDeposit))
	gov.Params.ExpeditedMinDeposit = sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 2*govMinDeposit))
	genesis[govtypes.ModuleName] = cdc.MustMarshalJSON(gov)
	return genesis
}

// tx signs msgs with signer's key (SIGN_MODE_DIRECT) and encodes the transaction.
func (c *chain) tx(signer *account, msgs ...sdk.Msg) []byte {
	c.t.Helper()
	tx, err := simtestutil.GenSignedMockTx(c.rand, c.app.TxConfig(), msgs, sdk.NewCoins(), 2_000_000, chainID,
		[]uint64{signer.number}, []uint64{signer.sequence}, signer.key)
	require.NoError(c.t, err)
	signer.sequence++
	bz, err := c.app.TxConfig().TxEncoder()(tx)
	require.NoError(c.t, err)
	return bz
}

// block finalizes and commits the next block with txs; every tx is expected to succeed but those whose
// index is in failing, which are returned for inspection.
func (c *chain) block(txs [][]byte, failing ...int) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	return c.blockWithEvidence(nil, txs, failing...)
}

// blockWithEvidence is block with the misbehaviour CometBFT reports in it.
func (c *chain) blockWithEvidence(misbehavior []abci.Misbehavior, txs [][]byte, failing ...int) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	c.time = c.time.Add(5 * time.Second)
	var hash [32]byte
	binary.BigEndian.PutUint64(hash[:], uint64(c.height))
	hash = sha256.Sum256(hash[:])
	res, err := c.app.FinalizeBlock(&abci.RequestFinalizeBlock{
		Height: c.height, Time: c.time, Txs: txs, Hash: hash[:], Misbehavior: misbehavior,
		ProposerAddress: c.consKeys[0].PubKey().Address(),
	})
	require.NoError(c.t, err)
	_, err = c.app.Commit()
	require.NoError(c.t, err)
	require.Len(c.t, res.TxResults, len(txs))
	for i, result := range res.TxResults {
		if !slices.Contains(failing, i) {
			require.Zero(c.t, result.Code, "tx %d of block %d: %s", i, c.height, result.Log)
		}
	}
	return res
}

// query calls the app's gRPC query service at path, as a client over ABCI would.
func (c *chain) query(path string, req, res proto.Message) {
	c.t.Helper()
	data, err := proto.Marshal(req)
	require.NoError(c.t, err)
	answer, err := c.app.Query(context.Background(), &abci.RequestQuery{Path: path, Data: data})
	require.NoError(c.t, err)
	require.Zero(c.t, answer.Code, answer.Log)
	require.NoError(c.t, proto.Unmarshal(answer.Value, res))
}

func (c *chain) round(taskID uint64) fedlearntypes.Round {
	var res fedlearntypes.QueryRoundResponse
	c.query("/sabfl.fedlearn.v1.Query/Round", &fedlearntypes.QueryRoundRequest{TaskId: taskID}, &res)
	return res.Round
}

func (c *chain) globalModel(taskID uint64) fedlearntypes.GlobalModel {
	var res fedlearntypes.QueryGlobalModelResponse
	c.query("/sabfl.fedlearn.v1.Query/GlobalModel", &fedlearntypes.QueryGlobalModelRequest{TaskId: taskID}, &res)
	return res.Model
}

// validatorIndex is the position of a committee member's operator account among the validators.
func (c *chain) validatorIndex(address string) int {
	i := slices.IndexFunc(c.operators, func(a *account) bool { return a.String() == address })
	require.GreaterOrEqual(c.t, i, 0, "%s is not a validator operator", address)
	return i
}

// operator is the operator account of a committee member.
func (c *chain) operator(address string) *account { return c.operators[c.validatorIndex(address)] }

// typedEvents returns the typed events of type E among events (the "mode" attribute the SDK adds to
// begin- and end-block events is not JSON, so it is dropped before parsing).
func typedEvents[E proto.Message](t *testing.T, events []abci.Event) []E {
	t.Helper()
	var out []E
	var zero E
	for _, event := range events {
		if event.Type != proto.MessageName(zero) {
			continue
		}
		event.Attributes = slices.DeleteFunc(slices.Clone(event.Attributes), func(a abci.EventAttribute) bool { return a.Key == "mode" })
		msg, err := sdk.ParseTypedEvent(event)
		require.NoError(t, err)
		out = append(out, msg.(E))
	}
	return out
}

// payload is a model's canonical bytes, named by label.
func payload(label string) ([]byte, []byte) {
	bz := []byte("canonical model bytes: " + label)
	digest := sha256.Sum256(bz)
	return bz, digest[:]
}

const taskID = 1

// participantAddresses are the participants' account addresses (the task's allowlist).
func (c *chain) participantAddresses() []string {
	var addresses []string
	for _, p := range c.participants {
		addresses = append(addresses, p.String())
	}
	return addresses
}

// runToAggregate creates a one-round task, submits 3 updates, has every committee member commit and
// reveal its losses, and returns the round in AGGREGATE.
func (c *chain) runToAggregate() fedlearntypes.Round {
	c.t.Helper()
	initial, initialHash := payload("initial")
	c.block([][]byte{c.tx(c.creator, &fedlearntypes.MsgCreateTask{
		Creator: c.creator.String(), ModelSpec: "digits/logreg", InitialModelSha256: initialHash, InitialModel: initial,
		NumRounds: 1, CommitteeSize: uint32(len(validatorPowers)),
		Rule:   fedlearntypes.AggregationRule{TemperatureMode: fedlearntypes.TEMPERATURE_MODE_FIXED, Temperature: "0.05", ScoreStep: "1"},
		Phases: fedlearntypes.PhaseLengths{Submit: 5, Commit: 5, Reveal: 5, Aggregate: 5, Attest: 5, UpdateReveal: 5}, MaxUpdatesPerRound: 3,
		Budget: sdk.NewInt64Coin(app.BondDenom, 400_000), AllowedParticipants: c.participantAddresses(),
	})})
	// Every validator serves the task: the opt-ins reach the quorum in one block, and the first round opens
	// opt_in_grace_blocks later.
	var optIns [][]byte
	for _, operator := range c.operators {
		optIns = append(optIns, c.tx(operator, &fedlearntypes.MsgOptIn{Validator: operator.String(), TaskId: taskID}))
	}
	c.block(optIns)
	for range fedlearntypes.DefaultParams().OptInGraceBlocks {
		c.block(nil)
	}
	round := c.round(taskID)
	require.Equal(c.t, fedlearntypes.ROUND_PHASE_SUBMIT, round.Phase)
	require.Len(c.t, round.Committee, len(validatorPowers))

	var txs, reveals [][]byte
	for i, p := range c.participants {
		update, hash := payload("update of participant " + string(rune('a'+i)))
		updateSalt := sha256.Sum256([]byte("update salt " + p.String()))
		commitment, err := consensus.UpdateCommitment(taskID, 1, p.address(), [32]byte(hash), 100, updateSalt)
		require.NoError(c.t, err)
		txs = append(txs, c.tx(p, &fedlearntypes.MsgSubmitUpdate{Participant: p.String(), TaskId: taskID, Round: 1, Commitment: commitment[:]}))
		reveals = append(reveals, c.tx(p, &fedlearntypes.MsgRevealUpdate{
			Participant: p.String(), TaskId: taskID, Round: 1, Sha256: hash, NumSamples: 100, Payload: update, Salt: updateSalt[:],
		}))
	}
	c.block(txs)
	round = c.round(taskID)
	require.Equal(c.t, fedlearntypes.ROUND_PHASE_UPDATE_REVEAL, round.Phase, "every allowlisted participant committed: SUBMIT ends early")
	require.Empty(c.t, round.Updates, "nothing of an update is public before UPDATE_REVEAL")
	c.block(reveals)
	round = c.round(taskID)
	require.Equal(c.t, fedlearntypes.ROUND_PHASE_COMMIT, round.Phase, "every commitment revealed: UPDATE_REVEAL ends early")

	hashes := make([][32]byte, len(round.Updates))
	for i, u := range round.Updates {
		hashes[i] = [32]byte(u.Sha256)
	}
	losses := func(member int) []uint64 {
		out := make([]uint64, len(round.Updates))
		for j := range out {
			out[j] = uint64(j+1)*100_000 + uint64(member)*1_000
		}
		return out
	}
	salt := func(member string) [32]byte { return sha256.Sum256([]byte("salt " + member)) }
	txs = nil
	for i, m := range round.Committee {
		commitment, err := consensus.Commitment(taskID, 1, m.Address, salt(m.Address), hashes, losses(i))
		require.NoError(c.t, err)
		txs = append(txs, c.tx(c.operator(m.Address), &fedlearntypes.MsgCommitLosses{
			Validator: m.Address, TaskId: taskID, Round: 1, Commitment: commitment[:],
		}))
	}
	c.block(txs)
	require.Equal(c.t, fedlearntypes.ROUND_PHASE_REVEAL, c.round(taskID).Phase)

	txs = nil
	for i, m := range round.Committee {
		s := salt(m.Address)
		txs = append(txs, c.tx(c.operator(m.Address), &fedlearntypes.MsgRevealLosses{
			Validator: m.Address, TaskId: taskID, Round: 1, Salt: s[:], Losses: losses(i),
		}))
	}
	c.block(txs)
	round = c.round(taskID)
	require.Equal(c.t, fedlearntypes.ROUND_PHASE_AGGREGATE, round.Phase)
	require.Len(c.t, round.Weights, 3)
	return round
}

func (c *chain) aggregateTx(round fedlearntypes.Round, label string) []byte {
	miner := round.Committee[round.MinerAttempt].Address
	model, hash := payload(label)
	return c.tx(c.operator(miner), &fedlearntypes.MsgSubmitAggregate{
		Miner: miner, TaskId: taskID, Round: round.Round, ModelSha256: hash, Payload: model,
	})
}

// attestTxs are the attestations of the round's members that the round has not jailed.
func (c *chain) attestTxs(round fedlearntypes.Round, hashOf func(member string) []byte) [][]byte {
	var txs [][]byte
	for _, m := range round.Committee {
		if m.Jailed {
			continue
		}
		txs = append(txs, c.tx(c.operator(m.Address), &fedlearntypes.MsgAttestAggregate{
			Validator: m.Address, TaskId: taskID, Round: round.Round, ModelSha256: hashOf(m.Address),
		}))
	}
	return txs
}

func TestRoundFinalizesWithRealValidators(t *testing.T) {
	c := newChain(t)
	round := c.runToAggregate()

	c.block([][]byte{c.aggregateTx(round, "softmax")})
	round = c.round(taskID)
	require.Equal(t, fedlearntypes.ROUND_PHASE_ATTEST, round.Phase)
	_, modelHash := payload("softmax")
	require.Equal(t, modelHash, round.AggregateSha256)

	res := c.block(c.attestTxs(round, func(string) []byte { return modelHash }))
	round = c.round(taskID)
	require.Equal(t, fedlearntypes.ROUND_PHASE_FINALIZED, round.Phase)
	require.Equal(t, modelHash, c.globalModel(taskID).Sha256)
	require.Len(t, typedEvents[*fedlearntypes.EventRoundFinalized](t, res.Events), 1)
	paid := sdkmath.ZeroInt()
	for _, reward := range typedEvents[*fedlearntypes.EventRewardPaid](t, res.Events) {
		paid = paid.Add(reward.Amount.Amount)
	}
	var task fedlearntypes.QueryTaskResponse
	c.query("/sabfl.fedlearn.v1.Query/Task", &fedlearntypes.QueryTaskRequest{TaskId: taskID}, &task)
	require.Equal(t, sdkmath.NewInt(400_000).Sub(paid), task.Task.Escrow.Amount)

	var balance banktypes.QueryBalanceResponse
	c.query("/cosmos.bank.v1beta1.Query/Balance", &banktypes.QueryBalanceRequest{
		Address: c.creator.String(), Denom: app.BondDenom,
	}, &balance)
	before := balance.Balance.Amount
	c.block(nil)
	c.query("/sabfl.fedlearn.v1.Query/Task", &fedlearntypes.QueryTaskRequest{TaskId: taskID}, &task)
	require.Equal(t, fedlearntypes.TASK_STATUS_COMPLETED, task.Task.Status)
	c.query("/cosmos.bank.v1beta1.Query/Balance", &banktypes.QueryBalanceRequest{
		Address: c.creator.String(), Denom: app.BondDenom,
	}, &balance)
	deposit := fedlearntypes.DefaultParams().TaskDeposit.Amount
	require.Equal(t, before.Add(sdkmath.NewInt(400_000)).Sub(paid).Add(deposit), balance.Balance.Amount,
		"the unspent escrow and the task deposit are refunded")
}

func TestMinerMissingTheAttestQuorumIsJailedAndReplaced(t *testing.T) {
	c := newChain(t)
	round := c.runToAggregate()
	first := round.Committee[0].Address
	c.block([][]byte{c.aggregateTx(round, "first miner's model")})
	round = c.round(taskID)
	require.Equal(t, fedlearntypes.ROUND_PHASE_ATTEST, round.Phase)

	_, firstHash := payload("first miner's model")
	_, recomputed := payload("the model the others recompute")
	firstOperator := sdk.ValAddress(c.operator(first).address())
	before, err := c.app.StakingKeeper.GetValidator(c.app.NewContext(true), firstOperator)
	require.NoError(t, err)
	res := c.block(c.attestTxs(round, func(member string) []byte {
		if member == first {
			return firstHash
		}
		return recomputed
	}))
	penalized := typedEvents[*fedlearntypes.EventValidatorPenalized](t, res.Events)
	require.Len(t, penalized, 1)
	require.Equal(t, first, penalized[0].Validator)
	require.Equal(t, c.time.Add(60*time.Second).Unix(), penalized[0].JailedUntilUnix)
	after, err := c.app.StakingKeeper.GetValidator(c.app.NewContext(true), firstOperator)
	require.NoError(t, err)
	require.True(t, after.IsJailed(), "x/staking jailed the failed miner")
	slashed := sdkmath.LegacyNewDecFromInt(before.Tokens).Mul(sdkmath.LegacyMustNewDecFromStr(penalized[0].SlashFraction)).TruncateInt()
	require.True(t, slashed.IsPositive())
	require.Equal(t, before.Tokens.Sub(slashed), after.Tokens, "x/staking slashed the failed miner")
	consAddr := sdk.ConsAddress(c.consKeys[c.validatorIndex(first)].PubKey().Address())
	signingInfo, err := c.app.SlashingKeeper.GetValidatorSigningInfo(c.app.NewContext(true), consAddr)
	require.NoError(t, err)
	require.Equal(t, penalized[0].JailedUntilUnix, signingInfo.JailedUntil.Unix())

	round = c.round(taskID)
	require.Equal(t, fedlearntypes.ROUND_PHASE_AGGREGATE, round.Phase)
	require.Equal(t, uint32(1), round.MinerAttempt)
	require.True(t, round.Committee[0].Jailed, "the jailed miner no longer counts towards the quorums")
	// A jailed member's messages are refused: the failed miner cannot take the next window.
	model, hash := payload("the failed miner again")
	refused := c.block([][]byte{c.tx(c.operator(first), &fedlearntypes.MsgSubmitAggregate{
		Miner: first, TaskId: taskID, Round: round.Round, ModelSha256: hash, Payload: model,
	})}, 0)
	require.Equal(t, fedlearntypes.ErrValidatorNotActive.ABCICode(), refused.TxResults[0].Code)
	c.block([][]byte{c.aggregateTx(round, "the model the others recompute")})
	round = c.round(taskID)
	require.Equal(t, fedlearntypes.ROUND_PHASE_ATTEST, round.Phase)
	c.block(c.attestTxs(round, func(string) []byte { return recomputed }))
	require.Equal(t, fedlearntypes.ROUND_PHASE_FINALIZED, c.round(taskID).Phase)
	require.Equal(t, recomputed, c.globalModel(taskID).Sha256)
}
