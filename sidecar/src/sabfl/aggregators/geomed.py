"""Geometric median via smoothed Weiszfeld — RFA (Pillutla, Kakade & Harchaoui, IEEE TSP 2022).

z ← Σ_i β_i Δ_i / Σ_i β_i with β_i = 1 / max(ν, ||z − Δ_i||), from the mean, until z moves less than
``tol`` or after ``max_iter`` iterations. ν > 0 smooths the objective so the iteration is well defined.
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


def geometric_median(
    updates: torch.Tensor, nu: float = 1e-6, max_iter: int = 100, tol: float = 1e-7
) -> torch.Tensor:
    require(nu > 0, f"geometric median: smoothing nu must be positive, got {nu}")
    points = updates.double()
    median = points.mean(dim=0)
    for _ in range(max_iter):
        betas = 1.0 / (points - median).norm(dim=1).clamp(min=nu)
        moved = betas @ points / betas.sum()
        converged = float((moved - median).norm()) <= tol * max(1.0, float(median.norm()))
        median = moved
        if converged:
            break
    return median.to(updates.dtype)


class GeometricMedian(Aggregator):
    name = "geomed"

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        return geometric_median(inputs.updates)


@register("geomed")
def make_geomed(num_updates: int, num_byzantine: int) -> GeometricMedian:
    return GeometricMedian()
