"""What an attack may know beyond the round's updates: the public task setup (model, θ_t, the rule's
scoring) and, only when an attack is explicitly told, the validators' held-out data and reference updates."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from sabfl.ml.scoring import ScoringRule, UpdateScorer, stake_weighted_median


@dataclass
class AttackContext:
    model: nn.Module
    params: torch.Tensor
    num_classes: int
    scoring: ScoringRule
    heldout: list[tuple[torch.Tensor, torch.Tensor]]
    references: torch.Tensor
    scorers: list[UpdateScorer] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Prepared once per round and rule: a camouflage search scores dozens of candidates against them.
        self.scorers = [
            UpdateScorer.prepare(self.model, self.scoring, self.params, x, y, self.num_classes, reference)
            for (x, y), reference in zip(self.heldout, self.references, strict=True)
        ]

    def estimated_losses(self, updates: torch.Tensor) -> np.ndarray:
        """The chain's per-update loss L_i (median over validators of their scores) the attacker expects."""
        scores = np.stack([scorer.score(updates) for scorer in self.scorers])
        return stake_weighted_median(scores, np.ones(len(scores)))


def camouflage(
    context: AttackContext,
    honest: torch.Tensor,
    target: torch.Tensor,
    max_gamma: float,
    iterations: int = 12,
) -> torch.Tensor:
    """μ + γ (target − μ) with μ the honest mean and the largest γ ∈ [0, max_gamma] (bisection) whose
    estimated loss is at most the median estimated loss of the honest updates: as harmful as the attacker
    can be while its update still scores among the honest ones."""
    mean = honest.mean(0)
    threshold = float(np.median(context.estimated_losses(honest)))

    def passes(gamma: float) -> bool:
        return float(context.estimated_losses((mean + gamma * (target - mean))[None])[0]) <= threshold

    if passes(max_gamma):
        return mean + max_gamma * (target - mean)
    low, high = 0.0, max_gamma
    for _ in range(iterations):
        middle = (low + high) / 2
        low, high = (middle, high) if passes(middle) else (low, middle)
    return mean + low * (target - mean)
