"""Softmax aggregation over approximated population losses (Wu & Klabjan, arXiv 2311.07027), and variants.

Each validator v reports a score s_{v,i} per update (a :class:`ScoringRule`); the chain takes
L_i = stake-weighted median over v of s_{v,i}, w_i = softmax(−(L_i − min L)/τ) with τ from a
:class:`TemperatureRule`, and the aggregate is Σ_i w_i Δ_i. The named rules differ only in their score
and τ, so every one of them fits the chain's fixed median-then-softmax step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require
from sabfl.ml.scoring import ScoringRule, TemperatureRule, softmax_weights, stake_weighted_median


@dataclass(frozen=True)
class SoftmaxRule:
    scoring: ScoringRule
    temperature: TemperatureRule


SOFTMAX_RULES: dict[str, SoftmaxRule] = {
    # The paper: held-out loss of the participant's whole model θ_i; τ from the sweep in docs/results.
    "softmax_paper": SoftmaxRule(ScoringRule(eta=1.0), TemperatureRule("fixed", tau=0.05)),
    # The reference run's hint: a short probe step with a small fixed τ.
    "softmax_step": SoftmaxRule(ScoringRule(eta=0.2), TemperatureRule("fixed", tau=0.01)),
}
DEFAULT_SOFTMAX_RULE = "softmax_paper"


class SoftmaxAggregator(Aggregator):
    def __init__(self, rule: SoftmaxRule, name: str) -> None:
        self.rule = rule
        self.scoring = rule.scoring
        self.name = name

    def weights(self, inputs: RoundInputs) -> torch.Tensor:
        require(
            inputs.scores is not None and inputs.stakes is not None,
            f"{self.name}: needs the validators' scores and stakes",
        )
        require(
            inputs.scores.shape[1] == len(inputs.updates),
            f"{self.name}: {inputs.scores.shape[1]} scores per validator for {len(inputs.updates)} updates",
        )
        losses = stake_weighted_median(inputs.scores, inputs.stakes)
        return torch.from_numpy(softmax_weights(losses, self.rule.temperature))

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        return (self.weights(inputs) @ inputs.updates.double()).to(inputs.updates.dtype)


def make_softmax(name: str, rule: SoftmaxRule | None = None) -> SoftmaxAggregator:
    return SoftmaxAggregator(rule or SOFTMAX_RULES[name], name)


def _register_named(name: str) -> None:
    register(name)(lambda num_updates, num_byzantine: make_softmax(name))


for _name in SOFTMAX_RULES:
    _register_named(_name)
