"""Sybil accounts (Fung, Yoon & Beschastnikh, RAID 2020): every attacker sends a near-copy of one malicious
update, the attackers' mean update reversed, −mean(own), plus jitter of relative size ``spread`` so the
copies are distinct updates on chain (identical ones would be de-duplicated into one) yet each other's
nearest neighbours."""

from __future__ import annotations

import numpy as np
import torch

from sabfl.attacks.context import AttackContext
from sabfl.attacks.participants import ParticipantAttack


class Sybil(ParticipantAttack):
    name = "sybil"

    def __init__(self, spread: float = 0.01) -> None:
        self.spread = spread

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        malicious = -own.mean(0)
        noise = torch.randn(own.shape, generator=generator, dtype=own.dtype)
        return malicious + noise * (self.spread * malicious.norm() / np.sqrt(own.shape[1]))
