"""Centered Clipping (Karimireddy, He & Jaggi, ICML 2021).

v ← v + (1/n) Σ_i clip(Δ_i − v, ρ) for ``iterations`` steps, clip(x, ρ) = x · min(1, ρ/||x||), starting
from the previous round's aggregate (the rule is stateful, as in the paper where v is the momentum).
The paper tunes a fixed radius ρ; here ρ is the q-quantile of ||Δ_i − v|| in each step unless given, so the
rule needs no tuning to the model's scale (a fixed ρ is either a plain mean or a frozen model). q is the
rule's tuning knob: `centered_clipping` (q = 0.5) and `centered_clipping_q25` / `_q75` / `_q90`, chosen on
validation like the softmax rules (sabfl.aggregators.tuning).
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require


class CenteredClipping(Aggregator):
    name = "centered_clipping"

    def __init__(self, radius: float | None = None, iterations: int = 3, quantile: float = 0.5) -> None:
        require(radius is None or radius > 0, f"centered clipping: radius must be positive, got {radius}")
        require(iterations >= 1, "centered clipping: needs at least one iteration")
        require(0 < quantile <= 1, f"centered clipping: quantile must be in (0, 1], got {quantile}")
        self.radius = radius
        self.iterations = iterations
        self.quantile = quantile
        self.center: torch.Tensor | None = None

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        updates = inputs.updates
        center = self.center if self.center is not None else torch.zeros_like(updates[0])
        for _ in range(self.iterations):
            offsets = updates - center
            norms = offsets.norm(dim=1)
            radius = self.radius if self.radius is not None else float(norms.quantile(self.quantile))
            scale = (radius / norms.clamp(min=1e-12)).clamp(max=1.0)
            center = center + (offsets * scale[:, None]).mean(dim=0)
        self.center = center
        return center


# The radius quantile of each registered variant.
QUANTILES = {
    "centered_clipping": 0.5,
    "centered_clipping_q25": 0.25,
    "centered_clipping_q75": 0.75,
    "centered_clipping_q90": 0.9,
}


def _register(name: str, quantile: float) -> None:
    @register(name)
    def make(num_updates: int, num_byzantine: int) -> CenteredClipping:
        clipping = CenteredClipping(quantile=quantile)
        clipping.name = name
        return clipping


for _name, _quantile in QUANTILES.items():
    _register(_name, _quantile)
