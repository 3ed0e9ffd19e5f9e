"""The leakage study's estimator, checked end to end on a tiny case through the validator's real scoring and
revealing code (roles/scores.py): it must recover a strongly skewed class mix from today's micro-unit
losses and fail once the losses are rounded coarsely."""

import csv
import dataclasses

import numpy as np
import pytest
import torch

from sabfl.aggregators.base import RoundInputs as AggregatorInputs
from sabfl.aggregators.softmax import SOFTMAX_RULES, make_softmax
from sabfl.ml.data import load_dataset
from sabfl.ml.models import ParamLayout, flatten_params
from sabfl.protocol import LOSS_SCALE
from sabfl.roles.inputs import RoundInputs
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.scores import revealed
from sabfl.sim.config import SimConfig
from sabfl.sim.leakage import (
    class_mix,
    class_probes,
    coarsen,
    estimate_mix,
    probe_slopes,
    project_simplex,
    skewed_rows,
    total_variation,
)
from sabfl.sim.leakage_study import QuantizedSoftmax
from sabfl.sim.setup import TaskSetup

DIGITS = load_dataset("digits")
COUNTS = {3: 8, 7: 3, 1: 1}  # 12 held-out rows: a strongly skewed mix over 3 of 10 classes
SETUP = TaskSetup.build(SimConfig(participants=4, validators=2, holdout=100, seed=1), DIGITS)


def skewed_runtime(rule: str) -> TaskRuntime:
    """Validator 0 holding COUNTS rows of its own held-out rows (its scores and its reference update)."""
    rows = SETUP.split.validators[0]
    labels = SETUP.y_clean[rows].numpy()
    picked = np.concatenate([rows[labels == c][:n] for c, n in COUNTS.items()])
    assert len(picked) == sum(COUNTS.values())
    heldout = [(SETUP.x[picked], SETUP.y_clean[picked]), *SETUP.heldout[1:]]
    split = dataclasses.replace(SETUP.split, validators=[picked, *SETUP.split.validators[1:]])
    setup = dataclasses.replace(SETUP, heldout=heldout, split=split)
    return TaskRuntime(0, setup.config, SOFTMAX_RULES[rule], setup, ParamLayout.of(setup.model))


def probed_estimate(runtime: TaskRuntime, step: int, low: float = 100.0, high: float = 200.0) -> np.ndarray:
    """One round of probes from the initial model, revealed as on chain, rounded to ``step``, estimated."""
    probes = class_probes(runtime.layout.numel, 10, low, high)
    inputs = RoundInputs.held(0, flatten_params(runtime.setup.model), probes, runtime.layout.shapes)
    micro = revealed(runtime, 0, inputs)
    slopes = probe_slopes(np.array(coarsen(micro, step)) / LOSS_SCALE, low, high)
    return estimate_mix(slopes, runtime.rule.scoring.eta)


def truth() -> np.ndarray:
    return class_mix(np.repeat(list(COUNTS), list(COUNTS.values())), 10)


def test_the_paper_rule_reveals_a_skewed_mix_at_micro_units_but_not_at_a_very_coarse_step() -> None:
    runtime = skewed_runtime("softmax_paper")
    assert total_variation(probed_estimate(runtime, 1), truth()) < 0.01
    # Losses of 100-200 rounded to steps of 1,000: every probe reveals 0, nothing is learnt.
    coarse = probed_estimate(runtime, 1_000 * LOSS_SCALE)
    np.testing.assert_allclose(coarse, np.full(10, 0.1))
    assert total_variation(coarse, truth()) > 0.5


def test_the_default_rule_reveals_which_classes_are_present_not_their_shares() -> None:
    estimate = probed_estimate(skewed_runtime("softmax_guarded_norm"), 1)
    support = np.zeros(10)
    support[list(COUNTS)] = 1 / 3
    assert total_variation(estimate, support) < 0.01
    assert total_variation(estimate, truth()) > 0.25


def test_estimator_inverts_slopes_exactly_and_projects_onto_the_simplex() -> None:
    mix = np.array([0.5, 0.3, 0.2, 0.0])
    eta, kappa = 0.2, 0.07  # slope η(1 − π_c) + κ, κ common to every class
    np.testing.assert_allclose(estimate_mix(eta * (1 - mix) + kappa, eta), mix, atol=1e-12)
    projected = project_simplex(np.array([0.9, 0.6, -0.2]))
    np.testing.assert_allclose(projected, [0.65, 0.35, 0.0])
    np.testing.assert_allclose(project_simplex(mix), mix)
    with pytest.raises(ValueError, match="eta"):
        estimate_mix(mix, 0.0)


def test_coarsen_rounds_to_the_nearest_multiple() -> None:
    assert coarsen([0, 499, 500, 1_499, 2_000_001], 1_000) == [0, 0, 1_000, 1_000, 2_000_000]
    assert coarsen([7, 8], 1) == [7, 8]
    with pytest.raises(ValueError, match="step"):
        coarsen([1], 0)


def test_skewed_rows_are_distinct_and_skewed() -> None:
    labels = np.repeat(np.arange(10), 20)
    rows = skewed_rows(labels, 10, 40, 0.1, np.random.default_rng(4))
    assert len(np.unique(rows)) == 40
    assert class_mix(labels[rows], 10).max() >= 0.3  # uniform would give 0.1


def test_quantized_softmax_ties_scores_below_its_step() -> None:
    scores = np.array([[0.0, 0.004, 0.2], [0.0, 0.005, 0.3]])
    inputs = AggregatorInputs(torch.eye(3), torch.ones(3), scores=scores, stakes=np.ones(2))
    rule = SOFTMAX_RULES["softmax_guarded_norm"]
    fine = QuantizedSoftmax(rule, "q", 1).weights(inputs)
    torch.testing.assert_close(fine, make_softmax("softmax_guarded_norm").weights(inputs))
    coarse = QuantizedSoftmax(rule, "q", 10_000).weights(inputs)  # 0.01: the first two tie at 0
    assert coarse[0] == coarse[1] > fine[1]


def test_sim_leakage_writes_its_tables(tmp_path) -> None:
    from sabfl.cli import main

    flags = "--rounds 1 --participants 4 --validators 2 --holdout 60 --mix-rows 20 --leak-seeds 0"
    assert main(["sim", "--leakage", *flags.split(), "--leak-steps", "1e-6", "--out", str(tmp_path)]) == 0
    rows = list(csv.DictReader((tmp_path / "leakage.csv").open()))
    tv = {row["rule"]: float(row["tv"]) for row in rows}
    assert tv["softmax_paper"] < 0.01 < tv["softmax_guarded_norm"]
    accuracy = list(csv.DictReader((tmp_path / "accuracy.csv").open()))
    assert {row["rule"] for row in accuracy} == set(tv) and all(
        float(r["test_accuracy"]) > 0.3 for r in accuracy
    )
    assert "| softmax_paper | 1e-06 | 0.000 ± 0.000 |" in (tmp_path / "README.md").read_text()
