"""Run a grid of simulations (in parallel processes), resumably, then write its tables and heatmaps."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import signal
from pathlib import Path

import torch
from tqdm import tqdm

from sabfl.sim.config import GridConfig, SimConfig
from sabfl.sim.grid_tables import write_grid
from sabfl.sim.runner import custom_softmax_rules, resolve_aggregators, run_simulation


def run_key(run: SimConfig | dict) -> tuple:
    """A grid cell's identity: (f, α, attack, seed)."""
    if isinstance(run, SimConfig):
        return (run.byzantine, run.alpha, run.attack, run.seed)
    return (run["f"], run["alpha"], run["attack"], run["seed"])


def _rounded(per_round: dict[str, list[float]]) -> dict[str, list[float]]:
    # Four decimals keep a large grid's JSON small (test sets have <= 2,000 images).
    return {name: [round(v, 4) for v in values] for name, values in per_round.items()}


def _run_one(config: SimConfig) -> dict:
    result = run_simulation(config, progress=False)
    return {
        "f": config.byzantine,
        "alpha": config.alpha,
        "attack": config.attack,
        "seed": config.seed,
        "test_accuracy": result.test_accuracy,
        "validation_accuracy": result.validation_accuracy,
        "attack_success_rate": result.attack_success_rate,
        "final_accuracy": result.final_accuracy,
        "accuracy_per_round": _rounded(result.accuracy),
        "validation_accuracy_per_round": _rounded(result.validation),
        "skipped": result.skipped,
    }


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def finished_runs(grid: GridConfig, out: Path) -> list[dict]:
    """The runs of this grid an earlier, interrupted invocation left in ``out/runs/`` (or an older
    ``out/runs.json``); ValueError if they belong to a grid with other base settings (other rules are fine:
    the missing ones are run)."""
    paths = sorted((out / "runs").glob("*.json")) + [p for p in [out / "runs.json"] if p.is_file()]
    base = json.loads(json.dumps(dataclasses.asdict(grid.base)))
    wanted = {run_key(run) for run in grid.runs}
    records = []
    for path in paths:
        stored = json.loads(path.read_text())
        if _settings(stored.get("base", {})) != _settings(base):
            raise ValueError(f"{path} holds a grid with other base settings; choose another output directory")
        records += [record for record in stored["runs"] if run_key(record) in wanted]
    return records


def _settings(base: dict) -> dict:
    return {key: value for key, value in base.items() if key != "aggregators"}


def missing_rules(grid: GridConfig, record: dict) -> tuple[str, ...]:
    """The grid's rules a finished run has no result for (neither an accuracy nor a reason it could not
    run): rules added to the grid after that run."""
    names = resolve_aggregators(grid.base.aggregators, custom_softmax_rules(grid.base.softmax_rules))
    return tuple(n for n in names if n not in record["test_accuracy"] and n not in record["skipped"])


def _merge(record: dict, extra: dict) -> dict:
    """A finished run's record with the results of its missing rules added (every per-rule field)."""
    merged = dict(record)
    for field, value in extra.items():
        if isinstance(value, dict):
            merged[field] = {**record.get(field, {}), **value}
    return merged


def run_grid(grid: GridConfig, out: Path, *, workers: int = 1, threads: int = 1) -> str:
    """Run every cell of ``grid`` whose results are not in ``out`` yet, and in the finished ones only the
    rules added since (a rule's result does not depend on the other rules of its run); results are
    rewritten after each run, so an interrupted grid resumes where it stopped."""
    out.mkdir(parents=True, exist_ok=True)
    records = {run_key(record): record for record in finished_runs(grid, out)}
    todo = []
    for run in grid.runs:
        record = records.get(run_key(run))
        if record is None:
            todo.append(run)
        elif missing := missing_rules(grid, record):
            todo.append(dataclasses.replace(run, aggregators=missing))
    summary = write_grid(grid, _ordered(records), out) if records else ""
    if not todo:
        return summary
    # A SIGTERM (kill, a CI timeout) leaves through the pool's exit, which terminates its workers: they
    # would otherwise run their cell to the end for a parent that is gone.
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (threads,)) as pool:
            for result in tqdm(pool.imap_unordered(_run_one, todo), total=len(todo), desc=grid.name):
                key = run_key(result)
                records[key] = _merge(records[key], result) if key in records else result
                summary = write_grid(grid, _ordered(records), out)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return summary


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _ordered(records: dict[tuple, dict]) -> list[dict]:
    return sorted(records.values(), key=lambda r: (r["f"], -r["alpha"], r["attack"], r["seed"]))
