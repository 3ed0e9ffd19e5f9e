#!/usr/bin/env python3
"""One round's worth of blob traffic through kubo: upload, fetch-and-verify, against the inline path's cost.

For each size (1, 10, 100 MB by default): NUM_UPDATES participants' updates of synthetic float32
parameters are uploaded, participant j to daemon j mod D (D peered kubo daemons, one per validator as on the
localnet); then every validator fetches and verifies all of them from its own daemon at once (`fetch_all`,
its workers and memory budget), as in a round's scoring, and one validator scores them with the default
rule's scoring on a model of as many parameters. The inline path's sidecar cost (sha256 and the
protobuf encoding of a MsgRevealUpdate carrying the bytes) is measured on the same bytes where the chain's
16 MiB transaction bound admits them. Between sizes every blob is unpinned and the repos garbage-collected.
Writes its section of BENCHMARKS.md (between the bench-blobs markers) and prints it.

Then one round that does not fit a validator's memory budget (`--memory-size-mb`, 100 MB updates by
default): one validator reads, scores and aggregates it as its sidecar does (`bench_memory.py`, a process
per run) once with a budget the round fits and once per `--memory-budgets-mb`; its peak RSS, the
fetch-verify-decode-score throughput, and whether losses and aggregate are the same bits, in the
bench-blobs-memory section after the blob section. `--sizes-mb ""` runs only this part.

Run with the project's venv: `make bench-blobs` (or `.venv/bin/python localnet/bench_blobs.py`).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests
import torch
from bench_memory import hidden_for, mlp

from localnet import IPFS, MAX_TX_BYTES, ROOT, kubo_daemons
from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES
from sabfl.blobs import BlobRef, BlobStores, IpfsStore, fetch_all
from sabfl.fedlearn.v1 import tx_pb2
from sabfl.ml.models import ParamLayout, flatten_params
from sabfl.ml.scoring import validator_scores
from sabfl.ml.serialize import encode_flat
from sabfl.ml.train import TrainConfig

MB = 1_000_000
HEADER = (
    "| round | upload | fetch-and-verify, per validator | all validators | inline, sidecar part "
    "| scoring, per validator |\n|---|---|---|---|---|---|"
)
START, END = "<!-- bench-blobs:start -->", "<!-- bench-blobs:end -->"
MEMORY_START, MEMORY_END = "<!-- bench-blobs-memory:start -->", "<!-- bench-blobs-memory:end -->"
MEMORY_HEADER = (
    "| round | budget | read | peak RSS: scoring, whole round (before) | fetch, verify, decode and score "
    "| aggregate | losses and aggregate as at once |\n|---|---|---|---|---|---|---|"
)


def synthetic_update(size: int, seed: int) -> bytes:
    """`size` bytes of float32 parameters drawn from N(0, 0.01²): incompressible, like a real update."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(size // 4, dtype=np.float32) * np.float32(0.01)).tobytes()


def upload(stores: list[IpfsStore], count: int, size: int) -> tuple[list[BlobRef], float]:
    """Participant j uploads to daemon j mod D, the D uploads of one batch at once; returns refs and seconds
    spent in `put` (generating the parameters excluded)."""
    refs: list[BlobRef] = []
    spent = 0.0
    with cf.ThreadPoolExecutor(len(stores)) as pool:
        for first in range(0, count, len(stores)):
            batch = [synthetic_update(size, seed) for seed in range(first, min(first + len(stores), count))]
            start = time.perf_counter()
            refs += pool.map(lambda store, data: store.put(data), stores, batch)
            spent += time.perf_counter() - start
    return refs, spent


