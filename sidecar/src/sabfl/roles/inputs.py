"""A round's inputs as a validator sidecar uses them: the base model and every update, fetched and decoded
once per round and reused for scoring, mining and attesting when they fit the validator's memory budget
(`sabfl.roles.stream` reads a round that does not in batches, with the same results).

An update travels inline (its bytes in the chain's state until the round ends) or by reference (sha256,
size and a locator on a store, docs/protocol.md "Blobs"). References are fetched through `fetch_blobs`,
which checks the size and sha256 before any byte is decoded; a blob it cannot deliver is *unavailable*
(the validator reveals `UNAVAILABLE` for it), an update whose bytes arrived but do not decode is
*undecodable* (it scores the loss cap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from sabfl.chain import ChainClient
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.ml.aggregate import AggregateSum
from sabfl.ml.models import ParamLayout
from sabfl.ml.scoring import LOSS_CAP, UpdateScorer
from sabfl.ml.serialize import SerializationError, decode_flat, decode_flat_into
from sabfl.protocol import UNAVAILABLE, loss_to_micro, weights_to_floats

# References (sha256, size, locator) → (index, bytes checked against sha256 and size, or None when they
# could not be fetched) for every reference, in any order; a consumer drops each blob's bytes before it
# asks for the next (they count against the fetch's memory budget until then).
Reference = tuple[bytes, int, str]
FetchBlobs = Callable[[Sequence[Reference]], Iterator[tuple[int, bytes | bytearray | None]]]
# An update none of whose parameters moves by more than this adds nothing to the model: it scores the loss
# cap, so it earns no weight and no reward (a free rider's zero update would otherwise tie with honest ones).
NO_OP_TOLERANCE = 1e-7
# Nor does one whose norm is below this fraction of the validator's own update r_v (trained from θ_t with
# the task's settings, as every participant's): noise around θ_t, which rules that stretch an update to
# ‖r_v‖ before probing it would otherwise score like a real step.
MIN_NORM_RATIO = 0.01


# The loss cap in micro-units: what an undecodable update or one that changes nothing scores.
CAP_MICRO = loss_to_micro(LOSS_CAP, cap=2**64 - 1)


class BaseModelPending(TimeoutError):
    """The chain's global model is not yet the round's base (a step ran before the model moved on); the
    step is retried, like one that met a node not yet there."""


class BlobsUnavailable(TimeoutError):
    """Bytes this sidecar needs — the base model, or an update of positive weight — could not be fetched
    (yet); the step is retried until its phase ends."""


def no_blob_store(refs: Sequence[Reference]) -> Iterator[tuple[int, bytes | bytearray | None]]:
    """The fetcher of a sidecar with no blob store configured: every reference is unavailable."""
    return ((index, None) for index in range(len(refs)))


def model_bytes(model: task_pb2.GlobalModel, fetch_blobs: FetchBlobs) -> bytes | bytearray:
    """A global model's canonical bytes: inline, or fetched by reference (BlobsUnavailable if they cannot
    be)."""
    if not model.locator:
        return model.payload
    [(_, payload)] = fetch_blobs([(model.sha256, model.size_bytes, model.locator)])
    if payload is None:
        raise BlobsUnavailable(f"global model of task {model.task_id} at {model.locator[:64]} not fetched")
    return payload


class TaskLayout(Protocol):
    """What reading a round's updates needs of a task: its id and parameter layout (a TaskRuntime)."""

    task_id: int
    layout: ParamLayout


