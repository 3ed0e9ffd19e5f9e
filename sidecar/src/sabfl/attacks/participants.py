"""Byzantine participants. An attack may poison its training labels (``flips_labels``) and then forge its
updates from its own honestly-trained updates and, for omniscient attacks, the honest participants'
updates of the round. All Byzantine participants of a round are forged together (they collude).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from sabfl.attacks.context import AttackContext


def attack_generator(seed: int, round_number: int) -> torch.Generator:
    """The attackers' randomness in round ``round_number`` of a run seeded ``seed``. Each rule of a run gets
    its own generator from this, so every rule faces the same forgeries whichever other rules run."""
    return torch.Generator().manual_seed(
        int(np.random.SeedSequence([seed, round_number, 0xA77]).generate_state(1)[0])
    )


class ParticipantAttack:
    """Honest behaviour; subclasses override ``flips_labels``/``poison`` and/or ``forge``. An attack that
    sets ``needs_context`` forges from an :class:`AttackContext` too and refuses to run without one."""

    name = "none"
    flips_labels = False
    needs_context = False
    # With a context: whether it holds the real validators' data (else the attackers' own, as proxies).
    knows_validators_data = True
    # The class a backdoor attack's trigger should select (None: not a backdoor).
    backdoor_target: int | None = None

    def poison(self, x: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
        """The attacker's training data: label flipping y → C − 1 − y (Tolpegin et al. 2020) when the attack
        trains on poisoned labels, else unchanged."""
        return x, (num_classes - 1 - labels if self.flips_labels else labels)

    def require_context(self, context: AttackContext | None) -> AttackContext:
        if context is None:
            raise ValueError(
                f"attack {self.name!r} needs an AttackContext (the task setup and validators' data) to forge"
            )
        return context

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        """Byzantine updates [f, d] from their own trained updates [f, d] and the honest ones [h, d]."""
        return own


class LabelFlip(ParticipantAttack):
    name = "lf"
    flips_labels = True


class SignFlip(ParticipantAttack):
    """−Δ: the honest update reversed (Allen-Zhu et al. 2021)."""

    name = "sf"

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return -own


class GaussianNoise(ParticipantAttack):
    """Pure noise N(0, σ²) per coordinate, in place of an update (Xie et al. 2018)."""

    name = "gaussian"

    def __init__(self, sigma: float = 1.0) -> None:
        self.sigma = sigma

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return torch.randn(own.shape, generator=generator, dtype=own.dtype) * self.sigma


class Scaling(ParticipantAttack):
    """Model replacement (Bagdasaryan et al. 2020): a label-flipped update boosted by ``factor``."""

    name = "scaling"
    flips_labels = True

    def __init__(self, factor: float = 10.0) -> None:
        self.factor = factor

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return own * self.factor


class LittleIsEnough(ParticipantAttack):
    """A Little Is Enough (Baruch et al., NeurIPS 2019): μ − z·σ of the honest updates, every coordinate,
    with z = Φ⁻¹((n − s)/n), s = ⌊n/2 + 1⌋ − f, the largest shift the majority still hides."""

    name = "alie"

    def __init__(self, num_updates: int, num_byzantine: int) -> None:
        supporters = math.floor(num_updates / 2 + 1) - num_byzantine
        quantile = (num_updates - supporters) / num_updates
        self.z = NormalDist().inv_cdf(min(max(quantile, 0.5), 0.999)) if num_byzantine else 0.0

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        forged = honest.mean(0) - self.z * honest.std(0, correction=0)
        return forged.expand_as(own).clone()


class InnerProductManipulation(ParticipantAttack):
    """Inner Product Manipulation (Xie et al., UAI 2020): −ε · mean of the honest updates."""

    name = "ipm"

    def __init__(self, epsilon: float = 0.5) -> None:
        self.epsilon = epsilon

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return (-self.epsilon * honest.mean(0)).expand_as(own).clone()


class MinMax(ParticipantAttack):
    """Min-Max (Shejwalkar & Houmansadr, NDSS 2021): μ − γ·σ/||σ|| with the largest γ (bisection) such
    that the forged update is no farther from any honest update than the honest updates are from each other.
    """

    name = "minmax"

    def __init__(self, iterations: int = 30) -> None:
        self.iterations = iterations

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        mean = honest.mean(0)
        direction = honest.std(0, correction=0)
        direction = direction / direction.norm().clamp(min=1e-12)
        budget = torch.cdist(honest, honest).max()
        low, high = 0.0, float(budget) * 2 + 1e-6
        for _ in range(self.iterations):
            gamma = (low + high) / 2
            if (honest - (mean - gamma * direction)).norm(dim=1).max() <= budget:
                low = gamma
            else:
                high = gamma
        return (mean - low * direction).expand_as(own).clone()


class Garbage(ParticipantAttack):
    """Uniform random values in [−scale, scale]: a well-formed but meaningless payload."""

    name = "garbage"

    def __init__(self, scale: float = 10.0) -> None:
        self.scale = scale

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return (torch.rand(own.shape, generator=generator, dtype=own.dtype) * 2 - 1) * self.scale


class NonFinite(ParticipantAttack):
    """NaN and ±Inf payloads; decoding rejects them, so they must never reach an aggregate."""

    name = "nan"

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        forged = own.clone()
        forged[0::2, 0] = float("nan")
        forged[1::2, 0] = float("inf")
        return forged
