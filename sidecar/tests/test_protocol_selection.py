"""Committee draw and round seed of the Python port (behaviour; exact draws are in the shared vectors)."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from sabfl.protocol import Candidate, InvalidInput, draw_committee, round_seed


def seed_of(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()


def test_round_seed_layout() -> None:
    want = hashlib.sha256(bytes.fromhex("aabb" + "0000000000000007" + "0000000000000102")).digest()
    assert round_seed(b"\xaa\xbb", 7, 258) == want


def test_draw_is_deterministic_and_ignores_input_order() -> None:
    candidates = [Candidate("valoper1c", 30), Candidate("valoper1a", 10), Candidate("valoper1d", 40)]
    first = draw_committee(seed_of(1), candidates, 2)
    assert first == draw_committee(seed_of(1), candidates[::-1], 2)
    assert len(set(first)) == 2


def test_first_draw_follows_stake() -> None:
    """Over 10,000 seeds each candidate is drawn first within ±2 percentage points of its stake share."""
    candidates = [
        Candidate("v1", 50),
        Candidate("v2", 25),
        Candidate("v3", 15),
        Candidate("v4", 10),
        Candidate("v5", 0),
    ]
    firsts = Counter(draw_committee(seed_of(i), candidates, 1)[0] for i in range(10_000))
    for c in candidates:
        assert abs(firsts[c.operator] / 10_000 - c.power / 100) <= 0.02, (c, firsts)


def test_small_pool_takes_every_positive_power_candidate() -> None:
    candidates = [Candidate("a", 5), Candidate("b", 0), Candidate("c", 1), Candidate("d", 3)]
    orders = {tuple(draw_committee(seed_of(i), candidates, 10)) for i in range(200)}
    assert {tuple(sorted(o)) for o in orders} == {("a", "c", "d")}
    assert len(orders) == 6


@pytest.mark.parametrize(
    ("candidates", "size"),
    [
        ([Candidate("a", 1)], 0),
        ([], 1),
        ([Candidate("a", 0)], 1),
        ([Candidate("a", 1), Candidate("a", 2)], 1),
        ([Candidate("a", 2**64 - 1), Candidate("b", 1)], 1),
        ([Candidate("a", -1)], 1),
    ],
)
def test_draw_rejects(candidates: list[Candidate], size: int) -> None:
    with pytest.raises(InvalidInput):
        draw_committee(seed_of(0), candidates, size)
