"""Batched evaluation: loss and accuracy of many candidate models on one data set in one pass."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, vmap

from sabfl.ml.models import ParamLayout, unflatten_params


@dataclass(frozen=True)
class Evaluation:
    """Per-model mean loss, class-balanced loss (mean over classes of the per-class mean) and accuracy."""

    loss: torch.Tensor
    balanced_loss: torch.Tensor
    accuracy: torch.Tensor


@torch.no_grad()
def per_sample_losses(
    model: nn.Module, params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, models_per_chunk: int = 64
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy [M, n] and correctness [M, n] of models ``params`` [M, d] on (x, y)."""
    layout = ParamLayout.of(model)

    def forward(flat: torch.Tensor) -> torch.Tensor:
        return functional_call(model, unflatten_params(flat, layout), (x,))

    losses, correct = [], []
    for chunk in torch.split(params, models_per_chunk):
        logits = vmap(forward)(chunk)
        losses.append(
            F.cross_entropy(logits.flatten(0, 1), y.repeat(len(chunk)), reduction="none").reshape(
                len(chunk), -1
            )
        )
        correct.append(logits.argmax(-1) == y)
    return torch.cat(losses), torch.cat(correct)


def evaluate_many(
    model: nn.Module, params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, num_classes: int
) -> Evaluation:
    """Loss, class-balanced loss and accuracy of every model in ``params`` [M, d]."""
    losses, correct = per_sample_losses(model, params, x, y)
    one_hot = F.one_hot(y, num_classes).to(losses.dtype)
    counts = one_hot.sum(0)
    present = counts > 0
    class_means = (losses @ one_hot)[:, present] / counts[present]
    return Evaluation(losses.mean(1), class_means.mean(1), correct.float().mean(1))
