"""Coordinate-wise trimmed mean (Yin et al., ICML 2018): per coordinate drop the f largest and f smallest
values and average the rest. Precondition: n > 2f."""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


def trimmed_mean(updates: torch.Tensor, trim: int) -> torch.Tensor:
    n = len(updates)
    require(n > 2 * trim, f"trimmed mean: needs n > 2f, got n={n}, f={trim}")
    return updates.sort(dim=0).values[trim : n - trim].mean(dim=0)


class TrimmedMean(Aggregator):
    name = "trimmed_mean"

    def __init__(self, num_byzantine: int) -> None:
        self.num_byzantine = num_byzantine

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        return trimmed_mean(inputs.updates, self.num_byzantine)


@register("trimmed_mean")
def make_trimmed_mean(num_updates: int, num_byzantine: int) -> TrimmedMean:
    require(
        num_updates > 2 * num_byzantine, f"trimmed mean: needs n > 2f, got n={num_updates}, f={num_byzantine}"
    )
    return TrimmedMean(num_byzantine)
