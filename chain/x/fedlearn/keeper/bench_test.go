package keeper_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"cosmossdk.io/collections"
	storetypes "cosmossdk.io/store/types"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// BenchmarkEndBlocker measures one EndBlocker call against the number of tasks in state:
//
//   - completed=N: N tasks that ran their one round to completion through the msg server and the
//     EndBlocker, kept within model_retention_blocks (model, round and task records all still in state);
//   - idle=N: N active tasks waiting in SUBMIT with their deadline 10,000 blocks ahead;
//   - due=N: N active tasks whose SUBMIT deadline is this block (each step extends the empty window);
//     at most max_task_steps_per_block (200, the default) run per block.
//
// The setup plays blocks as a node does (see benchChain) and is not timed. Every iteration runs the
// EndBlocker of the same block on a fresh cache of the committed state, as a node runs it on its block's
// cache, and drops the writes, so each iteration sees the same N tasks. steps/op is how many task steps
// one EndBlocker ran.
func BenchmarkEndBlocker(b *testing.B) {
	kinds := []struct {
		name  string
		build func(*testing.B, *benchChain, int)
	}{
		{"completed", buildCompletedTasks},
		{"idle", buildIdleTasks},
		{"due", buildDueTasks},
	}
	for _, kind := range kinds {
		for _, n := range []int{1, 100, 10_000} {
			b.Run(fmt.Sprintf("%s=%d", kind.name, n), func(b *testing.B) {
				c := newBenchChain(b)
				c.setParams(b, func(p *types.Params) {
					p.MaxActiveTasks, p.MaxActiveTasksPerCreator = 100_000, 100_000
					p.MaxTaskStepsPerBlock = 10_000 // the setup moves every task in one block
				})
				kind.build(b, c, n)
				c.setParams(b, func(p *types.Params) { p.MaxTaskStepsPerBlock = types.DefaultParams().MaxTaskStepsPerBlock })
				c.commit()
				steps := c.steps(b)
				for b.Loop() {
					ctx, _ := c.base.CacheContext()
					if err := c.f.keeper.EndBlocker(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(steps), "steps/op")
			})
		}
	}
}

// benchChain runs a fixture's blocks as a node does: each block's messages and EndBlocker on a cache of the
// committed state (f.ctx), written and committed at the end of the block (base is the committed state).
type benchChain struct {
	f     *fixture
	cms   storetypes.CommitMultiStore
	base  sdk.Context
	write func()
}

func newBenchChain(b *testing.B) *benchChain {
	b.Helper()
	f, cms := newFixtureOver(b, nil)
	c := &benchChain{f: &f, cms: cms, base: f.ctx}
	c.beginBlock()
	return c
}

func (c *benchChain) beginBlock() {
	c.base = c.base.WithEventManager(sdk.NewEventManager())
	c.f.ctx, c.write = c.base.CacheContext()
}

// commit writes and commits the block so far; f.ctx is then the committed state.
func (c *benchChain) commit() {
	c.write()
	c.cms.Commit()
	c.f.ctx = c.base
}

// endBlock runs the EndBlocker, commits the block and begins the next one.
func (c *benchChain) endBlock(b *testing.B) {
	b.Helper()
	require.NoError(b, c.f.keeper.EndBlocker(c.f.ctx))
	c.jumpTo(c.base.BlockHeight() + 1)
}

// jumpTo commits the block so far and begins the block at height.
func (c *benchChain) jumpTo(height int64) {
	c.commit()
	c.base = c.base.WithBlockHeight(height)
	c.beginBlock()
}

func (c *benchChain) setParams(b *testing.B, change func(*types.Params)) {
	b.Helper()
	f := c.f
	params, err := f.keeper.GetParams(f.ctx)
	require.NoError(b, err)
	change(&params)
	require.NoError(b, params.Validate())
	require.NoError(b, f.keeper.Params.Set(f.ctx, params))
}

// steps counts the steps the EndBlocker of the current block runs: the due ones, up to the bound.
func (c *benchChain) steps(b *testing.B) int {
	b.Helper()
	f := c.f
	params, err := f.keeper.GetParams(f.ctx)
	require.NoError(b, err)
	due := 0
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndExclusive(collections.Join(f.ctx.BlockHeight()+1, uint64(0)))
	require.NoError(b, f.keeper.Due.Walk(f.ctx, rng, func(collections.Pair[int64, uint64]) (bool, error) {
		due++
		return false, nil
	}))
	return min(due, int(params.MaxTaskStepsPerBlock))
}

// tasks creates n tasks (validCreateTask changed by change), every validator opted in, and ends the
// block, which starts them all.
func (c *benchChain) tasks(b *testing.B, n int, change func(*types.MsgCreateTask)) []uint64 {
	b.Helper()
	f := c.f
	msg := validCreateTask(f.creator)
	change(msg)
	params, err := f.keeper.GetParams(f.ctx)
	require.NoError(b, err)
	perTask := msg.Budget.Add(params.TaskDeposit) // each task escrows its budget and the task deposit
	f.bank.balances[sdk.AccAddress("creator_____________").String()] = sdk.NewCoins(perTask.AddAmount(perTask.Amount.MulRaw(int64(n))))
	ids := make([]uint64, 0, n)
	for range n {
		res, err := f.msgs.CreateTask(f.ctx, msg)
		require.NoError(b, err)
		for _, v := range f.validators {
			_, err := f.msgs.OptIn(f.ctx, &types.MsgOptIn{Validator: v, TaskId: res.TaskId})
			require.NoError(b, err)
		}
		ids = append(ids, res.TaskId)
	}
	c.endBlock(b)
	return ids
}

func buildIdleTasks(b *testing.B, c *benchChain, n int) {
	b.Helper()
	c.tasks(b, n, func(m *types.MsgCreateTask) { m.Phases.Submit = 10_000 })
	require.Zero(b, c.steps(b))
}

func buildDueTasks(b *testing.B, c *benchChain, n int) {
	b.Helper()
	f := c.f
	ids := c.tasks(b, n, func(*types.MsgCreateTask) {})
	round, err := f.keeper.Rounds.Get(f.ctx, collections.Join(ids[0], uint64(1)))
	require.NoError(b, err)
	c.jumpTo(round.Deadline) // no task has a step before
	last, err := f.keeper.Rounds.Get(f.ctx, collections.Join(ids[n-1], uint64(1)))
	require.NoError(b, err)
	require.Equal(b, round.Deadline, last.Deadline)
}

// buildCompletedTasks plays one round of each task, a committee of one and a single update, through the msg
// server, a phase per block for all tasks at once, until every task is COMPLETED.
func buildCompletedTasks(b *testing.B, c *benchChain, n int) {
	b.Helper()
	f := c.f
	ids := c.tasks(b, n, func(m *types.MsgCreateTask) {
		m.NumRounds, m.CommitteeSize, m.MaxUpdatesPerRound = 1, 1, 1
		m.Budget = sdk.NewInt64Coin("stake", 10_000)
	})
	update := []byte("the one update of the round")
	updateHash := sha256.Sum256(update)
	model := []byte("the aggregate of the round")
	modelHash := sha256.Sum256(model)
	s := sha256.Sum256([]byte("salt"))
	losses := []uint64{100_000}
	rounds := func(id uint64) types.Round {
		round, err := f.keeper.Rounds.Get(f.ctx, collections.Join(id, uint64(1)))
		require.NoError(b, err)
		return round
	}
	reveal := func(id uint64) *types.MsgRevealUpdate {
		return &types.MsgRevealUpdate{Participant: f.participant(0), TaskId: id, Round: 1, Sha256: updateHash[:], NumSamples: 100, Payload: update, Salt: s[:]}
	}
	phases := []func(id uint64) sdk.Msg{
		func(id uint64) sdk.Msg { return sealMsg(b, reveal(id)) },
		func(id uint64) sdk.Msg { return reveal(id) },
		func(id uint64) sdk.Msg {
			member := rounds(id).Committee[0].Address
			digest, err := consensus.Commitment(id, 1, member, s, [][32]byte{updateHash}, losses)
			require.NoError(b, err)
			return &types.MsgCommitLosses{Validator: member, TaskId: id, Round: 1, Commitment: digest[:]}
		},
		func(id uint64) sdk.Msg {
			return &types.MsgRevealLosses{Validator: rounds(id).Committee[0].Address, TaskId: id, Round: 1, Salt: s[:], Losses: losses}
		},
		func(id uint64) sdk.Msg {
			round := rounds(id)
			return &types.MsgSubmitAggregate{
				Miner: round.Committee[0].Address, TaskId: id, Round: 1, ModelSha256: modelHash[:], Payload: model,
			}
		},
		func(id uint64) sdk.Msg {
			return &types.MsgAttestAggregate{Validator: rounds(id).Committee[0].Address, TaskId: id, Round: 1, ModelSha256: modelHash[:]}
		},
	}
	for _, phase := range phases {
		for _, id := range ids {
			require.NoError(b, f.deliver(phase(id)))
		}
		// The phase ends early once everyone acted, SUBMIT of an open task at its deadline; every task
		// moves in the same block.
		from := rounds(ids[0]).Phase
		for blocks := 0; rounds(ids[0]).Phase == from; blocks++ {
			require.Less(b, blocks, 100, "tasks stuck in %s", from)
			c.endBlock(b)
		}
	}
	c.endBlock(b) // the round ended: the tasks complete
	for _, id := range []uint64{ids[0], ids[n-1]} {
		task, err := f.keeper.Tasks.Get(f.ctx, id)
		require.NoError(b, err)
		require.Equal(b, types.TASK_STATUS_COMPLETED, task.Status)
		require.Equal(b, uint64(1), task.RoundsFinalized)
	}
	require.Zero(b, c.steps(b))
}
