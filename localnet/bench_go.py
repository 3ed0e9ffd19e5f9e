#!/usr/bin/env python3
"""The chain's Go benchmarks, written into BENCHMARKS.md: the consensus maths (`chain/x/fedlearn/consensus`)
and x/fedlearn's EndBlocker against the number of tasks in state (`chain/x/fedlearn/keeper`). Runs
`go test -run '^$' -bench … -benchmem`, parses its result lines and rewrites the bench-go-consensus and
bench-go-endblocker sections. `make bench-go` (part of `make bench` and `make bench-quick`).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sidecar" / "src"))
from sabfl.benchdoc import write_section  # noqa: E402  (run with any Python, not only the venv)

CONSENSUS = ("./x/fedlearn/consensus/", ".")
ENDBLOCKER = ("./x/fedlearn/keeper/", "BenchmarkEndBlocker")
WHAT = {
    "SoftmaxWeights": "fixed-point softmax of 1,000 losses (the EndBlocker's work at REVEAL's end)",
    "DrawCommittee": "stake-weighted draw of 20 of 150 validators",
}
# `BenchmarkEndBlocker/due=100-2   120   1700000 ns/op   100.0 steps/op   1000000 B/op   13114 allocs/op`
RESULT = re.compile(r"^Benchmark(?P<name>\S+?)(?:-\d+)?\s+(?P<iterations>\d+)\s+(?P<metrics>.+)$")
METRIC = re.compile(r"(?P<value>[\d.]+(?:e[+-]?\d+)?)\s+(?P<unit>\S+)")


@dataclass(frozen=True)
class Result:
    name: str  # without `Benchmark` and the -GOMAXPROCS suffix: `EndBlocker/due=100`
    iterations: int
    metrics: dict[str, float]  # unit → value: ns/op, B/op, allocs/op, and any reported (steps/op)


def parse(output: str) -> list[Result]:
    """The result lines of `go test -bench` output, in order; other lines (goos, PASS, logs) are skipped."""
    results = []
    for line in output.splitlines():
        match = RESULT.match(line.strip())
        if match:
            metrics = {m["unit"]: float(m["value"]) for m in METRIC.finditer(match["metrics"])}
            results.append(Result(match["name"], int(match["iterations"]), metrics))
    return results


def duration(ns: float) -> str:
    """ns as the table writes it: three significant digits in ns, µs or ms."""
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def size(size_bytes: float) -> str:
    """Bytes in B, KB or MB (decimal), one decimal below 10."""
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if size_bytes >= scale:
            value = size_bytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{size_bytes:.0f} B"


def span(ordered: list[str]) -> str:
    """The first and last of formatted values in ascending order: `a–b`, or `a` when they read the same."""
    return ordered[0] if ordered[0] == ordered[-1] else f"{ordered[0]}–{ordered[-1]}"


def allocations(result: Result) -> str:
    return f"{size(result.metrics['B/op'])}, {result.metrics['allocs/op']:,.0f} allocs"


def consensus_section(results: list[Result], header: str) -> str:
    lines = [
        "## Consensus maths (Go, `chain/x/fedlearn/consensus`)",
        "",
        header,
        "",
        "| benchmark | what | time | allocations |",
        "|---|---|---|---|",
    ]
    for r in results:
        what = WHAT.get(r.name, "")
        time = duration(r.metrics["ns/op"])
        lines.append(f"| `Benchmark{r.name}` | {what} | {time}/op | {allocations(r)}/op |")
    softmax = next((r for r in results if r.name == "SoftmaxWeights"), None)
    if softmax is not None:
        per_round = softmax.metrics["ns/op"] * 256 / 1000
        lines += [
            "",
            "The softmax is big-integer arithmetic at 1e36, linear in the losses: at the localnet's scale "
            f"(≤ 256 updates a round) about {duration(per_round)} per round.",
        ]
    return "\n".join(lines)


def endblocker_row(result: Result) -> str:
    kind, n = result.name.split("/", 1)[1].split("=")
    count = f"{int(n):,}"
    label = {
        "completed": f"{count} completed",
        "idle": f"{count} active, idle in SUBMIT" + (" (deadline 10,000 blocks ahead)" if n == "1" else ""),
        "due": f"{count} active, " + ("due in this block" if n == "1" else "all due in this block"),
    }[kind]
    steps = result.metrics.get("steps/op", 0.0)
    return f"| {label} | {duration(result.metrics['ns/op'])} | {steps:.0f} | {allocations(result)} |"


def endblocker_section(results: list[Result], header: str) -> str:
    due = [r for r in results if "/due=" in r.name and r.metrics.get("steps/op")]
    per_step = [r.metrics["ns/op"] / r.metrics["steps/op"] for r in due]
    times = [r.metrics["ns/op"] for r in results if "/due=" not in r.name]
    allocs = [r.metrics["allocs/op"] for r in results if "/due=" not in r.name]
    lines = [
        "## EndBlocker cost against tasks (Go, `chain/x/fedlearn/keeper`)",
        "",
        header,
        "",
        "Each state is built through the msg server and the EndBlocker (tasks created, every validator opted "
        "in, rounds played), committed block by block; each iteration runs the EndBlocker of the same block "
        "on a fresh cache of that state, as a node does, and drops its writes. Params are the defaults "
        "(`max_task_steps_per_block` 200).",
        "",
        "| tasks in state | time per EndBlocker | task steps run | allocations |",
        "|---|---|---|---|",
        *(endblocker_row(r) for r in results),
        "",
        '"Completed" tasks finished their one round and are inside `model_retention_blocks` (task, round and '
        'model records all still in state); "due" tasks reach their SUBMIT deadline with no update, so each '
        "step extends the window. The EndBlocker reads only the due entries of its (height, task) index: "
        "completed and idle tasks run no step, "
        f"{span([duration(t) for t in sorted(times)])} and {span([f'{a:,.0f}' for a in sorted(allocs)])} "
        "allocations whatever their number (times differ by run-to-run noise on a shared machine). Due tasks "
        f"cost {span([duration(t) for t in sorted(per_step)])} a step, and a block runs at most "
        "`max_task_steps_per_block` steps (the oldest first); the rest run in the next blocks.",
    ]
    return "\n".join(lines)


def run(package: str, pattern: str) -> str:
    command = ["go", "test", "-run", "^$", "-bench", pattern, "-benchmem", package]
    done = subprocess.run(command, cwd=ROOT / "chain", capture_output=True, text=True, check=True)
    print(done.stdout, flush=True)
    return done.stdout


def header(package: str, pattern: str, load: float, started: datetime.datetime) -> str:
    go = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=True).stdout.strip()
    return (
        f"`cd chain && go test -run '^$' -bench {pattern} -benchmem {package}` (`make bench-go`, via "
        f"`python localnet/bench_go.py`). Machine: {os.cpu_count()} cores, shared with other jobs (load "
        f"average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end), {go}; one run, "
        f"{started:%Y-%m-%d %H:%M} UTC."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    for name, (package, pattern), build in (
        ("go-consensus", CONSENSUS, consensus_section),
        ("go-endblocker", ENDBLOCKER, endblocker_section),
    ):
        started, load = datetime.datetime.now(datetime.UTC), os.getloadavg()[0]
        results = parse(run(package, pattern))
        write_section(args.benchmarks, name, build(results, header(package, pattern, load, started)))


if __name__ == "__main__":
    main()
