"""The operator's allowed stores from its config: a list of entries, the first the one uploads go to.

    blob_stores:
      - {kind: ipfs, api: "http://127.0.0.1:5001", timeout: 60}
      - {kind: s3, bucket: sabfl-updates, endpoint_url: "https://s3.example.org", region: eu-west-1}

S3 credentials come from boto3's usual sources (environment, shared credentials file), never from this
config. An `inline` entry keeps blobs in the process (tests only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sabfl.blobs.inline import InlineStore
from sabfl.blobs.ipfs import IpfsStore
from sabfl.blobs.router import BlobStores
from sabfl.blobs.s3 import S3Store
from sabfl.blobs.store import BlobStore

_KINDS = {
    "inline": {"kind"},
    "ipfs": {"kind", "api", "timeout"},
    "s3": {"kind", "bucket", "endpoint_url", "region", "timeout"},
}


def stores_from_config(entries: Sequence[Mapping[str, Any]]) -> BlobStores:
    """`BlobStores` for the config's entries, in order; unknown kinds or keys are errors."""
    return BlobStores([_store(entry) for entry in entries])


def _store(entry: Mapping[str, Any]) -> BlobStore:
    kind = entry.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"blob store kind must be one of {sorted(_KINDS)}, got {kind!r}")
    unknown = set(entry) - _KINDS[kind]
    if unknown:
        raise ValueError(f"{kind} blob store: unknown keys {sorted(unknown)}")
    options = {key: value for key, value in entry.items() if key != "kind"}
    if kind == "ipfs":
        return IpfsStore(options.pop("api"), **options)
    if kind == "s3":
        return S3Store(options.pop("bucket"), **options)
    return InlineStore()