def fetch_round(
    apis: list[str], refs: list[BlobRef], workers: int, budget: int, timeout: float
) -> list[float]:
    """Every validator fetches and verifies every blob from its own daemon, all validators at once; returns
    each validator's seconds."""
    seconds = [0.0] * len(apis)
    failures: list[str] = []

    def validator(v: int) -> None:
        stores = BlobStores([IpfsStore(apis[v], timeout=timeout)])
        start = time.perf_counter()
        for result in fetch_all(stores, refs, workers, budget, timeout):
            if result.error is not None:
                failures.append(f"validator {v}: {result.error}")
        seconds[v] = time.perf_counter() - start

    threads = [threading.Thread(target=validator, args=(v,)) for v in range(len(apis))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit("bench-blobs: " + "; ".join(failures[:5]))
    return seconds


def inline_cost(size: int, repeats: int = 5) -> float | None:
    """Seconds (median of `repeats`) for the sidecar's part of the inline path on one update: sha256, then
    encoding the MsgRevealUpdate that carries it. None when the update cannot travel in one transaction."""
    if size > MAX_TX_BYTES:
        return None
    data = synthetic_update(size, 0)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        digest = hashlib.sha256(data).digest()
        message = tx_pb2.MsgRevealUpdate(
            task_id=1, round=1, sha256=digest, num_samples=1, payload=data, salt=digest
        )
        message.SerializeToString()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scoring_seconds(count: int, size: int, holdout: int = 50, classes: int = 10) -> float:
    """Seconds one validator spends scoring `count` updates of `size` bytes with the default rule's scoring
    (`validator_scores`: its reference update trained on its held-out data, then every update's loss terms),
    on a linear model with size / 4 parameters and `holdout` synthetic held-out samples."""
    features = (size // 4 - classes) // classes
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(features, classes))
    global_params = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    updates = torch.stack(
        [
            torch.from_numpy(
                np.frombuffer(synthetic_update(global_params.numel() * 4, seed), np.float32).copy()
            )
            for seed in range(count)
        ]
    )
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(holdout, features, generator=generator)
    y = torch.randint(0, classes, (holdout,), generator=generator)
    start = time.perf_counter()
    validator_scores(
        model,
        SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring,
        global_params,
        updates,
        x,
        y,
        classes,
        TrainConfig(),
        (0, 1, 0),
    )
    return time.perf_counter() - start


def release(apis: list[str], refs: list[BlobRef]) -> None:
    for api in apis:
        store = IpfsStore(api)
        for ref in refs:
            store.unpin(ref)
        requests.post(f"{api}/api/v0/repo/gc", timeout=600).raise_for_status()


def ipfs_version() -> str:
    return subprocess.run([IPFS, "version"], capture_output=True, text=True, check=True).stdout.strip()


def write_section(
    text: str, path: Path, start: str = START, end: str = END, after: str | None = None
) -> None:
    """Replace the text between `start` and `end` in `path`; a new section goes right after the line
    `after` when there is one, else at the end."""
    current = path.read_text()
    block = f"{start}\n{text}\n{end}"
    if start in current:
        current = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, current, flags=re.S)
    elif after is not None and after in current:
        current = current.replace(after, f"{after}\n\n{block}", 1)
    else:
        current = current.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(current)


def memory_round(stores: list[IpfsStore], count: int, size: int, scratch: Path) -> tuple[Path, list[BlobRef]]:
    """Upload θ_t and `count` updates of the `bench_memory` MLP of about `size` bytes (canonical bytes,
    parameters from N(0, 0.01²)), participant j to daemon j mod D; the round's JSON file and its refs."""
    hidden = hidden_for(size)
    model = mlp(hidden)
    shapes = ParamLayout.of(model).shapes
    rng = np.random.default_rng(0)
    base = stores[0].put(encode_flat(flatten_params(model).numpy(), shapes))
    refs = [base]
    for j in range(count):
        values = rng.standard_normal(sum(int(np.prod(s)) for s in shapes), dtype=np.float32)
        refs.append(stores[j % len(stores)].put(encode_flat(values * np.float32(0.01), shapes)))
    path = scratch / "memory-round.json"
    path.write_text(
        json.dumps(
            {"hidden": hidden, "base": list(ref_fields(base)), "updates": [ref_fields(r) for r in refs[1:]]}
        )
    )
    return path, refs


def ref_fields(ref: BlobRef) -> tuple[str, int, str]:
    return ref.sha256.hex(), ref.size, ref.locator


