"""Attacks that adapt to the softmax rules' scores; they need an :class:`AttackContext` with the
validators' held-out data (an upper bound: real validators keep that data private)."""

from __future__ import annotations

import numpy as np
import torch

from sabfl.attacks.context import AttackContext, camouflage
from sabfl.attacks.participants import ParticipantAttack


class ScoreAware(ParticipantAttack):
    """Knows the scoring rule and the validators' data, estimates each validator's score and sends the most
    harmful update whose estimated loss L stays at or below the honest updates' median: along the honest
    spread, μ − γ ||μ|| σ/||σ|| (μ, σ the honest mean and coordinate-wise std, as in Min-Max), γ ≤ 10 by
    bisection. Each attacker adds its own jitter of relative size 1e-3, so the chain's de-duplication does
    not collapse them into one. With ``own_data`` (``score_aware_own``) it does not know the validators'
    data and estimates their scores with up to V attackers playing validator on their own data."""

    needs_context = True

    def __init__(self, own_data: bool = False, max_gamma: float = 10.0, jitter: float = 1e-3) -> None:
        self.name = "score_aware_own" if own_data else "score_aware"
        self.knows_validators_data = not own_data
        self.max_gamma = max_gamma
        self.jitter = jitter

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        context = self.require_context(context)
        mean, spread = honest.mean(0), honest.std(0, correction=0)
        direction = spread / spread.norm().clamp(min=1e-12)
        target = mean - mean.norm() * direction
        forged = camouflage(context, honest, target[None], self.max_gamma)[0]
        noise = torch.randn(own.shape, generator=generator, dtype=own.dtype)
        return forged + noise * (self.jitter * forged.norm() / np.sqrt(own.shape[1]))


class Leaked(ParticipantAttack):
    """An attack whose attackers were told the validators' data: each forged update is pulled back toward
    the honest mean, μ + γ (forged − μ) with the largest γ ≤ 1 whose estimated loss stays among the honest
    ones (what leaked validator data would cost, at most)."""

    needs_context = True

    def __init__(self, base: ParticipantAttack) -> None:
        self.base = base
        self.name = f"{base.name}+leaked"
        self.flips_labels = base.flips_labels
        self.backdoor_target = base.backdoor_target

    def poison(self, x: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
        return self.base.poison(x, labels, num_classes)

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        context = self.require_context(context)
        forged = self.base.forge(own, honest, generator, context)
        finite = torch.isfinite(forged).all(dim=1)
        if not finite.any():
            return forged
        pulled = forged.clone()
        pulled[finite] = camouflage(context, honest, forged[finite], 1.0)
        return pulled
