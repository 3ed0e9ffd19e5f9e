#!/usr/bin/env python3
"""Ingest and scale of rounds through the chain — issue 10's P3 and P5.

P3 (ingest): updates per second and MB per second that reach FINALIZED, against the number of
participants and the update's size, inline and by reference. A task's round counts from its first block
to the block that finalized it (block times), the whole pipeline included: commitments, update reveals,
scoring, loss commit and reveal, aggregate, attest. Updates per second = the round's finalized updates ÷
those seconds; MB per second = that × the update's canonical bytes. The model is the built-in `mlp` on
digits with a hidden width giving ≈ 25,000 or ≈ 250,000 float32 parameters (100 KB, 1 MB updates); the
participants (`sabfl participant run`) really train and sign their txs. Inline or by reference is the
chain's `max_inline_bytes`, set in the localnet's genesis: 2 MiB (both sizes inline) or 64 KiB (both
by reference, through the validators' kubo daemons). One localnet per mode with 4 validators and their
sidecars (`sabfl.roles.demo.start_network`), the tasks one after another (`demo.run_task`); a task that
does not finish in time ends its mode's grid (the larger ones would not either).

P5 (scale): the same runs' round time (seconds and blocks) against participants; and the demo task on
the demo's localnet (`demo.start_network`): the application state's size (`sabfld export` of a copy of
node3's home taken while the node was stopped for a moment, and of the stopped node at the end; the
JSON's bytes and its fedlearn module's part) and node3's data directory on disk (`du`) after a number of
finalized rounds.

Writes the bench-scale section of BENCHMARKS.md and prints it. `make bench-scale` (or `make bench-quick`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import torch
from bench_rounds import spread

from sabfl.benchdoc import write_section
from sabfl.fedlearn.v1 import query_pb2, round_pb2
from sabfl.ml.models import model_ref
from sabfl.roles import demo
from sabfl.roles.spec import TaskSpec
from sabfl.roles.tasks import RoundRow, creator_client, spec_path

ROOT = Path(__file__).resolve().parent.parent
SABFLD = os.environ.get("SABFLD", str(ROOT / "build" / "bin" / "sabfld"))
# mlp on digits (64 inputs, 10 classes) has 75 h + 10 parameters: h = 333 → 24,985 (99,940 bytes),
# h = 3,333 → 249,985 (999,940 bytes).
HIDDEN = {"100 KB": 333, "1 MB": 3333}
MAX_INLINE = {"inline": 2 << 20, "by reference": 64 << 10}
# Phases end as soon as all has arrived; the long SUBMIT and UPDATE_REVEAL leave 100 participants time to
# train and send their txs.
PHASES = (100, 100, 40, 40, 40, 40)
SNAPSHOT_NODE = 3  # the node stopped and copied for its state: 3 of 4 validators keep the chain going


@dataclass(frozen=True)
class Grid:
    participants: tuple[int, ...]
    sizes: tuple[str, ...]
    modes: tuple[str, ...]
    rounds: int  # per task; the first round (the participants' process start-up) is left out
    timeout: float  # seconds per task
    state_rounds: tuple[int, ...]


FULL = Grid((10, 25, 50, 100), ("100 KB", "1 MB"), ("inline", "by reference"), 2, 300.0, (10, 50, 100))
QUICK = Grid((10, 25), ("100 KB",), ("inline",), 2, 180.0, (3, 6))


def scale_spec(participants: int, size: str, rounds: int) -> TaskSpec:
    """The demo task with `participants` participants (iid shards, so that none is empty), the mlp of the
    given update size, `rounds` rounds and every participant's update admitted."""
    base = TaskSpec.from_yaml(spec_path("demo-task"))
    ref = model_ref("mlp")
    model = {
        "entry_point": ref.target,
        "distribution": ref.distribution,
        "version": ref.version,
        "params": {"hidden": HIDDEN[size]},
    }
    experiment = dataclasses.replace(base.experiment, participants=participants, model=model, partition="iid")
    return dataclasses.replace(
        base, experiment=experiment, rounds=rounds, phases=PHASES, max_updates_per_round=participants
    )


def run_args(offset: int, timeout: float, net: Path | None) -> argparse.Namespace:
    """What demo.start_network and demo.run_task read: no attackers."""
    return argparse.Namespace(
        byzantine=0.0,
        attack="none",
        timeout=timeout,
        port_offset=offset,
        data_seed=demo.DATA_SEED,
        localnet=net,
        validator_exec="",
    )


