"""Nearest Neighbour Mixing (Allouah, Farhadkhani, Guerraoui, Gupta, Pinot & Stephan, AISTATS 2023,
arXiv 2302.01772), a pre-aggregation: each update is replaced by the mean of its n − f nearest updates
(itself included, Euclidean distance), y_i = (1/(n − f)) Σ_{j ∈ N_i} Δ_j. Precondition: n > f.
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import PreAggregation, pairwise_sq_distances, register_pre, require


class NearestNeighbourMixing(PreAggregation):
    name = "nnm"

    def __init__(self, num_byzantine: int) -> None:
        self.num_byzantine = num_byzantine

    def __call__(self, updates: torch.Tensor, num_samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        n, f = len(updates), self.num_byzantine
        require(n > f, f"nnm: needs n > f, got n={n}, f={f}")
        nearest = pairwise_sq_distances(updates).argsort(dim=1, stable=True)[:, : n - f]
        return updates[nearest].mean(dim=1), num_samples


@register_pre("nnm")
def make_nnm(num_updates: int, num_byzantine: int) -> NearestNeighbourMixing:
    require(num_updates > num_byzantine, f"nnm: needs n > f, got n={num_updates}, f={num_byzantine}")
    return NearestNeighbourMixing(num_byzantine)