@dataclass(frozen=True)
class Rows:
    """Updates `indices` of a round (ascending hash order) as rows [k, d]: a row of NaN for an update that
    did not decode or could not be fetched; `decoded` and `available` say which."""

    indices: list[int]
    updates: torch.Tensor
    decoded: list[bool]
    available: list[bool]

    @classmethod
    def read(
        cls,
        client: ChainClient,
        task: TaskLayout,
        round_: round_pb2.Round,
        indices: Sequence[int],
        fetch_blobs: FetchBlobs,
        at_once: int,
    ) -> Rows:
        """Read updates `indices` of `round_`: inline ones from the chain, references through `fetch_blobs`
        at most `at_once` at a time, each decoded into its row as it arrives (no copy beside the row)."""
        indices = list(indices)
        # numpy-backed, so a tracemalloc measurement sees the rows held.
        updates = torch.from_numpy(np.full((len(indices), task.layout.numel), np.nan, np.float32))
        decoded, available = [False] * len(indices), [True] * len(indices)

        def take(k: int, payload: bytes | bytearray) -> None:
            try:
                decode_flat_into(payload, task.layout.shapes, updates[k].numpy())
                decoded[k] = True
            except SerializationError:
                pass

        referenced = []
        for k, j in enumerate(indices):
            info = round_.updates[j]
            if info.locator:
                referenced.append(k)
            else:
                take(k, client.update_payload(task.task_id, round_.round, info.sha256))
        step = max(at_once, 1)
        for first in range(0, len(referenced), step):
            group = referenced[first : first + step]
            refs = [(u.sha256, u.size_bytes, u.locator) for u in (round_.updates[indices[k]] for k in group)]
            for index, payload in fetch_blobs(refs):
                if payload is None:
                    available[group[index]] = False
                else:
                    take(group[index], payload)
                del payload  # before the next blob is fetched: its bytes count against the budget
        return cls(indices, updates, decoded, available)

    def no_op(self, reference: torch.Tensor | None) -> list[bool]:
        """Which updates decoded and add nothing: no parameter moves by more than NO_OP_TOLERANCE, or
        (given the validator's reference update r_v) ‖Δ_i‖ < MIN_NORM_RATIO · ‖r_v‖."""
        if len(self.indices) == 0:
            return []
        # |Δ| ≤ tol everywhere, from the row's extremes: no temporary as large as the rows.
        low, high = torch.aminmax(self.updates, dim=1)
        still = (high <= NO_OP_TOLERANCE) & (low >= -NO_OP_TOLERANCE)  # False for NaN rows
        if reference is not None:
            norms = torch.linalg.vector_norm(self.updates, dim=1)
            still |= norms < MIN_NORM_RATIO * torch.linalg.vector_norm(reference)  # False for NaN rows
        return [bool(s) for s in still]


@dataclass(frozen=True)
class RoundScores:
    """One validator's scores of a round's updates (ascending hash order), which it could fetch, and which
    move nothing."""

    scores: np.ndarray
    available: list[bool]
    no_op: list[bool]

    def micro_losses(self, scores: np.ndarray) -> list[int]:
        """What the validator reveals for `scores` (these, or a misbehaving validator's): UNAVAILABLE for
        an update it could not fetch (docs/protocol.md, "Blobs"), the loss cap for one that changes nothing
        (it earns nothing), else the score in micro-units."""
        cap = CAP_MICRO
        losses = []
        for score, fetched, no_op in zip(np.asarray(scores), self.available, self.no_op, strict=True):
            if not fetched:
                losses.append(UNAVAILABLE)
            elif no_op:
                losses.append(cap)
            else:
                losses.append(loss_to_micro(float(score), cap=cap))
        return losses


def read_base(
    client: ChainClient, task: TaskLayout, round_: round_pb2.Round, fetch_blobs: FetchBlobs
) -> torch.Tensor:
    """θ_t of `round_`; BaseModelPending when the chain's global model is not the round's base yet,
    BlobsUnavailable when it cannot be fetched."""
    model = client.global_model(task.task_id)
    if model.sha256 != round_.base_model_sha256:
        raise BaseModelPending(f"global model of task {task.task_id} is not round {round_.round}'s base")
    return torch.from_numpy(decode_flat(model_bytes(model, fetch_blobs), task.layout.shapes))


