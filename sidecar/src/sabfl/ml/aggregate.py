"""Deterministic aggregate builder for the miner and the attesters.

θ_{t+1} = θ_t + Σ_i w_i Δ_i, computed as::

    acc = float64(θ_t)
    for i in the given order (update-hash ascending; the caller orders them):
        acc = acc + float64(w_i) * float64(Δ_i)      # elementwise, two roundings, no FMA
    θ_{t+1} = float32(acc)                             # rounded once, round-to-nearest-even

Every operation is elementwise in a fixed order, so the result is bit-identical across machines and
thread counts; the hash is sha256 of the canonical bytes (``sabfl.ml.serialize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sabfl.ml.serialize import encode_flat, sha256_hex


@dataclass(frozen=True)
class Aggregate:
    params: np.ndarray
    payload: bytes
    sha256: str


def build_aggregate(
    global_params: np.ndarray,
    updates: Sequence[np.ndarray],
    weights: Sequence[float],
    shapes: Sequence[tuple[int, ...]],
) -> Aggregate:
    """The canonical next global model from flat float32 ``updates`` in the order given."""
    if len(updates) != len(weights):
        raise ValueError(f"{len(updates)} updates but {len(weights)} weights")
    accumulator = np.array(global_params, dtype=np.float64).reshape(-1)
    for update, weight in zip(updates, weights, strict=True):
        update = np.asarray(update, dtype=np.float32).reshape(-1)
        if update.shape != accumulator.shape:
            raise ValueError(f"update has {update.size} values, the model {accumulator.size}")
        np.add(accumulator, np.float64(weight) * update.astype(np.float64), out=accumulator)
    params = accumulator.astype(np.float32)
    payload = encode_flat(params, shapes)
    return Aggregate(params, payload, sha256_hex(payload))
