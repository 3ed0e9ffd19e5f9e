"""A round that does not fit the validator's memory budget is fetched, scored and aggregated in batches:
the same revealed losses and aggregate bytes as the same round held at once, within the budget, and broken
blobs inside a batch scored as they are at once."""

from __future__ import annotations

import hashlib
import logging
import tracemalloc

import numpy as np
import pytest
import torch

from sabfl.blobs import BlobStores, InlineStore
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.ml.aggregate import build_aggregate
from sabfl.ml.scoring import LOSS_CAP, SCORING_ROWS_PER_UPDATE, UpdateScorer, chunk_rows, validator_scorer
from sabfl.protocol import UNAVAILABLE, WEIGHT_SCALE, weights_to_floats
from sabfl.roles.inputs import BlobsUnavailable, RoundInputs
from sabfl.roles.publish import fetcher
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import TaskSpec
from sabfl.roles.stream import FIXED_ROWS, RoundStream, open_round, plan_round
from sabfl.sim.config import SimConfig

# cnn-large: 151k parameters, rows of 0.6 MB, scored in chunks of 6.
SPEC = TaskSpec(experiment=SimConfig(model="cnn-large", participants=4, validators=2, holdout=20))
N = 40
BROKEN = {"mismatch": 8, "missing": 15, "undecodable": 20, "no_op": 27}
# ±1e16 in every parameter, in different batches: the small steps between them vanish in the float64 sum
# unless it runs in ascending hash order, so the aggregate's bytes depend on the order of summation.
HUGE = {5: 1e16, 33: -1e16}
INLINE = {3, 22}  # updates that travel inline, read from the chain between fetched ones
WORKERS = 2


