"""Models and flat-parameter helpers.

All training and scoring works on flat float32 parameter vectors, so that one code path handles a
single model (a sidecar) and a stack of hundreds (the simulation, a validator scoring a round).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

MODEL_NAMES = ("logreg", "mlp", "cnn", "cnn-large")


def build_model(name: str, input_shape: tuple[int, ...], num_classes: int, *, seed: int = 0) -> nn.Module:
    """``logreg`` (one linear layer), ``mlp`` (one hidden layer of 128), ``cnn`` (two conv layers, ≈ 10k
    parameters on 28x28 images), ``cnn-large`` (conv 32 and 64 channels and a hidden layer of 128: ≈ 151k
    parameters, 0.6 MB of canonical bytes — a model whose updates travel by reference).

    Initialisation is a pure function of ``seed``.
    """
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        features = math.prod(input_shape)
        if name == "logreg":
            model: nn.Module = nn.Sequential(nn.Flatten(), nn.Linear(features, num_classes))
        elif name == "mlp":
            model = nn.Sequential(
                nn.Flatten(), nn.Linear(features, 128), nn.ReLU(), nn.Linear(128, num_classes)
            )
        elif name == "cnn":
            # Adaptive pooling keeps the head size fixed, so the same CNN fits 8x8 digits and 28x28 images.
            model = nn.Sequential(
                nn.Conv2d(input_shape[0], 16, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(4),
                nn.Flatten(),
                nn.Linear(32 * 16, num_classes),
            )
        elif name == "cnn-large":
            model = nn.Sequential(
                nn.Conv2d(input_shape[0], 32, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(4),
                nn.Flatten(),
                nn.Linear(64 * 16, 128),
                nn.ReLU(),
                nn.Linear(128, num_classes),
            )
        else:
            raise ValueError(f"unknown model {name!r}; use one of {MODEL_NAMES}")
    finally:
        torch.random.set_rng_state(generator_state)
    return model


@dataclass(frozen=True)
class ParamLayout:
    """Names and shapes of a model's parameters in ``named_parameters()`` order (the canonical order)."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, model: nn.Module) -> ParamLayout:
        named = list(model.named_parameters())
        return cls(tuple(n for n, _ in named), tuple(tuple(p.shape) for _, p in named))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(math.prod(s) for s in self.shapes)

    @property
    def numel(self) -> int:
        return sum(self.sizes)


def flatten_params(model: nn.Module) -> torch.Tensor:
    """The model's parameters as one detached float32 vector in canonical order."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).to(torch.float32)


def unflatten_params(flat: torch.Tensor, layout: ParamLayout) -> dict[str, torch.Tensor]:
    """Views of ``flat`` (last dim = numel; leading dims are kept) shaped as the model's parameters."""
    if flat.shape[-1] != layout.numel:
        raise ValueError(f"flat vector has {flat.shape[-1]} values, model needs {layout.numel}")
    chunks = torch.split(flat, layout.sizes, dim=-1)
    lead = flat.shape[:-1]
    return {
        name: chunk.reshape(*lead, *shape)
        for name, chunk, shape in zip(layout.names, chunks, layout.shapes, strict=True)
    }


def load_flat_params(model: nn.Module, flat: torch.Tensor) -> None:
    """Copy a flat vector into the model's parameters in place."""
    params: Mapping[str, torch.Tensor] = unflatten_params(flat, ParamLayout.of(model))
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(params[name])