def validator_run(api: str, round_file: Path, budget: int, workers: int, timeout: float) -> dict:
    """One validator's round in a process of its own (`bench_memory.py`)."""
    command = [sys.executable, str(Path(__file__).with_name("bench_memory.py")), "--api", api]
    command += ["--round", str(round_file), "--budget", str(budget), "--workers", str(workers)]
    command += ["--timeout", str(timeout)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def memory_rows(apis: list[str], args: argparse.Namespace, scratch: Path) -> list[tuple[str, ...]]:
    """The round of `--memory-size-mb` updates read at once and within each of `--memory-budgets-mb`."""
    stores = [IpfsStore(api, timeout=args.timeout) for api in apis]
    size = args.memory_size_mb * MB
    total_mb = args.updates * size / MB
    round_file, refs = memory_round(stores, args.updates, size, scratch)
    runs = [("≥ the round", 1 << 40)] + [
        (f"{b} MiB", b << 20) for b in (int(b) for b in args.memory_budgets_mb.split(","))
    ]
    rows, reference = [], None
    for label, budget in runs:
        run = validator_run(apis[0], round_file, budget, args.workers, args.timeout)
        if run["unavailable"]:
            sys.exit(f"bench-blobs: {run['unavailable']} updates unavailable with budget {label}")
        reference = reference or (run["losses"], run["aggregate"])
        rows.append(
            (
                f"{args.updates} × {args.memory_size_mb} MB",
                label,
                run["read"],
                f"{run['peak_rss_scoring'] / 2**20:.0f}, {run['peak_rss'] / 2**20:.0f} MiB "
                f"({run['resident_before'] / 2**20:.0f} MiB)",
                f"{total_mb / run['score_seconds']:.0f} MB/s ({run['score_seconds']:.1f} s)",
                f"{run['aggregate_seconds']:.1f} s",
                "yes" if (run["losses"], run["aggregate"]) == reference else "NO",
            )
        )
        print(rows[-1], flush=True)
    release(apis, refs)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes-mb", default="1,10,100")
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--daemons", type=int, default=4, help="kubo daemons, one per validator")
    parser.add_argument("--workers", type=int, default=4, help="fetch_all workers per validator")
    parser.add_argument("--budget-mb", type=int, default=256, help="fetch_all memory budget per validator")
    parser.add_argument("--port-base", type=int, default=4700)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--memory-size-mb", type=int, default=100, help="0: no memory-budget round")
    parser.add_argument("--memory-budgets-mb", default="1024,512", help="validator budgets, MiB")
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()

    rows, memory = [], []
    scoring_seconds(2, MB)  # the first scoring pays torch's one-time set-up: not a round's cost
    with tempfile.TemporaryDirectory(prefix="bench-blobs-") as scratch:
        with kubo_daemons(Path(scratch), args.daemons, args.port_base) as apis:
            stores = [IpfsStore(api, timeout=args.timeout) for api in apis]
            for size_mb in (int(s) for s in args.sizes_mb.split(",") if s):
                size = size_mb * MB
                total_mb = args.updates * size / MB
                refs, up_seconds = upload(stores, args.updates, size)
                seconds = fetch_round(apis, refs, args.workers, args.budget_mb * MB, args.timeout)
                inline = inline_cost(size)
                release(apis, refs)
                scored = scoring_seconds(args.updates, size)
                rows.append(
                    (
                        f"{args.updates} × {size_mb} MB",
                        f"{total_mb / up_seconds:.0f} MB/s ({up_seconds:.1f} s)",
                        f"{total_mb / max(seconds):.0f} MB/s ({max(seconds):.1f} s)",
                        f"{args.daemons * total_mb / max(seconds):.0f} MB/s",
                        "does not fit a tx" if inline is None else f"{size / MB / inline:.0f} MB/s",
                        f"{total_mb / scored:.0f} MB/s ({scored:.1f} s)",
                    )
                )
                print(rows[-1], flush=True)
            if args.memory_size_mb:
                memory = memory_rows(apis, args, Path(scratch))

    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    version = ipfs_version()
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    text = f"""## Blob store: one round's updates through kubo (`make bench-blobs`)

`{" ".join(["python", "localnet/bench_blobs.py", *sys.argv[1:]])}` (part of `make bench-blobs`), {date}.
Machine: {os.cpu_count()} cores ({cpu}), shared with other jobs; {version},
Python {platform.python_version()}; one run.

{args.daemons} peered kubo daemons on one host (one per validator, as on the localnet). Upload: participant j
puts its update on daemon j mod {args.daemons}, {args.daemons} participants at once (CIDv1, raw leaves,
pinned). Fetch-and-verify: all {args.daemons} validators at once, each fetching all {args.updates} updates
from its own daemon with `fetch_all` ({args.workers} workers, {args.budget_mb} MB budget), sha256 and size
checked; per validator = all its updates / its wall time (the slowest validator's); all validators = the
bytes all validators verified / that time. Inline: the sidecar's part of the inline path for one update
(sha256 and encoding its MsgRevealUpdate; median of 5), where the 16 MiB transaction bound admits it; on
chain the inline path moved 100 × 1 MB at ≈ 0.47 MB/s (issue 9's measurement).

Every daemon ends a round holding a copy of every update (≈ 2 GB each at 100 MB); the benchmark unpins and
garbage-collects between sizes. Before `IpfsStore` asked a silent `cat` again (after `stall_seconds`, 10 s),
the 100 MB round failed twice: some validators' bitswap sessions stopped receiving for over 300 s although
all three peers held the wanted blocks; with the re-ask it completes.

Scoring: one validator scores the round's {args.updates} updates with the default rule's scoring
(`validator_scores`: its reference update trained on 50 held-out samples, then each update's loss terms) on
a linear model with as many float32 parameters as an update has; per validator = the round's bytes / that
time. It is the round's other cost beside fetching: a round takes about fetch + scoring.

{HEADER}
{table}"""
    if rows:
        write_section(text, args.out)
        print(text)
    if memory:
        text = memory_section(args, memory, date, f"{os.cpu_count()} cores ({cpu})")
        write_section(text, args.out, MEMORY_START, MEMORY_END, after=END)
        print(text)


def memory_section(args: argparse.Namespace, rows: list[tuple[str, ...]], date: str, machine: str) -> str:
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    hidden = hidden_for(args.memory_size_mb * MB)
    return f"""### A round over a validator's memory budget

`{shlex.join(["python", "localnet/bench_blobs.py", *sys.argv[1:]])}` (part of `make bench-blobs`), {date}.
Machine: {machine}, shared with other jobs (load average {os.getloadavg()[0]:.1f} as the runs ended:
throughputs vary with it); one run.

One validator (a process of its own, one torch thread as `sabfl validator run`) serves a round of
{args.updates} updates of {args.memory_size_mb} MB by reference from its kubo daemon (one of
{args.daemons}, updates uploaded to daemon j mod {args.daemons}) as its sidecar does: `open_round` reads
θ_t and, when the decoded round fits `blob_memory_bytes`, every update at once; otherwise
(`sabfl.roles.stream`) it fetches, verifies, decodes and scores the updates in batches, and reads them
again in batches to build the aggregate. The model is an MLP 64 → {hidden:,} → 10 ({75 * hidden + 10:,}
float32 parameters) on 50 synthetic held-out samples, scored with the default rule (its reference update
trained first). Peak RSS is the process's VmHWM once every update is scored and once the aggregate is
built (in brackets: its RSS before the round: the interpreter, torch after a warm-up, the model). Fetch,
verify, decode and score = the round's bytes / the time from reading θ_t to the last score (including the
reference update's training); aggregate = the time to build θ_{{t+1}} after that (a second read of every
update of positive weight when streamed). Every run's revealed losses and aggregate sha256 are compared
with the round read at once.

The budget bounds the round's data, not the process: compare peak − before with it. Scoring one update
needs about six update-sized buffers (θ_t, the reference update, the update, and three temporaries of
the direction term), so a smaller budget cannot be met: the validator warns and reads one update at a time.

{MEMORY_HEADER}
{table}"""


if __name__ == "__main__":
    main()
