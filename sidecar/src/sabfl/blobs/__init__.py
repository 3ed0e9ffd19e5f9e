"""Model and update bytes off chain: the chain binds sha256 and size, a store keeps the bytes.

The roles call:
- `stores_from_config(entries)` or `BlobStores([IpfsStore(api), S3Store(bucket, …), …])`: the operator's
  allowed stores;
- `stores.put(data) -> BlobRef` (first store), `stores.get(ref, max_bytes, timeout) -> bytearray` (verified),
  `stores.pin(ref)`, `stores.unpin(ref)`;
- `fetch_all(stores, refs, workers, memory_budget_bytes, timeout)`: a round's blobs, concurrently, within a
  memory budget, one `Fetched` (bytes or `BlobError`) per reference;
- `check_locator(locator)`: the chain's syntax check.

Locators: `ipfs://<CIDv1 base32, or CIDv0>` (kubo; no path, no IPNS), `s3://<bucket>/<sha256 hex>` (only the
operator's buckets, and only the key that is the reference's own sha256), `inline://<sha256 hex>` (this
process's memory, tests only). Anything else is refused before any request is made.
"""

from sabfl.blobs.config import stores_from_config
from sabfl.blobs.errors import BlobError, BlobMismatch, BlobTooLarge, BlobUnavailable, LocatorRefused
from sabfl.blobs.fetch import Fetched, fetch_all
from sabfl.blobs.inline import InlineStore
from sabfl.blobs.ipfs import IpfsStore
from sabfl.blobs.ref import MAX_BLOB_BYTES, MAX_LOCATOR_LENGTH, BlobRef, check_locator
from sabfl.blobs.router import BlobStores
from sabfl.blobs.s3 import S3Store
from sabfl.blobs.store import BlobStore

__all__ = [
    "MAX_BLOB_BYTES",
    "MAX_LOCATOR_LENGTH",
    "BlobError",
    "BlobMismatch",
    "BlobRef",
    "BlobStore",
    "BlobStores",
    "BlobTooLarge",
    "BlobUnavailable",
    "Fetched",
    "InlineStore",
    "IpfsStore",
    "LocatorRefused",
    "S3Store",
    "check_locator",
    "fetch_all",
    "stores_from_config",
]
