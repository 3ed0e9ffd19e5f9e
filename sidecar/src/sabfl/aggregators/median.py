"""Coordinate-wise median (Yin et al., ICML 2018); for an even count the mean of the two middle values."""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register


class CoordinateMedian(Aggregator):
    name = "median"

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        return inputs.updates.quantile(0.5, dim=0)


@register("median")
def make_median(num_updates: int, num_byzantine: int) -> CoordinateMedian:
    return CoordinateMedian()
