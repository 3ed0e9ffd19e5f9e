package keeper_test

import (
	"bytes"
	"slices"
	"testing"

	"cosmossdk.io/collections"
	storetypes "cosmossdk.io/store/types"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/keeper"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// appendVarintField appends a protobuf varint field (number, value) to a message's encoding.
func appendVarintField(bz []byte, number int, value uint64) []byte {
	bz = appendVarint(bz, uint64(number)<<3)
	return appendVarint(bz, value)
}

// appendPackedField appends a packed repeated uint64 field to a message's encoding.
func appendPackedField(bz []byte, number int, values []uint64) []byte {
	var packed []byte
	for _, v := range values {
		packed = appendVarint(packed, v)
	}
	bz = appendVarint(bz, uint64(number)<<3|2)
	bz = appendVarint(bz, uint64(len(packed)))
	return append(bz, packed...)
}

func appendVarint(bz []byte, v uint64) []byte {
	for v >= 0x80 {
		bz = append(bz, byte(v)|0x80)
		v >>= 7
	}
	return append(bz, byte(v))
}

// v1 state, written as the v1 binary wrote it: params with weight_tolerance (field 9) and without the v2
// params, a task without a deposit, a live aggregate with the miner's weights (field 4). Migrate1to2 turns
// it into v2 state: the v2 params at their defaults, a zero deposit, the same aggregate without weights.
func TestMigrate1to2RewritesV1State(t *testing.T) {
	f := newFixture(t)
	store := f.ctx.KVStore(f.storeKey)
	v1Params := types.DefaultParams()
	v1Params.OptInGraceBlocks, v1Params.TaskDeposit = 0, sdk.Coin{}
	paramsBytes, err := v1Params.Marshal()
	require.NoError(t, err)
	store.Set(types.ParamsKey.Bytes(), appendVarintField(paramsBytes, 9, 1_000_000_000_000))

	task := f.taskOf(t, f.createFor(t, f.creator, nil))
	task.Deposit = sdk.Coin{}
	require.NoError(t, f.keeper.Tasks.Set(f.ctx, task.Id, task))
	require.Empty(t, f.taskOf(t, task.Id).Deposit.Denom, "a v1 task has no deposit")

	aggregate := types.Aggregate{TaskId: task.Id, Round: 1, Miner: f.validators[0], Sha256: make([]byte, 32), Payload: []byte("model")}
	aggregateBytes, err := aggregate.Marshal()
	require.NoError(t, err)
	roundKey := collections.Join(task.Id, uint64(1))
	require.NoError(t, f.keeper.Aggregates.Set(f.ctx, roundKey, aggregate))
	aggregateKey, v2Bytes := rawEntry(t, f, types.AggregatesKey)
	require.Equal(t, aggregateBytes, v2Bytes)
	store.Set(aggregateKey, appendPackedField(aggregateBytes, 4, []uint64{600, 400}))

	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.ctx))

	params, err := f.keeper.GetParams(f.ctx)
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams(), params, "the v2 params at their defaults")
	stored := store.Get(types.ParamsKey.Bytes())
	defaults := types.DefaultParams()
	want, err := defaults.Marshal()
	require.NoError(t, err)
	require.Equal(t, want, stored, "weight_tolerance is gone from the stored params")
	require.Equal(t, sdk.NewInt64Coin("stake", 0), f.taskOf(t, task.Id).Deposit)
	_, migrated := rawEntry(t, f, types.AggregatesKey)
	require.Equal(t, aggregateBytes, migrated, "the miner's weights are gone from the stored aggregate")
	got, err := f.keeper.Aggregates.Get(f.ctx, roundKey)
	require.NoError(t, err)
	require.Equal(t, aggregate, got)
}

// rawEntry is the one stored entry under prefix: its key and its bytes.
func rawEntry(t *testing.T, f fixture, prefix collections.Prefix) ([]byte, []byte) {
	t.Helper()
	it := storetypes.KVStorePrefixIterator(f.ctx.KVStore(f.storeKey), prefix.Bytes())
	defer it.Close()
	require.True(t, it.Valid(), "an entry under %x", prefix.Bytes())
	key, value := it.Key(), it.Value()
	it.Next()
	require.False(t, it.Valid(), "one entry under %x", prefix.Bytes())
	return key, value
}

// A round in SUBMIT at the upgrade keeps the plain updates it took: Migrate1to2 seals each as a revealed
// update commitment (the v1 participant index under the same keys is rewritten), the task gains an
// UPDATE_REVEAL length, and the round goes on to finalize with those updates.
func TestMigrate1to2CarriesASubmitRoundsUpdatesOn(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.updates = 2
	key := d.key(t)
	round := d.round(t)
	for p := range 2 {
		msg := d.updateMsg(t, p)
		info := types.UpdateInfo{Sha256: msg.Sha256, Participant: msg.Participant, NumSamples: msg.NumSamples, Height: f.ctx.BlockHeight(), SizeBytes: uint64(len(msg.Payload))}
		require.NoError(t, f.keeper.Updates.Set(f.ctx, collections.Join(key, msg.Sha256), types.Update{TaskId: d.taskID, Round: 1, Info: info, Payload: msg.Payload}))
		// v1's participant index: a key set entry, whose empty value is an empty UpdateCommitment.
		require.NoError(t, f.keeper.UpdateCommitments.Set(f.ctx, collections.Join(key, f.account(p)), types.UpdateCommitment{}))
		round.Updates = append(round.Updates, info)
	}
	slices.SortFunc(round.Updates, func(a, b types.UpdateInfo) int { return bytes.Compare(a.Sha256, b.Sha256) })
	require.NoError(t, f.keeper.Rounds.Set(f.ctx, key, round))
	task := d.task(t)
	task.Phases.UpdateReveal = 0
	require.NoError(t, f.keeper.Tasks.Set(f.ctx, task.Id, task))

	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.ctx))

	require.Equal(t, task.Phases.Reveal, d.task(t).Phases.UpdateReveal)
	migrated := d.round(t)
	require.Empty(t, migrated.Updates, "SUBMIT's update list is built when UPDATE_REVEAL ends")
	require.Equal(t, uint32(2), migrated.UpdatesCommitted)
	require.Equal(t, uint32(2), migrated.UpdatesRevealed)
	for p := range 2 {
		sealed, committed := d.sealed(t, p)
		require.True(t, committed)
		require.Equal(t, f.participant(p), sealed.Participant)
		require.Equal(t, d.updateMsg(t, p).Sha256, sealed.Info.Sha256)
	}
	d.driveTo(t, types.ROUND_PHASE_COMMIT)
	require.Equal(t, round.Updates, d.round(t).Updates)
	d.driveTo(t, types.ROUND_PHASE_FINALIZED)
}