def blob(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


class ChainState:
    """The two chain reads a round's inputs make: the global model and inline payloads."""

    def __init__(self, model: task_pb2.GlobalModel, inline: dict[bytes, bytes]) -> None:
        self.model, self.inline = model, inline

    def global_model(self, task_id: int) -> task_pb2.GlobalModel:
        return self.model

    def update_payload(self, task_id: int, round_number: int, sha256: bytes) -> bytes:
        return self.inline[sha256]


@pytest.fixture(scope="module")
def runtime() -> TaskRuntime:
    return TaskRuntime.from_model_spec(1, SPEC.model_spec())


@pytest.fixture(scope="module")
def round_setup(runtime: TaskRuntime):
    """A round of N updates on an inline store: two inline, one whose blob does not match its hash, one
    missing from the store, one that does not decode, one that moves nothing and two huge opposite ones;
    the rest small random steps. Returns (chain, round, store)."""
    generator = torch.Generator().manual_seed(3)
    numel = runtime.layout.numel
    base = runtime.encode(0.05 * torch.randn(numel, generator=generator))
    store = InlineStore()
    round_ = round_pb2.Round(round=2, base_model_sha256=blob(base))
    inline: dict[bytes, bytes] = {}
    for j in range(N):
        if j == BROKEN["undecodable"]:
            payload = b"SABF not a model"
        elif j == BROKEN["no_op"]:
            payload = runtime.encode(torch.zeros(numel))
        elif j in HUGE:
            payload = runtime.encode(torch.full((numel,), HUGE[j]))
        else:
            payload = runtime.encode(0.01 * torch.randn(numel, generator=generator))
        if j in INLINE:
            inline[blob(payload)] = payload
            round_.updates.add(sha256=blob(payload), size_bytes=len(payload))
            continue
        ref = store.put(payload)
        if j == BROKEN["mismatch"]:
            ref = store.put(payload[:-4] + b"\0\0\0\0")  # the store serves other bytes than the hash
        locator = "inline://" + "ab" * 32 if j == BROKEN["missing"] else ref.locator
        round_.updates.add(sha256=blob(payload), size_bytes=len(payload), locator=locator)
    chain = ChainState(task_pb2.GlobalModel(sha256=blob(base), payload=base), inline)
    return chain, round_, store


def scorer(runtime: TaskRuntime, base: torch.Tensor) -> UpdateScorer:
    """Validator 0's scoring of the round, as the validator sidecar prepares it."""
    setup = runtime.setup
    x_v, y_v = setup.heldout[0]
    return validator_scorer(
        setup.model,
        runtime.rule.scoring,
        base,
        x_v,
        y_v,
        setup.dataset.num_classes,
        setup.train_config,
        (0, 2, 4),
    )


def row_bytes(runtime: TaskRuntime) -> int:
    return 4 * runtime.layout.numel


def small_budget(runtime: TaskRuntime) -> int:
    """A budget that holds the fixed rows, one scoring chunk's working set, one chunk of rows and the
    fetches beside them: under the round's N rows (batches of 6: the broken updates sit inside them)."""
    chunk = chunk_rows(runtime.layout.numel)
    return (FIXED_ROWS + SCORING_ROWS_PER_UPDATE * chunk + chunk + WORKERS + 1) * row_bytes(runtime)


def open_with(runtime, round_setup, budget: int):
    chain, round_, store = round_setup
    fetch = fetcher(BlobStores([store]), 10.0, WORKERS, budget)
    return open_round(chain, runtime, round_, fetch, budget, WORKERS)


def test_a_round_over_budget_gives_the_losses_and_aggregate_of_the_round_at_once(
    runtime: TaskRuntime, round_setup
) -> None:
    held = open_with(runtime, round_setup, 1 << 30)
    streamed = open_with(runtime, round_setup, small_budget(runtime))
    assert isinstance(held, RoundInputs) and isinstance(streamed, RoundStream)
    assert streamed.plan.rows == chunk_rows(runtime.layout.numel) == 6
    assert torch.equal(held.base, streamed.base)

    at_once = held.score(scorer(runtime, held.base))
    in_batches = streamed.score(scorer(runtime, streamed.base))
    assert at_once.scores.tobytes() == in_batches.scores.tobytes()
    losses = in_batches.micro_losses(in_batches.scores)
    assert at_once.micro_losses(at_once.scores) == losses
    # Broken blobs in the middle of batches: unavailable ones revealed as such, the rest capped.
    assert losses[BROKEN["mismatch"]] == UNAVAILABLE and losses[BROKEN["missing"]] == UNAVAILABLE
    assert in_batches.available.count(False) == 2
    assert in_batches.scores[BROKEN["undecodable"]] == LOSS_CAP
    assert in_batches.no_op == [j == BROKEN["no_op"] for j in range(N)]
    assert len(set(losses)) > N // 2  # the honest updates' losses differ: the comparison has teeth

    unavailable = {BROKEN["mismatch"], BROKEN["missing"]}
    weights = [0 if j in unavailable else (j % 7 + 1) * WEIGHT_SCALE // 200 for j in range(N)]
    deltas = [
        row.numpy() if good else np.zeros(len(row), np.float32)
        for row, good, w in zip(held.updates, held.decoded, weights, strict=True)
        if w
    ]
    floats = [f for f, w in zip(weights_to_floats(weights), weights, strict=True) if w]
    # The miner's code before streaming: sabfl.ml.aggregate over the updates of positive weight.
    expected = build_aggregate(held.base.numpy(), deltas, floats, runtime.layout.shapes).payload
    assert held.aggregate(weights) == expected
    assert streamed.aggregate(weights) == expected
    with pytest.raises(BlobsUnavailable, match=rf"updates \[{BROKEN['mismatch']}\]"):
        streamed.aggregate([WEIGHT_SCALE // N] * N)


def traced_peak(action) -> int:
    """Peak bytes of numpy arrays and Python buffers (decoded rows, fetched blobs, the accumulator)
    allocated while `action` runs."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_streamed_round_holds_a_batch_not_the_round(runtime: TaskRuntime, round_setup) -> None:
    budget = small_budget(runtime)
    weights = [0 if j in (BROKEN["mismatch"], BROKEN["missing"]) else WEIGHT_SCALE // N for j in range(N)]
    streamed = open_with(runtime, round_setup, budget)
    score = scorer(runtime, streamed.base)
    plan = streamed.plan
    streamed_peak = traced_peak(lambda: (streamed.score(score), streamed.aggregate(weights)))
    # A batch's rows, its blobs in flight (a store's copy and the verified buffer each), θ_t, the float64
    # accumulator (2 rows) and the aggregate's encoding (2); not the round's N rows.
    assert streamed_peak <= (plan.rows + 2 * plan.fetch_at_once + 5) * row_bytes(runtime)
    assert streamed_peak <= budget < N * row_bytes(runtime)
    # The same measurement sees a round held at once.
    held_peak = traced_peak(lambda: open_with(runtime, round_setup, 1 << 30).score(score))
    assert held_peak >= N * row_bytes(runtime) > budget


def test_plans_fit_the_budget_in_whole_chunks(caplog: pytest.LogCaptureFixture) -> None:
    numel = 1_000_000  # rows of 4 MB: chunks of one
    row = 4 * numel
    fits = plan_round(10, numel, row, 100 * row, workers=4)
    assert fits.fits and fits.rows == 10 and fits.peak_bytes <= 100 * row
    tight = plan_round(100, numel, row, 20 * row, workers=4)
    assert not tight.fits and tight.peak_bytes <= 20 * row
    assert tight.rows >= tight.fetch_at_once >= 1
    assert tight.rows + tight.fetch_at_once == 20 - FIXED_ROWS - SCORING_ROWS_PER_UPDATE
    small = 10_000  # rows of 40 kB: chunks of 64
    chunked = plan_round(1000, small, 4 * small, 1000 * 4 * small, workers=4)
    assert not chunked.fits and chunked.rows % 64 == 0 and chunked.peak_bytes <= 1000 * 4 * small
    with caplog.at_level(logging.WARNING, logger="sabfl.validator"):
        starved = plan_round(100, numel, row, 6 * row, workers=4)
    assert (starved.rows, starved.fetch_at_once) == (1, 1) and "cannot hold one chunk" in caplog.text
    assert starved.peak_bytes == (FIXED_ROWS + SCORING_ROWS_PER_UPDATE + 2) * row
