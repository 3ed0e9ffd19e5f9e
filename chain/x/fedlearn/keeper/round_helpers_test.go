package keeper_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"cosmossdk.io/collections"
	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// endBlock runs the EndBlocker at the current height, returns the block's events (those of the messages
// delivered in it and the EndBlocker's) and moves the context to the next block.
func (f *fixture) endBlock(t *testing.T) sdk.Events {
	t.Helper()
	require.NoError(t, f.keeper.EndBlocker(f.ctx))
	events := f.ctx.EventManager().Events()
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1).WithEventManager(sdk.NewEventManager())
	return events
}

// deliver sends a message to the Msg service, as the message router would.
func (f *fixture) deliver(msg sdk.Msg) error {
	var err error
	switch m := msg.(type) {
	case *types.MsgCreateTask:
		_, err = f.msgs.CreateTask(f.ctx, m)
	case *types.MsgSubmitUpdate:
		_, err = f.msgs.SubmitUpdate(f.ctx, m)
	case *types.MsgRevealUpdate:
		_, err = f.msgs.RevealUpdate(f.ctx, m)
	case *types.MsgCommitLosses:
		_, err = f.msgs.CommitLosses(f.ctx, m)
	case *types.MsgRevealLosses:
		_, err = f.msgs.RevealLosses(f.ctx, m)
	case *types.MsgSubmitAggregate:
		_, err = f.msgs.SubmitAggregate(f.ctx, m)
	case *types.MsgAttestAggregate:
		_, err = f.msgs.AttestAggregate(f.ctx, m)
	case *types.MsgOptIn:
		_, err = f.msgs.OptIn(f.ctx, m)
	default:
		panic(fmt.Sprintf("unexpected message %T", msg))
	}
	return err
}

// setParams changes the module params in place.
func (f *fixture) setParams(t *testing.T, change func(*types.Params)) {
	t.Helper()
	params, err := f.keeper.GetParams(f.ctx)
	require.NoError(t, err)
	change(&params)
	require.NoError(t, params.Validate())
	require.NoError(t, f.keeper.Params.Set(f.ctx, params))
}

// setPowers gives the fixture's validators new consensus powers; a validator of power 0 is unbonded.
func (f *fixture) setPowers(powers ...int64) {
	for i, power := range powers {
		f.staking.validators[i].Tokens = sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction)
		if power == 0 {
			f.staking.validators[i].Status = stakingtypes.Unbonded
		}
	}
}

// validatorIndex is the position of an operator account among the fixture's validators.
func (f *fixture) validatorIndex(t *testing.T, address string) int {
	i := slices.Index(f.validators, address)
	if i < 0 {
		panic(fmt.Sprintf("%s is not a fixture validator", address))
	}
	return i
}

// participant is the account address of the i-th test participant.
func (f *fixture) participant(i int) string { return participantAddress(i) }

// participantAddress is the i-th test participant's address, in the fixture's sabfl prefix.
func participantAddress(i int) string {
	address, err := address.NewBech32Codec("sabfl").BytesToString(sdk.AccAddress(fmt.Sprintf("participant%d__________", i)[:20]))
	if err != nil {
		panic(err)
	}
	return address
}

// account is the i-th test participant's address bytes.
func (f *fixture) account(i int) []byte {
	return sdk.AccAddress(fmt.Sprintf("participant%d__________", i)[:20])
}

// participantIndex maps a participant address back to its index.
func (f *fixture) participantIndex(t *testing.T, address string) int {
	t.Helper()
	account, err := f.codec.StringToBytes(address)
	require.NoError(t, err)
	var i int
	_, err = fmt.Sscanf(string(account), "participant%d_", &i)
	require.NoError(t, err, "%s is not a test participant", address)
	return i
}

func (f *fixture) balance(address string) int64 {
	account, err := f.codec.StringToBytes(address)
	if err != nil {
		panic(err)
	}
	return f.bank.balances[sdk.AccAddress(account).String()].AmountOf("stake").Int64()
}

