"""Coordinate-wise trimmed mean (Yin et al., ICML 2018): per coordinate drop the b largest and b smallest
values and average the rest; b = f for `trimmed_mean`. Precondition: n > 2b.

b is the rule's tuning knob (the paper's β = b/n): `trimmed_mean_b10` / `_b25` / `_b45` trim b = ⌊βn⌋ for
β = 0.10, 0.25, 0.45 whatever f is, chosen on validation like the softmax rules
(sabfl.aggregators.tuning)."""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


def trimmed_mean(updates: torch.Tensor, trim: int) -> torch.Tensor:
    n = len(updates)
    require(n > 2 * trim, f"trimmed mean: needs n > 2f, got n={n}, f={trim}")
    return updates.sort(dim=0).values[trim : n - trim].mean(dim=0)


class TrimmedMean(Aggregator):
    name = "trimmed_mean"

    def __init__(self, trim: int, name: str = "trimmed_mean") -> None:
        self.trim = trim
        self.name = name

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        return trimmed_mean(inputs.updates, self.trim)


@register("trimmed_mean")
def make_trimmed_mean(num_updates: int, num_byzantine: int) -> TrimmedMean:
    require(
        num_updates > 2 * num_byzantine, f"trimmed mean: needs n > 2f, got n={num_updates}, f={num_byzantine}"
    )
    return TrimmedMean(num_byzantine)


# The trimmed fraction β of each registered variant that trims ⌊βn⌋ per side instead of f.
FRACTIONS = {"trimmed_mean_b10": 0.10, "trimmed_mean_b25": 0.25, "trimmed_mean_b45": 0.45}


def _register(name: str, fraction: float) -> None:
    @register(name)
    def make(num_updates: int, num_byzantine: int) -> TrimmedMean:
        return TrimmedMean(int(fraction * num_updates), name)  # β < 1/2: n > 2b holds


for _name, _fraction in FRACTIONS.items():
    _register(_name, _fraction)
