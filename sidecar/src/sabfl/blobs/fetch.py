"""Fetching a round's blobs concurrently within a memory budget."""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sabfl.blobs.errors import BlobError, BlobTooLarge
from sabfl.blobs.ref import BlobRef
from sabfl.blobs.router import BlobStores


@dataclass(frozen=True)
class Fetched:
    """The outcome for `refs[index]`: its verified bytes, or the `BlobError` that makes it a broken blob."""

    index: int
    ref: BlobRef
    data: bytearray | None
    error: BlobError | None


def fetch_all(
    stores: BlobStores,
    refs: Sequence[BlobRef],
    workers: int,
    memory_budget_bytes: int,
    timeout: float,
) -> Iterator[Fetched]:
    """Fetch and verify every reference, yielding one `Fetched` per reference in completion order.

    At most `workers` fetches run at once, and the declared sizes of the blobs being fetched plus the one
    just yielded never exceed `memory_budget_bytes`: a blob's bytes count until the consumer asks for the
    next result, so the consumer must score (or copy out) a result before taking the next one. Fetches start
    in the order of `refs`; one that does not fit waits for earlier ones to be consumed. A reference larger
    than the whole budget, and every failure of one blob (unavailable, refused, mismatching, too large), is
    yielded as its `error`; nothing is raised for one bad blob. `timeout` bounds each fetch.
    """
    if workers < 1 or memory_budget_bytes < 1:
        raise ValueError("fetch_all needs at least one worker and a positive memory budget")
    pending = list(enumerate(refs))
    pending.reverse()
    running: dict[cf.Future[bytearray], tuple[int, BlobRef]] = {}
    reserved = 0
    with cf.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="blob-fetch") as pool:
        try:
            while pending or running:
                while pending and len(running) < workers:
                    index, ref = pending[-1]
                    if ref.size > memory_budget_bytes:
                        pending.pop()
                        yield Fetched(index, ref, None, BlobTooLarge(_over_budget(ref, memory_budget_bytes)))
                        continue
                    if reserved + ref.size > memory_budget_bytes:
                        break
                    pending.pop()
                    reserved += ref.size
                    running[pool.submit(stores.get, ref, ref.size, timeout)] = (index, ref)
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                while done:
                    # Drop every reference to a finished future before yielding: its bytes must live only in
                    # the result the consumer holds.
                    future = done.pop()
                    index, ref = running.pop(future)
                    error = future.exception()
                    if error is not None and not isinstance(error, BlobError):
                        raise error
                    if error is not None:
                        # Its traceback holds the reading frame, and so the partly filled buffer.
                        error = error.with_traceback(None)
                    result = Fetched(index, ref, None if error else future.result(), error)
                    del future
                    yield result
                    del result
                    reserved -= ref.size
        finally:
            for future in running:
                future.cancel()


def _over_budget(ref: BlobRef, budget: int) -> str:
    return f"{ref.locator} declares {ref.size} bytes, over the fetch memory budget of {budget}"
