package keeper_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"cosmossdk.io/collections"
	"github.com/stretchr/testify/require"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// blobSize is above the default max_inline_bytes; blobInlineLimit is a max_inline_bytes below the fixture's
// small inline payloads.
const (
	blobInlineLimit = 16
	blobSize        = 100 << 20
)

func referenceUpdate(t *testing.T, d driver, participant int) *types.MsgRevealUpdate {
	m := d.updateMsg(t, participant)
	m.Payload, m.SizeBytes, m.Locator = nil, blobSize, "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
	return m
}

func TestUpdateByReferenceStoresOnlyTheReference(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	msg := referenceUpdate(t, d, 0)
	require.NoError(t, f.deliver(sealMsg(t, msg)))
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	require.NoError(t, f.deliver(msg))
	f.endBlock(t)

	round := d.round(t)
	require.Equal(t, types.ROUND_PHASE_COMMIT, round.Phase)
	require.Len(t, round.Updates, 1)
	info := round.Updates[0]
	require.Equal(t, uint64(blobSize), info.SizeBytes)
	require.Equal(t, msg.Locator, info.Locator)
	update, err := f.keeper.Updates.Get(f.ctx, collections.Join(d.key(t), msg.Sha256))
	require.NoError(t, err)
	require.Empty(t, update.Payload)
	// What a 100 MiB update costs chain state: its record and its round entry, a few hundred bytes.
	require.Less(t, update.Size()+info.Size(), 512)
}

func TestBlobPathAndSizeRejections(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *types.MsgRevealUpdate)
		err    error
	}{
		{"inline payload above max_inline_bytes", func(m *types.MsgRevealUpdate) {
			m.Payload = []byte(strings.Repeat("x", blobInlineLimit+1))
			digest := sha256.Sum256(m.Payload)
			m.Sha256, m.SizeBytes, m.Locator = digest[:], 0, ""
		}, types.ErrInlineTooLarge},
		{"reference to an inline-sized payload", func(m *types.MsgRevealUpdate) { m.SizeBytes = blobInlineLimit }, types.ErrInlineRequired},
		{"reference above max_update_bytes", func(m *types.MsgRevealUpdate) { m.SizeBytes = types.DefaultParams().MaxUpdateBytes + 1 }, types.ErrPayloadTooLarge},
		{"both bytes and a locator", func(m *types.MsgRevealUpdate) { m.Payload = []byte("x") }, types.ErrInvalidBlob},
		{"reference of size 0", func(m *types.MsgRevealUpdate) { m.SizeBytes = 0 }, types.ErrInvalidBlob},
		{"locator without a scheme", func(m *types.MsgRevealUpdate) { m.Locator = "/etc/passwd" }, types.ErrInvalidBlob},
		{"locator with a space", func(m *types.MsgRevealUpdate) { m.Locator = "s3://bucket/a b" }, types.ErrInvalidBlob},
		{"locator too long", func(m *types.MsgRevealUpdate) {
			m.Locator = "ipfs://" + strings.Repeat("b", types.MaxLocatorLength)
		}, types.ErrInvalidBlob},
		{"reference with a short hash", func(m *types.MsgRevealUpdate) { m.Sha256 = m.Sha256[:31] }, types.ErrInvalidHash},
		{"inline size that is not the payload's", func(m *types.MsgRevealUpdate) {
			m.Payload = []byte("tiny")
			digest := sha256.Sum256(m.Payload)
			m.Sha256, m.SizeBytes, m.Locator = digest[:], 5, ""
		}, types.ErrInvalidBlob},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			d := f.startTask(t, nil)
			f.setParams(t, func(p *types.Params) { p.MaxInlineBytes = blobInlineLimit })
			msg := referenceUpdate(t, d, 0)
			require.NoError(t, f.deliver(sealMsg(t, msg)))
			d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
			tc.change(msg)
			require.ErrorIs(t, f.deliver(msg), tc.err)
			require.Zero(t, d.round(t).UpdatesRevealed)
		})
	}
}

func TestModelsTravelByReference(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, func(m *types.MsgCreateTask) {
		m.InitialModel, m.InitialModelSize, m.InitialModelLocator = nil, blobSize, "s3://models/initial"
	})
	model, err := f.keeper.GlobalModels.Get(f.ctx, d.taskID)
	require.NoError(t, err)
	require.Equal(t, types.GlobalModel{
		TaskId: d.taskID, Sha256: model.Sha256, SizeBytes: blobSize, Locator: "s3://models/initial",
	}, model)

	d.updates = 0
	for p := range 3 {
		require.NoError(t, f.deliver(sealMsg(t, referenceUpdate(t, d, p))))
	}
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)
	for p := range 3 {
		require.NoError(t, f.deliver(referenceUpdate(t, d, p)))
	}
	d.driveTo(t, types.ROUND_PHASE_AGGREGATE)
	aggregate := d.aggregateMsg(t, "by reference")
	aggregate.Payload, aggregate.SizeBytes, aggregate.Locator = nil, blobSize, "s3://models/round-1"
	require.NoError(t, f.deliver(aggregate))
	d.driveTo(t, types.ROUND_PHASE_FINALIZED)

	model, err = f.keeper.GlobalModels.Get(f.ctx, d.taskID)
	require.NoError(t, err)
	require.Equal(t, types.GlobalModel{
		TaskId: d.taskID, Round: 1, Sha256: aggregate.ModelSha256, SizeBytes: blobSize, Locator: "s3://models/round-1",
	}, model)
}

// unavailableTo reports consensus.Unavailable for participant's update from the first `members` validators.
func unavailableTo(participant, members int) lossFn {
	return func(validator, p int) uint64 {
		if p == participant && validator < members {
			return consensus.Unavailable
		}
		return spreadLosses(validator, p)
	}
}

func TestUpdateUnavailableToHalfTheCommitteeGetsWeightZero(t *testing.T) {
	for _, tc := range []struct {
		name      string
		members   int // of 4 equal-power validators, how many could not fetch participant 1's update
		available bool
	}{
		{"one member of four could not fetch", 1, true},
		{"half could not fetch: the lower median is still a loss", 2, true},
		{"three of four could not fetch", 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.setPowers(10, 10, 10, 10)
			d := f.startTask(t, nil)
			d.losses = unavailableTo(1, tc.members)
			d.driveTo(t, types.ROUND_PHASE_AGGREGATE)

			round := d.round(t)
			j := updateIndex(t, d.f, round, 1)
			require.Equal(t, !tc.available, round.ConsensusLosses[j] == consensus.Unavailable)
			require.Equal(t, tc.available, round.Weights[j] > 0, "weights %v", round.Weights)
			d.driveTo(t, types.ROUND_PHASE_FINALIZED)
		})
	}
}

func TestRoundFailsWhenNoUpdateIsAvailable(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	d.losses = func(int, int) uint64 { return consensus.Unavailable }
	d.driveTo(t, types.ROUND_PHASE_FAILED)
	require.Contains(t, d.round(t).FailureReason, "no update's bytes were available")
}

// updateIndex is the position of participant's update in the round's hash order.
func updateIndex(t *testing.T, f *fixture, round types.Round, participant int) int {
	t.Helper()
	for j, u := range round.Updates {
		if f.participantIndex(t, u.Participant) == participant {
			return j
		}
	}
	require.FailNow(t, "update not found", "participant %d", participant)
	return -1
}
