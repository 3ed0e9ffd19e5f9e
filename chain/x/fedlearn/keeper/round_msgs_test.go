package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"

	"cosmossdk.io/collections"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

func TestRoundMessagesStoreTheirRecords(t *testing.T) {
	f := newFixture(t)
	d := f.startTask(t, nil)
	lossCap := types.DefaultParams().LossCap
	d.losses = func(validator, participant int) uint64 {
		if participant == 0 {
			return lossCap // the cap itself is a valid loss
		}
		return spreadLosses(validator, participant)
	}
	key := d.key(t)

	d.submit(t, 2, 0, 1)
	round := d.round(t)
	require.Empty(t, round.Updates, "SUBMIT stores commitments only")
	require.Equal(t, uint32(3), round.UpdatesCommitted)
	for p := range 3 {
		sealed, committed := d.sealed(t, p)
		require.True(t, committed)
		require.Equal(t, types.UpdateCommitment{
			TaskId: d.taskID, Round: 1, Participant: f.participant(p), Commitment: sealMsg(t, d.updateMsg(t, p)).Commitment,
		}, sealed)
	}
	require.Len(t, eventsOf[*types.EventUpdateCommitted](t, f.ctx.EventManager().Events()), 3)
	require.Empty(t, eventsOf[*types.EventUpdateAccepted](t, f.ctx.EventManager().Events()))
	d.advanceTo(t, types.ROUND_PHASE_UPDATE_REVEAL)

	d.revealUpdates(t, 2, 0, 1)
	require.Equal(t, uint32(3), d.round(t).UpdatesRevealed)
	var infos []types.UpdateInfo
	for p := range 3 {
		msg := d.updateMsg(t, p)
		stored, err := f.keeper.Updates.Get(f.ctx, collections.Join(key, msg.Sha256))
		require.NoError(t, err)
		info := types.UpdateInfo{
			Sha256: msg.Sha256, Participant: msg.Participant, NumSamples: msg.NumSamples, Height: f.ctx.BlockHeight(),
			SizeBytes: uint64(len(msg.Payload)),
		}
		require.Equal(t, types.Update{TaskId: d.taskID, Round: 1, Info: info, Payload: msg.Payload}, stored)
		sealed, _ := d.sealed(t, p)
		require.Equal(t, &info, sealed.Info)
		infos = append(infos, info)
	}
	require.Len(t, eventsOf[*types.EventUpdateAccepted](t, f.ctx.EventManager().Events()), 3)
	f.endBlock(t)
	round = d.round(t)
	require.Equal(t, types.ROUND_PHASE_COMMIT, round.Phase, "every commitment revealed: UPDATE_REVEAL ends early")
	require.Len(t, round.Updates, 3)
	require.True(t, slices.IsSortedFunc(round.Updates, func(a, b types.UpdateInfo) int { return bytes.Compare(a.Sha256, b.Sha256) }),
		"updates are kept in hash order")
	require.ElementsMatch(t, infos, round.Updates)

	members := d.members(t)
	commit := d.commitMsg(t, members[0])
	require.NoError(t, f.deliver(commit))
	stored, err := f.keeper.Commitments.Get(f.ctx, collections.Join(key, members[0]))
	require.NoError(t, err)
	require.Equal(t, commit.Commitment, stored)
	require.True(t, d.round(t).Committee[0].Committed)
	require.False(t, d.round(t).Committee[1].Committed)
	require.Equal(t, []*types.EventLossesCommitted{{TaskId: d.taskID, Round: 1, Validator: members[0]}},
		eventsOf[*types.EventLossesCommitted](t, f.ctx.EventManager().Events()))
	d.commit(t, members[1:]...)
	d.advanceTo(t, types.ROUND_PHASE_REVEAL)

	reveal := d.revealMsg(t, members[0])
	require.Contains(t, reveal.Losses, lossCap)
	require.NoError(t, f.deliver(reveal))
	revealed, err := f.keeper.Reveals.Get(f.ctx, collections.Join(key, members[0]))
	require.NoError(t, err)
	require.Equal(t, types.Reveal{Validator: members[0], Losses: reveal.Losses}, revealed)
	require.True(t, d.round(t).Committee[0].Revealed)
	require.Equal(t, []*types.EventLossesRevealed{{TaskId: d.taskID, Round: 1, Validator: members[0]}},
		eventsOf[*types.EventLossesRevealed](t, f.ctx.EventManager().Events()))
	d.reveal(t, members[1:]...)
	d.advanceTo(t, types.ROUND_PHASE_AGGREGATE)

	aggregate := d.aggregateMsg(t, "first")
	require.NoError(t, f.deliver(aggregate))
	storedAggregate, err := f.keeper.Aggregates.Get(f.ctx, key)
	require.NoError(t, err)
	require.Equal(t, types.Aggregate{
		TaskId: d.taskID, Round: 1, Miner: aggregate.Miner, Sha256: aggregate.ModelSha256, Payload: aggregate.Payload,
		SizeBytes: uint64(len(aggregate.Payload)),
	}, storedAggregate)
	require.Equal(t, aggregate.ModelSha256, d.round(t).AggregateSha256)
	require.Equal(t, []*types.EventAggregateAccepted{{TaskId: d.taskID, Round: 1, Miner: aggregate.Miner, Sha256: aggregate.ModelSha256}},
		eventsOf[*types.EventAggregateAccepted](t, f.ctx.EventManager().Events()))
	d.advanceTo(t, types.ROUND_PHASE_ATTEST)

	other := sha256.Sum256([]byte("another model"))
	d.attest(t, aggregate.ModelSha256, members[0])
	d.attest(t, other[:], members[1])
	for member, hash := range map[string][]byte{members[0]: aggregate.ModelSha256, members[1]: other[:]} {
		attested, err := f.keeper.Attestations.Get(f.ctx, collections.Join(key, member))
		require.NoError(t, err)
		require.Equal(t, hash, attested)
	}
	require.Equal(t, []*types.EventAggregateAttested{
		{TaskId: d.taskID, Round: 1, Validator: members[0], Sha256: aggregate.ModelSha256, MatchesMiner: true},
		{TaskId: d.taskID, Round: 1, Validator: members[1], Sha256: other[:], MatchesMiner: false},
	}, eventsOf[*types.EventAggregateAttested](t, f.ctx.EventManager().Events()))
}

