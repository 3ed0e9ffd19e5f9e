"""Blobs on IPFS through a kubo daemon's HTTP RPC API: `ipfs://<cid>`.

The CID is not the sha256 of the bytes (it hashes the UnixFS DAG kubo builds from them), so a reference binds
the sha256 and size and the CID only says where to look. Uploads use CIDv1 with raw leaves; a fetch asks
kubo for at most `size + 1` bytes (`/api/v0/cat?length=`) and bounds kubo's own search for the blocks with
its `timeout` option, so an unprovided CID fails after `timeout` seconds instead of hanging.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterator

import requests

from sabfl.blobs.errors import BlobUnavailable, LocatorRefused
from sabfl.blobs.ref import BlobRef
from sabfl.blobs.store import Bytes
from sabfl.blobs.verify import check_limit, read_verified

SCHEME = "ipfs"
# CIDv0 (base58btc, "Qm…") or CIDv1 in base32 ("b…"): letters and digits only, so a CID can never smuggle a
# path, a query or another host into the request.
_LOCATOR = re.compile(r"ipfs://(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,200})")
CHUNK_BYTES = 1 << 20


class IpfsStore:
    """A kubo daemon's RPC API at `api_url` ("http://127.0.0.1:5001"); `timeout` bounds put, pin, unpin."""

    def __init__(self, api_url: str, timeout: float = 60.0, stall_seconds: float = 10.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.stall_seconds = stall_seconds
        self._session = requests.Session()

    def accepts(self, locator: str) -> bool:
        return _LOCATOR.fullmatch(locator) is not None

    def put(self, data: Bytes) -> BlobRef:
        boundary = secrets.token_hex(16)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="blob"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        view = memoryview(data).cast("B")
        body = _stream(head, view, tail)
        params = {"cid-version": "1", "raw-leaves": "true", "pin": "true", "quieter": "true"}
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        reply = self._call("add", params, self.timeout, data=body, headers=headers)
        cid = reply.json()["Hash"]
        return BlobRef(hashlib.sha256(view).digest(), len(view), f"{SCHEME}://{cid}")

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        cid = self._cid(ref)
        check_limit(ref, max_bytes)
        deadline = time.monotonic() + timeout
        return read_verified(self._cat(cid, ref, deadline), ref, deadline)

    def pin(self, ref: BlobRef) -> None:
        self._call("pin/add", {"arg": self._cid(ref)}, self.timeout).close()

    def unpin(self, ref: BlobRef) -> None:
        try:
            self._call("pin/rm", {"arg": self._cid(ref)}, self.timeout).close()
        except BlobUnavailable as error:
            if "not pinned" not in str(error):
                raise

    def _cid(self, ref: BlobRef) -> str:
        match = _LOCATOR.fullmatch(ref.locator)
        if match is None:
            raise LocatorRefused(f"{ref.locator!r} is not an {SCHEME}://<cid> locator")
        return match.group(1)

    def _call(
        self,
        command: str,
        params: dict[str, str],
        timeout: float,
        read_timeout: float | None = None,
        **kwargs,
    ) -> requests.Response:
        """POST one RPC command. Kubo's own `timeout` option stops its work a second after the client gives
        up, so a stream kubo cuts short ends past the client's deadline (unavailable, not mismatching)."""
        try:
            reply = self._session.post(
                f"{self.api_url}/api/v0/{command}",
                params={**params, "timeout": f"{timeout + 1:.3f}s"},
                timeout=(min(timeout, 10.0), read_timeout or timeout),
                **kwargs,
            )
        except requests.RequestException as error:
            raise BlobUnavailable(f"kubo at {self.api_url}: {command}: {error}") from error
        if reply.status_code != 200:
            message = reply.text[:300]
            reply.close()
            raise BlobUnavailable(f"kubo at {self.api_url}: {command} {params.get('arg', '')}: {message}")
        return reply

    def _cat(self, cid: str, ref: BlobRef, deadline: float) -> Iterator[bytes]:
        """At most `ref.size + 1` bytes of the CID, from kubo's `cat`. A stream silent for `stall_seconds` is
        asked again from where it stopped (a new bitswap session asks every peer afresh: under load a
        session can stall on peers that lacked a block when first asked, measured with 4 daemons fetching
        20 × 100 MB), until the deadline."""
        received = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BlobUnavailable(f"{ref.locator}: timed out after {received} of {ref.size} bytes")
            params = {"arg": cid, "offset": str(received), "length": str(ref.size + 1 - received)}
            stall = min(self.stall_seconds, remaining)
            try:
                reply = self._call("cat", params, remaining, read_timeout=stall, stream=True)
            except BlobUnavailable as error:
                if isinstance(error.__cause__, requests.Timeout):
                    continue  # no first byte yet: ask again, within the deadline
                raise
            try:
                for chunk in reply.iter_content(CHUNK_BYTES):
                    received += len(chunk)
                    yield chunk
                return
            except requests.RequestException:
                continue  # stalled or cut: ask again from `received`, within the deadline
            finally:
                reply.close()


def _stream(head: bytes, view: memoryview, tail: bytes) -> Iterator[bytes | memoryview]:
    """A multipart body sent in chunks (chunked transfer encoding): the blob is never copied whole."""
    yield head
    for start in range(0, len(view), CHUNK_BYTES):
        yield view[start : start + CHUNK_BYTES]
    yield tail
