"""A blob reference as the chain binds it: sha256 and size of the bytes, and an untrusted locator.

The syntax check mirrors the chain's (chain/x/fedlearn/types/blob.go: `Blob.ValidateBasic`): a size in
[1, MAX_BLOB_BYTES], a 32-byte sha256, a locator of at most MAX_LOCATOR_LENGTH characters matching
`^[a-z][a-z0-9+.-]*://[!-~]+$` (a URI scheme, "://", printable ASCII without spaces). A well-formed locator is
still untrusted: only `BlobStores` decides whether any allowed store serves it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sabfl.blobs.errors import LocatorRefused

MAX_BLOB_BYTES = 4 << 30
MAX_LOCATOR_LENGTH = 256
_LOCATOR = re.compile(r"[a-z][a-z0-9+.-]*://[!-~]+")


def check_locator(locator: str) -> None:
    """Raise `LocatorRefused` unless `locator` passes the chain's syntax check."""
    if len(locator) > MAX_LOCATOR_LENGTH or not _LOCATOR.fullmatch(locator):
        raise LocatorRefused(
            f"locator {locator[:64]!r} is not scheme://location in at most {MAX_LOCATOR_LENGTH} "
            "printable characters"
        )


@dataclass(frozen=True)
class BlobRef:
    """`size` bytes whose SHA-256 is `sha256`, to be found at `locator`."""

    sha256: bytes
    size: int
    locator: str

    def __post_init__(self) -> None:
        if len(self.sha256) != 32:
            raise ValueError(f"sha256 must be 32 bytes, got {len(self.sha256)}")
        if not 1 <= self.size <= MAX_BLOB_BYTES:
            raise ValueError(f"size {self.size} outside [1, {MAX_BLOB_BYTES}]")
        check_locator(self.locator)

    @classmethod
    def of(cls, data: bytes | bytearray | memoryview, locator: str) -> BlobRef:
        """The reference binding `data` at `locator`."""
        return cls(hashlib.sha256(data).digest(), len(data), locator)
