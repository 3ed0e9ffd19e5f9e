"""Which store serves a locator: only the ones the operator configured, never an arbitrary URL."""

from __future__ import annotations

from collections.abc import Sequence

from sabfl.blobs.errors import LocatorRefused
from sabfl.blobs.ref import BlobRef, check_locator
from sabfl.blobs.store import BlobStore, Bytes


class BlobStores:
    """The operator's allowed stores. Uploads go to the first; a reference is fetched, pinned or unpinned by
    the first store that accepts its locator, and refused (`LocatorRefused`) when none does."""

    def __init__(self, stores: Sequence[BlobStore]) -> None:
        if not stores:
            raise ValueError("BlobStores needs at least one store")
        self.stores = list(stores)

    def store_for(self, locator: str) -> BlobStore:
        check_locator(locator)
        for store in self.stores:
            if store.accepts(locator):
                return store
        raise LocatorRefused(f"no allowed store serves {locator[:64]!r}")

    def put(self, data: Bytes) -> BlobRef:
        return self.stores[0].put(data)

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        return self.store_for(ref.locator).get(ref, max_bytes, timeout)

    def pin(self, ref: BlobRef) -> None:
        self.store_for(ref.locator).pin(ref)

    def unpin(self, ref: BlobRef) -> None:
        self.store_for(ref.locator).unpin(ref)