def weighted_sum(
    round_number: int,
    base: torch.Tensor,
    weights: list[int],
    shapes: Sequence[tuple[int, ...]],
    each_batch: Callable[[Sequence[int], Callable[[Rows], None]], None],
) -> bytes:
    """θ_{t+1} from the on-chain weights (scale 1e18) as `sabfl.ml.aggregate` builds it, the updates of
    positive weight visited in ascending hash order by `each_batch(indices, visit)` (all at once or in
    batches: the same bits); one of weight 0 is skipped (its bytes may be unavailable), an undecodable
    one counts as zero (docs/protocol.md: "Model bytes and the aggregate"). BlobsUnavailable unless every
    update of positive weight was fetched: the aggregate needs exactly those (an update the committee
    could not fetch has weight 0)."""
    floats = weights_to_floats(weights)
    total = AggregateSum(base.numpy())

    def visit(rows: Rows) -> None:
        missing = [j for j, ok in zip(rows.indices, rows.available, strict=True) if not ok]
        if missing:
            raise BlobsUnavailable(
                f"round {round_number}: updates {missing} have weight but were not fetched"
            )
        for j, row, good in zip(rows.indices, rows.updates, rows.decoded, strict=True):
            total.add(row.numpy() if good else np.zeros(len(row), np.float32), floats[j])

    each_batch([j for j, w in enumerate(weights) if w], visit)
    return total.finish(shapes).payload


@dataclass(frozen=True)
class RoundInputs:
    """The base model θ_t and every update of a round held at once (`Rows`), for a round whose decoded
    updates fit the validator's memory budget (`sabfl.roles.stream` reads the others in batches)."""

    round: int
    base_sha256: bytes
    base: torch.Tensor
    rows: Rows
    shapes: tuple[tuple[int, ...], ...]

    @classmethod
    def fetch(
        cls,
        client: ChainClient,
        task: TaskLayout,
        round_: round_pb2.Round,
        fetch_blobs: FetchBlobs,
        base: torch.Tensor | None = None,
    ) -> RoundInputs:
        """Read the base model (unless given) and every update of `round_` once (`read_base`,
        `Rows.read`)."""
        if base is None:
            base = read_base(client, task, round_, fetch_blobs)
        n = len(round_.updates)
        rows = Rows.read(client, task, round_, range(n), fetch_blobs, at_once=n)
        return cls(round_.round, bytes(round_.base_model_sha256), base, rows, tuple(task.layout.shapes))

    @classmethod
    def held(
        cls, round_number: int, base: torch.Tensor, updates: torch.Tensor, shapes: Sequence[tuple[int, ...]]
    ) -> RoundInputs:
        """Updates already in memory, every one decoded and available (a simulation's or a benchmark's)."""
        n = len(updates)
        rows = Rows(list(range(n)), updates, [True] * n, [True] * n)
        return cls(round_number, b"", base, rows, tuple(shapes))

    @property
    def updates(self) -> torch.Tensor:
        return self.rows.updates

    @property
    def decoded(self) -> list[bool]:
        return self.rows.decoded

    @property
    def available(self) -> list[bool]:
        return self.rows.available

    def matches(self, round_: round_pb2.Round) -> bool:
        """Whether these are the inputs of `round_` (same round, same base model)."""
        return self.round == round_.round and self.base_sha256 == bytes(round_.base_model_sha256)

    def score(self, scorer: UpdateScorer) -> RoundScores:
        """Score every update at once."""
        no_op = self.rows.no_op(scorer.reference_update)
        return RoundScores(scorer.score(self.updates), self.available, no_op)

    def aggregate(self, weights: list[int]) -> bytes:
        """θ_{t+1} from the held updates (`weighted_sum`)."""

        def each_batch(indices: Sequence[int], visit: Callable[[Rows], None]) -> None:
            for j in indices:  # views of the held rows, one at a time: no copy
                visit(Rows([j], self.updates[j : j + 1], [self.decoded[j]], [self.available[j]]))

        return weighted_sum(self.round, self.base, weights, self.shapes, each_batch)
