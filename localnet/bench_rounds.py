#!/usr/bin/env python3
"""Rounds through the chain against the same experiment without one — issue 10's P1, P2 and P4.

P1: blocks per phase and the protocol's overhead (SUBMIT close → FINALIZED, in blocks and seconds) of a
task's rounds on a 4-validator localnet with its sidecars (`sabfl demo`'s network and task, without its
simulations). P2: seconds per round through the chain ÷ seconds per round of the same experiment in
`sabfl sim` (one rule, the task's), measured in the same run. P4: a validator's scoring throughput
(`sabfl.roles.scores`, the code a sidecar runs) ÷ the batched-forward bound (the same models and held-out
rows through one batched forward pass), with and without its reference update (which the sidecar trains
during SUBMIT), min / median / max of `--repeats` runs.

Tasks: the demo task (digits, logistic regression, 650 parameters) and, unless `--quick`, fmnist-cnn
(Fashion-MNIST, 151,306 parameters by reference through kubo). Writes the bench-rounds section of
BENCHMARKS.md and prints it. Run with the project's venv: `make bench` (or `make bench-quick`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from sabfl.benchdoc import write_section
from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import flatten_params
from sabfl.roles import demo
from sabfl.roles.inputs import RoundInputs
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.scores import reference_update, round_scores
from sabfl.roles.spec import TaskSpec
from sabfl.roles.tasks import spec_path
from sabfl.roles.timing import PHASES, RoundTiming
from sabfl.sim.runner import Simulation

ROOT = Path(__file__).resolve().parent.parent
# Measured with this harness's P1 on the commit before sidecars ticked on new blocks and trained their
# reference update during SUBMIT (87066fb, `sabfl demo`, 2026-12-04, shared 2-core machine).
BEFORE = "8.3 blocks (6–16), 6.8 s; COMMIT 3.3, REVEAL 1.8, AGGREGATE 1.7, ATTEST 1.5 blocks"
# The same harness (`--quick`) on the commit before members attested in AGGREGATE (00fc5b7, with
# UPDATE_REVEAL, 2026-12-04): every round spent a block in ATTEST.
BEFORE_EARLY_ATTEST = "5 / 5 / 5 blocks, 4.0 / 4.0 / 4.1 s; ATTEST 1 / 1 / 1 blocks"


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """min / median / max."""
    if not values:
        return "–"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f}{unit}"


def chain_rounds(spec: TaskSpec, out: Path, offset: int) -> tuple[list[RoundTiming], list[float]]:
    """The task through a fresh localnet with the demo's sidecars (no attackers): its rounds' timings and
    seconds per finalized round."""
    args = argparse.Namespace(
        byzantine=0.0,
        attack="none",
        timeout=1800.0,
        port_offset=offset,
        data_seed=demo.DATA_SEED,
        localnet=None,
        validator_exec="",
    )
    processes = demo.Processes()
    try:
        keys_file = demo.start_network(out, spec, processes, args)
        run = demo.run_task(out, keys_file, spec, args, processes)
    finally:
        processes.stop()
        demo.localnet("stop", "--dir", str(out / "localnet"))
    return run.timings, [r.seconds for r in run.rows if r.phase == "FINALIZED"]


def sim_rounds(spec: TaskSpec) -> list[float]:
    """Seconds of each round of the same experiment in `sabfl sim`, with the task's rule only."""
    config = dataclasses.replace(
        spec.experiment, rounds=spec.rounds, aggregators=(spec.rule,), data_seed=demo.DATA_SEED
    )
    simulation = Simulation(config)
    seconds = []
    for _ in range(spec.rounds):
        started = time.perf_counter()
        simulation.step()
        seconds.append(time.perf_counter() - started)
    return seconds


def scoring_ratios(spec: TaskSpec, updates: int, repeats: int) -> dict[str, list[float]]:
    """Updates scored per second through the sidecar's scoring, with and without training its reference
    update, and through one batched forward pass of the same models on the same rows (the bound)."""
    rt = TaskRuntime.from_model_spec(1, spec.model_spec(), data_seed=demo.DATA_SEED)
    base = flatten_params(rt.setup.model)
    generator = torch.Generator().manual_seed(0)
    deltas = torch.randn(updates, base.numel(), generator=generator) * 0.01
    inputs = RoundInputs.held(1, base, deltas, rt.layout.shapes)
    x_v, y_v = rt.setup.heldout[0]
    classes = rt.setup.dataset.num_classes
    rates: dict[str, list[float]] = {"with reference": [], "scores only": [], "bound": []}
    round_scores(rt, 0, inputs)  # warm-up: the first call pays torch's one-time costs
    for _ in range(repeats):
        started = time.perf_counter()
        round_scores(rt, 0, inputs)
        rates["with reference"].append(updates / (time.perf_counter() - started))
        reference = reference_update(rt, 0, 1, base)
        started = time.perf_counter()
        round_scores(rt, 0, inputs, reference)
        rates["scores only"].append(updates / (time.perf_counter() - started))
        started = time.perf_counter()
        evaluate_many(rt.setup.model, base + deltas, x_v, y_v, classes)
        rates["bound"].append(updates / (time.perf_counter() - started))
    return rates


