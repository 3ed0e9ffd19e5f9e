"""Where a role's payload goes: inline in its message when small, else to the operator's blob store."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sabfl.blobs import BlobError, BlobRef, BlobStores, fetch_all, stores_from_config
from sabfl.roles.inputs import FetchBlobs, Reference, no_blob_store

log = logging.getLogger("sabfl.blobs")


class Pins:
    """The blobs a role uploaded or kept, by round: only those of the `keep` latest rounds stay pinned, so
    a finished round's updates and superseded models can be collected by their store."""

    def __init__(self, stores: BlobStores, keep: int) -> None:
        self.stores, self.keep = stores, keep
        self.rounds: dict[tuple[int, int], list[BlobRef]] = {}

    def add(self, task_id: int, round_number: int, ref: BlobRef) -> None:
        """Record a pinned blob of a round, and unpin what the task's older rounds left."""
        self.rounds.setdefault((task_id, round_number), []).append(ref)
        latest = sorted(r for t, r in self.rounds if t == task_id)[-self.keep :]
        for key in [k for k in self.rounds if k[0] == task_id and k[1] not in latest]:
            for old in self.rounds.pop(key):
                try:
                    self.stores.unpin(old)
                except BlobError as error:  # a store that is down keeps it; nothing else depends on this
                    log.warning("could not unpin %s: %s", old.locator, error)


class NoBlobStore(ValueError):
    """A payload above the chain's max_inline_bytes, and no blob store configured to take it."""


def publish(payload: bytes, max_inline_bytes: int, stores: BlobStores | None) -> str:
    """'' for a payload of at most `max_inline_bytes` (it travels inline); otherwise upload it to the first
    configured store and return the locator the message carries (docs/protocol.md, "Blobs")."""
    if len(payload) <= max_inline_bytes:
        return ""
    if stores is None:
        raise NoBlobStore(
            f"a payload of {len(payload)} bytes exceeds the chain's max_inline_bytes ({max_inline_bytes}) "
            "and no blob store is configured (blob_stores)"
        )
    return stores.put(payload).locator


def operator_stores(entries: Sequence[Mapping[str, Any]]) -> BlobStores | None:
    """The stores a role's config allows (sabfl.blobs.stores_from_config entries), or None for no entry."""
    return stores_from_config(entries) if entries else None


def fetcher(
    stores: BlobStores | None, timeout_s: float, workers: int = 1, memory_budget_bytes: int = 1 << 32
) -> FetchBlobs:
    """A `FetchBlobs` over the operator's stores: fetched concurrently by `workers` threads, never more
    than `memory_budget_bytes` of fetched bytes held at once (sabfl.blobs.fetch_all); a reference that is
    malformed, refused, missing, late, too large or mismatching yields None. With no store every reference
    is unavailable."""
    if stores is None:
        return no_blob_store

    def fetch(refs: Sequence[Reference]) -> Iterator[tuple[int, bytes | bytearray | None]]:
        valid: list[int] = []
        checked: list[BlobRef] = []
        for index, (sha256, size, locator) in enumerate(refs):
            try:
                checked.append(BlobRef(sha256, size, locator))
                valid.append(index)
            except (ValueError, BlobError):
                yield index, None
        for result in fetch_all(stores, checked, workers, memory_budget_bytes, timeout_s):
            yield valid[result.index], result.data  # verified, and not copied

    return fetch
