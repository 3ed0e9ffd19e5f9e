"""Blobs kept in this process's memory, for tests and tiny models: `inline://<sha256 hex>`."""

from __future__ import annotations

import hashlib
import re
import threading
import time

from sabfl.blobs.errors import BlobUnavailable, LocatorRefused
from sabfl.blobs.ref import BlobRef
from sabfl.blobs.store import Bytes
from sabfl.blobs.verify import check_limit, read_verified

SCHEME = "inline"
_LOCATOR = re.compile(r"inline://([0-9a-f]{64})")


class InlineStore:
    """A dictionary from sha256 to bytes, behind the `BlobStore` interface."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def accepts(self, locator: str) -> bool:
        return _LOCATOR.fullmatch(locator) is not None

    def put(self, data: Bytes) -> BlobRef:
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._blobs[digest] = bytes(data)
        return BlobRef(bytes.fromhex(digest), len(data), f"{SCHEME}://{digest}")

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        key = self._key(ref)
        check_limit(ref, max_bytes)
        with self._lock:
            data = self._blobs.get(key)
        if data is None:
            raise BlobUnavailable(f"{ref.locator} is not in this store")
        return read_verified([data[: ref.size + 1]], ref, time.monotonic() + timeout)

    def pin(self, ref: BlobRef) -> None:
        with self._lock:
            if self._key(ref) not in self._blobs:
                raise BlobUnavailable(f"{ref.locator} is not in this store")

    def unpin(self, ref: BlobRef) -> None:
        with self._lock:
            self._blobs.pop(self._key(ref), None)

    def _key(self, ref: BlobRef) -> str:
        match = _LOCATOR.fullmatch(ref.locator)
        if match is None:
            raise LocatorRefused(f"{ref.locator!r} is not an {SCHEME}:// locator")
        return match.group(1)
