"""Flower FedAvg vs Flower + SabflStrategy vs ``sabfl sim``, one setting: the demo's digits task with
3 of 10 clients attacking. Prints a table, writes ``<out>/bench.json`` and, with ``--benchmarks``,
rewrites that file's section between ``<!-- bench-flower:start -->`` and ``<!-- bench-flower:end -->``.

    python examples/flower-digits/bench.py --out out/bench-flower --benchmarks BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")  # read when flwr is imported; nothing leaves the machine

import flwr  # noqa: E402
import ray  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from flower_digits import client_app, server_app  # noqa: E402
from flower_digits.task import Settings  # noqa: E402
from flwr.simulation import run_simulation  # noqa: E402

from sabfl.benchdoc import write_section  # noqa: E402
from sabfl.roles.tasks import DEFAULT_SPEC  # noqa: E402
from sabfl.sim.runner import Simulation  # noqa: E402

BACKEND: dict[str, Any] = {"client_resources": {"num_cpus": 1}, "init_args": {"num_cpus": 2}}


def flower_run(settings: Settings) -> dict:
    """One Flower simulation (Ray backend, one ClientApp per CPU); the ServerApp reports each round."""
    started = time.perf_counter()
    run_simulation(
        server_app.make_app(**vars(settings)),
        client_app.make_app(**vars(settings)),
        num_supernodes=settings.participants,
        backend_config=BACKEND,
    )
    rounds = json.loads((Path(settings.out_dir) / f"{settings.strategy}.json").read_text())["rounds"]
    return {
        "accuracy": [r["accuracy"] for r in rounds],
        "attacker_weight": statistics.mean(r["attacker_weight"] for r in rounds),
        "first_round_seconds": rounds[0]["seconds"],
        "seconds_per_round": statistics.median(r["seconds"] for r in rounds[1:]),
        "aggregation_seconds": statistics.median(r["aggregation_seconds"] for r in rounds[1:]),
        "wall_seconds": time.perf_counter() - started,
    }


def sim_run(settings: Settings, aggregator: str) -> dict:
    """``sabfl sim`` of the same setting with one aggregator, timed per round."""
    started = time.perf_counter()
    simulation = Simulation(settings.sim_config(aggregators=(aggregator,)))
    times = []
    for _ in range(settings.rounds):
        tick = time.perf_counter()
        simulation.step()
        times.append(time.perf_counter() - tick)
    return {
        "accuracy": simulation.accuracy[aggregator],
        "attacker_weight": None,
        "first_round_seconds": times[0],
        "seconds_per_round": statistics.median(times[1:]),
        "aggregation_seconds": None,
        "wall_seconds": time.perf_counter() - started,
    }


def chain_run(settings: Settings) -> dict:
    """The same task through the chain: `sabfl demo` (a 4-validator localnet, its sidecars and participants)
    on the demo task with this many rounds and this attack; its summary gives the row."""
    started = time.perf_counter()
    spec = yaml.safe_load(DEFAULT_SPEC.read_text())
    spec["rounds"] = settings.rounds
    out = Path(settings.out_dir).resolve() / "chain"
    out.mkdir(parents=True, exist_ok=True)
    (out / "spec.yaml").write_text(yaml.safe_dump(spec))
    demo = [sys.executable, "-m", "sabfl.cli", "demo", "--spec", str(out / "spec.yaml"), "--out", str(out)]
    demo += ["--attack", settings.attack, "--byzantine", str(settings.byzantine)]
    demo += ["--data-seed", str(settings.sim_config().split_seed)]  # the shards the other rows train on
    subprocess.run(demo, check=True, stdout=subprocess.DEVNULL)
    summary = json.loads((out / "summary.json").read_text())
    return {
        "accuracy": [summary["chain_accuracy"]],
        "attacker_weight": summary["attacker_weight_share"],
        "first_round_seconds": None,
        "seconds_per_round": summary["seconds_per_round"],
        "aggregation_seconds": None,
        "wall_seconds": time.perf_counter() - started,
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        int(line.split()[1]) // 2**20
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, no GPU"


def section(results: dict, settings: Settings, load: tuple[float, float], command: str) -> str:
    names = {
        "flower_fedavg": "Flower `FedAvg`",
        "flower_sabfl": f"Flower + `SabflStrategy` ({settings.rule})",
        "sim_fedavg": "`sabfl sim`, fedavg",
        "sim_sabfl": f"`sabfl sim`, {settings.rule}",
        "chain": f"sabfl on chain (`sabfl demo`), {settings.rule}",
    }
    rows = []
    for key, name in names.items():
        r = results[key]
        weight = "—" if r["attacker_weight"] is None else f"{r['attacker_weight']:.3f}"
        aggregation = "—" if r["aggregation_seconds"] is None else f"{r['aggregation_seconds']:.2f} s"
        first = "—" if r["first_round_seconds"] is None else f"{r['first_round_seconds']:.1f} s"
        rows.append(
            f"| {name} | {r['accuracy'][-1]:.3f} | {weight} | {r['seconds_per_round']:.2f} s | "
            f"{aggregation} | {first} | {r['wall_seconds']:.1f} s |"
        )
    versions = (
        f"flwr {flwr.__version__}, ray {ray.__version__}, torch {torch.__version__}, "
        f"Python {platform.python_version()}"
    )
    return "\n".join(
        [
            "## sabfl's rule inside Flower (`make bench-flower`)",
            "",
            f"`{command}` (`make bench-flower`). Machine: {machine()}, shared with other jobs (load average "
            f"{load[0]:.1f} at the start, {load[1]:.1f} at the end); {versions}; one run, "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
            "",
            f"Setting: the demo's task (digits, logistic regression, {settings.participants} clients "
            f"with Dirichlet({settings.alpha}) label skew, 4 × 50 held-out samples on the server, "
            f"5 local epochs); {round(settings.byzantine * settings.participants)} clients run the "
            f"`{settings.attack}` attack; {settings.rounds} rounds, seed {settings.seed}. Partitions, "
            "attackers, training seeds and local training are `sabfl sim`'s own "
            "(examples/flower-digits/flower_digits/task.py), so Flower's FedAvg and `sabfl sim`'s "
            "compute the same rounds; `SabflStrategy` trains the server's reference updates with its "
            "own seeds, so its rounds differ slightly from `sabfl sim`'s.",
            "",
            "| run | test accuracy after the last round | attackers' weight (mean per round) | "
            "seconds per round (median of rounds 2 on) | of which server aggregation | first round | "
            "wall time |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Flower's FedAvg weights by sample count, so the attackers' weight there is their share of the "
            "samples. Flower's first round includes starting the Ray actors that run the ClientApps; "
            "its later rounds are message passing plus 10 local trainings one at a time per actor, where "
            "`sabfl sim` trains all clients in one vectorised call; the aggregation column is the "
            "server's own work in `aggregate_train` (for `SabflStrategy`: its 4 reference updates and the "
            "scoring of every update on 4 held-out sets). The chain's row is `sabfl demo` of the same task "
            "(4 validators on one host, the mean of all rounds; its wall time includes starting the "
            "localnet and the demo's own simulations). Accuracies are deterministic; "
            "times follow the machine's load and varied several-fold between runs on this shared machine.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--attack", default="scaling")
    parser.add_argument("--byzantine", type=float, default=0.3)
    parser.add_argument("--out", type=Path, default=Path("out/bench-flower"))
    parser.add_argument("--benchmarks", type=Path, help="a BENCHMARKS.md whose Flower section to rewrite")
    args = parser.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()[0]
    settings = Settings(
        rounds=args.rounds, attack=args.attack, byzantine=args.byzantine, out_dir=str(args.out)
    )
    results = {
        "flower_fedavg": flower_run(dataclasses.replace(settings, strategy="fedavg")),
        "flower_sabfl": flower_run(dataclasses.replace(settings, strategy="sabfl")),
        "sim_fedavg": sim_run(settings, "fedavg"),
        "sim_sabfl": sim_run(settings, settings.rule),
        "chain": chain_run(settings),
    }
    (args.out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    command = "python examples/flower-digits/bench.py " + " ".join(sys.argv[1:])
    body = section(results, settings, (load, os.getloadavg()[0]), command)
    print(body)
    if args.benchmarks:
        write_section(args.benchmarks, "flower", body)
        print(f"rewrote the Flower section of {args.benchmarks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
