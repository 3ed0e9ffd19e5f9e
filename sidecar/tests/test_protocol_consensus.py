"""Median, temperature, softmax weights and the weight check of the Python port (behaviour, not vectors)."""

from __future__ import annotations

import math
import random
from decimal import Decimal, localcontext

import pytest

from sabfl.protocol import (
    U64_MAX,
    UNAVAILABLE,
    WEIGHT_SCALE,
    InvalidInput,
    InvalidRule,
    TemperatureRule,
    consensus_losses,
    softmax_weights,
    stake_weighted_median,
)


def fixed(tau: int) -> TemperatureRule:
    return TemperatureRule("fixed", tau=tau)


def mad(c: int, tau_min: int) -> TemperatureRule:
    return TemperatureRule("mad", mad_multiplier=c, tau_min=tau_min)


def test_lying_minority_stays_in_honest_range() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(1, 12)
        stakes = [rng.randrange(1000) for _ in range(n)]
        liar = [rng.random() < 1 / 3 for _ in range(n)]
        liar_stake = sum(s for s, lie in zip(stakes, liar, strict=True) if lie)
        if 2 * liar_stake >= sum(stakes):
            continue
        honest = [1_000_000 + rng.randrange(5000) for _ in range(n)]
        values = [
            rng.choice([0, U64_MAX, rng.randrange(U64_MAX)]) if lie else h
            for lie, h in zip(liar, honest, strict=True)
        ]
        honest_values = [v for v, lie in zip(values, liar, strict=True) if not lie]
        assert min(honest_values) <= stake_weighted_median(values, stakes) <= max(honest_values)


def test_median_and_consensus() -> None:
    assert stake_weighted_median([40, 10, 30, 20], [1, 1, 1, 1]) == 20
    assert stake_weighted_median([3, 1, 2], [U64_MAX, U64_MAX, 1]) == 2
    assert consensus_losses([[10, 200], [11, 210], [12, 999_999]], [1, 1, 5]) == [12, 999_999]
    for values, stakes in [([], []), ([1, 2], [1]), ([1], [0]), ([-1], [1]), ([1], [2**64])]:
        with pytest.raises(InvalidInput):
            stake_weighted_median(values, stakes)
    with pytest.raises(InvalidInput):
        consensus_losses([[1, 2], [1]], [1, 1])


@pytest.mark.parametrize(
    ("rule", "losses", "want"),
    [
        (fixed(250_000), [1, 2, 3], 250_000),
        (mad(2_000_000, 1), [1, 2, 3, 4, 100], 2),
        (mad(1_500_000, 1), [40, 10, 30, 20], 15),
        (mad(1_500_001, 1), [7, 10, 13], 4),  # floor(4.500003)
        (mad(1_000_000, 42), [9, 9, 9], 42),
        (mad(U64_MAX, 1), [0, U64_MAX - 1, U64_MAX // 2], U64_MAX),
        (mad(2_000_000, 1), [1, UNAVAILABLE, 2, 3, 4, UNAVAILABLE], 2),  # unavailable takes no part
    ],
)
def test_temperature(rule: TemperatureRule, losses: list[int], want: int) -> None:
    assert rule.temperature(losses) == want


@pytest.mark.parametrize(
    "rule", [fixed(0), mad(0, 1), mad(1, 0), TemperatureRule("softmax", tau=1), fixed(-1), fixed(2**64)]
)
def test_invalid_rules(rule: TemperatureRule) -> None:
    with pytest.raises(InvalidRule):
        rule.validate()
    with pytest.raises(InvalidRule):
        softmax_weights([1], rule)


def exact_softmax(losses: list[int], tau: int) -> list[Decimal]:
    """Softmax weights ×1e18 at 60 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 60
        lowest = min(losses)
        exps = [(-(Decimal(loss - lowest) / tau)).exp() for loss in losses]
        total = sum(exps)
        return [e / total * WEIGHT_SCALE for e in exps]


def random_case(rng: random.Random, n: int) -> tuple[list[int], TemperatureRule]:
    spread = int(10 ** rng.uniform(1, 12))
    base = rng.randrange(10**9)
    losses = [base + rng.randrange(spread) for _ in range(n)]
    if rng.random() < 0.5:
        return losses, fixed(1 + rng.randrange(spread))
    return losses, mad(1 + rng.randrange(5_000_000), 1 + rng.randrange(100_000))


def test_softmax_accuracy() -> None:
    """Each weight within 1 unit (1e-18) of the exact softmax and within 1000 units of float64; sum exact."""
    rng = random.Random(11)
    for trial in range(100):
        losses, rule = random_case(rng, 1000 if trial == 0 else rng.randint(1, 40))
        weights = softmax_weights(losses, rule)
        assert sum(weights) == WEIGHT_SCALE
        tau = rule.temperature(losses)
        floats = [math.exp(-(loss - min(losses)) / tau) for loss in losses]
        for w, exact, f in zip(weights, exact_softmax(losses, tau), floats, strict=True):
            assert abs(w - exact) < 1
            assert abs(w - f / sum(floats) * WEIGHT_SCALE) <= 1000


@pytest.mark.parametrize(
    ("losses", "rule", "want"),
    [
        ([123], fixed(1), [WEIGHT_SCALE]),
        ([5, 5, 5], fixed(1), [333_333_333_333_333_334, 333_333_333_333_333_333, 333_333_333_333_333_333]),
        ([500_000, 10**12], fixed(100_000), [WEIGHT_SCALE, 0]),
        ([U64_MAX, 0], fixed(1), [0, WEIGHT_SCALE]),
        ([UNAVAILABLE, 1_000_000, 1_000_000], fixed(1), [0, WEIGHT_SCALE // 2, WEIGHT_SCALE // 2]),
        # the missing unit goes to the largest remainder (index 2), not to index 0
        (
            [7, 7, 10_000_007],
            fixed(10**6),
            [499_988_650_275_197_733, 499_988_650_275_197_733, 22_699_449_604_534],
        ),
    ],
)
def test_softmax_extremes(losses: list[int], rule: TemperatureRule, want: list[int]) -> None:
    assert softmax_weights(losses, rule) == want


def test_softmax_rejects_bad_losses() -> None:
    for losses in ([], [-1], [2**64], [UNAVAILABLE, UNAVAILABLE]):
        with pytest.raises(InvalidInput):
            softmax_weights(losses, fixed(1))