// nonMember is a fixture validator outside the current round's committee.
func nonMember(t *testing.T, d driver) string {
	t.Helper()
	members := d.members(t)
	i := slices.IndexFunc(d.f.validators, func(v string) bool { return !slices.Contains(members, v) })
	require.GreaterOrEqual(t, i, 0, "every validator is in the committee")
	return d.f.validators[i]
}

func TestRoundMessageRejections(t *testing.T) {
	otherHash := sha256.Sum256([]byte("other"))
	smallCommittee := func(m *types.MsgCreateTask) { m.CommitteeSize = 3 }
	cases := []struct {
		name string
		task func(*types.MsgCreateTask)
		// at is the phase the round is driven to; UNSPECIFIED: the task is created and its first round not
		// opened yet.
		at    types.RoundPhase
		setup func(*testing.T, driver)
		msg   func(*testing.T, driver) sdk.Msg
		err   error
	}{
		{
			name: "submit: commitment of 31 bytes", at: types.ROUND_PHASE_SUBMIT,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := sealMsg(t, d.updateMsg(t, 0))
				m.Commitment = m.Commitment[:31]
				return m
			},
			err: types.ErrInvalidHash,
		},
		{
			name: "submit: invalid participant address", at: types.ROUND_PHASE_SUBMIT,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := sealMsg(t, d.updateMsg(t, 0))
				m.Participant = "cosmos1notours"
				return m
			},
			err: types.ErrInvalidAddress,
		},
		{
			name: "submit: unknown task", at: types.ROUND_PHASE_SUBMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { m := sealMsg(t, d.updateMsg(t, 0)); m.TaskId = 99; return m },
			err: types.ErrTaskNotFound,
		},
		{
			name: "submit: before the first round opens", at: types.ROUND_PHASE_UNSPECIFIED,
			msg: func(t *testing.T, d driver) sdk.Msg { return sealMsg(t, d.updateMsg(t, 0)) },
			err: types.ErrTaskNotActive,
		},
		{
			name: "submit: completed task", at: types.ROUND_PHASE_FINALIZED,
			task:  func(m *types.MsgCreateTask) { m.NumRounds = 1 },
			setup: func(t *testing.T, d driver) { d.f.endBlock(t) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return sealMsg(t, d.updateMsg(t, 0)) },
			err:   types.ErrTaskNotActive,
		},
		{
			name: "submit: wrong round", at: types.ROUND_PHASE_SUBMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { m := sealMsg(t, d.updateMsg(t, 0)); m.Round = 2; return m },
			err: types.ErrWrongRound,
		},
		{
			name: "submit: wrong phase", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { return sealMsg(t, d.updateMsg(t, 7)) },
			err: types.ErrWrongPhase,
		},
		{
			name: "submit: not on the task's allowlist", at: types.ROUND_PHASE_SUBMIT,
			task: func(m *types.MsgCreateTask) { m.AllowedParticipants = []string{m.Creator} },
			msg:  func(t *testing.T, d driver) sdk.Msg { return sealMsg(t, d.updateMsg(t, 0)) },
			err:  types.ErrNotAllowed,
		},
		{
			name: "submit: round full at the param's cap", at: types.ROUND_PHASE_SUBMIT,
			task: func(m *types.MsgCreateTask) { m.MaxUpdatesPerRound = 0 },
			setup: func(t *testing.T, d driver) {
				d.f.setParams(t, func(p *types.Params) { p.MaxUpdatesPerRound = 1 })
				d.submit(t, 0)
			},
			msg: func(t *testing.T, d driver) sdk.Msg { return sealMsg(t, d.updateMsg(t, 1)) },
			err: types.ErrRoundFull,
		},
		{
			name: "submit: second update of a participant", at: types.ROUND_PHASE_SUBMIT,
			setup: func(t *testing.T, d driver) { d.submit(t, 0) },
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.updateMsg(t, 1)
				m.Participant = d.f.participant(0)
				return sealMsg(t, m)
			},
			err: types.ErrDuplicate,
		},
		{
			name: "update reveal: empty payload", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.Payload = nil; return m },
			err: types.ErrEmptyPayload,
		},
		{
			name: "update reveal: zero samples", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.NumSamples = 0; return m },
			err: types.ErrInvalidSamples,
		},
		{
			name: "update reveal: sha256 not the payload's", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.Sha256 = otherHash[:]; return m },
			err: types.ErrHashMismatch,
		},
		{
			name: "update reveal: sha256 of 31 bytes", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.Sha256 = m.Sha256[:31]; return m },
			err: types.ErrInvalidHash,
		},
		{
			name: "update reveal: salt of 31 bytes", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.Salt = m.Salt[:31]; return m },
			err: types.ErrInvalidSalt,
		},
		{
			name: "update reveal: payload above max_update_bytes", at: types.ROUND_PHASE_UPDATE_REVEAL,
			setup: func(t *testing.T, d driver) { d.f.setParams(t, func(p *types.Params) { p.MaxUpdateBytes = 8 }) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.updateMsg(t, 0) },
			err:   types.ErrPayloadTooLarge,
		},
		{
			name: "update reveal: in SUBMIT", at: types.ROUND_PHASE_SUBMIT,
			setup: func(t *testing.T, d driver) { d.submit(t, 0) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.updateMsg(t, 0) },
			err:   types.ErrNotUpdateRevealPhase,
		},
		{
			name: "update reveal: in COMMIT", at: types.ROUND_PHASE_COMMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.updateMsg(t, 0) },
			err: types.ErrNotUpdateRevealPhase,
		},
		{
			name: "update reveal: without a commitment", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.updateMsg(t, 5) },
			err: types.ErrNoUpdateCommitment,
		},
		{
			name: "update reveal: salt differs from the commitment's", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.Salt = otherHash[:]; return m },
			err: types.ErrUpdateCommitMismatch,
		},
		{
			name: "update reveal: num_samples differ from the commitment's", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.updateMsg(t, 0); m.NumSamples++; return m },
			err: types.ErrUpdateCommitMismatch,
		},
		{
			name: "update reveal: another update than the committed one", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.updateMsg(t, 0)
				m.Payload = []byte("a better update seen in flight")
				digest := sha256.Sum256(m.Payload)
				m.Sha256 = digest[:]
				return m
			},
			err: types.ErrUpdateCommitMismatch,
		},
		{
			name: "update reveal: another participant's update under its own commitment", at: types.ROUND_PHASE_UPDATE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.updateMsg(t, 0)
				m.Participant = d.f.participant(1)
				return m
			},
			err: types.ErrUpdateCommitMismatch,
		},
		{
			name: "update reveal: second reveal", at: types.ROUND_PHASE_UPDATE_REVEAL,
			setup: func(t *testing.T, d driver) { d.revealUpdates(t, 0) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.updateMsg(t, 0) },
			err:   types.ErrDuplicate,
		},
		{
			name: "commit: wrong phase", at: types.ROUND_PHASE_SUBMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.commitMsg(t, d.members(t)[0]) },
			err: types.ErrWrongPhase,
		},
		{
			name: "commit: unknown task", at: types.ROUND_PHASE_COMMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.commitMsg(t, d.members(t)[0]); m.TaskId = 99; return m },
			err: types.ErrTaskNotFound,
		},
		{
			name: "commit: wrong round", at: types.ROUND_PHASE_COMMIT,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.commitMsg(t, d.members(t)[0]); m.Round = 0; return m },
			err: types.ErrWrongRound,
		},
		{
			name: "commit: not in committee", at: types.ROUND_PHASE_COMMIT, task: smallCommittee,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.commitMsg(t, nonMember(t, d)) },
			err: types.ErrNotInCommittee,
		},
		{
			name: "commit: commitment of 31 bytes", at: types.ROUND_PHASE_COMMIT,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.commitMsg(t, d.members(t)[0])
				m.Commitment = m.Commitment[:31]
				return m
			},
			err: types.ErrInvalidHash,
		},
		{
			name: "commit: second commitment", at: types.ROUND_PHASE_COMMIT,
			setup: func(t *testing.T, d driver) { d.commit(t, d.members(t)[0]) },
			msg: func(t *testing.T, d driver) sdk.Msg {
				return d.commitMsgFor(t, d.members(t)[0], []uint64{1, 2, 3})
			},
			err: types.ErrDuplicate,
		},
		{
			name: "reveal: wrong phase", at: types.ROUND_PHASE_COMMIT,
			setup: func(t *testing.T, d driver) { d.commit(t, d.members(t)[0]) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.revealMsg(t, d.members(t)[0]) },
			err:   types.ErrWrongPhase,
		},
		{
			name: "reveal: not in committee", at: types.ROUND_PHASE_REVEAL, task: smallCommittee,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.revealMsg(t, nonMember(t, d)) },
			err: types.ErrNotInCommittee,
		},
		{
			name: "reveal: without a commitment", at: types.ROUND_PHASE_COMMIT,
			setup: func(t *testing.T, d driver) {
				members := d.members(t)
				d.commit(t, members[:len(members)-1]...)
				d.advanceTo(t, types.ROUND_PHASE_REVEAL)
			},
			msg: func(t *testing.T, d driver) sdk.Msg {
				members := d.members(t)
				return d.revealMsg(t, members[len(members)-1])
			},
			err: types.ErrNotCommitted,
		},
		{
			name: "reveal: losses differ from the commitment", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.revealMsg(t, d.members(t)[0]); m.Losses[1]++; return m },
			err: types.ErrRevealMismatch,
		},
		{
			name: "reveal: salt differs from the commitment's", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.revealMsg(t, d.members(t)[0])
				m.Salt = otherHash[:]
				return m
			},
			err: types.ErrRevealMismatch,
		},
		{
			name: "reveal: salt of 31 bytes", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.revealMsg(t, d.members(t)[0])
				m.Salt = m.Salt[:31]
				return m
			},
			err: types.ErrInvalidSalt,
		},
		{
			name: "reveal: one loss missing", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.revealMsg(t, d.members(t)[0])
				m.Losses = m.Losses[:2]
				return m
			},
			err: types.ErrLossCount,
		},
		{
			name: "reveal: one loss too many", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.revealMsg(t, d.members(t)[0])
				m.Losses = append(m.Losses, 1)
				return m
			},
			err: types.ErrLossCount,
		},
		{
			name: "reveal: loss above the cap", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.revealMsg(t, d.members(t)[0])
				m.Losses[0] = types.DefaultParams().LossCap + 1
				return m
			},
			err: types.ErrLossAboveCap,
		},
		{
			name: "reveal: second reveal", at: types.ROUND_PHASE_REVEAL,
			setup: func(t *testing.T, d driver) { d.reveal(t, d.members(t)[0]) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.revealMsg(t, d.members(t)[0]) },
			err:   types.ErrDuplicate,
		},
		{
			name: "aggregate: wrong phase", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.aggregateMsg(t, "early") },
			err: types.ErrWrongPhase,
		},
		{
			name: "aggregate: not the miner", at: types.ROUND_PHASE_AGGREGATE,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.aggregateMsg(t, "usurper")
				m.Miner = d.members(t)[1]
				return m
			},
			err: types.ErrNotMiner,
		},
		{
			name: "aggregate: payload above max_model_bytes", at: types.ROUND_PHASE_AGGREGATE,
			setup: func(t *testing.T, d driver) { d.f.setParams(t, func(p *types.Params) { p.MaxModelBytes = 8 }) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.aggregateMsg(t, "large") },
			err:   types.ErrPayloadTooLarge,
		},
		{
			name: "aggregate: sha256 not the payload's", at: types.ROUND_PHASE_AGGREGATE,
			msg: func(t *testing.T, d driver) sdk.Msg {
				m := d.aggregateMsg(t, "x")
				m.ModelSha256 = otherHash[:]
				return m
			},
			err: types.ErrHashMismatch,
		},
		{
			name: "aggregate: empty payload", at: types.ROUND_PHASE_AGGREGATE,
			msg: func(t *testing.T, d driver) sdk.Msg { m := d.aggregateMsg(t, "x"); m.Payload = nil; return m },
			err: types.ErrEmptyPayload,
		},
		{
			name: "aggregate: second aggregate", at: types.ROUND_PHASE_AGGREGATE,
			setup: func(t *testing.T, d driver) { require.NoError(t, d.f.deliver(d.aggregateMsg(t, "first"))) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.aggregateMsg(t, "second") },
			err:   types.ErrDuplicate,
		},
		{
			name: "attest: wrong phase", at: types.ROUND_PHASE_REVEAL,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.attestMsg(t, d.members(t)[0], otherHash[:]) },
			err: types.ErrWrongPhase,
		},
		{
			name: "attest: not in committee", at: types.ROUND_PHASE_ATTEST, task: smallCommittee,
			msg: func(t *testing.T, d driver) sdk.Msg {
				return d.attestMsg(t, nonMember(t, d), d.round(t).AggregateSha256)
			},
			err: types.ErrNotInCommittee,
		},
		{
			name: "attest: hash of 31 bytes", at: types.ROUND_PHASE_ATTEST,
			msg: func(t *testing.T, d driver) sdk.Msg { return d.attestMsg(t, d.members(t)[0], otherHash[:31]) },
			err: types.ErrInvalidHash,
		},
		{
			name: "attest: second attestation", at: types.ROUND_PHASE_ATTEST,
			setup: func(t *testing.T, d driver) { d.attest(t, d.round(t).AggregateSha256, d.members(t)[0]) },
			msg:   func(t *testing.T, d driver) sdk.Msg { return d.attestMsg(t, d.members(t)[0], otherHash[:]) },
			err:   types.ErrDuplicate,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			var d driver
			if tc.at == types.ROUND_PHASE_UNSPECIFIED {
				d = f.createTask(t, tc.task)
			} else {
				d = f.startTask(t, tc.task)
				d.driveTo(t, tc.at)
			}
			if tc.setup != nil {
				tc.setup(t, d)
			}
			msg := tc.msg(t, d)
			before := f.state(t)
			require.ErrorIs(t, f.deliver(msg), tc.err)
			require.Equal(t, before, f.state(t), "a rejected message changes no state")
		})
	}
}
