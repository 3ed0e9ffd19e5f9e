"""Tables and files written by ``sabfl sim`` for one run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sabfl.sim.plots import plot_accuracy_per_round
from sabfl.sim.result import SimResult


def format_table(result: SimResult) -> str:
    cfg = result.config
    lines = [
        f"{cfg.dataset} {cfg.model} n={cfg.participants} f={cfg.byzantine} attack={cfg.attack} "
        f"alpha={cfg.alpha} rounds={cfg.rounds} seed={cfg.seed}",
        f"{'aggregator':<24}{f'test (last {cfg.report_rounds} mean)':>22}{'validation':>12}"
        f"{'final accuracy':>16}",
    ]
    validation, final = result.validation_accuracy, result.final_accuracy
    ranked = sorted(result.test_accuracy.items(), key=lambda item: -item[1])
    lines += [
        f"{name:<24}{value:>22.4f}{validation.get(name, float('nan')):>12.4f}{final[name]:>16.4f}"
        for name, value in ranked
    ]
    lines += [f"{name:<24}{'n/a':>22}  ({reason})" for name, reason in result.skipped.items()]
    return "\n".join(lines)


def write_run(result: SimResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
    with (out / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["aggregator", "test_accuracy", "validation_accuracy", "final_accuracy"])
        validation, final = result.validation_accuracy, result.final_accuracy
        for name, value in result.test_accuracy.items():
            writer.writerow([name, value, validation.get(name, ""), final[name]])
        writer.writerows([name, "n/a", "n/a", "n/a"] for name in result.skipped)
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