def p1_rows(name: str, timings: list[RoundTiming]) -> list[str]:
    phases = " | ".join(
        spread([float(t.blocks[p]) for t in timings], digits=0) for p in PHASES if p != "SUBMIT"
    )
    overhead = spread([float(t.overhead_blocks) for t in timings], digits=0)
    seconds = spread([t.overhead_seconds for t in timings], " s", 1)
    submit = spread([float(t.blocks["SUBMIT"]) for t in timings], digits=0)
    return [f"| {name} | {len(timings)} | {submit} | {phases} | {overhead} | {seconds} |"]


def section(results: dict, machine: str, command: str) -> str:
    lines = [
        "## Rounds through the chain (`make bench-rounds`: P1, P2, P4)",
        "",
        f"`{command}`. {machine}",
        "",
        "**P1 — where a round's blocks go.** Blocks per phase from the chain's phase events, min / median / "
        "max over the finalized rounds; the overhead is SUBMIT's close to FINALIZED (everything after the "
        "participants' part). Issue 10's target: ≤ 4 blocks and ≤ 4 s.",
        "",
        "| task | rounds | SUBMIT | UPDATE_REVEAL | COMMIT | REVEAL | AGGREGATE | ATTEST | overhead, blocks "
        "| overhead, seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        lines += p1_rows(name, result["timings"])
    lines += [
        "",
        f"Before sidecars ticked on every new block, acted on a phase their own tx opened and trained their "
        f"reference update during SUBMIT (demo task, same machine): {BEFORE}. Before members attested in "
        f"AGGREGATE, with the aggregate, instead of in an ATTEST block after it: {BEFORE_EARLY_ATTEST}.",
        "",
        "**P2 — the chain against the same experiment without it.** Seconds per round (min / median / max), "
        "the task's rule only in `sabfl sim`, no attackers.",
        "",
        "| task | through the chain | `sabfl sim` | chain ÷ sim (medians) |",
        "|---|---|---|---|",
    ]
    for name, result in results.items():
        chain, sim = result["chain_seconds"], result["sim_seconds"]
        ratio = statistics.median(chain) / statistics.median(sim) if chain and sim else float("nan")
        lines.append(f"| {name} | {spread(chain, ' s')} | {spread(sim, ' s', 3)} | {ratio:.0f} |")
    lines += [
        "",
        "**P4 — scoring against the batched-forward bound.** Updates scored per second by one validator "
        "(`sabfl.roles.scores`), against one batched forward pass of the same models over the same held-out "
        "rows (`evaluate_many`, no protocol code); min / median / max.",
        "",
        "| task | updates | with its reference update | scores only (as on chain) | bound "
        "| scores only ÷ bound |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in results.items():
        rates = result["scoring"]
        ratio = statistics.median(rates["scores only"]) / statistics.median(rates["bound"])
        lines.append(
            f"| {name} | {result['updates']} | {spread(rates['with reference'], '/s', 0)} | "
            f"{spread(rates['scores only'], '/s', 0)} | {spread(rates['bound'], '/s', 0)} | {ratio:.2f} |"
        )
    lines += [
        "",
        "P3 (ingest against participants and update size) and P5 (round time against participants; state "
        "and disk against finalized rounds): the next section, `make bench-scale`.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="the demo task only, 3 rounds")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each scoring measurement")
    parser.add_argument("--port-offset", type=int, default=6000)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench-rounds")
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    tasks = {"demo task": spec_path("demo-task")}
    if not args.quick:
        tasks["fmnist-cnn"] = spec_path("fmnist-cnn")
    started = datetime.datetime.now(datetime.UTC)
    load = os.getloadavg()[0]
    results = {}
    for name, path in tasks.items():
        spec = TaskSpec.from_yaml(path)
        if args.quick:
            spec = dataclasses.replace(spec, rounds=3)
        timings, chain_seconds = chain_rounds(spec, args.out / path.stem, args.port_offset)
        results[name] = {
            "timings": timings,
            "chain_seconds": chain_seconds,
            "sim_seconds": sim_rounds(spec),
            "scoring": scoring_ratios(spec, spec.max_updates_per_round, args.repeats),
            "updates": spec.max_updates_per_round,
        }
    machine = (
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
        f"torch {torch.__version__}; load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        f"end; one run, {started:%Y-%m-%d %H:%M} UTC."
    )
    command = "python localnet/bench_rounds.py" + (" --quick" if args.quick else "")
    text = section(results, machine, command)
    write_section(args.benchmarks, "rounds", text)
    print(text)


if __name__ == "__main__":
    main()
