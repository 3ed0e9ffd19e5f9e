"""The leakage study (sim/leakage.py): a prober reads one validator's revealed losses over rounds, and what a
coarser loss quantization costs the aggregation.

The revealed losses come from the sidecar's own code path (roles/scores.py: ``revealed``, micro-units as
on chain), so this module is where the ML core and the roles meet.
The global model θ_t each round is the rule's own clean simulation; the probes are scored by the target
validator but not aggregated (with losses of tens to hundreds they would get weight ≈ 0 anyway).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch

from sabfl.aggregators.base import RoundInputs as AggregatorInputs
from sabfl.aggregators.softmax import SOFTMAX_RULES, SoftmaxAggregator, SoftmaxRule
from sabfl.ml.data import Dataset
from sabfl.ml.models import ParamLayout
from sabfl.protocol import LOSS_SCALE, loss_to_micro
from sabfl.roles.inputs import CAP_MICRO, RoundInputs
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.scores import revealed
from sabfl.sim.config import SimConfig
from sabfl.sim.leakage import (
    class_mix,
    class_probes,
    coarsen,
    estimate_mix,
    probe_shifts,
    probe_slopes,
    skewed_rows,
    total_variation,
)
from sabfl.sim.runner import Simulation
from sabfl.sim.setup import TaskSetup

TARGET = 0  # the probed validator


@dataclass(frozen=True)
class ProbeRun:
    """One (rule, seed): the target's true class mix and, per quantization step (micro-units), the TV
    distance of the attacker's estimate after each round and its final estimate."""

    truth: np.ndarray
    errors: dict[int, list[float]]
    estimates: dict[int, np.ndarray]


def skew_target(setup: TaskSetup, size: int, alpha: float, rng: np.random.Generator) -> TaskSetup:
    """``setup`` with the target validator's held-out rows replaced by ``size`` of them in a skewed class
    mix (leakage.skewed_rows), for both its scores and its reference update."""
    rows = setup.split.validators[TARGET]
    labels = setup.y_clean[rows].numpy()
    picked = rows[skewed_rows(labels, setup.dataset.num_classes, size, alpha, rng)]
    validators = list(setup.split.validators)
    validators[TARGET] = picked
    heldout = list(setup.heldout)
    heldout[TARGET] = (setup.x[picked], setup.y_clean[picked])
    return dataclasses.replace(
        setup, split=dataclasses.replace(setup.split, validators=validators), heldout=heldout
    )


def probe_run(
    config: SimConfig,
    rule_name: str,
    steps: list[int],
    shift: float,
    rows: int,
    alpha: float,
    dataset: Dataset | None = None,
) -> ProbeRun:
    """``config.rounds`` rounds of probing the target validator under ``rule_name``; the attacker's
    estimate after round t uses the slopes of rounds 1..t."""
    simulation = Simulation(dataclasses.replace(config, aggregators=(rule_name,)), dataset)
    rng = np.random.default_rng([config.seed, 0x1EA4])
    simulation.setup = setup = skew_target(simulation.setup, rows, alpha, rng)
    rule = SOFTMAX_RULES[rule_name]
    runtime = TaskRuntime(0, simulation.config, rule, setup, ParamLayout.of(setup.model))
    classes, params = setup.dataset.num_classes, runtime.layout.numel
    truth = class_mix(setup.heldout[TARGET][1].numpy(), classes)
    totals = {step: np.zeros(classes) for step in steps}
    errors: dict[int, list[float]] = {step: [] for step in steps}
    estimates: dict[int, np.ndarray] = {}
    for t in range(1, config.rounds + 1):
        low, high = probe_shifts(shift, rng)
        probes = class_probes(params, classes, low, high)
        inputs = RoundInputs.held(simulation.round, simulation.params[0], probes, runtime.layout.shapes)
        micro = revealed(runtime, TARGET, inputs)
        for step in steps:
            totals[step] += probe_slopes(np.array(coarsen(micro, step)) / LOSS_SCALE, low, high)
            estimates[step] = estimate_mix(totals[step] / t, rule.scoring.eta)
            errors[step].append(total_variation(estimates[step], truth))
        simulation.step()
    return ProbeRun(truth, errors, estimates)


class QuantizedSoftmax(SoftmaxAggregator):
    """A softmax rule whose validators reveal losses rounded to ``step`` micro-units (leakage.coarsen)."""

    def __init__(self, rule: SoftmaxRule, name: str, step: int) -> None:
        super().__init__(rule, name)
        self.step = step

    def weights(self, inputs: AggregatorInputs) -> torch.Tensor:
        micro = [
            coarsen([loss_to_micro(float(s), cap=CAP_MICRO) for s in row], self.step) for row in inputs.scores
        ]
        coarse = np.array(micro, dtype=np.float64) / LOSS_SCALE
        return super().weights(dataclasses.replace(inputs, scores=coarse))


def quantized_accuracy(
    config: SimConfig, rules: list[str], steps: list[int], dataset: Dataset | None = None
) -> dict[tuple[str, int], float]:
    """Test accuracy (mean of the last ``report_rounds``) of every rule at every step, in one simulation."""
    cells = {f"{rule}@{step}": (rule, step) for rule in rules for step in steps}
    specs = {
        name: {
            "scoring": dataclasses.asdict(SOFTMAX_RULES[rule].scoring),
            "temperature": dataclasses.asdict(SOFTMAX_RULES[rule].temperature),
        }
        for name, (rule, _) in cells.items()
    }
    simulation = Simulation(
        dataclasses.replace(config, aggregators=tuple(cells), softmax_rules=specs), dataset
    )
    for name, (rule, step) in cells.items():
        simulation.aggregators[name] = QuantizedSoftmax(SOFTMAX_RULES[rule], name, step)
    for _ in range(config.rounds):
        simulation.step()
    last = config.report_rounds
    return {cell: float(np.mean(simulation.accuracy[name][-last:])) for name, cell in cells.items()}
