"""Participant local training: E epochs of minibatch SGD from the global model, returning the update.

``train_many`` trains a stack of models at once (vmap over flat parameter vectors); ``local_train`` is
the one-model case a participant sidecar calls. Both share one code path, so the simulation measures
exactly what the sidecars run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

from sabfl.ml.models import ParamLayout, unflatten_params


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 1
    batch_size: int = 32
    lr: float = 0.1


def batch_schedule(
    index_sets: Sequence[np.ndarray], config: TrainConfig, seeds: Sequence[Sequence[int]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Minibatch indices [M, steps, B] and 0/1 masks; shorter schedules are padded with masked steps.

    Each model's order is a pure function of its seed, so a participant trains identically alone or
    inside a simulated stack.
    """
    batch = config.batch_size
    schedules = []
    for indices, seed in zip(index_sets, seeds, strict=True):
        rng = np.random.default_rng(list(seed))
        epochs = [rng.permutation(np.asarray(indices)) for _ in range(config.epochs)]
        steps = [e[i : i + batch] for e in epochs for i in range(0, len(e), batch)]
        schedules.append(steps)
    num_steps = max((len(s) for s in schedules), default=0)
    index = np.zeros((len(schedules), num_steps, batch), dtype=np.int64)
    mask = np.zeros((len(schedules), num_steps, batch), dtype=np.float32)
    for m, steps in enumerate(schedules):
        for s, chunk in enumerate(steps):
            index[m, s, : len(chunk)] = chunk
            mask[m, s, : len(chunk)] = 1.0
    return torch.from_numpy(index), torch.from_numpy(mask)


def train_many(
    model: nn.Module,
    start: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    index_sets: Sequence[np.ndarray],
    config: TrainConfig,
    seeds: Sequence[Sequence[int]],
) -> torch.Tensor:
    """Train M models [M, d] from ``start`` on their own rows of (x, y); returns updates θ_i − θ_start."""
    layout = ParamLayout.of(model)
    index, mask = batch_schedule(index_sets, config, seeds)

    def batch_loss(flat: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor, wb: torch.Tensor) -> torch.Tensor:
        logits = functional_call(model, unflatten_params(flat, layout), (xb,))
        per_sample = F.cross_entropy(logits, yb, reduction="none")
        return (per_sample * wb).sum() / wb.sum().clamp(min=1.0)

    step_grads = vmap(grad(batch_loss))
    params = start.detach().clone()
    # Models whose schedule has ended (an empty, masked step has a zero gradient) sit out the step: with
    # unequal shards (Dirichlet α = 0.1) most models finish long before the largest one.
    steps_of = (mask.sum(2) > 0).sum(1)
    for step in range(index.shape[1]):
        active = (steps_of > step).nonzero().squeeze(1)
        idx = index[active, step]
        grads = step_grads(params[active], x[idx], y[idx], mask[active, step])
        params[active] = params[active] - config.lr * grads
    return params - start


def local_train(
    model: nn.Module,
    global_params: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    config: TrainConfig,
    seed: Sequence[int],
) -> torch.Tensor:
    """One participant: SGD on all of (x, y) from ``global_params`` [d]; returns Δ = θ_i − θ_t [d]."""
    update = train_many(model, global_params[None], x, y, [np.arange(len(y))], config, [seed])
    return update[0]
