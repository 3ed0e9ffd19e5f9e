"""exp_neg against a correctly rounded decimal reference and float64; the float and micro-unit conversions;
the rule's decimal strings read as the chain's ParseMicro reads them."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest

from sabfl.protocol import (
    U64_MAX,
    WEIGHT_SCALE,
    InvalidInput,
    exp_neg,
    format_micro,
    loss_to_micro,
    parse_micro,
    weights_to_floats,
)


def exact_exp_neg(x: int) -> int:
    """e^(−x/1e18)·1e18 rounded to nearest (Decimal.exp is correctly rounded at 60 digits)."""
    with localcontext() as ctx:
        ctx.prec = 60
        value = (-(Decimal(x) / WEIGHT_SCALE)).exp() * WEIGHT_SCALE
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def sample_inputs() -> list[int]:
    rng = random.Random(5)
    edges = [
        0,
        1,
        2,
        10**18,
        40 * 10**18,
        414 * 10**17,
        42_139_678_854_452_767_000,
        42_139_678_854_452_768_000,
    ]
    uniform = [rng.randrange(45 * WEIGHT_SCALE) for _ in range(400)]
    log_uniform = [int(10 ** rng.uniform(0, 19.65)) for _ in range(400)]
    return edges + uniform + log_uniform


def test_exp_neg_is_correctly_rounded() -> None:
    """Every result equals the nearest integer to e^(−x)·1e18: max error 0.5e-18."""
    for x in sample_inputs():
        assert exp_neg(x) == exact_exp_neg(x), x


def test_exp_neg_matches_float64() -> None:
    """|exp_neg − math.exp·1e18| ≤ 256 units (2.6e-16, float64's rounding near 1.0)."""
    worst = max(abs(exp_neg(x) - math.exp(-x / WEIGHT_SCALE) * WEIGHT_SCALE) for x in sample_inputs())
    assert worst <= 256


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0, WEIGHT_SCALE),
        (1, WEIGHT_SCALE - 1),
        (U64_MAX, 9_742_733_872),  # e^(−18.4467…)
        (42_139_678_854_452_767_000, 1),  # just below ln(2e18): 0.5000000000000003 rounds up
        (42_139_678_854_452_768_000, 0),
        (10**6 * WEIGHT_SCALE, 0),
        (2**200, 0),
    ],
)
def test_exp_neg_edges(x: int, want: int) -> None:
    assert exp_neg(x) == want


@pytest.mark.parametrize("x", [-1, 1.5, True])
def test_exp_neg_rejects(x: object) -> None:
    with pytest.raises(InvalidInput):
        exp_neg(x)  # type: ignore[arg-type]


def test_weights_to_floats_is_plain_division() -> None:
    weights = [731_058_578_630_004_879, 268_941_421_369_995_121, 0, WEIGHT_SCALE]
    assert weights_to_floats(weights) == [0.7310585786300049, 0.2689414213699951, 0.0, 1.0]
    with pytest.raises(InvalidInput):
        weights_to_floats([-1])


@pytest.mark.parametrize(
    ("loss", "want"),
    [
        (2.3025851, 2_302_585),
        (0.0000004, 0),
        (0.0000016, 2),
        (-0.1, 0),
        (1e6, 10**12),
        (1e300, 10**12),
        (math.inf, 10**12),
        (math.nan, 10**12),
    ],
)
def test_loss_to_micro(loss: float, want: int) -> None:
    assert loss_to_micro(loss, cap=10**12) == want


def test_decimals_follow_the_chains_parse_micro() -> None:
    # The cases of chain/x/fedlearn/types TestParseMicro, and the forms LegacyNewDecFromStr refuses.
    good = {"0.05": 50_000, "1": 1_000_000, "0.000001": 1, "12.5": 12_500_000, " 2 ": 2_000_000, "0": 0}
    assert {text: parse_micro(text) for text in good} == good
    assert parse_micro("18446744073709.551615") == U64_MAX
    assert parse_micro("0.1000000") == 100_000, "trailing zeros beyond 6 digits are no precision"
    bad = {
        "": "empty decimal",
        "-1": "not a decimal of digits",
        "+1": "not a decimal of digits",
        "0.0000001": "more than 6 fractional digits",
        "0.1234567": "more than 6 fractional digits",
        "abc": "not a decimal of digits",
        "1e3": "not a decimal of digits",
        "NaN": "not a decimal of digits",
        "1.": "not a decimal",
        ".5": "not a decimal",
        "1.2.3": "not a decimal",
        "99999999999999999999": "too large",
        "18446744073709.551616": "too large",
        "9" * 33: "decimal has 33 characters, limit 32",
        "1" * (1 << 20): "decimal has 1048576 characters, limit 32",
    }
    for text, reason in bad.items():
        with pytest.raises(InvalidInput, match=reason):
            parse_micro(text)
    with pytest.raises(InvalidInput, match="must be a string"):
        parse_micro(0.5)  # type: ignore[arg-type]
    assert [format_micro(m) for m in (50_000, 1_000_000, 1, 12_500_000, 0)] == [
        "0.05",
        "1",
        "0.000001",
        "12.5",
        "0",
    ]