def start_localnet(net: Path, participants: int, max_inline: int, offset: int) -> None:
    """A fresh 4-validator localnet funding `participants` accounts, its genesis' max_inline_bytes set."""
    demo.localnet("reset", "--dir", str(net))
    demo.localnet(
        "init", "--dir", str(net), "--participants", str(participants), "--port-offset", str(offset)
    )
    for node in json.loads((net / "keys.json").read_text())["nodes"]:
        path = Path(node["home"]) / "config" / "genesis.json"
        genesis = json.loads(path.read_text())
        genesis["app_state"]["fedlearn"]["params"]["max_inline_bytes"] = str(max_inline)
        path.write_text(json.dumps(genesis, indent=2) + "\n")
    demo.localnet("start", "--dir", str(net))


def update_bytes(size: str) -> int:
    return 4 * (75 * HIDDEN[size] + 10)


def ingest(out: Path, grid: Grid, offset: int) -> dict[tuple[str, str, int], dict]:
    """P3 and P5's round times: for each mode, a localnet and its tasks; results by (mode, size, n)."""
    results: dict[tuple[str, str, int], dict] = {}
    for mode in grid.modes:
        net = out / mode.replace(" ", "-") / "localnet"
        validators = demo.Processes()
        try:
            start_localnet(net, max(grid.participants), MAX_INLINE[mode], offset)
            args = run_args(offset, grid.timeout, net)
            keys_file = demo.start_network(net.parent, scale_spec(10, grid.sizes[0], 1), validators, args)
            for size in grid.sizes:
                for n in grid.participants:
                    key = (mode, size, n)
                    print(f"bench-scale: {mode}, {size}, {n} participants", flush=True)
                    task_out = net.parent / f"{size.replace(' ', '')}-{n}"
                    results[key] = one_task(task_out, keys_file, grid, key, offset)
                    if "timeout" in results[key]:
                        break
                if any("timeout" in results.get((mode, size, n), {}) for n in grid.participants):
                    break
        finally:
            validators.stop()
            demo.localnet("stop", "--dir", str(net))
    return results


def one_task(out: Path, keys_file: Path, grid: Grid, key: tuple[str, str, int], offset: int) -> dict:
    """One task's finalized rounds after its first, or the timeout it hit."""
    mode, size, n = key
    spec = scale_spec(n, size, grid.rounds)
    out.mkdir(parents=True, exist_ok=True)
    participants = demo.Processes()
    started = time.monotonic()
    try:
        run = demo.run_task(out, keys_file, spec, run_args(offset, grid.timeout, None), participants)
    except TimeoutError:
        return {"timeout": grid.timeout}
    finally:
        participants.stop()
    rows = [r for r in run.rows[1:] if r.phase == "FINALIZED"]
    return {"rows": rows, "measured": len(run.rows) - 1, "wall": time.monotonic() - started}


class Snapshots(threading.Thread):
    """Copies node3's home (without its kubo repo) each time the task's finalized rounds reach the next
    of `targets`, stopping the node for the copy (3 of 4 validators keep the chain going), and notes the
    height."""

    def __init__(self, keys_file: Path, out: Path, targets: tuple[int, ...]) -> None:
        super().__init__(daemon=True)
        self.keys_file, self.out, self.targets = keys_file, out, list(targets)
        self.taken: dict[int, tuple[Path, int]] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        home = node_home(self.keys_file)
        with creator_client(self.keys_file) as client:
            while self.targets and not self.stopped.wait(1.0):
                rounds = client.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=1)).rounds
                finalized = sum(r.phase == round_pb2.ROUND_PHASE_FINALIZED for r in rounds)
                if finalized >= self.targets[0]:
                    target = self.targets.pop(0)
                    height = client.height()
                    self.taken[target] = (copy_stopped(home, self.out / f"rounds-{target}"), height)


def node_home(keys_file: Path) -> Path:
    return Path(json.loads(keys_file.read_text())["nodes"][SNAPSHOT_NODE]["home"])


