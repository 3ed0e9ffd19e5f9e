"""The interface every blob backend offers the roles."""

from __future__ import annotations

from typing import Protocol

from sabfl.blobs.ref import BlobRef

Bytes = bytes | bytearray | memoryview


class BlobStore(Protocol):
    """A place that keeps blobs: put bytes, get them back verified against a reference, keep or drop them.

    `get` refuses a locator it does not serve (`LocatorRefused`) or a reference over `max_bytes`
    (`BlobTooLarge`) before any transfer, reads at most `ref.size + 1` bytes, and returns the bytes only
    once their size and sha256 match the reference; it raises a `BlobError` otherwise, after at most about
    `timeout` seconds.
    """

    def accepts(self, locator: str) -> bool:
        """Whether this store serves `locator` (its scheme, its bucket, a well-formed name)."""
        ...

    def put(self, data: Bytes) -> BlobRef:
        """Store `data` (kept until `unpin`) and return its reference."""
        ...

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        """The verified bytes of `ref`."""
        ...

    def pin(self, ref: BlobRef) -> None:
        """Keep `ref`'s blob in this store (fetching it if the store can)."""
        ...

    def unpin(self, ref: BlobRef) -> None:
        """Let this store drop `ref`'s blob; unpinning an absent or unpinned blob is not an error."""
        ...
