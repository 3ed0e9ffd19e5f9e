"""A round's inputs: inline and referenced updates fetched once, unavailable blobs marked, not fatal."""

from __future__ import annotations

import hashlib

import pytest
import torch

from sabfl.blobs import BlobStores, BlobUnavailable, InlineStore
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.protocol import WEIGHT_SCALE
from sabfl.roles.inputs import BaseModelPending, BlobsUnavailable, RoundInputs
from sabfl.roles.publish import Pins
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import TaskSpec
from sabfl.sim.config import SimConfig

SPEC = TaskSpec(experiment=SimConfig(participants=4, validators=2, holdout=20))


class ChainState:
    """The two chain reads RoundInputs makes, over fixed records: a global model and inline payloads."""

    def __init__(self, model: task_pb2.GlobalModel, inline: dict[bytes, bytes]) -> None:
        self.model, self.inline, self.reads = model, inline, 0

    def global_model(self, task_id: int) -> task_pb2.GlobalModel:
        return self.model

    def update_payload(self, task_id: int, round_number: int, sha256: bytes) -> bytes:
        self.reads += 1
        return self.inline[sha256]


@pytest.fixture(scope="module")
def runtime() -> TaskRuntime:
    return TaskRuntime.from_model_spec(1, SPEC.model_spec())


def gone_store(refs):
    """A blob store that has nothing."""
    return ((i, None) for i in range(len(refs)))


def blob(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


def test_inline_referenced_and_unavailable_updates(runtime: TaskRuntime) -> None:
    base = runtime.encode(torch.zeros(runtime.layout.numel))
    inline, stored, lost = (runtime.encode(torch.full((runtime.layout.numel,), v)) for v in (1.0, 2.0, 3.0))
    store = {blob(stored): stored}

    def fetch(refs):
        return ((i, store.get(sha256)) for i, (sha256, _, _) in enumerate(refs))

    round_ = round_pb2.Round(round=3, base_model_sha256=blob(base))
    round_.updates.add(sha256=blob(inline), size_bytes=len(inline))
    round_.updates.add(sha256=blob(stored), size_bytes=len(stored), locator="ipfs://stored")
    round_.updates.add(sha256=blob(lost), size_bytes=len(lost), locator="ipfs://lost")
    round_.updates.add(sha256=blob(b"junk"), size_bytes=4)
    chain = ChainState(
        task_pb2.GlobalModel(sha256=blob(base), payload=base), {blob(inline): inline, blob(b"junk"): b"junk"}
    )

    inputs = RoundInputs.fetch(chain, runtime, round_, fetch)
    assert inputs.available == [True, True, False, True]
    assert inputs.decoded == [True, True, False, False]
    assert inputs.updates[1].eq(2.0).all() and inputs.updates[2].isnan().all()
    assert inputs.matches(round_) and chain.reads == 2
    assert inputs.rows.no_op(None) == [False, False, False, False]
    # The unavailable update has weight 0: the aggregate is θ_t + ½·1 + ½·2.
    aggregate = runtime.decode(inputs.aggregate([WEIGHT_SCALE // 2, WEIGHT_SCALE // 2, 0, 0]))
    assert aggregate.eq(1.5).all()
    with pytest.raises(BlobsUnavailable, match=r"updates \[2\]"):
        inputs.aggregate([WEIGHT_SCALE // 2, 0, WEIGHT_SCALE // 2, 0])


def test_a_base_model_by_reference_is_fetched_and_a_moved_one_waits(runtime: TaskRuntime) -> None:
    base = runtime.encode(torch.ones(runtime.layout.numel))
    model = task_pb2.GlobalModel(sha256=blob(base), size_bytes=len(base), locator="s3://models/base")
    round_ = round_pb2.Round(round=1, base_model_sha256=blob(base))
    inputs = RoundInputs.fetch(
        ChainState(model, {}), runtime, round_, lambda refs: ((i, base) for i in range(len(refs)))
    )
    assert inputs.base.eq(1.0).all()

    with pytest.raises(BlobsUnavailable, match="global model .* not fetched"):
        RoundInputs.fetch(ChainState(model, {}), runtime, round_, gone_store)
    with pytest.raises(BaseModelPending):
        RoundInputs.fetch(
            ChainState(model, {}), runtime, round_pb2.Round(round=2, base_model_sha256=b"x" * 32), gone_store
        )


def test_an_update_that_moves_nothing_is_a_no_op(runtime: TaskRuntime) -> None:
    base = runtime.encode(torch.zeros(runtime.layout.numel))
    zero = runtime.encode(torch.zeros(runtime.layout.numel))
    noise = runtime.encode(torch.full((runtime.layout.numel,), 1e-8))
    tiny_step = torch.zeros(runtime.layout.numel)
    tiny_step[0] = 1e-3
    step = runtime.encode(tiny_step)
    round_ = round_pb2.Round(round=1, base_model_sha256=blob(base))
    for payload in (zero, noise, step):
        round_.updates.add(sha256=blob(payload), size_bytes=len(payload))
    chain = ChainState(
        task_pb2.GlobalModel(sha256=blob(base), payload=base), {blob(p): p for p in (zero, noise, step)}
    )
    rows = RoundInputs.fetch(chain, runtime, round_, gone_store).rows
    assert rows.no_op(None) == [True, True, False]
    # Beside the validator's own update r_v, a step shorter than MIN_NORM_RATIO · ‖r_v‖ is noise around θ_t:
    # ‖tiny_step‖ = 1e-3 is under 1 % of ‖r_v‖ = 0.1 · √d, and over 1 % of 0.001 · √d (d < 10,000).
    assert runtime.layout.numel < 10_000
    reference = torch.full((runtime.layout.numel,), 0.1)
    assert rows.no_op(reference) == [True, True, True]
    assert rows.no_op(reference / 100) == [True, True, False]


def test_only_the_latest_rounds_blobs_stay_pinned() -> None:
    store = InlineStore()
    pins = Pins(BlobStores([store]), keep=2)
    refs = {r: store.put(f"model of round {r}".encode()) for r in (1, 2, 3)}
    other = store.put(b"another task's model")
    pins.add(7, 1, refs[1])
    pins.add(8, 1, other)
    pins.add(7, 2, refs[2])
    assert store.get(refs[1], 100, 1.0)
    pins.add(7, 3, refs[3])  # round 1 of task 7 is now two rounds old: unpinned
    with pytest.raises(BlobUnavailable):
        store.get(refs[1], 100, 1.0)
    assert store.get(refs[2], 100, 1.0) and store.get(refs[3], 100, 1.0) and store.get(other, 100, 1.0)
