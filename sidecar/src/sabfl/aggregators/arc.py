"""Adaptive Robust Clipping (Allouah, Guerraoui, Gupta, Jellouli, Rizk & Stephan, ICLR 2025,
arXiv 2405.14432), a pre-aggregation: the k = ⌊2 (f/n) (n − f)⌋ updates of largest norm are clipped to the
norm of the largest one left unclipped, Δ_i ← min(1, ||Δ_(n−k)|| / ||Δ_i||) Δ_i with norms in ascending
order ||Δ_(1)|| ≤ … ≤ ||Δ_(n)||. Precondition: n ≥ f.
"""

from __future__ import annotations

import math

import torch

from sabfl.aggregators.base import PreAggregation, register_pre, require


class AdaptiveRobustClipping(PreAggregation):
    name = "arc"

    def __init__(self, num_byzantine: int) -> None:
        self.num_byzantine = num_byzantine

    def __call__(self, updates: torch.Tensor, num_samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, f = len(updates), self.num_byzantine
        require(n >= f, f"arc: needs n >= f, got n={n}, f={f}")
        clipped = math.floor(2 * f / n * (n - f))
        if clipped == 0:
            return updates, num_samples
        norms = updates.norm(dim=1)
        threshold = norms.sort().values[n - clipped - 1]
        scale = (threshold / norms.clamp(min=1e-12)).clamp(max=1.0)
        return updates * scale[:, None], num_samples


@register_pre("arc")
def make_arc(num_updates: int, num_byzantine: int) -> AdaptiveRobustClipping:
    require(num_updates >= num_byzantine, f"arc: needs n >= f, got n={num_updates}, f={num_byzantine}")
    return AdaptiveRobustClipping(num_byzantine)