def copy_stopped(home: Path, dest: Path) -> Path:
    """A copy of a node's home taken while the node is stopped (SIGTERM, as `localnet.py stop`), then the
    node started again (`localnet.py start --node`); a copy of a running or paused node does not export."""
    pid = int((home / "sabfld.pid").read_text())
    os.killpg(pid, signal.SIGTERM)
    while Path(f"/proc/{pid}").exists() and "zombie" not in status_of(pid):
        time.sleep(0.1)
    (home / "sabfld.pid").unlink()  # a zombie still answers kill(pid, 0): `start` would take it for running
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(home, dest, ignore=shutil.ignore_patterns("ipfs", "sabfld.pid", "sabfld.log"))
    demo.localnet("start", "--dir", str(home.parent), "--node", home.name)
    return dest


def status_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def state_of(home: Path) -> dict:
    """The exported state's JSON bytes, its fedlearn module's part, and the data directory's disk use."""
    document = home / "export.json"
    subprocess.run(
        [SABFLD, "export", "--home", str(home), "--output-document", str(document)],
        check=True,
        capture_output=True,
    )
    state = json.loads(document.read_text())
    fedlearn = len(json.dumps(state["app_state"]["fedlearn"], separators=(",", ":")))
    disk = subprocess.run(["du", "-sk", str(home / "data")], check=True, capture_output=True, text=True)
    document.unlink()
    return {
        "export": len(json.dumps(state, separators=(",", ":"))),
        "fedlearn": fedlearn,
        "disk": int(disk.stdout.split()[0]) * 1024,
    }


def state_growth(out: Path, targets: tuple[int, ...], offset: int) -> tuple[dict[int, dict], str]:
    """P5's state: the demo task for max(targets) rounds, node3's state after each of `targets`."""
    spec = dataclasses.replace(TaskSpec.from_yaml(spec_path("demo-task")), rounds=max(targets))
    args = run_args(offset, 60.0 * max(targets), None)
    processes = demo.Processes()
    net = out / "localnet"
    snapshots = None
    try:
        keys_file = demo.start_network(out, spec, processes, args)
        snapshots = Snapshots(keys_file, out / "snapshots", targets[:-1])
        snapshots.start()
        demo.run_task(out, keys_file, spec, args, processes)
        with creator_client(keys_file) as client:
            height = client.height()
    finally:
        if snapshots is not None:
            snapshots.stopped.set()
            snapshots.join()
        processes.stop()
        demo.localnet("stop", "--dir", str(net))
    home = node_home(net / "keys.json")
    points = {target: (path, h) for target, (path, h) in snapshots.taken.items()}
    points[max(targets)] = (home, height)
    states = {target: {**state_of(path), "height": h} for target, (path, h) in sorted(points.items())}
    return states, pruning(home)


def pruning(home: Path) -> str:
    app = tomllib.loads((home / "config" / "app.toml").read_text())
    keys = ("pruning", "pruning-keep-recent", "pruning-interval", "min-retain-blocks", "app-db-backend")
    return ", ".join(f"`{k} = {app.get(k)!r}`" for k in keys)


def p3_rows(results: dict) -> list[str]:
    lines = []
    for (mode, size, n), result in results.items():
        if "timeout" in result:
            lines.append(f"| {size} | {mode} | {n} | did not finish {result['timeout']:.0f} s | – | – | – |")
            continue
        rows: list[RoundRow] = result["rows"]
        rates = [r.updates / r.seconds for r in rows if r.seconds > 0]
        mbps = [rate * update_bytes(size) / 1e6 for rate in rates]
        updates = spread([float(r.updates) for r in rows], digits=0)
        lines.append(
            f"| {size} | {mode} | {n} | {len(rows)} of {result['measured']} | {updates} | "
            f"{spread(rates, '/s', 1)} | {spread(mbps, ' MB/s', 2)} |"
        )
    return lines


def p5_rows(results: dict) -> list[str]:
    lines = []
    for (mode, size, n), result in results.items():
        if "timeout" in result:
            continue
        rows: list[RoundRow] = result["rows"]
        seconds = spread([r.seconds for r in rows], " s", 1)
        blocks = spread([float(r.blocks) for r in rows], digits=0)
        lines.append(f"| {n} | {size} | {mode} | {seconds} | {blocks} |")
    return lines


