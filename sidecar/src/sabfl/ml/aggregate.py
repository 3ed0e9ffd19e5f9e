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


class AggregateSum:
    """θ_t + Σ_i w_i Δ_i accumulated one update at a time, in the order of the `add` calls: the same bits
    whether the updates come from one list or from batches read one after another. Each step is computed
    in slices of `SLICE` values (elementwise, so slicing changes no bit), so it needs no update-sized
    temporary beside the float64 accumulator."""

    SLICE = 1 << 20

    def __init__(self, global_params: np.ndarray) -> None:
        self.accumulator = np.array(global_params, dtype=np.float64).reshape(-1)
        self.scratch = np.empty(min(self.SLICE, self.accumulator.size), np.float64)

    def add(self, update: np.ndarray, weight: float) -> None:
        """acc ← acc + float64(weight) · float64(update), elementwise."""
        update = np.asarray(update, dtype=np.float32).reshape(-1)
        if update.shape != self.accumulator.shape:
            raise ValueError(f"update has {update.size} values, the model {self.accumulator.size}")
        factor = np.float64(weight)
        for start in range(0, update.size, self.SLICE):
            part = slice(start, start + self.SLICE)
            product = self.scratch[: update[part].size]
            np.multiply(factor, update[part], out=product, dtype=np.float64)
            np.add(self.accumulator[part], product, out=self.accumulator[part])

    def finish(self, shapes: Sequence[tuple[int, ...]]) -> Aggregate:
        """θ_{t+1} = float32(acc) and its canonical bytes; the accumulator is released first (its two rows
        are not held beside the result's), so nothing can be added after."""
        params = self.accumulator.astype(np.float32)
        del self.accumulator, self.scratch
        payload = encode_flat(params, shapes)
        return Aggregate(params, payload, sha256_hex(payload))


def build_aggregate(
    global_params: np.ndarray,
    updates: Sequence[np.ndarray],
    weights: Sequence[float],
    shapes: Sequence[tuple[int, ...]],
) -> Aggregate:
    """The canonical next global model from flat float32 ``updates`` in the order given."""
    if len(updates) != len(weights):
        raise ValueError(f"{len(updates)} updates but {len(weights)} weights")
    total = AggregateSum(global_params)
    for update, weight in zip(updates, weights, strict=True):
        total.add(update, weight)
    return total.finish(shapes)
