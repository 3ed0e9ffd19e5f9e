"""Blobs in an S3-compatible bucket (boto3): `s3://<bucket>/<sha256 hex>`.

One store serves one bucket the operator names; a locator naming another bucket, or a key other than the
reference's own sha256 in hex, is refused, so a locator from the chain can neither point a validator at
someone else's bucket nor at an object that is not the blob it claims to be. A fetch asks for the byte range
[0, size] (at most `size + 1` bytes). S3 has no pins: `pin` checks that the object is there, `unpin`
deletes it (call it only for blobs this operator uploaded).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator

import boto3
import botocore.config
import botocore.exceptions

from sabfl.blobs.errors import BlobUnavailable, LocatorRefused
from sabfl.blobs.ref import BlobRef
from sabfl.blobs.store import Bytes
from sabfl.blobs.verify import check_limit, read_verified

SCHEME = "s3"
_LOCATOR = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([0-9a-f]{64})")
CHUNK_BYTES = 1 << 20
_ABSENT = {"NoSuchKey", "404", "NoSuchBucket"}


class S3Store:
    """Bucket `bucket` at `endpoint_url` (None: AWS); credentials as boto3 finds them unless given."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        timeout: float = 60.0,
    ) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
            raise ValueError(f"{bucket!r} is not an S3 bucket name")
        self.bucket = bucket
        self._client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=botocore.config.Config(
                connect_timeout=min(timeout, 10.0),
                read_timeout=timeout,
                retries={"max_attempts": 2},
                s3={"addressing_style": "path"},
            ),
        )

    def accepts(self, locator: str) -> bool:
        match = _LOCATOR.fullmatch(locator)
        return match is not None and match.group(1) == self.bucket

    def put(self, data: Bytes) -> BlobRef:
        digest = hashlib.sha256(data).hexdigest()
        try:
            self._client.put_object(Bucket=self.bucket, Key=digest, Body=bytes(data))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise BlobUnavailable(f"s3://{self.bucket}: put: {error}") from error
        return BlobRef(bytes.fromhex(digest), len(data), f"{SCHEME}://{self.bucket}/{digest}")

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        key = self._key(ref)
        check_limit(ref, max_bytes)
        deadline = time.monotonic() + timeout
        try:
            reply = self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{ref.size}")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise BlobUnavailable(f"{ref.locator}: {error}") from error
        body = reply["Body"]
        try:
            return read_verified(self._chunks(body, ref), ref, deadline)
        finally:
            body.close()

    def pin(self, ref: BlobRef) -> None:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(ref))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise BlobUnavailable(f"{ref.locator}: {error}") from error

    def unpin(self, ref: BlobRef) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(ref))
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _ABSENT:
                raise BlobUnavailable(f"{ref.locator}: {error}") from error
        except botocore.exceptions.BotoCoreError as error:
            raise BlobUnavailable(f"{ref.locator}: {error}") from error

    def _key(self, ref: BlobRef) -> str:
        if not self.accepts(ref.locator):
            raise LocatorRefused(f"{ref.locator!r} is not an s3://{self.bucket}/<sha256 hex> locator")
        key = ref.locator.rsplit("/", 1)[1]
        if key != ref.sha256.hex():
            raise LocatorRefused(f"{ref.locator!r}: key is not the reference's sha256 {ref.sha256.hex()}")
        return key

    @staticmethod
    def _chunks(body, ref: BlobRef) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK_BYTES)
        except (botocore.exceptions.BotoCoreError, OSError) as error:
            raise BlobUnavailable(f"{ref.locator}: {error}") from error