// moduleState is everything x/fedlearn stores plus the fake bank's balances: a rejected message must
// leave it unchanged.
type moduleState struct {
	genesis   *types.GenesisState
	scheduled []uint64
	balances  map[string]sdk.Coins
}

func (f *fixture) state(t *testing.T) moduleState {
	t.Helper()
	genesis, err := f.keeper.ExportGenesis(f.ctx)
	require.NoError(t, err)
	// Which tasks are scheduled, not when: a genesis import schedules every running task at once.
	due, err := collectKeys(f, f.keeper.Due)
	require.NoError(t, err)
	var scheduled []uint64
	for _, key := range due {
		scheduled = append(scheduled, key.K2())
	}
	slices.Sort(scheduled)
	return moduleState{genesis: genesis, scheduled: scheduled, balances: maps.Clone(f.bank.balances)}
}

func collectKeys[K any](f *fixture, set collections.KeySet[K]) ([]K, error) {
	it, err := set.Iterate(f.ctx, nil)
	if err != nil {
		return nil, err
	}
	return it.Keys()
}

// eventsOf returns the typed events of type E among events.
func eventsOf[E proto.Message](t *testing.T, events sdk.Events) []E {
	t.Helper()
	var out []E
	for _, event := range events.ToABCIEvents() {
		msg, err := sdk.ParseTypedEvent(event)
		require.NoError(t, err)
		if typed, ok := msg.(E); ok {
			out = append(out, typed)
		}
	}
	return out
}

// lossFn gives the loss (micro-units) a fixture validator reports for a participant's update.
type lossFn func(validator, participant int) uint64

// spreadLosses ranks the updates by participant (0.1, 0.2, …) with a small per-validator offset.
func spreadLosses(validator, participant int) uint64 {
	return uint64(participant+1)*100_000 + uint64(validator)*1_000
}

// lossMatrix reports losses[validator][participant].
func lossMatrix(losses [][]uint64) lossFn {
	return func(validator, participant int) uint64 { return losses[validator][participant] }
}

// driver plays every role of one task's rounds in a fixture.
type driver struct {
	f      *fixture
	taskID uint64
	// updates is how many participants (0 … updates−1) submit in driveTo.
	updates int
	losses  lossFn
	// silent are the committee members that send nothing in a phase in driveTo.
	silent map[types.RoundPhase][]string
	// hidden are the participants that commit in SUBMIT but never reveal in driveTo.
	hidden []int
}

// startTask creates a task (validCreateTask with every fixture validator in the committee, changed by
// change) and ends the block, which opens its first round.
func (f *fixture) startTask(t *testing.T, change func(*types.MsgCreateTask)) driver {
	t.Helper()
	d := f.createTask(t, change)
	f.endBlock(t)
	require.Equal(t, types.ROUND_PHASE_SUBMIT, d.round(t).Phase)
	return d
}

// createTask creates the task and opts every fixture validator in to it, without ending the block.
func (f *fixture) createTask(t *testing.T, change func(*types.MsgCreateTask)) driver {
	t.Helper()
	msg := validCreateTask(f.creator)
	msg.CommitteeSize = uint32(len(f.validators))
	if change != nil {
		change(msg)
	}
	res, err := f.msgs.CreateTask(f.ctx, msg)
	require.NoError(t, err)
	for _, v := range f.validators {
		if f.active(t, v) {
			require.NoError(t, f.deliver(&types.MsgOptIn{Validator: v, TaskId: res.TaskId}))
		}
	}
	return driver{f: f, taskID: res.TaskId, updates: 3, losses: spreadLosses}
}

func (d driver) task(t *testing.T) types.Task {
	t.Helper()
	task, err := d.f.keeper.Tasks.Get(d.f.ctx, d.taskID)
	require.NoError(t, err)
	return task
}

