"""`sabfl demo`: the whole system on one machine. Starts a 4-validator localnet with 4 validator
sidecars, creates the demo task, runs 10 participants of which 3 attack, prints a row per round,
compares with FedAvg simulated on the same partitions and attackers, writes a plot, and stops everything
it started — on success, on failure and on Ctrl-C."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import re
import shlex
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from sabfl.aggregators import SOFTMAX_RULES, aggregator_names
from sabfl.chain import ChainClient, KeysFile, load_keys
from sabfl.dashboard import cli as dashboard
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2
from sabfl.roles.inputs import FetchBlobs, model_bytes
from sabfl.roles.publish import fetcher, operator_stores
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import SpecLimits, TaskSpec
from sabfl.roles.tasks import (
    DEFAULT_SPEC,
    HEADER,
    RoundRow,
    create_task,
    creator_client,
    format_row,
    round_row,
    spec_path,
)
from sabfl.roles.timing import (
    RoundTiming,
    format_round_timings,
    format_timings,
    round_timings,
    timing_summary,
)
from sabfl.roles.validator import ValidatorConfig
from sabfl.sim.plots import plot_accuracy_per_round
from sabfl.sim.runner import run_simulation

log = logging.getLogger("sabfl.demo")
REPO = Path(__file__).resolve().parents[4]
LOCALNET = REPO / "localnet" / "localnet.py"
# The demo's localnet ports are the default ones plus --port-offset; its validators' metrics and its
# dashboard follow the same offset.
PORT_OFFSET = 2000
METRICS_BASE_PORT = 7460  # + offset: 9460 … 9463 by default
DASHBOARD_PORT = dashboard.DEFAULT_PORT - PORT_OFFSET  # + offset: 8780 by default
SABFL = [sys.executable, "-m", "sabfl.cli"]
# The demo's participants' private data seed: fixed, so the demo's simulations can replay their shards; not on
# chain, and not the task's public seed.
DATA_SEED = 4242
# The robust rules the demo compares with: every rule but FedAvg and the softmax rules, composed ones too.
CLASSIC_RULES = tuple(name for name in aggregator_names() if name != "fedavg" and name not in SOFTMAX_RULES)
ENDED = {round_pb2.ROUND_PHASE_FINALIZED, round_pb2.ROUND_PHASE_FAILED}


class Processes:
    """Child processes that are stopped together, whatever happens."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], log_path: Path) -> subprocess.Popen:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.children:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")

    def stop(self) -> None:
        for _, process in self.children:
            if process.poll() is None:
                process.terminate()
        for _, process in self.children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def localnet(*args: str) -> None:
    subprocess.run([sys.executable, str(LOCALNET), *args], check=True, stdout=subprocess.DEVNULL)


