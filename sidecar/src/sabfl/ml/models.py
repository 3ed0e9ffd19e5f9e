"""Models and flat-parameter helpers.

All training and scoring works on flat float32 parameter vectors, so that one code path handles a
single model (a sidecar) and a stack of hundreds (the simulation, a validator scoring a round).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from sabfl.ml.entrypoints import AllowedPackage, EntryPointRef, builtin_ref, load_entry_point

# The built-in models' short aliases: sabfl's own entry points in MODEL_GROUP (sidecar/pyproject.toml).
MODEL_NAMES = ("logreg", "mlp", "cnn", "cnn-large")
MODEL_GROUP = "sabfl.models"
# Layers initialise from torch's global generator: one build at a time, or a validator building two
# tasks' models on their threads would interleave their seeds (and miss the chain's initial model).
_GLOBAL_RNG = threading.Lock()
FACTORY_SIGNATURE = "factory(input_shape: tuple[int, ...], num_classes: int, **params) -> torch.nn.Module"


class ModelError(ValueError):
    """A factory built a model sabfl cannot train, or one beyond the operator's bounds; the message says
    what to change."""


def logreg(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """One linear layer on the flattened input."""
    return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(input_shape), num_classes))


def mlp(input_shape: tuple[int, ...], num_classes: int, hidden: int = 128) -> nn.Module:
    """One hidden ReLU layer of ``hidden`` units."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(math.prod(input_shape), hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
    )


def cnn(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """Two conv layers, ≈ 10k parameters on 28x28 images. Adaptive pooling keeps the head size fixed, so
    the same CNN fits 8x8 digits and 28x28 images."""
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(32 * 16, num_classes),
    )


def cnn_large(input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """Conv 32 and 64 channels and a hidden layer of 128: ≈ 151k parameters, 0.6 MB of canonical bytes —
    a model whose updates travel by reference."""
    return nn.Sequential(
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


# `package.module:function`, as a factory's entry point is written.
ENTRY_POINT = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def model_ref(model: str | Mapping[str, Any]) -> EntryPointRef:
    """A model as a task names it: a built-in's alias (``logreg``, ``mlp``, ``cnn``, ``cnn-large``) or
    ``{entry_point: "package.module:function", distribution, version, params: {...}}``."""
    if isinstance(model, str):
        return builtin_ref(MODEL_GROUP, model)
    unknown = sorted(set(model) - {"entry_point", "distribution", "version", "params"})
    missing = sorted({"entry_point", "distribution", "version"} - set(model))
    if unknown or missing:
        raise ModelError(
            f"a model by entry point has keys entry_point, distribution, version and optional params; "
            f"unknown {unknown}, missing {missing}"
        )
    params = model.get("params", {})
    strings = [model[k] for k in ("entry_point", "distribution", "version")]
    if not all(isinstance(s, str) for s in strings) or not isinstance(params, Mapping):
        raise ModelError("entry_point, distribution and version are strings, params a mapping")
    entry_point, distribution, version = strings
    if not ENTRY_POINT.fullmatch(entry_point):
        raise ModelError(f"entry_point {entry_point[:80]!r} is not package.module:function")
    if not distribution or not version:
        raise ModelError("a model by entry point names its distribution and version (non-empty)")
    return EntryPointRef(entry_point, distribution, version, dict(params))


def build_model(
    model: str | Mapping[str, Any] | EntryPointRef,
    input_shape: tuple[int, ...],
    num_classes: int,
    *,
    seed: int = 0,
    allowed: Sequence[AllowedPackage] = (),
    max_params: int | None = None,
) -> nn.Module:
    """The model a factory builds — a built-in by alias or any entry point of `MODEL_GROUP` (`model_ref`)
    from sabfl or a distribution on `allowed` (`sabfl.ml.entrypoints.load_entry_point`), called as
    FACTORY_SIGNATURE. Initialisation is a pure function of ``seed``.

    With `max_params`, the factory first builds on torch's meta device (no memory) and a model of more
    parameters is refused before any is allocated. Raises EntryPointError for code it may not or cannot
    load, ModelError for a model sabfl cannot train: parameters that are not all float32, state outside
    the parameters (buffers), or too many parameters.
    """
    ref = model if isinstance(model, EntryPointRef) else model_ref(model)
    factory = load_entry_point(MODEL_GROUP, ref, allowed)
    if max_params is not None:
        with torch.device("meta"):
            planned = _call(factory, ref, input_shape, num_classes)
        _check_size(ref, planned, max_params)
    with _GLOBAL_RNG:
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(seed)
        try:
            built = _call(factory, ref, input_shape, num_classes)
        finally:
            torch.random.set_rng_state(generator_state)
    if max_params is not None:
        _check_size(ref, built, max_params)
    check_trainable(built, ref.target)
    return built


def _call(factory: Any, ref: EntryPointRef, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    try:
        built = factory(tuple(input_shape), num_classes, **ref.params)
    except TypeError as error:
        raise ModelError(f"{ref.target} is called as {FACTORY_SIGNATURE}; it failed: {error}") from None
    if not isinstance(built, nn.Module):
        raise ModelError(f"{ref.target} returned {type(built).__name__}, not a torch.nn.Module")
    return built


def _check_size(ref: EntryPointRef, model: nn.Module, max_params: int) -> None:
    numel = sum(p.numel() for p in model.parameters())
    if numel > max_params:
        raise ModelError(
            f"{ref.target} with params {dict(ref.params)} builds {numel:,} parameters, more than this "
            f"sidecar's max_model_params {max_params:,} ({4 * max_params:,} bytes): a smaller model, or "
            "a higher limits.max_model_params"
        )


def check_trainable(model: nn.Module, where: str) -> None:
    """sabfl trains, scores and serialises a model as one float32 vector of its parameters: every
    parameter must be a float32 tensor, and the model may hold no other state (buffers, e.g. BatchNorm's
    running statistics, would stay local to each party). Raises ModelError saying what to change."""
    params = list(model.named_parameters())
    if not params:
        raise ModelError(f"{where} built a model without parameters")
    wrong = [f"{name} ({p.dtype})" for name, p in params if p.dtype != torch.float32]
    if wrong:
        raise ModelError(
            f"{where}: every parameter must be a float32 tensor; {', '.join(wrong)} is not: "
            "build it with torch's default dtype or call .float() on the model"
        )
    buffers = [name for name, _ in model.named_buffers()]
    if buffers:
        raise ModelError(
            f"{where}: the model holds buffers {buffers}, state that would not be shared: use layers "
            "without running statistics (e.g. LayerNorm or GroupNorm instead of BatchNorm)"
        )


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
