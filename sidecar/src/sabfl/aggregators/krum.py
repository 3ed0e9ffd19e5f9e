"""Krum and Multi-Krum (Blanchard et al., NeurIPS 2017).

score(i) = Σ of squared distances from Δ_i to its n − f − 2 nearest other updates; Krum returns the
update with the lowest score, Multi-Krum the mean of the m lowest (m = n − f by default).
Precondition: n > 2f + 2. m is Multi-Krum's tuning knob: `multikrum_half` (m = ⌈n/2⌉), `multikrum_quarter`
(m = ⌈n/4⌉) and Krum (m = 1) are its other candidates, chosen on validation like the softmax rules
(sabfl.aggregators.tuning).
"""

from __future__ import annotations

import math

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, pairwise_sq_distances, register, require


def krum_scores(updates: torch.Tensor, num_byzantine: int) -> torch.Tensor:
    n = len(updates)
    require(n > 2 * num_byzantine + 2, f"krum: needs n > 2f + 2, got n={n}, f={num_byzantine}")
    distances = pairwise_sq_distances(updates)
    nearest = distances.sort(dim=1).values[:, 1 : n - num_byzantine - 1]  # column 0 is the self-distance
    return nearest.sum(dim=1)


class MultiKrum(Aggregator):
    def __init__(self, num_byzantine: int, num_selected: int | None, name: str) -> None:
        self.num_byzantine = num_byzantine
        self.num_selected = num_selected
        self.name = name

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        n = len(inputs.updates)
        selected = self.num_selected if self.num_selected is not None else n - self.num_byzantine
        require(1 <= selected <= n, f"{self.name}: cannot select {selected} of {n} updates")
        best = krum_scores(inputs.updates, self.num_byzantine).argsort(stable=True)[:selected]
        return inputs.updates[best].mean(dim=0)


@register("krum")
def make_krum(num_updates: int, num_byzantine: int) -> MultiKrum:
    require(
        num_updates > 2 * num_byzantine + 2, f"krum: needs n > 2f + 2, got n={num_updates}, f={num_byzantine}"
    )
    return MultiKrum(num_byzantine, 1, "krum")


@register("multikrum")
def make_multikrum(num_updates: int, num_byzantine: int) -> MultiKrum:
    require(
        num_updates > 2 * num_byzantine + 2,
        f"multikrum: needs n > 2f + 2, got n={num_updates}, f={num_byzantine}",
    )
    return MultiKrum(num_byzantine, None, "multikrum")


# The share of the n updates each registered Multi-Krum variant averages: m = ⌈share · n⌉.
SHARES = {"multikrum_half": 0.5, "multikrum_quarter": 0.25}


def _register(name: str, share: float) -> None:
    @register(name)
    def make(num_updates: int, num_byzantine: int) -> MultiKrum:
        require(
            num_updates > 2 * num_byzantine + 2,
            f"{name}: needs n > 2f + 2, got n={num_updates}, f={num_byzantine}",
        )
        return MultiKrum(num_byzantine, math.ceil(share * num_updates), name)


for _name, _share in SHARES.items():
    _register(_name, _share)