def scoring_seconds(host: str, port: int) -> float:
    """The validator's total scoring time, from its Prometheus endpoint."""
    try:
        text = urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return 0.0
    match = re.search(r"^sabfl_validator_scoring_seconds_sum (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


@dataclass
class ChainRun:
    """What the task did on chain: the global model's test accuracy after each finalized round, a row per
    ended round, and the validators' mean scoring time."""

    accuracy: list[float]
    rows: list[RoundRow]
    scoring_seconds: float
    # What the chain keeps of each round (its Round record), and the size of the global model's record
    # (its bytes when inline, its reference otherwise), in bytes.
    round_record_bytes: float
    model_record_bytes: int
    timings: list[RoundTiming]


def run_demo(args: argparse.Namespace) -> int:
    """Start the network, run the task on it, report it beside the same experiment simulated."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.monotonic()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    spec = TaskSpec.from_yaml(args.spec)
    processes = Processes()
    try:
        keys_file = start_network(out, spec, processes, args)
        run = run_task(out, keys_file, spec, args, processes)
    finally:
        processes.stop()
        if args.localnet is None:
            localnet("stop", "--dir", str(out / "localnet"))
    return report(out, spec, args, run, time.monotonic() - started)


def start_network(out: Path, spec: TaskSpec, processes: Processes, args: argparse.Namespace) -> Path:
    """A fresh 4-validator localnet (with its kubo daemons), or the running one of --localnet; a validator
    sidecar beside each node (each with its node's endpoint, its operator's address and its own hot key only,
    started under --validator-exec) and the dashboard; returns the keys file."""
    offset = args.port_offset
    net = out / "localnet" if args.localnet is None else args.localnet.resolve()
    if args.localnet is None:
        localnet("reset", "--dir", str(net))
        participants = str(spec.experiment.participants)
        localnet(
            "init",
            "--dir",
            str(net),
            "--validators",
            "4",
            "--participants",
            participants,
            "--port-offset",
            str(offset),
        )
        localnet("start", "--dir", str(net))
    keys_file = net / "keys.json"
    keys = load_keys(keys_file)
    for v in range(len(keys.nodes)):
        config = out / f"validator{v}.yaml"
        ValidatorConfig.for_localnet(
            keys,
            v,
            out / f"validator{v}",
            metrics_port=METRICS_BASE_PORT + offset + v,
            metrics_address=metrics_host(keys, v),
            limits=serving(spec),
        ).save(config)
        processes.start(
            f"validator sidecar {v}",
            [
                *shlex.split(args.validator_exec.format(index=v)),
                *SABFL,
                "validator",
                "run",
                "--config",
                str(config),
            ],
            out / "logs" / f"validator{v}.log",
        )
    metrics = [f"{metrics_host(keys, v)}:{METRICS_BASE_PORT + offset + v}" for v in range(len(keys.nodes))]
    port = DASHBOARD_PORT + offset
    dashboard_args = dashboard.arguments(
        keys.nodes[0].grpc, keys.nodes[0].rpc, metrics, [out / "roster.json"], port
    )
    processes.start("dashboard", [*SABFL, *dashboard_args], out / "logs" / "dashboard.log")
    print(f"dashboard: http://127.0.0.1:{port}", flush=True)
    return keys_file


def metrics_host(keys: KeysFile, index: int) -> str:
    """Validator index's sidecar serves its metrics on its node's host (127.0.0.1 on a one-host localnet)."""
    return urllib.parse.urlparse(keys.nodes[index].rpc).hostname or "127.0.0.1"


def run_task(
    out: Path, keys_file: Path, spec: TaskSpec, args: argparse.Namespace, processes: Processes
) -> ChainRun:
    """Create the task, start its participants (some attacking) and follow its rounds to the end."""
    keys = load_keys(keys_file)
    with creator_client(keys_file) as creator:
        task_id = create_task(creator, spec, keys)
        log.info("task %d created: %s", task_id, spec.model_spec())
        participants = out / "participants.yaml"
        roster = out / "roster.json"
        settings = {
            "keys_file": str(keys_file),
            "task_id": task_id,
            "byzantine": args.byzantine,
            "attack": args.attack,
            "roster": str(roster),
            "limits": {"models": list(serving(spec).models)},
            "data_seed": args.data_seed,
        }
        participants.write_text(yaml.safe_dump(settings))
        processes.start(
            "participants",
            [*SABFL, "participant", "run", "--config", str(participants)],
            out / "logs" / "participants.log",
        )
        task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
        runtime = TaskRuntime.from_task(task)
        fetch = fetcher(operator_stores(keys.nodes[0].blob_stores()), 60.0)
        accuracy = follow(creator, runtime, task_id, roster, processes, args.timeout, fetch)
        rounds = creator.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=task_id)).rounds
        rows = [round_row(creator, r, attackers(roster)) for r in rounds]
        round_bytes = sum(r.ByteSize() for r in rounds) / max(len(rounds), 1)
        model_bytes_kept = creator.global_model(task_id).ByteSize()
        first = min((r.start_height for r in rounds), default=1)
        timings = round_timings(creator, keys.nodes[0].rpc, task_id, first)
    metrics = [
        (metrics_host(keys, v), METRICS_BASE_PORT + args.port_offset + v) for v in range(len(keys.nodes))
    ]
    spent = sum(scoring_seconds(host, port) for host, port in metrics) / len(keys.nodes)
    return ChainRun(accuracy, rows, spent, round_bytes, model_bytes_kept, timings)


def report(out: Path, spec: TaskSpec, args: argparse.Namespace, run: ChainRun, wall_seconds: float) -> int:
    """The chain's accuracy beside the same partitions and attackers simulated under FedAvg and under the
    classic robust rule that does best on validation, and FedAvg without attackers; a plot; the final line."""
    experiment = dataclasses.replace(
        spec.experiment,
        rounds=spec.rounds,
        byzantine=args.byzantine,
        attack=args.attack,
        data_seed=args.data_seed,
    )
    attacked = run_simulation(
        dataclasses.replace(experiment, aggregators=("fedavg", *CLASSIC_RULES)), progress=False
    )
    clean = run_simulation(
        dataclasses.replace(experiment, byzantine=0.0, attack="none", aggregators=("fedavg",)), progress=False
    )
    robust = max(
        (name for name in CLASSIC_RULES if name in attacked.validation_accuracy),
        key=lambda name: attacked.validation_accuracy[name],
    )
    finalized = [r for r in run.rows if r.phase == "FINALIZED"]
    share = sum(r.attacker_weight for r in finalized) / max(len(finalized), 1)
    chain = run.accuracy[-1] if run.accuracy else 0.0
    fedavg = attacked.final_accuracy["fedavg"]
    curves = {
        "sabfl on chain (softmax)": run.accuracy,
        "FedAvg (simulated)": attacked.accuracy["fedavg"],
        f"{robust} (simulated; best classic rule on validation)": attacked.accuracy[robust],
        "FedAvg without attackers (simulated)": clean.accuracy["fedavg"],
    }
    n = spec.experiment.participants
    title = (
        f"{spec.experiment.dataset}: {round(args.byzantine * n)} of {n} participants attack ({args.attack})"
    )
    plot_accuracy_per_round(curves, out / "demo.png", title)
    seconds = sum(r.seconds for r in run.rows) / max(len(run.rows), 1)
    blocks = sum(r.blocks for r in run.rows) / max(len(run.rows), 1)
    summary = {
        "rounds_finalized": len(finalized),
        "chain_accuracy": chain,
        "fedavg_sim_accuracy": fedavg,
        "best_classic_rule": robust,
        "best_classic_sim_accuracy": attacked.final_accuracy[robust],
        "fedavg_no_attack_sim_accuracy": clean.final_accuracy["fedavg"],
        "attacker_weight_share": share,
        "blocks_per_round": blocks,
        "seconds_per_round": seconds,
        "scoring_seconds_per_validator": run.scoring_seconds,
        **timing_summary(run.timings),
        "round_record_bytes": run.round_record_bytes,
        "model_record_bytes": run.model_record_bytes,
        "wall_seconds": wall_seconds,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nfinal test accuracy after {spec.rounds} rounds, same partitions and attackers:")
    for name, values in curves.items():
        print(f"  {name:<58} {values[-1] if values else float('nan'):.4f}")
    print(
        f"\nper round: {blocks:.1f} blocks, {seconds:.1f} s; each validator spent {run.scoring_seconds:.2f} s"
        f" scoring in {sum(r.seconds for r in run.rows):.1f} s of rounds (the rest is waiting for the chain)"
    )
    print(format_timings(summary))
    print(f"per round and phase (blocks, seconds):\n{format_round_timings(run.timings)}")
    print(
        f"chain state kept per round: {run.round_record_bytes:.0f} bytes (its Round record); the global "
        f"model's record: {run.model_record_bytes} bytes"
    )
    print(f"plot: {out / 'demo.png'}; logs: {out / 'logs'}")
    print(
        f"demo: rounds_finalized={len(finalized)} chain_accuracy={chain:.4f} "
        f"fedavg_sim_accuracy={fedavg:.4f} attacker_weight_share={share:.4f}"
    )
    return 0 if finalized else 1


def serving(spec: TaskSpec) -> SpecLimits:
    """The demo's validators and participants serve its task's model, beside the default ones (a model by
    entry point, e.g. a built-in with params, is served when its factory's alias is)."""
    limits = SpecLimits()
    model = spec.experiment.model
    added = (model,) if isinstance(model, str) else ()
    return dataclasses.replace(limits, models=tuple(dict.fromkeys((*limits.models, *added))))


def attackers(roster: Path) -> set[str]:
    return set(json.loads(roster.read_text())["attackers"]) if roster.exists() else set()


def follow(
    client: ChainClient,
    runtime: TaskRuntime,
    task_id: int,
    roster: Path,
    processes: Processes,
    timeout: float,
    fetch_blobs: FetchBlobs,
) -> list[float]:
    """Print a row per ended round, with the test accuracy of the global model it produced."""
    deadline = time.monotonic() + timeout
    accuracy: list[float] = []
    printed = 0
    print(HEADER)
    while time.monotonic() < deadline:
        processes.check_alive()
        task = client.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
        rounds = client.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=task_id)).rounds
        for round_ in rounds[printed:]:
            if round_.phase not in ENDED:
                break
            if round_.phase == round_pb2.ROUND_PHASE_FINALIZED:
                model = model_bytes(client.global_model(task_id), fetch_blobs)
                accuracy.append(runtime.test_accuracy(runtime.decode(model)))
            print(
                format_row(round_row(client, round_, attackers(roster)), accuracy[-1] if accuracy else None),
                flush=True,
            )
            printed += 1
        if task.status == task_pb2.TASK_STATUS_COMPLETED and printed == len(rounds):
            return accuracy
        time.sleep(0.5)
    raise TimeoutError(f"task {task_id} did not complete within {timeout:.0f}s")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="the whole system on one machine")
    parser.add_argument("--spec", type=spec_path, default=DEFAULT_SPEC, help="task spec YAML or preset name")
    # Chosen on validation from docs/results/demo-attack (the demo's own setting under 8 attacks x 3 seeds):
    # scaling takes FedAvg lowest (0.12).
    parser.add_argument("--attack", default="scaling", help="attack of the Byzantine participants")
    parser.add_argument("--byzantine", type=float, default=0.3, help="fraction of attacking participants")
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the task")
    parser.add_argument(
        "--data-seed",
        type=int,
        default=DATA_SEED,
        help="the participants' private seed of their shards (the simulations use it too); "
        "each validator draws its own",
    )
    parser.add_argument(
        "--port-offset",
        type=int,
        default=PORT_OFFSET,
        help="added to the localnet's, metrics' and dashboard's ports",
    )
    parser.add_argument(
        "--localnet",
        type=Path,
        default=None,
        help="a running localnet's folder (its keys.json) to use instead of starting one; left running",
    )
    parser.add_argument(
        "--validator-exec",
        default="",
        help="command prefix of validator {index}'s sidecar, e.g. 'ip netns exec sabfl-v{index}' "
        "(localnet/netns.py)",
    )
    parser.set_defaults(handler=run_demo)
