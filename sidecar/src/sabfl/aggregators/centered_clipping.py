"""Centered Clipping (Karimireddy, He & Jaggi, ICML 2021).

v ← v + (1/n) Σ_i clip(Δ_i − v, ρ) for ``iterations`` steps, clip(x, ρ) = x · min(1, ρ/||x||), starting
from the previous round's aggregate (the rule is stateful, as in the paper where v is the momentum).
The paper tunes a fixed radius ρ; here ρ is the median of ||Δ_i − v|| in each step unless given, so the
rule needs no tuning to the model's scale (a fixed ρ is either a plain mean or a frozen model).
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


class CenteredClipping(Aggregator):
    name = "centered_clipping"

    def __init__(self, radius: float | None = None, iterations: int = 3) -> None:
        require(radius is None or radius > 0, f"centered clipping: radius must be positive, got {radius}")
        require(iterations >= 1, "centered clipping: needs at least one iteration")
        self.radius = radius
        self.iterations = iterations
        self.center: torch.Tensor | None = None

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        updates = inputs.updates
        center = self.center if self.center is not None else torch.zeros_like(updates[0])
        for _ in range(self.iterations):
            offsets = updates - center
            norms = offsets.norm(dim=1)
            radius = self.radius if self.radius is not None else float(norms.quantile(0.5))
            scale = (radius / norms.clamp(min=1e-12)).clamp(max=1.0)
            center = center + (offsets * scale[:, None]).mean(dim=0)
        self.center = center
        return center


@register("centered_clipping")
def make_centered_clipping(num_updates: int, num_byzantine: int) -> CenteredClipping:
    return CenteredClipping()
