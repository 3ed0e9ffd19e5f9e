"""A round's inputs as a validator sidecar uses them: the base model and every update, fetched and decoded
once per round and reused for scoring, mining and attesting.

An update travels inline (its bytes in the chain's state until the round ends) or by reference (sha256,
size and a locator on a store, docs/protocol.md "Blobs"). References are fetched through `fetch_blobs`,
which checks the size and sha256 before any byte is decoded; a blob it cannot deliver is *unavailable*
(the validator reveals `UNAVAILABLE` for it), an update whose bytes arrived but do not decode is
*undecodable* (it scores the loss cap).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from sabfl.chain import ChainClient
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.roles.runtime import TaskRuntime

# References (sha256, size, locator) → (index, bytes checked against sha256 and size, or None when they
# could not be fetched) for every reference, in any order.
Reference = tuple[bytes, int, str]
FetchBlobs = Callable[[Sequence[Reference]], Iterator[tuple[int, bytes | None]]]
# An update none of whose parameters moves by more than this adds nothing to the model: it scores the loss
# cap, so it earns no weight and no reward (a free rider's zero update would otherwise tie with honest ones).
NO_OP_TOLERANCE = 1e-7


class BaseModelPending(TimeoutError):
    """The chain's global model is not yet the round's base (a step ran before the model moved on); the
    step is retried, like one that met a node not yet there."""


class BlobsUnavailable(TimeoutError):
    """Bytes this sidecar needs — the base model, or an update of positive weight — could not be fetched
    (yet); the step is retried until its phase ends."""


def no_blob_store(refs: Sequence[Reference]) -> Iterator[tuple[int, bytes | None]]:
    """The fetcher of a sidecar with no blob store configured: every reference is unavailable."""
    return ((index, None) for index in range(len(refs)))


def model_bytes(model: task_pb2.GlobalModel, fetch_blobs: FetchBlobs) -> bytes:
    """A global model's canonical bytes: inline, or fetched by reference (BlobsUnavailable if they cannot
    be)."""
    if not model.locator:
        return model.payload
    [(_, payload)] = fetch_blobs([(model.sha256, model.size_bytes, model.locator)])
    if payload is None:
        raise BlobsUnavailable(f"global model of task {model.task_id} at {model.locator[:64]} not fetched")
    return payload


def base_model(
    client: ChainClient, rt: TaskRuntime, round_: round_pb2.Round, fetch_blobs: FetchBlobs
) -> torch.Tensor:
    """The round's base model θ_t, decoded: the chain's global model until the round finalizes;
    BaseModelPending when it is not yet the round's base, BlobsUnavailable when it cannot be fetched."""
    model = client.global_model(rt.task_id)
    if model.sha256 != round_.base_model_sha256:
        raise BaseModelPending(f"global model of task {rt.task_id} is not round {round_.round}'s base")
    return rt.decode(model_bytes(model, fetch_blobs))


@dataclass(frozen=True)
class RoundInputs:
    """The base model θ_t and the round's updates [n, d] in ascending hash order: a row of NaN for an
    update that did not decode or could not be fetched; `decoded` and `available` say which."""

    round: int
    base_sha256: bytes
    base: torch.Tensor
    updates: torch.Tensor
    decoded: list[bool]
    available: list[bool]

    @classmethod
    def fetch(
        cls, client: ChainClient, rt: TaskRuntime, round_: round_pb2.Round, fetch_blobs: FetchBlobs
    ) -> RoundInputs:
        """Read the base model and every update of `round_` once, references through `fetch_blobs` (each
        decoded as it arrives); BaseModelPending when the chain's global model is not the round's base yet,
        BlobsUnavailable when the base model cannot be fetched."""
        base = base_model(client, rt, round_, fetch_blobs)
        n = len(round_.updates)
        updates = torch.full((n, rt.layout.numel), float("nan"))
        decoded, available = [False] * n, [True] * n
        referenced = [j for j, info in enumerate(round_.updates) if info.locator]

        def take(j: int, payload: bytes) -> None:
            row, [ok] = rt.decode_updates([payload])
            updates[j], decoded[j] = row[0], ok

        for j, info in enumerate(round_.updates):
            if not info.locator:
                take(j, client.update_payload(rt.task_id, round_.round, info.sha256))
        refs = [(u.sha256, u.size_bytes, u.locator) for u in (round_.updates[j] for j in referenced)]
        for index, payload in fetch_blobs(refs):
            j = referenced[index]
            if payload is None:
                available[j] = False
            else:
                take(j, payload)
        return cls(round_.round, bytes(round_.base_model_sha256), base, updates, decoded, available)

    def no_op(self) -> list[bool]:
        """Which updates decoded and move no parameter by more than NO_OP_TOLERANCE."""
        if len(self.decoded) == 0:
            return []
        still = self.updates.abs().amax(dim=1) <= NO_OP_TOLERANCE  # False for NaN rows
        return [bool(s) for s in still]

    def matches(self, round_: round_pb2.Round) -> bool:
        """Whether these are the inputs of `round_` (same round, same base model)."""
        return self.round == round_.round and self.base_sha256 == bytes(round_.base_model_sha256)

    def require_weighted(self, weights: list[int]) -> None:
        """Raise BlobsUnavailable unless every update of positive weight was fetched: the aggregate needs
        exactly those (an update the committee could not fetch has weight 0)."""
        missing = [j for j, (w, ok) in enumerate(zip(weights, self.available, strict=True)) if w and not ok]
        if missing:
            raise BlobsUnavailable(f"round {self.round}: updates {missing} have weight but were not fetched")
