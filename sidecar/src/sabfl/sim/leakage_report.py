"""``sabfl sim --leakage``: the leakage study over rules, quantization steps and seeds, written as CSV, JSON
and a markdown table (sim/leakage.py for the attack and estimator, sim/leakage_study.py for the runs)."""

from __future__ import annotations

import csv
import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sabfl.ml.data import load_dataset
from sabfl.protocol import LOSS_SCALE
from sabfl.sim.config import SimConfig
from sabfl.sim.leakage import project_simplex, total_variation
from sabfl.sim.leakage_study import ProbeRun, probe_run, quantized_accuracy

REPORT_ROUNDS = (1, 5, 10, 25)


@dataclass(frozen=True)
class Study:
    """The study's settings: rules, quantization steps (micro-units), seeds and the probe and mix."""

    rules: list[str]
    steps: list[int]
    seeds: list[int]
    shift: float  # the attacker's bias shift δ
    rows: int  # the target validator's held-out rows
    alpha: float  # Dirichlet concentration of its class mix
    probe: bool = True  # False: only the cost of each step (e.g. under an attack)
    cost: bool = True  # False: only the probing


def present(mix: np.ndarray, rows: int) -> np.ndarray:
    """Classes with at least half a row's share: what an estimate says is in the held-out set."""
    return mix >= 0.5 / rows


def baselines(truth: np.ndarray) -> tuple[float, float]:
    """TV of two guesses that need no probe answer beyond the support: uniform over all classes, and
    uniform over the classes present (the most a support-only leak gives)."""
    support = (truth > 0).astype(float)
    return total_variation(np.full(len(truth), 1 / len(truth)), truth), total_variation(
        project_simplex(support / support.sum()), truth
    )


def mean_std(values: list[float]) -> str:
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def run_study(config: SimConfig, study: Study, out: Path, command: list[str]) -> str:
    """Run every (rule, seed) probe run and every seed's quantized-accuracy run; write the files and
    return the markdown report."""
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(config.dataset, max_train=config.max_train, max_test=config.max_test)
    probes: dict[tuple[str, int], ProbeRun] = {}
    accuracy: dict[tuple[str, int, int], float] = {}
    for seed in study.seeds:
        seeded = SimConfig(**{**config.__dict__, "seed": seed})
        for rule in study.rules if study.probe else []:
            probes[rule, seed] = probe_run(
                seeded, rule, study.steps, study.shift, study.rows, study.alpha, dataset
            )
        if study.cost:
            for (rule, step), value in quantized_accuracy(seeded, study.rules, study.steps, dataset).items():
                accuracy[rule, step, seed] = value
    if probes:
        write_probes(probes, out)
    if accuracy:
        write_accuracy(accuracy, out)
    report = format_report(config, study, probes, accuracy, command)
    (out / "README.md").write_text(report)
    return report


def write_probes(probes: dict[tuple[str, int], ProbeRun], out: Path) -> None:
    """leakage.csv (TV after every round) and mixes.json (true mix and final estimate per step)."""
    with (out / "leakage.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rule", "step", "seed", "round", "tv"])
        for (rule, seed), run in probes.items():
            for step, errors in run.errors.items():
                writer.writerows(
                    [rule, step / LOSS_SCALE, seed, t, f"{e:.6f}"] for t, e in enumerate(errors, 1)
                )
    mixes = {
        f"{rule}/{seed}": {
            "truth": run.truth.tolist(),
            "estimate": {str(s / LOSS_SCALE): e.round(4).tolist() for s, e in run.estimates.items()},
        }
        for (rule, seed), run in probes.items()
    }
    (out / "mixes.json").write_text(json.dumps(mixes, indent=1) + "\n")


def write_accuracy(accuracy: dict[tuple[str, int, int], float], out: Path) -> None:
    with (out / "accuracy.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rule", "step", "seed", "test_accuracy"])
        writer.writerows([r, s / LOSS_SCALE, seed, f"{a:.4f}"] for (r, s, seed), a in accuracy.items())


def format_report(
    config: SimConfig,
    study: Study,
    probes: dict[tuple[str, int], ProbeRun],
    accuracy: dict[tuple[str, int, int], float],
    command: list[str],
) -> str:
    lines = [
        "# What revealed losses leak: a validator's class mix",
        "",
        f"{config.dataset} {config.model}, {config.participants} participants, "
        f"{config.validators} validators, {config.rounds} rounds, seeds {study.seeds}. "
        f"The target validator holds {study.rows} rows in a "
        f"Dirichlet(α = {study.alpha}) class mix; the attacker submits 2 bias probes per class and round "
        f"(shift δ = {study.shift:g}, jittered) and estimates the mix from that validator's revealed losses "
        "(sim/leakage.py). Step = loss quantization (1e-06 is the chain's today).",
        "",
        "Regenerate: `" + shlex.join(command) + "`",
        "",
        *(probe_table(config, study, probes) if probes else []),
        *(cost_table(config, study, accuracy) if accuracy else []),
    ]
    return "\n".join(lines) + "\n"


def cost_table(config: SimConfig, study: Study, accuracy: dict[tuple[str, int, int], float]) -> list[str]:
    """Test accuracy per rule at every quantization step."""
    lines = [
        f"## Cost: test accuracy (mean of the last {config.report_rounds} rounds), {config.dataset}, "
        f"attack {config.attack}, f = {config.byzantine}, α = {config.alpha}, mean ± std over seeds",
        "",
        "| rule | " + " | ".join(f"step {s / LOSS_SCALE:g}" for s in study.steps) + " |",
        "|---|" + "---|" * len(study.steps),
    ]
    for rule in study.rules:
        cells = [mean_std([accuracy[rule, s, seed] for seed in study.seeds]) for s in study.steps]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    return lines


def probe_table(config: SimConfig, study: Study, probes: dict[tuple[str, int], ProbeRun]) -> list[str]:
    """The estimation error per rule and step after rounds 1, 5, 10, 25, and the two no-probe guesses."""
    rounds = [r for r in REPORT_ROUNDS if r <= config.rounds]
    lines = [
        "## Estimation error: TV(estimate, true mix), mean ± std over seeds, after t rounds",
        "",
        "| rule | step | " + " | ".join(f"t = {r}" for r in rounds) + " | support right (final) |",
        "|---|---|" + "---|" * (len(rounds) + 1),
    ]
    for rule in study.rules:
        for step in study.steps:
            runs = [probes[rule, seed] for seed in study.seeds]
            cells = [mean_std([run.errors[step][r - 1] for run in runs]) for r in rounds]
            right = [np.mean(present(run.estimates[step], study.rows) == (run.truth > 0)) for run in runs]
            row = [rule, f"{step / LOSS_SCALE:g}", *cells, mean_std(right)]
            lines.append("| " + " | ".join(row) + " |")
    guesses = [baselines(probes[study.rules[0], seed].truth) for seed in study.seeds]
    lines += [
        "",
        f"No probe (uniform guess): TV {mean_std([g[0] for g in guesses])}; support known, uniform over it: "
        f"TV {mean_std([g[1] for g in guesses])}.",
        "",
    ]
    return lines