def section(results: dict, states: dict, prune: str, grid: Grid, header: str) -> str:
    sizes = ", ".join(f"{s} = mlp hidden {HIDDEN[s]}, {update_bytes(s):,} bytes" for s in grid.sizes)
    lines = [
        "## Ingest and scale (`make bench`: P3, P5)",
        "",
        header,
        "",
        f"**P3 — ingest.** Updates of {sizes} (digits, iid shards, 5 local epochs; the participants train "
        "and sign their own txs through `sabfl participant run`). A round's seconds run from its first block "
        "to the block that finalized it (block times): commitments, update reveals, scoring, loss commit "
        "and reveal, aggregate and attest all count. Updates per second = the round's finalized updates ÷ "
        "its seconds; MB per second = that × the update's bytes. Inline: the chain's `max_inline_bytes` "
        f"at {MAX_INLINE['inline'] >> 20} MiB; by reference: at {MAX_INLINE['by reference'] >> 10} KiB "
        f"(updates through the validators' kubo daemons). {grid.rounds} rounds a task, the first left out "
        "(it includes the participants' process start-up); min / median / max over the others. One localnet "
        "of 4 validators per mode, the tasks one after another.",
        "",
        "| update | path | participants | rounds finalized | updates finalized | updates per second "
        "| MB per second |",
        "|---|---|---|---|---|---|---|",
        *p3_rows(results),
        "",
        "**P5 — round time against participants** (the same rounds): seconds and blocks from a round's first "
        "block to FINALIZED, min / median / max.",
        "",
        "| participants | update | path | seconds per round | blocks per round |",
        "|---|---|---|---|---|",
        *p5_rows(results),
        "",
        "**P5 — state and disk against finalized rounds.** The demo task (digits, logistic regression, 10 "
        "participants, 2,600-byte updates inline) on the demo's localnet, one task of "
        f"{max(grid.state_rounds)} rounds. State = `sabfld export` of node3 (JSON bytes, compact; of which "
        "the fedlearn module's part), taken from a copy of its home made while the node was stopped for a "
        "moment (then restarted), and of the stopped node after the last round; disk = `du` of node3's "
        f"`data` directory at the same moments. Pruning, from the localnet's app.toml: {prune}.",
        "",
        "| finalized rounds | height | exported state | of which fedlearn | node data on disk |",
        "|---|---|---|---|---|",
    ]
    for target, state in states.items():
        lines.append(
            f"| {target} | {state['height']} | {state['export'] / 1e6:.2f} MB | "
            f"{state['fedlearn'] / 1e3:.1f} KB | {state['disk'] / 1e6:.1f} MB |"
        )
    return "\n".join(lines)


def counts(text: str) -> tuple[int, ...]:
    """`10,50,100` → (10, 50, 100), ascending."""
    return tuple(sorted(int(part) for part in text.split(",")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help=f"{QUICK}")
    parser.add_argument("--participants", type=counts, help="participant counts of P3, e.g. 10,50,100")
    parser.add_argument("--state-rounds", type=counts, help="P5's finalized rounds, e.g. 10,50,100")
    parser.add_argument("--port-offset", type=int, default=7000)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench-scale")
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    grid = QUICK if args.quick else FULL
    overrides = {"participants": args.participants, "state_rounds": args.state_rounds}
    grid = dataclasses.replace(grid, **{k: v for k, v in overrides.items() if v})
    args.out = args.out.resolve()
    started = datetime.datetime.now(datetime.UTC)
    clock = time.monotonic()
    load = os.getloadavg()
    states, prune = state_growth(args.out / "state", grid.state_rounds, args.port_offset)
    results = ingest(args.out / "ingest", grid, args.port_offset)
    end_load = os.getloadavg()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    command = " ".join(["python localnet/bench_scale.py", *sys.argv[1:]])
    header = (
        f"`{command}` ({'`make bench-quick`' if args.quick else '`make bench-scale`'}). Machine: "
        f"{os.cpu_count()} cores, shared with other jobs (load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} at the start, {end_load[0]:.1f} / {end_load[1]:.1f} / {end_load[2]:.1f} at the end); "
        f"sabfl at commit {commit}, {platform.python_implementation()} {platform.python_version()}, torch "
        f"{torch.__version__}; one run, {started:%Y-%m-%d %H:%M} UTC, {(time.monotonic() - clock) / 60:.1f} "
        "min in all."
    )
    text = section(results, states, prune, grid, header)
    write_section(args.benchmarks, "scale", text)
    print(text)


if __name__ == "__main__":
    main()
