"""Reading a blob from a stream of chunks, checking it against its reference before anyone decodes it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable

from sabfl.blobs.errors import BlobMismatch, BlobTooLarge, BlobUnavailable
from sabfl.blobs.ref import BlobRef


def check_limit(ref: BlobRef, max_bytes: int) -> None:
    """Refuse, before any transfer, a reference that declares more than the caller accepts."""
    if ref.size > max_bytes:
        raise BlobTooLarge(f"{ref.locator} declares {ref.size} bytes, over the limit of {max_bytes}")


def read_verified(chunks: Iterable[bytes], ref: BlobRef, deadline: float) -> bytearray:
    """Fill a buffer of `ref.size` bytes from `chunks`, then check the sha256.

    The stream should be asked for at most `ref.size + 1` bytes; reading stops at the first byte past
    `ref.size` (`BlobTooLarge`). Fewer bytes than `ref.size` is `BlobMismatch`, unless the deadline (a
    `time.monotonic()` value) has passed, when the store was only slow (`BlobUnavailable`). The buffer is
    filled in place: a blob costs its size in memory, once.
    """
    buffer = bytearray(ref.size)
    view = memoryview(buffer)
    digest = hashlib.sha256()
    filled = 0
    for chunk in chunks:
        if filled + len(chunk) > ref.size:
            raise BlobTooLarge(f"{ref.locator} delivers more than its declared {ref.size} bytes")
        view[filled : filled + len(chunk)] = chunk
        digest.update(chunk)
        filled += len(chunk)
        if time.monotonic() > deadline:
            raise BlobUnavailable(f"{ref.locator}: timed out after {filled} of {ref.size} bytes")
    if filled < ref.size:
        if time.monotonic() > deadline:
            raise BlobUnavailable(f"{ref.locator}: timed out after {filled} of {ref.size} bytes")
        raise BlobMismatch(f"{ref.locator} has {filled} bytes, its reference declares {ref.size}")
    if digest.digest() != ref.sha256:
        raise BlobMismatch(f"{ref.locator}: sha256 {digest.hexdigest()} is not {ref.sha256.hex()}")
    return buffer
