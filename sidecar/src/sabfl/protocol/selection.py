"""Round seed and stake-weighted committee draw (port of consensus/selection.go).

Anyone can recompute a round's committee and miner queue from the block hash at the round's start, the
task id, the round number and the bonded validators' operator addresses and powers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sabfl.protocol.errors import InvalidInput
from sabfl.protocol.fixedpoint import U64_MAX, require_u64


@dataclass(frozen=True)
class Candidate:
    """A bonded validator eligible for a committee: operator address and power (any integer stake unit)."""

    operator: str
    power: int


def round_seed(block_hash: bytes, task_id: int, round_number: int) -> bytes:
    """sha256(block_hash ‖ uint64be(task_id) ‖ uint64be(round_number)): a round's committee-draw seed."""
    require_u64("task_id", task_id)
    require_u64("round_number", round_number)
    return hashlib.sha256(
        bytes(block_hash) + task_id.to_bytes(8, "big") + round_number.to_bytes(8, "big")
    ).digest()


def draw_committee(seed: bytes, candidates: Sequence[Candidate], size: int) -> list[str]:
    """min(size, #candidates with power > 0) operators drawn stake-weighted without replacement, in draw
    order: the first is the miner, the rest its fallbacks in order.

    Candidates are sorted by operator address (UTF-8 byte order); zero-power ones are never drawn;
    duplicates are an error; the total power must fit in a uint64. Stream r_c = first 8 bytes, big-endian,
    of sha256(seed ‖ uint64be(c)), c = 0, 1, …; each draw takes the next r_c, rejecting r_c ≥ 2^64 −
    (2^64 mod T) (T = remaining total power), and picks the first remaining candidate, in address order,
    whose cumulative power exceeds r_c mod T.
    """
    if len(seed) != 32:
        raise InvalidInput(f"seed must be 32 bytes, got {len(seed)}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidInput(f"committee size {size!r}")
    ordered = sorted(candidates, key=lambda c: c.operator.encode())
    pool: list[Candidate] = []
    for i, candidate in enumerate(ordered):
        if i > 0 and candidate.operator == ordered[i - 1].operator:
            raise InvalidInput(f"duplicate candidate {candidate.operator!r}")
        if require_u64(f"power of {candidate.operator!r}", candidate.power) > 0:
            pool.append(candidate)
    total = sum(c.power for c in pool)
    if total > U64_MAX:
        raise InvalidInput("total candidate power overflows uint64")
    if not pool:
        raise InvalidInput("no candidate with power > 0")

    committee: list[str] = []
    counter = 0
    draws = min(size, len(pool))
    while len(committee) < draws:
        target, counter = _draw_target(seed, counter, total)
        cumulative = 0
        for i, candidate in enumerate(pool):
            cumulative += candidate.power
            if target < cumulative:
                committee.append(candidate.operator)
                total -= candidate.power
                del pool[i]
                break
    return committee


def _draw_target(seed: bytes, counter: int, total: int) -> tuple[int, int]:
    """A uniform target in [0, total) from the stream at ``counter`` (rejection sampling), next counter."""
    accepted = 2**64 - 2**64 % total  # the largest multiple of total that fits in 2^64
    while True:
        r = int.from_bytes(hashlib.sha256(bytes(seed) + counter.to_bytes(8, "big")).digest()[:8], "big")
        counter += 1
        if r < accepted:
            return r % total, counter
