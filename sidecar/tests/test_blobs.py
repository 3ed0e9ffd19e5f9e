"""The blob store layer against real engines: a kubo daemon (two, peered, for fetching from another node)
started by the fixtures, an in-process inline store, and a SeaweedFS S3 server when one was built."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests
from blob_servers import WEED, kubo_available, kubo_daemons, seaweed_s3

from sabfl.blobs import (
    BlobError,
    BlobMismatch,
    BlobRef,
    BlobStores,
    BlobTooLarge,
    BlobUnavailable,
    InlineStore,
    IpfsStore,
    LocatorRefused,
    S3Store,
    check_locator,
    fetch_all,
    stores_from_config,
)

# Test ports: kubo daemons from KUBO_PORT (swarm, API, gateway; the second daemon 10 above), the S3 server
# from S3_PORT (S3, master, volume, filer).
KUBO_PORT = int(os.environ.get("SABFL_TEST_KUBO_PORT", "4500"))
S3_PORT = int(os.environ.get("SABFL_TEST_S3_PORT", "4600"))
BUCKET = "sabfl-test"
TIMEOUT = 10.0

needs_kubo = pytest.mark.skipif(not kubo_available(), reason="no kubo binary: run `make blob-tools`")


@pytest.fixture(scope="module")
def kubo_apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    if not kubo_available():
        pytest.skip("no kubo binary: run `make blob-tools`")
    with kubo_daemons(tmp_path_factory.mktemp("kubo"), 2, KUBO_PORT) as apis:
        yield apis


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not WEED.exists():
        pytest.skip(f"no S3 server: {WEED} was not built (see the Makefile's weed target)")
    with seaweed_s3(tmp_path_factory.mktemp("s3") / "weed", S3_PORT) as endpoint:
        store = S3Store(BUCKET, endpoint_url=endpoint, access_key="any", secret_key="any")
        store._client.create_bucket(Bucket=BUCKET)
        yield endpoint


# A forger stores `data` where a reference claiming (sha256, size) points: the bytes a dishonest uploader
# serves under its reference.
Forge = Callable[[bytes, int, bytes], BlobRef]


@pytest.fixture(params=["inline", "ipfs", "s3"])
def backend(request: pytest.FixtureRequest) -> tuple[object, Forge]:
    if request.param == "inline":
        store = InlineStore()
    elif request.param == "ipfs":
        store = IpfsStore(request.getfixturevalue("kubo_apis")[0], timeout=TIMEOUT)
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        store = S3Store(BUCKET, endpoint_url=endpoint, access_key="any", secret_key="any", timeout=TIMEOUT)

    def forge(claimed_sha256: bytes, claimed_size: int, data: bytes) -> BlobRef:
        if isinstance(store, S3Store):
            store._client.put_object(Bucket=BUCKET, Key=claimed_sha256.hex(), Body=data)
            return BlobRef(claimed_sha256, claimed_size, f"s3://{BUCKET}/{claimed_sha256.hex()}")
        return BlobRef(claimed_sha256, claimed_size, store.put(data).locator)

    return store, forge


def blob(size: int, seed: int = 0) -> bytes:
    return hashlib.shake_256(f"{seed}".encode()).digest(size)


def test_locator_syntax_matches_the_chain() -> None:
    for good in ["ipfs://bafkreia", "s3://bucket/key", "a+b.c-d://x", "x://" + "y" * 252]:
        check_locator(good)
    for bad in [
        "",
        "ipfs:/x",
        "IPFS://x",
        "1pfs://x",
        "ipfs://",
        "ipfs://a b",
        "ipfs://x\n",
        "ipfs://é",
        "x://" + "y" * 253,
        "http//x",
    ]:
        with pytest.raises(LocatorRefused):
            check_locator(bad)


def test_ref_bounds_mirror_the_chain() -> None:
    with pytest.raises(ValueError):
        BlobRef(b"\0" * 32, 0, "ipfs://x")
    with pytest.raises(ValueError):
        BlobRef(b"\0" * 31, 1, "ipfs://x")
    with pytest.raises(LocatorRefused):
        BlobRef(b"\0" * 32, 1, "no-scheme")


def test_round_trip(backend: tuple[object, Forge]) -> None:
    store, _ = backend
    data = blob(3 << 20)
    ref = store.put(data)
    assert ref.sha256 == hashlib.sha256(data).digest() and ref.size == len(data)
    assert store.accepts(ref.locator)
    assert bytes(store.get(ref, ref.size, TIMEOUT)) == data


def test_hash_mismatch(backend: tuple[object, Forge]) -> None:
    store, forge = backend
    data = blob(1000, seed=1)
    ref = forge(hashlib.sha256(b"other").digest(), len(data), data)
    with pytest.raises(BlobMismatch, match="sha256"):
        store.get(ref, ref.size, TIMEOUT)


def test_more_bytes_than_declared(backend: tuple[object, Forge]) -> None:
    store, forge = backend
    data = blob(5000, seed=2)
    ref = forge(hashlib.sha256(data[:4000]).digest(), 4000, data)
    with pytest.raises(BlobTooLarge, match="more than its declared 4000"):
        store.get(ref, ref.size, TIMEOUT)


def test_fewer_bytes_than_declared(backend: tuple[object, Forge]) -> None:
    store, forge = backend
    data = blob(5000, seed=3)
    ref = forge(hashlib.sha256(data + b"x").digest(), 5001, data)
    with pytest.raises(BlobMismatch, match="has 5000 bytes"):
        store.get(ref, ref.size, TIMEOUT)


def test_declared_size_over_the_limit_is_refused_before_any_transfer(backend: tuple[object, Forge]) -> None:
    store, _ = backend
    ref = store.put(blob(2000, seed=4))
    with pytest.raises(BlobTooLarge, match="over the limit of 1999"):
        store.get(ref, 1999, TIMEOUT)


def test_unpin_lets_the_blob_go(backend: tuple[object, Forge]) -> None:
    store, _ = backend
    ref = store.put(blob(4000, seed=5))
    store.pin(ref)
    store.unpin(ref)
    store.unpin(ref)  # a second unpin is not an error
    if isinstance(store, IpfsStore):
        requests.post(f"{store.api_url}/api/v0/repo/gc", timeout=TIMEOUT).raise_for_status()
    with pytest.raises(BlobUnavailable):
        store.get(ref, ref.size, 1.0)


@needs_kubo
def test_ipfs_pins_what_it_puts(kubo_apis: list[str]) -> None:
    store = IpfsStore(kubo_apis[0], timeout=TIMEOUT)
    ref = store.put(blob(1000, seed=6))
    cid = ref.locator.removeprefix("ipfs://")

    def pinned() -> bool:
        reply = requests.post(f"{store.api_url}/api/v0/pin/ls", params={"arg": cid}, timeout=TIMEOUT)
        return reply.status_code == 200 and cid in reply.json()["Keys"]

    assert pinned()
    store.unpin(ref)
    assert not pinned()
    store.pin(ref)
    assert pinned()
    requests.post(f"{store.api_url}/api/v0/repo/gc", timeout=TIMEOUT).raise_for_status()
    assert bytes(store.get(ref, ref.size, TIMEOUT)) == blob(1000, seed=6)


@needs_kubo
def test_ipfs_fetches_from_the_peered_daemon(kubo_apis: list[str]) -> None:
    uploader, fetcher = (IpfsStore(api, timeout=TIMEOUT) for api in kubo_apis)
    data = blob(2 << 20, seed=7)
    ref = uploader.put(data)
    assert bytes(fetcher.get(ref, ref.size, TIMEOUT)) == data


@needs_kubo
def test_ipfs_unavailable_cid_times_out(kubo_apis: list[str]) -> None:
    store = IpfsStore(kubo_apis[0], timeout=TIMEOUT)
    data = blob(1000, seed=8)
    reply = requests.post(
        f"{store.api_url}/api/v0/add",
        params={"only-hash": "true", "cid-version": "1", "raw-leaves": "true", "quieter": "true"},
        files={"file": data},
        timeout=TIMEOUT,
    )
    ref = BlobRef(hashlib.sha256(data).digest(), len(data), f"ipfs://{reply.json()['Hash']}")
    start = time.monotonic()
    with pytest.raises(BlobUnavailable):
        store.get(ref, ref.size, 1.0)
    assert time.monotonic() - start < 5.0


def test_unreachable_daemon_is_unavailable() -> None:
    store = IpfsStore("http://127.0.0.1:9", timeout=1.0)
    ref = BlobRef(b"\0" * 32, 10, "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")
    with pytest.raises(BlobUnavailable):
        store.get(ref, ref.size, 1.0)


def test_only_allowed_stores_are_asked() -> None:
    inline = InlineStore()
    stores = BlobStores(
        [inline, S3Store(BUCKET, endpoint_url="http://127.0.0.1:9", access_key="a", secret_key="a")]
    )
    ref = stores.put(b"payload")
    assert stores.get(ref, ref.size, TIMEOUT) == b"payload"
    sha = ref.sha256
    for locator in [
        "https://example.org/blob",
        "file:///etc/passwd",
        "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",  # no IPFS store configured
        f"s3://other-bucket/{sha.hex()}",
        f"s3://{BUCKET}/../{sha.hex()}",
        f"inline://{sha.hex()}/x",
    ]:
        with pytest.raises(LocatorRefused):
            stores.get(BlobRef(sha, ref.size, locator), ref.size, TIMEOUT)
    # An allowed bucket, but a key that is not the reference's sha256.
    with pytest.raises(LocatorRefused, match="key"):
        stores.get(BlobRef(sha, 7, f"s3://{BUCKET}/{'0' * 64}"), 7, TIMEOUT)


@needs_kubo
def test_ipfs_refuses_paths_and_other_names(kubo_apis: list[str]) -> None:
    store = IpfsStore(kubo_apis[0], timeout=TIMEOUT)
    cid = store.put(b"payload").locator.removeprefix("ipfs://")
    for locator in [f"ipfs://{cid}/etc", f"ipfs://{cid}?arg=x", "ipfs://QmNotACid", f"ipns://{cid}"]:
        assert not store.accepts(locator)
        with pytest.raises(LocatorRefused):
            store.get(BlobRef(b"\0" * 32, 7, locator), 7, TIMEOUT)


class Recording:
    """An InlineStore whose gets take `delay` seconds and record the concurrency and the bytes held."""

    def __init__(self, delay: float) -> None:
        self.store = InlineStore()
        self.delay = delay
        self.lock = threading.Lock()
        self.running = self.most_running = 0
        self.held = self.most_held = 0

    def accepts(self, locator: str) -> bool:
        return self.store.accepts(locator)

    def get(self, ref: BlobRef, max_bytes: int, timeout: float) -> bytearray:
        with self.lock:
            self.running += 1
            self.held += ref.size
            self.most_running = max(self.most_running, self.running)
            self.most_held = max(self.most_held, self.held)
        try:
            time.sleep(self.delay)
            return self.store.get(ref, max_bytes, timeout)
        finally:
            with self.lock:
                self.running -= 1

    def consumed(self, ref: BlobRef) -> None:
        with self.lock:
            self.held -= ref.size


def test_fetch_all_stays_within_its_memory_budget() -> None:
    recording = Recording(delay=0.05)
    stores = BlobStores([recording])
    refs = [recording.store.put(blob(300_000, seed=i)) for i in range(10)]
    seen = set()
    for result in fetch_all(stores, refs, workers=4, memory_budget_bytes=1_000_000, timeout=TIMEOUT):
        assert result.error is None and bytes(result.data) == blob(300_000, seed=result.index)
        seen.add(result.index)
        time.sleep(0.02)  # scoring: the budget must hold the result until the consumer moves on
        recording.consumed(result.ref)
    assert seen == set(range(10))
    assert recording.most_held <= 1_000_000
    assert recording.most_running == 3  # a fourth 300 KB blob would exceed the budget


def test_fetch_all_runs_its_workers_concurrently() -> None:
    recording = Recording(delay=0.3)
    stores = BlobStores([recording])
    refs = [recording.store.put(blob(1000, seed=i)) for i in range(8)]
    start = time.monotonic()
    results = list(fetch_all(stores, refs, workers=4, memory_budget_bytes=1 << 20, timeout=TIMEOUT))
    assert len(results) == 8 and all(r.error is None for r in results)
    assert recording.most_running == 4
    assert time.monotonic() - start < 8 * 0.3 / 2


def test_fetch_all_reports_each_bad_blob_and_delivers_the_rest() -> None:
    store = InlineStore()
    stores = BlobStores([store])
    good = [store.put(blob(1000, seed=i)) for i in range(3)]
    missing = BlobRef(b"\1" * 32, 1000, f"inline://{'1' * 64}")
    mismatching = BlobRef(b"\2" * 32, 1000, good[0].locator)
    refused = BlobRef(b"\3" * 32, 1000, "https://example.org/x")
    over_budget = BlobRef(b"\4" * 32, 5000, good[1].locator)
    refs = [good[0], missing, mismatching, good[1], refused, over_budget, good[2]]
    results = {
        r.index: r for r in fetch_all(stores, refs, workers=2, memory_budget_bytes=4000, timeout=TIMEOUT)
    }
    assert sorted(results) == list(range(len(refs)))
    for index, kind in [(1, BlobUnavailable), (2, BlobMismatch), (4, LocatorRefused), (5, BlobTooLarge)]:
        assert isinstance(results[index].error, kind) and results[index].data is None
    for index, ref in [(0, good[0]), (3, good[1]), (6, good[2])]:
        assert results[index].error is None and hashlib.sha256(results[index].data).digest() == ref.sha256
    assert all(isinstance(r.error, BlobError) for r in results.values() if r.error is not None)


@needs_kubo
def test_fetch_all_from_kubo(kubo_apis: list[str]) -> None:
    uploader = IpfsStore(kubo_apis[0], timeout=TIMEOUT)
    stores = BlobStores([IpfsStore(kubo_apis[1], timeout=TIMEOUT)])
    refs = [uploader.put(blob(200_000, seed=100 + i)) for i in range(6)]
    results = list(fetch_all(stores, refs, workers=3, memory_budget_bytes=500_000, timeout=TIMEOUT))
    assert sorted(r.index for r in results) == list(range(6))
    assert all(r.error is None and bytes(r.data) == blob(200_000, seed=100 + r.index) for r in results)


def test_config_names_the_allowed_stores_in_order() -> None:
    stores = stores_from_config(
        [
            {"kind": "inline"},
            {"kind": "ipfs", "api": "http://127.0.0.1:9", "timeout": 1},
            {"kind": "s3", "bucket": BUCKET},
        ]
    )
    assert [type(s) for s in stores.stores] == [InlineStore, IpfsStore, S3Store]
    assert stores.put(b"x").locator.startswith("inline://")
    assert isinstance(stores.store_for(f"s3://{BUCKET}/{'0' * 64}"), S3Store)
    for bad in [{"kind": "http"}, {"kind": "ipfs", "api": "http://x", "url": "http://y"}]:
        with pytest.raises(ValueError):
            stores_from_config([bad])