// round is the task's current round.
func (d driver) round(t *testing.T) types.Round {
	t.Helper()
	round, err := d.f.keeper.Rounds.Get(d.f.ctx, collections.Join(d.taskID, d.task(t).CurrentRound))
	require.NoError(t, err)
	return round
}

func (d driver) key(t *testing.T) types.RoundKey {
	t.Helper()
	return collections.Join(d.taskID, d.task(t).CurrentRound)
}

// members are the committee's addresses in draw order.
func (d driver) members(t *testing.T) []string {
	t.Helper()
	var members []string
	for _, m := range d.round(t).Committee {
		members = append(members, m.Address)
	}
	return members
}

// miner is the current miner's address.
func (d driver) miner(t *testing.T) string {
	t.Helper()
	round := d.round(t)
	return round.Committee[round.MinerAttempt].Address
}

// updateMsg is participant's reveal of its update in the current round (the update sealed by sealMsg).
func (d driver) updateMsg(t *testing.T, participant int) *types.MsgRevealUpdate {
	payload := []byte(fmt.Sprintf("update of participant %d in round %d", participant, d.task(t).CurrentRound))
	digest := sha256.Sum256(payload)
	s := sha256.Sum256([]byte(fmt.Sprintf("update salt of participant %d", participant)))
	return &types.MsgRevealUpdate{
		Participant: d.f.participant(participant), TaskId: d.taskID, Round: d.task(t).CurrentRound,
		Sha256: digest[:], NumSamples: uint64(100 + participant), Payload: payload, Salt: s[:],
	}
}

// sealMsg is the SUBMIT commitment to reveal, bound to the address bytes of reveal's participant.
func sealMsg(t testing.TB, reveal *types.MsgRevealUpdate) *types.MsgSubmitUpdate {
	t.Helper()
	_, account, err := bech32.DecodeAndConvert(reveal.Participant)
	require.NoError(t, err)
	digest, err := consensus.UpdateCommitment(reveal.TaskId, reveal.Round, account, [32]byte(reveal.Sha256), reveal.NumSamples, [32]byte(reveal.Salt))
	require.NoError(t, err)
	return &types.MsgSubmitUpdate{Participant: reveal.Participant, TaskId: reveal.TaskId, Round: reveal.Round, Commitment: digest[:]}
}

// submit delivers the commitments of the given participants' updates (SUBMIT).
func (d driver) submit(t *testing.T, participants ...int) {
	t.Helper()
	for _, p := range participants {
		require.NoError(t, d.f.deliver(sealMsg(t, d.updateMsg(t, p))))
	}
}

// revealUpdates delivers the given participants' reveals (UPDATE_REVEAL).
func (d driver) revealUpdates(t *testing.T, participants ...int) {
	t.Helper()
	for _, p := range participants {
		require.NoError(t, d.f.deliver(d.updateMsg(t, p)))
	}
}

// sealed is participant's update commitment in the current round, if it committed.
func (d driver) sealed(t *testing.T, participant int) (types.UpdateCommitment, bool) {
	t.Helper()
	sealed, err := d.f.keeper.UpdateCommitments.Get(d.f.ctx, collections.Join(d.key(t), d.f.account(participant)))
	if errors.Is(err, collections.ErrNotFound) {
		return sealed, false
	}
	require.NoError(t, err)
	return sealed, true
}

func salt(validator string) [32]byte { return sha256.Sum256([]byte("salt of " + validator)) }

// lossesOf are validator's losses for the current round's updates, in update-hash order.
func (d driver) lossesOf(t *testing.T, validator string) []uint64 {
	t.Helper()
	v := d.f.validatorIndex(t, validator)
	var losses []uint64
	for _, u := range d.round(t).Updates {
		losses = append(losses, d.losses(v, d.f.participantIndex(t, u.Participant)))
	}
	return losses
}

