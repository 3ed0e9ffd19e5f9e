"""A round's inputs as a validator sidecar uses them: the base model and every update, fetched and decoded
once per round and reused for scoring, mining and attesting.

An update travels inline (its bytes in the chain's state until the round ends) or by reference (sha256,
size and a locator on a store, docs/protocol.md "Blobs"). A reference is fetched through `fetch_blob`,
which checks the size and sha256 before any byte is decoded; a blob it cannot deliver is *unavailable*
(the validator reveals `UNAVAILABLE` for it), an update whose bytes arrived but do not decode is
*undecodable* (it scores the loss cap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from sabfl.chain import ChainClient
from sabfl.fedlearn.v1 import round_pb2, task_pb2
from sabfl.roles.runtime import TaskRuntime

# (sha256, size, locator) → the blob's bytes, checked against sha256 and size; raises when it cannot.
FetchBlob = Callable[[bytes, int, str], bytes]
# An update none of whose parameters moves by more than this adds nothing to the model: it scores the loss
# cap, so it earns no weight and no reward (a free rider's zero update would otherwise tie with honest ones).
NO_OP_TOLERANCE = 1e-7


class BaseModelPending(TimeoutError):
    """The chain's global model is not yet the round's base (a step ran before the model moved on); the
    step is retried, like one that met a node not yet there."""


class BlobsUnavailable(TimeoutError):
    """Bytes this sidecar needs — the base model, or an update of positive weight — could not be fetched
    (yet); the step is retried until its phase ends."""


def no_blob_store(sha256: bytes, size: int, locator: str) -> bytes:
    """The fetcher of a sidecar with no blob store configured: every reference is unavailable."""
    raise BlobsUnavailable(f"no blob store is configured for {locator}")


def model_bytes(model: task_pb2.GlobalModel, fetch_blob: FetchBlob) -> bytes:
    """A global model's canonical bytes: inline, or fetched by its reference."""
    return fetch_blob(model.sha256, model.size_bytes, model.locator) if model.locator else model.payload


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
        cls, client: ChainClient, rt: TaskRuntime, round_: round_pb2.Round, fetch_blob: FetchBlob
    ) -> RoundInputs:
        """Read the base model and every update of `round_` once; BaseModelPending when the chain's global
        model is not the round's base yet, BlobsUnavailable when the base model cannot be fetched."""
        model = client.global_model(rt.task_id)
        if model.sha256 != round_.base_model_sha256:
            raise BaseModelPending(
                f"global model of task {rt.task_id} is not round {round_.round}'s base yet"
            )
        try:
            base = rt.decode(model_bytes(model, fetch_blob))
        except Exception as error:
            raise BlobsUnavailable(f"base model of task {rt.task_id}: {error}") from error
        payloads: list[bytes | None] = []
        for info in round_.updates:
            if not info.locator:
                payloads.append(client.update_payload(rt.task_id, round_.round, info.sha256))
                continue
            try:
                payloads.append(fetch_blob(info.sha256, info.size_bytes, info.locator))
            except Exception:  # any failure to deliver the bytes makes the update unavailable
                payloads.append(None)
        updates, decoded = rt.decode_updates([p or b"" for p in payloads])
        available = [p is not None for p in payloads]
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
