"""A round whose decoded updates do not fit the validator's memory budget: fetched, verified, decoded and
scored in batches, and aggregated as a streaming weighted sum, with the same bits as holding it at once.

Scoring is per update (`UpdateScorer`: nothing but θ_t, the validator's held-out data, its reference
update and loss(θ_t) enters another update's score) and runs in chunks counted from the first row, so
batches that start at multiples of the chunk give every chunk the same rows as one pass over the round. The
aggregate adds the updates of positive weight one by one in ascending hash order (`AggregateSum`) whatever
the batch. Each step reads the round again (scoring at COMMIT, mining at AGGREGATE, attesting at ATTEST);
an update of positive weight that is unavailable then is retried like any missing blob.

Memory model, in update rows of 4·d bytes (d parameters): θ_t and the reference update take `FIXED_ROWS`,
scoring a chunk of c updates `SCORING_ROWS_PER_UPDATE`·c more, a batch its k decoded rows, and the blobs
fetched at once their declared sizes. Aggregating needs less: θ_t, the float64 accumulator (2 rows), and
at the end the float32 result and its encoding in place of the batch. A round fits when all n rows fit beside
the rest; otherwise k is the largest multiple of the chunk that fits beside as many concurrent fetches as
leave room for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from sabfl.chain import ChainClient
from sabfl.fedlearn.v1 import round_pb2
from sabfl.ml.scoring import SCORING_ROWS_PER_UPDATE, UpdateScorer, chunk_rows
from sabfl.roles.inputs import FetchBlobs, RoundInputs, RoundScores, Rows, TaskLayout, read_base, weighted_sum

log = logging.getLogger("sabfl.validator")
# θ_t and the validator's reference update.
FIXED_ROWS = 2


@dataclass(frozen=True)
class MemoryPlan:
    """How a round is read: `rows` updates decoded at once (all of them when it fits), fetching at most
    `fetch_at_once` blobs at a time; `peak_bytes` is what the plan holds at most by the memory model."""

    rows: int
    fetch_at_once: int
    fits: bool
    peak_bytes: int


def plan_round(n: int, numel: int, blob_bytes: int, budget: int, workers: int) -> MemoryPlan:
    """The plan for `n` updates of `numel` parameters whose blobs take at most `blob_bytes` each, within
    `budget` bytes and `workers` concurrent fetches. A budget too small for one chunk beside one fetch
    still reads one chunk at a time (over budget, with a warning)."""
    if n < 0 or numel < 1 or budget < 1 or workers < 1:
        raise ValueError(f"cannot plan n={n}, numel={numel}, budget={budget}, workers={workers}")
    row, chunk = 4 * numel, chunk_rows(numel)
    fixed = (FIXED_ROWS + SCORING_ROWS_PER_UPDATE * chunk) * row

    def peak(rows: int, fetches: int) -> int:
        return fixed + rows * row + fetches * blob_bytes

    if peak(n, min(workers, n)) <= budget:
        return MemoryPlan(max(n, 1), max(min(workers, n), 1), True, peak(n, min(workers, n)))
    for fetches in range(min(workers, n), 0, -1):
        rows = (budget - fixed - fetches * blob_bytes) // row // chunk * chunk
        if rows >= max(chunk, fetches):
            return MemoryPlan(rows, fetches, False, peak(rows, fetches))
    log.warning(
        "a memory budget of %d bytes cannot hold one chunk of %d updates of %d bytes beside one fetch: "
        "reading one chunk at a time",
        budget,
        chunk,
        row,
    )
    return MemoryPlan(chunk, 1, False, peak(chunk, 1))


@dataclass(frozen=True)
class RoundStream:
    """A round read in batches of `plan.rows` updates; only θ_t is held between steps."""

    round: int
    base_sha256: bytes
    base: torch.Tensor
    client: ChainClient
    task: TaskLayout
    round_: round_pb2.Round
    fetch_blobs: FetchBlobs
    plan: MemoryPlan

    def matches(self, round_: round_pb2.Round) -> bool:
        """Whether this is `round_` (same round, same base model)."""
        return self.round == round_.round and self.base_sha256 == bytes(round_.base_model_sha256)

    def each_batch(self, indices: Sequence[int], visit: Callable[[Rows], None]) -> None:
        """Read updates `indices` (ascending) in batches of `plan.rows` and visit each; a batch is dropped
        before the next is read."""
        for first in range(0, len(indices), self.plan.rows):
            group = indices[first : first + self.plan.rows]
            visit(
                Rows.read(
                    self.client, self.task, self.round_, group, self.fetch_blobs, self.plan.fetch_at_once
                )
            )

    def score(self, scorer: UpdateScorer) -> RoundScores:
        """Score every update, batch by batch (batches start at multiples of the scorer's chunk)."""
        if self.plan.rows % scorer.chunk:
            raise ValueError(f"batches of {self.plan.rows} rows do not align with chunks of {scorer.chunk}")
        scores: list[np.ndarray] = [np.empty(0)]
        available: list[bool] = []
        no_op: list[bool] = []

        def visit(rows: Rows) -> None:
            scores.append(scorer.score(rows.updates))
            available.extend(rows.available)
            no_op.extend(rows.no_op(scorer.reference_update))

        self.each_batch(range(len(self.round_.updates)), visit)
        return RoundScores(np.concatenate(scores), available, no_op)

    def aggregate(self, weights: list[int]) -> bytes:
        """θ_{t+1} from the updates of positive weight, read again batch by batch (`weighted_sum`)."""
        return weighted_sum(self.round, self.base, weights, self.task.layout.shapes, self.each_batch)


def open_round(
    client: ChainClient,
    task: TaskLayout,
    round_: round_pb2.Round,
    fetch_blobs: FetchBlobs,
    budget: int,
    workers: int,
    base: torch.Tensor | None = None,
) -> RoundInputs | RoundStream:
    """The round's inputs held at once when its decoded updates fit `budget` (`RoundInputs`), else a
    `RoundStream`; both read θ_t now unless given (BaseModelPending, BlobsUnavailable as `read_base`)."""
    blob_bytes = max((u.size_bytes for u in round_.updates), default=0)
    plan = plan_round(len(round_.updates), task.layout.numel, blob_bytes, budget, workers)
    if plan.fits:
        return RoundInputs.fetch(client, task, round_, fetch_blobs, base)
    if base is None:
        base = read_base(client, task, round_, fetch_blobs)
    log.info(
        "task %d round %d: %d updates of %d bytes do not fit %d bytes: batches of %d, %d fetched at once",
        task.task_id,
        round_.round,
        len(round_.updates),
        4 * task.layout.numel,
        budget,
        plan.rows,
        plan.fetch_at_once,
    )
    return RoundStream(
        round_.round, bytes(round_.base_model_sha256), base, client, task, round_, fetch_blobs, plan
    )
