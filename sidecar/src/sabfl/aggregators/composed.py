"""``pre+rule``: one or more pre-aggregation steps (applied left to right) before an aggregation rule,
e.g. ``nnm+krum`` or ``arc+nnm+trimmed_mean``. The rule is built for the count and Byzantine bound the
steps hand on; score-based rules cannot follow a step (the validators score the submitted updates)."""

from __future__ import annotations

import dataclasses

import torch

from sabfl.aggregators.base import Aggregator, PreAggregation, RoundInputs


class ComposedAggregator(Aggregator):
    def __init__(self, steps: list[PreAggregation], rule: Aggregator, name: str) -> None:
        self.steps = steps
        self.rule = rule
        self.name = name
        self.needs_trusted_update = rule.needs_trusted_update

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        updates, num_samples = inputs.updates, inputs.num_samples
        for step in self.steps:
            updates, num_samples = step(updates, num_samples)
        return self.rule(dataclasses.replace(inputs, updates=updates, num_samples=num_samples))
