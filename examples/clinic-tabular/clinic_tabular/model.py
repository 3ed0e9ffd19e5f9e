"""The task's model: what `{entry_point: "clinic_tabular.model:tabular_mlp", ...}` in a task's spec builds."""

from __future__ import annotations

import math

from torch import nn


def tabular_mlp(
    input_shape: tuple[int, ...], num_classes: int, hidden: int = 32, depth: int = 1
) -> nn.Module:
    """An MLP on a record's features: `depth` hidden ReLU layers of `hidden` units.

    sabfl calls a factory as ``factory(input_shape, num_classes, **params)`` with the task's data shape and
    label space and the spec's ``params``, under a fixed torch seed (every party builds the same initial
    model, and the sidecars compare its bytes with the chain's). Every parameter must be float32 and the
    model may hold no buffers: sabfl trains it as one flat vector of parameters.
    """
    if depth < 1 or hidden < 1:
        raise ValueError(f"depth and hidden must be at least 1, got depth={depth}, hidden={hidden}")
    layers: list[nn.Module] = [nn.Flatten()]
    width = math.prod(input_shape)
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)
