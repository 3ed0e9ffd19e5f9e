"""Bulyan (El Mhamdi, Guerraoui & Rouault, ICML 2018).

Select θ = n − 2f updates by repeatedly taking the Krum winner of the remaining set, then per coordinate
average the β = θ − 2f values closest to the coordinate-wise median. Precondition: n ≥ 4f + 3.
"""

from __future__ import annotations

import torch

from sabfl.aggregators.base import Aggregator, RoundInputs, register, require
from sabfl.aggregators.krum import krum_scores


class Bulyan(Aggregator):
    name = "bulyan"

    def __init__(self, num_byzantine: int) -> None:
        self.num_byzantine = num_byzantine

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        f = self.num_byzantine
        remaining = inputs.updates
        require(len(remaining) >= 4 * f + 3, f"bulyan: needs n >= 4f + 3, got n={len(remaining)}, f={f}")
        selected = []
        for _ in range(len(remaining) - 2 * f):
            # Krum's precondition cannot hold on the last few candidates: shrink f, and with at most two
            # left both are equally central.
            usable_f = min(f, (len(remaining) - 3) // 2)
            winner = int(krum_scores(remaining, usable_f).argmin()) if len(remaining) > 2 else 0
            selected.append(remaining[winner])
            remaining = torch.cat([remaining[:winner], remaining[winner + 1 :]])
        chosen = torch.stack(selected)
        beta = len(chosen) - 2 * f
        median = chosen.quantile(0.5, dim=0)
        closest = (chosen - median).abs().argsort(dim=0, stable=True)[:beta]
        return chosen.gather(0, closest).mean(dim=0)


@register("bulyan")
def make_bulyan(num_updates: int, num_byzantine: int) -> Bulyan:
    require(
        num_updates >= 4 * num_byzantine + 3,
        f"bulyan: needs n >= 4f + 3, got n={num_updates}, f={num_byzantine}",
    )
    return Bulyan(num_byzantine)
