"""Run a grid of simulations (in parallel processes), then write tables and worst-case heatmaps."""

from __future__ import annotations

import csv
import dataclasses
import json
import multiprocessing
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from sabfl.sim.config import GridConfig, SimConfig
from sabfl.sim.plots import plot_heatmap
from sabfl.sim.runner import run_simulation

# A rule whose precondition failed (e.g. Bulyan at f = 0.4n, Krum after non-finite updates were dropped).
NOT_APPLICABLE = "n/a"


def _run_one(config: SimConfig) -> dict:
    result = run_simulation(config, progress=False)
    return {
        "f": config.byzantine,
        "alpha": config.alpha,
        "attack": config.attack,
        "seed": config.seed,
        "final_accuracy": result.final_accuracy,
        # Four decimals keep a 135-run grid's JSON well under a megabyte (test sets have <= 2,000 images).
        "accuracy_per_round": {
            name: [round(v, 4) for v in values] for name, values in result.accuracy.items()
        },
        "skipped": result.skipped,
    }


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def run_grid(grid: GridConfig, out: Path, *, workers: int = 1, threads: int = 1) -> str:
    out.mkdir(parents=True, exist_ok=True)
    records = []
    with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (threads,)) as pool:
        for record in tqdm(pool.imap_unordered(_run_one, grid.runs), total=len(grid.runs), desc=grid.name):
            records.append(record)
            # Rewritten after every run, so an interrupted grid still leaves the finished cells behind.
            records.sort(key=lambda r: (r["f"], -r["alpha"], r["attack"], r["seed"]))
            summary = write_grid(grid, records, out)
    return summary


def write_grid(grid: GridConfig, records: list[dict], out: Path) -> str:
    """runs.csv (every run), cells.csv (mean over seeds), worst_case.csv (min over the attacks where the rule
    applies), not_applicable.csv (which rule could not run where, and why), heatmap."""
    (out / "runs.json").write_text(
        json.dumps({"base": dataclasses.asdict(grid.base), "runs": records}, indent=1) + "\n"
    )
    aggregators = list(dict.fromkeys(name for r in records for name in [*r["final_accuracy"], *r["skipped"]]))
    with (out / "not_applicable.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f", "alpha", "attack", "seed", "aggregator", "reason"])
        for r in records:
            for name, reason in r["skipped"].items():
                writer.writerow([r["f"], r["alpha"], r["attack"], r["seed"], name, reason])
    with (out / "runs.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f", "alpha", "attack", "seed", *aggregators])
        for r in records:
            writer.writerow(
                [
                    r["f"],
                    r["alpha"],
                    r["attack"],
                    r["seed"],
                    *(_cell(r["final_accuracy"].get(a), a in r["skipped"]) for a in aggregators),
                ]
            )
    per_cell: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    not_applicable: set[tuple] = set()
    for r in records:
        cell = (r["f"], r["alpha"], r["attack"])
        for name, value in r["final_accuracy"].items():
            per_cell[cell][name].append(value)
        not_applicable.update((*cell, name) for name in r["skipped"])
    means = {
        cell: {name: float(np.mean(v)) for name, v in values.items()} for cell, values in per_cell.items()
    }
    with (out / "cells.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["f", "alpha", "attack", *aggregators])
        for (f, alpha, attack), values in sorted(
            means.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2])
        ):
            writer.writerow(
                [
                    f,
                    alpha,
                    attack,
                    *(_cell(values.get(a), (f, alpha, attack, a) in not_applicable) for a in aggregators),
                ]
            )
    columns = sorted({(f, alpha) for f, alpha, _ in means}, key=lambda c: (c[0], -c[1]))
    worst = np.full((len(aggregators), len(columns)), np.nan)
    worst_attack = [["" for _ in columns] for _ in aggregators]
    for c, (f, alpha) in enumerate(columns):
        cells = {attack: values for (cf, ca, attack), values in means.items() if (cf, ca) == (f, alpha)}
        for r, name in enumerate(aggregators):
            scored = {
                attack: values[name]
                for attack, values in cells.items()
                if name in values and (f, alpha, attack, name) not in not_applicable
            }
            if scored:
                attack = min(scored, key=scored.get)
                worst[r, c], worst_attack[r][c] = scored[attack], attack
    labels = [f"f={f} a={alpha:g}" for f, alpha in columns]
    with (out / "worst_case.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["aggregator", *labels])
        for r, name in enumerate(aggregators):
            writer.writerow(
                [
                    name,
                    *(
                        f"{_fmt(worst[r, c])} ({worst_attack[r][c]})"
                        if worst_attack[r][c]
                        else NOT_APPLICABLE
                        for c in range(len(columns))
                    ),
                ]
            )
    plot_heatmap(
        worst,
        aggregators,
        labels,
        out / "worst_case_heatmap.png",
        title=f"{grid.name}: worst-case accuracy over attacks (mean of {len(grid.seeds)} seeds)",
    )
    return format_worst_case(aggregators, labels, worst)


def format_worst_case(aggregators: list[str], labels: list[str], worst: np.ndarray) -> str:
    width = max(len(label) for label in labels) + 2
    lines = [
        "worst-case final accuracy over attacks (mean over seeds)",
        f"{'aggregator':<20}" + "".join(f"{label:>{width}}" for label in labels),
    ]
    lines += [
        f"{name:<20}" + "".join(f"{_fmt(v):>{width}}" for v in row)
        for name, row in zip(aggregators, worst, strict=True)
    ]
    return "\n".join(lines)


def _cell(value: float | None, skipped: bool) -> str:
    """A CSV cell: the accuracy, or "n/a" where the rule's precondition failed in some seed's run."""
    return NOT_APPLICABLE if skipped else _fmt(value)


def _fmt(value: float | None) -> str:
    return "" if value is None or not np.isfinite(value) else f"{value:.4f}"
