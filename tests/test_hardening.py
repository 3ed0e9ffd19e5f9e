"""Attacks a funded account can try on the real localnet, each with the defence that stops it where the
mempool or block timing matters (docs/protocol.md, "Threat model"); the keeper-level attacks are Go tests
in chain/x/fedlearn/keeper, and a zero-fee tx is refused in tests/test_governance.py.

- a task whose rule carries a 1 MiB decimal string is refused by CheckTx, before any parser reads it, and
  a burst of them does not slow the blocks;
- a creator's task spam stops at max_active_tasks_per_creator, and the blocks keep their pace;
- with that spam on chain (over 200 tasks), a task beyond the first page of the Tasks query is served:
  the sidecars read every page, opt in and commit."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cosmpy.protos.cosmos.base.query.v1beta1 import pagination_pb2
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2 as cmt_query
from cosmpy.protos.cosmos.base.tendermint.v1beta1 import query_pb2_grpc as cmt_grpc

from sabfl.chain import ChainClient, KeysFile, TxError, messages
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2, tx_pb2
from sabfl.roles.tasks import create_task

from .conftest import client_for
from .test_sidecars import Sidecars, spec, wait_round

# x/fedlearn codes (docs/protocol.md).
INVALID_RULE = 5
TOO_MANY_TASKS = 36
BURST = 20


def task_msg(creator: str, budget: int = 5_000, temperature: str = "0.5") -> tx_pb2.MsgCreateTask:
    """A small valid task (5 rounds, the least budget the default params accept) nobody will serve."""
    return messages.create_task(
        creator,
        "e2e/hardening: no sidecar serves this spec",
        b"initial model",
        num_rounds=5,
        committee_size=4,
        budget=budget,
        temperature_mode="fixed",
        temperature=temperature,
        phases=(5, 5, 5, 5, 5, 5),
    )


def block_intervals(client: ChainClient, blocks: int) -> list[float]:
    """Wait for `blocks` new blocks and return the seconds between consecutive ones (header times)."""
    stub = cmt_grpc.ServiceStub(client.channel)

    def header_time(height: int) -> float:
        header = stub.GetBlockByHeight(cmt_query.GetBlockByHeightRequest(height=height)).sdk_block.header
        return header.time.seconds + header.time.nanos / 1e9

    start = stub.GetLatestBlock(cmt_query.GetLatestBlockRequest()).sdk_block.header.height
    deadline = time.monotonic() + 30 * blocks
    while stub.GetLatestBlock(cmt_query.GetLatestBlockRequest()).sdk_block.header.height < start + blocks:
        assert time.monotonic() < deadline, f"fewer than {blocks} blocks after height {start}"
        time.sleep(0.2)
    times = [header_time(h) for h in range(start, start + blocks + 1)]
    return [b - a for a, b in zip(times, times[1:], strict=False)]


def paced_like(before: list[float], after: list[float]) -> None:
    """Blocks after an attack come at the pace they came before (loosely: a loaded 2-core machine)."""
    slow, fast = statistics.median(after), statistics.median(before)
    assert slow <= 2 * fast + 0.5, f"median block interval {fast:.2f} s before, {slow:.2f} s after"


@pytest.fixture
def spammer(keys: KeysFile) -> Iterator[ChainClient]:
    """A participant account of its own (the task creator's slots stay free for the other tests)."""
    with client_for(keys, keys.participants[-1]) as client:
        yield client


def test_megabyte_decimals_never_reach_a_block(spammer: ChainClient) -> None:
    before = block_intervals(spammer, 8)
    huge = task_msg(spammer.address, temperature="9" * (1 << 20))
    assert huge.ByteSize() > 1 << 20
    refused: list[TxError] = []
    started = time.monotonic()
    for _ in range(BURST):
        with pytest.raises(TxError) as error:
            # A fixed gas limit: no simulation, so the tx goes straight to CheckTx.
            spammer.broadcast(huge, gas_limit=20_000_000)
        refused.append(error.value)
    seconds = time.monotonic() - started
    after = block_intervals(spammer, 8)
    for error in refused:
        assert (error.codespace, error.code) == ("fedlearn", INVALID_RULE), error.log
        assert "temperature has 1048576 characters, limit 32" in error.log
    print(
        f"\n{BURST} txs of {huge.ByteSize()} bytes refused by CheckTx in {seconds:.2f} s; median block "
        f"interval {statistics.median(before):.2f} s before, {statistics.median(after):.2f} s after"
    )
    paced_like(before, after)


def test_task_spam_stops_at_the_per_creator_bound(spammer: ChainClient) -> None:
    params = spammer.fedlearn.Params(query_pb2.QueryParamsRequest()).params
    limit = params.max_active_tasks_per_creator
    running = active_tasks(spammer)
    before = block_intervals(spammer, 8)
    gas = int(spammer.simulate(task_msg(spammer.address)) * 1.5)
    sent = [spammer.broadcast(task_msg(spammer.address), gas_limit=gas) for _ in range(limit - running)]
    for txhash in sent:
        spammer.wait(txhash)
    after = block_intervals(spammer, 8)
    assert active_tasks(spammer) == limit
    with pytest.raises(TxError) as refused:
        spammer.wait(spammer.broadcast(task_msg(spammer.address), gas_limit=gas))
    error = refused.value
    assert (error.codespace, error.code) == ("fedlearn", TOO_MANY_TASKS), error.log
    cheap = int(params.min_round_reward.amount) * 5 - 1
    with pytest.raises(TxError, match="invalid reward budget"):
        spammer.simulate(task_msg(spammer.address, budget=cheap))
    print(
        f"\n{limit - running} tasks created; median block interval {statistics.median(before):.2f} s "
        f"before, {statistics.median(after):.2f} s after"
    )
    paced_like(before, after)


def active_tasks(client: ChainClient) -> int:
    """The client's pending or active tasks, over every page of the Tasks query."""
    running = {task_pb2.TASK_STATUS_PENDING, task_pb2.TASK_STATUS_ACTIVE}
    return sum(1 for t in client.tasks() if t.creator == client.address and t.status in running)


def test_a_task_past_the_first_page_is_served(
    creator: ChainClient, keys: KeysFile, localnet_dir: Path, tmp_path: Path
) -> None:
    sidecars = Sidecars(keys, localnet_dir / "keys.json", tmp_path)
    try:
        serve_past_the_first_page(creator, sidecars)
    finally:
        sidecars.processes.stop()


def serve_past_the_first_page(creator: ChainClient, sidecars: Sidecars) -> None:
    first_page = creator.fedlearn.Tasks(
        query_pb2.QueryTasksRequest(pagination=pagination_pb2.PageRequest(limit=100))
    ).tasks
    assert len(first_page) == 100, "fewer than a page of tasks: run after the spam test"
    task_id = create_task(creator, spec(rounds=1))
    assert task_id > 100 and task_id not in {t.id for t in first_page}
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    round_ = wait_round(creator, task_id, 1)
    assert round_.phase == round_pb2.ROUND_PHASE_FINALIZED, round_.failure_reason
    assert round_.committee and all(m.committed for m in round_.committee)