func (d driver) commitMsgFor(t *testing.T, validator string, losses []uint64) *types.MsgCommitLosses {
	t.Helper()
	round := d.round(t)
	hashes := make([][32]byte, len(round.Updates))
	for i, u := range round.Updates {
		hashes[i] = [32]byte(u.Sha256)
	}
	digest, err := consensus.Commitment(d.taskID, round.Round, validator, salt(validator), hashes, losses)
	require.NoError(t, err)
	return &types.MsgCommitLosses{Validator: validator, TaskId: d.taskID, Round: round.Round, Commitment: digest[:]}
}

func (d driver) commitMsg(t *testing.T, validator string) *types.MsgCommitLosses {
	t.Helper()
	return d.commitMsgFor(t, validator, d.lossesOf(t, validator))
}

func (d driver) revealMsg(t *testing.T, validator string) *types.MsgRevealLosses {
	t.Helper()
	s := salt(validator)
	return &types.MsgRevealLosses{
		Validator: validator, TaskId: d.taskID, Round: d.task(t).CurrentRound, Salt: s[:], Losses: d.lossesOf(t, validator),
	}
}

// commit delivers the commitments of the given validators.
func (d driver) commit(t *testing.T, validators ...string) {
	t.Helper()
	for _, v := range validators {
		require.NoError(t, d.f.deliver(d.commitMsg(t, v)))
	}
}

// reveal delivers the reveals of the given validators.
func (d driver) reveal(t *testing.T, validators ...string) {
	t.Helper()
	for _, v := range validators {
		require.NoError(t, d.f.deliver(d.revealMsg(t, v)))
	}
}

// aggregateMsg is the current miner's aggregate, a payload named by label.
func (d driver) aggregateMsg(t *testing.T, label string) *types.MsgSubmitAggregate {
	t.Helper()
	round := d.round(t)
	payload := []byte("aggregate " + label)
	digest := sha256.Sum256(payload)
	return &types.MsgSubmitAggregate{
		Miner: d.miner(t), TaskId: d.taskID, Round: round.Round,
		ModelSha256: digest[:], Payload: payload,
	}
}

func (d driver) attestMsg(t *testing.T, validator string, hash []byte) *types.MsgAttestAggregate {
	return &types.MsgAttestAggregate{Validator: validator, TaskId: d.taskID, Round: d.task(t).CurrentRound, ModelSha256: hash}
}

// attest delivers attestations of hash from the given validators.
func (d driver) attest(t *testing.T, hash []byte, validators ...string) {
	t.Helper()
	for _, v := range validators {
		require.NoError(t, d.f.deliver(d.attestMsg(t, v, hash)))
	}
}

// advanceTo ends blocks until the current round is in phase (within limit blocks).
func (d driver) advanceTo(t *testing.T, phase types.RoundPhase) sdk.Events {
	t.Helper()
	var events sdk.Events
	for range 100 {
		if d.round(t).Phase == phase {
			return events
		}
		events = append(events, d.f.endBlock(t)...)
	}
	require.FailNow(t, "phase not reached", "round in %s, want %s", d.round(t).Phase, phase)
	return nil
}

