"""Backdoor by model replacement (Bagdasaryan et al., AISTATS 2020): attackers stamp a trigger (a white
square in the bottom-right corner) on half of their training images, relabel those as ``target``, train
honestly on that data and boost their update by n/f, so that together they would replace the model under
FedAvg. Measured by the attack success rate: the share of triggered test images of other classes that the
model assigns to ``target``."""

from __future__ import annotations

import numpy as np
import torch

from sabfl.attacks.context import AttackContext
from sabfl.attacks.participants import ParticipantAttack


def apply_trigger(images: np.ndarray) -> np.ndarray:
    """Images [n, c, h, w] in [0, 1] with a max(2, h/7)-pixel square set to 1 in the bottom-right corner."""
    side = max(2, round(images.shape[-2] / 7))
    stamped = images.copy()
    stamped[..., -side:, -side:] = 1.0
    return stamped


class Backdoor(ParticipantAttack):
    name = "backdoor"

    def __init__(self, num_updates: int, num_byzantine: int, target: int = 0) -> None:
        self.boost = num_updates / max(num_byzantine, 1)
        self.backdoor_target = target

    def poison(self, x: np.ndarray, labels: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
        x, labels = x.copy(), labels.copy()
        x[::2] = apply_trigger(x[::2])
        labels[::2] = self.backdoor_target
        return x, labels

    def forge(
        self,
        own: torch.Tensor,
        honest: torch.Tensor,
        generator: torch.Generator,
        context: AttackContext | None = None,
    ) -> torch.Tensor:
        return own * self.boost
