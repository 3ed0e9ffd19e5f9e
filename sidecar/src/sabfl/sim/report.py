"""Tables and files written by ``sabfl sim`` for one run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sabfl.sim.plots import plot_accuracy_per_round
from sabfl.sim.runner import SimResult


def format_table(result: SimResult) -> str:
    cfg = result.config
    lines = [
        f"{cfg.dataset} {cfg.model} n={cfg.participants} f={cfg.byzantine} attack={cfg.attack} "
        f"alpha={cfg.alpha} rounds={cfg.rounds} seed={cfg.seed}",
        f"{'aggregator':<20}{'final accuracy':>15}",
    ]
    ranked = sorted(result.final_accuracy.items(), key=lambda item: -item[1])
    lines += [f"{name:<20}{value:>15.4f}" for name, value in ranked]
    lines += [f"{name:<20}{'skipped':>15}  ({reason})" for name, reason in result.skipped.items()]
    return "\n".join(lines)


def write_run(result: SimResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    with (out / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["aggregator", "final_accuracy"])
        writer.writerows(result.final_accuracy.items())
    with (out / "rounds.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["round", *result.accuracy])
        for index, row in enumerate(zip(*result.accuracy.values(), strict=True), start=1):
            writer.writerow([index, *(f"{v:.4f}" for v in row)])
    plot_accuracy_per_round(
        result.accuracy,
        out / "accuracy.png",
        title=f"{result.config.dataset}: {result.config.attack}, f={result.config.byzantine}, "
        f"alpha={result.config.alpha}",
    )