// steps play a round's phases: each delivers what its phase still waits for from everyone not silent.
var steps = []struct {
	from types.RoundPhase
	play func(*testing.T, driver)
}{
	{types.ROUND_PHASE_SUBMIT, func(t *testing.T, d driver) {
		for p := range d.updates {
			if _, committed := d.sealed(t, p); !committed {
				d.submit(t, p)
			}
		}
	}},
	{types.ROUND_PHASE_UPDATE_REVEAL, func(t *testing.T, d driver) {
		for p := range d.updates {
			sealed, committed := d.sealed(t, p)
			if committed && sealed.Info == nil && !slices.Contains(d.hidden, p) {
				d.revealUpdates(t, p)
			}
		}
	}},
	{types.ROUND_PHASE_COMMIT, func(t *testing.T, d driver) {
		for _, m := range d.round(t).Committee {
			if !m.Committed && d.speaks(types.ROUND_PHASE_COMMIT, m.Address) {
				d.commit(t, m.Address)
			}
		}
	}},
	{types.ROUND_PHASE_REVEAL, func(t *testing.T, d driver) {
		for _, m := range d.round(t).Committee {
			if m.Committed && !m.Revealed && d.speaks(types.ROUND_PHASE_REVEAL, m.Address) {
				d.reveal(t, m.Address)
			}
		}
	}},
	{types.ROUND_PHASE_AGGREGATE, func(t *testing.T, d driver) {
		if len(d.round(t).AggregateSha256) == 0 {
			require.NoError(t, d.f.deliver(d.aggregateMsg(t, "by "+d.miner(t))))
		}
	}},
	{types.ROUND_PHASE_ATTEST, func(t *testing.T, d driver) {
		for _, m := range d.members(t) {
			attested, err := d.f.keeper.Attestations.Has(d.f.ctx, collections.Join(d.key(t), m))
			require.NoError(t, err)
			if !attested && d.speaks(types.ROUND_PHASE_ATTEST, m) {
				d.attest(t, d.round(t).AggregateSha256, m)
			}
		}
	}},
}

// speaks says whether a committee member sends its message in phase: it is not silent and still a bonded,
// unjailed validator (the chain refuses the others' messages).
func (d driver) speaks(phase types.RoundPhase, member string) bool {
	return !slices.Contains(d.silent[phase], member) && d.f.active(nil, member)
}

// active says whether a fixture validator is bonded and not jailed.
func (f *fixture) active(t *testing.T, validator string) bool {
	v := f.staking.validators[f.validatorIndex(t, validator)]
	return v.IsBonded() && !v.IsJailed()
}

// driveTo plays the current round from where it stands until it reaches phase, every committee member
// but the silent ones doing its part; a phase someone is silent in, and SUBMIT unless the updates fill
// the round, wait for their deadline.
func (d driver) driveTo(t *testing.T, phase types.RoundPhase) {
	t.Helper()
	for _, s := range steps {
		current := d.round(t).Phase
		if current == phase {
			return
		}
		if current != s.from {
			continue
		}
		s.play(t, d)
		for blocks := 0; d.round(t).Phase == s.from; blocks++ {
			require.Less(t, blocks, 100, "round stuck in %s", s.from)
			d.f.endBlock(t)
		}
	}
	require.Equal(t, phase, d.round(t).Phase)
}

// perRoundRecords counts the records the round keeps in each per-round collection; zero counts are left out.
func (d driver) perRoundRecords(t *testing.T, key types.RoundKey) map[string]int {
	t.Helper()
	k := d.f.keeper
	byValidator := collections.NewPrefixedPairRange[types.RoundKey, string](key)
	aggregates := 0
	hasAggregate, err := k.Aggregates.Has(d.f.ctx, key)
	require.NoError(t, err)
	if hasAggregate {
		aggregates = 1
	}
	counts := map[string]int{
		"updates":      countRecords(t, d.f.ctx, k.Updates.Walk, collections.NewPrefixedPairRange[types.RoundKey, []byte](key)),
		"participants": countRecords(t, d.f.ctx, k.UpdateCommitments.Walk, collections.NewPrefixedPairRange[types.RoundKey, []byte](key)),
		"commitments":  countRecords(t, d.f.ctx, k.Commitments.Walk, byValidator),
		"reveals":      countRecords(t, d.f.ctx, k.Reveals.Walk, byValidator),
		"aggregates":   aggregates,
		"attestations": countRecords(t, d.f.ctx, k.Attestations.Walk, byValidator),
	}
	maps.DeleteFunc(counts, func(_ string, n int) bool { return n == 0 })
	return counts
}

func countRecords[K, V any](t *testing.T, ctx context.Context, walk func(context.Context, collections.Ranger[K], func(K, V) (bool, error)) error, rng collections.Ranger[K]) int {
	t.Helper()
	n := 0
	require.NoError(t, walk(ctx, rng, func(K, V) (bool, error) {
		n++
		return false, nil
	}))
	return n
}
