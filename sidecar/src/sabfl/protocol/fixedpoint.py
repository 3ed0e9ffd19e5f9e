"""Fixed-point scales, the rule's decimal strings and the deterministic exponential (port of
consensus/fixedpoint.go and types.ParseMicro).

Losses, scores, τ and every decimal of a task's rule are integers in micro-units (``LOSS_SCALE`` = 1e6,
the one definition of that scale in Python); weights and :func:`exp_neg` are integers at ``WEIGHT_SCALE``
= 1e18 (LegacyDec's 18 decimals). Every operation below is the same integer operation as in Go, so
results are bit-identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sabfl.protocol.errors import InvalidInput

LOSS_SCALE = 1_000_000
WEIGHT_SCALE = 1_000_000_000_000_000_000
U64_MAX = 2**64 - 1
# The longest decimal string the chain parses (types.MaxDecimalLength), and the fractional digits that
# LOSS_SCALE holds (6) and that LegacyDec reads at most (18).
MAX_DECIMAL_CHARS = 32
MICRO_DIGITS = len(str(LOSS_SCALE)) - 1
_LEGACY_DEC_DIGITS = 18
_ASCII_SPACE = " \t\n\v\f\r"

# Internal scale of the exponential, 1e36 (18 guard digits below WEIGHT_SCALE), floor(ln 2 · 1e36), and
# the argument from which e^(−x) < 1e-39 is taken as 0.
_EXP_SCALE = WEIGHT_SCALE * WEIGHT_SCALE
_LN2_FIXED = 693147180559945309417232121458176568
_EXP_NEG_CUTOFF = 90


def require_u64(name: str, value: int) -> int:
    """Return ``value`` if it is an int in [0, 2^64) (Go's uint64); raise InvalidInput otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U64_MAX:
        raise InvalidInput(f"{name} must be an integer in [0, 2^64), got {value!r}")
    return value


def require_u64s(name: str, values: Iterable[int]) -> list[int]:
    return [require_u64(f"{name}[{i}]", v) for i, v in enumerate(values)]


def exp_neg(x: int) -> int:
    """e^(−x) for x ≥ 0, with x and the result at WEIGHT_SCALE, rounded to the nearest unit (halves up).

    0 once e^(−x) < 0.5e-18 (x above ln(2e18) ≈ 42.14). ``x`` may exceed 2^64 (Go takes a *big.Int).
    """
    if isinstance(x, bool) or not isinstance(x, int) or x < 0:
        raise InvalidInput(f"exp_neg needs an integer x >= 0, got {x!r}")
    return (_exp_neg_ratio(x, WEIGHT_SCALE) + WEIGHT_SCALE // 2) // WEIGHT_SCALE


def _exp_neg_ratio(num: int, den: int) -> int:
    """e^(−num/den) at the internal scale 1e36 (num ≥ 0, den > 0), every division floored.

    x = floor(num·1e36/den); x = k·ln2 + r with 0 ≤ r < ln2; e^(−r) by its Taylor series with terms
    t_n = floor(t_{n−1}·r / (n·1e36)) until a term is 0; result floor(e^(−r) / 2^k). 0 for num ≥ 90·den.
    """
    if num >= den * _EXP_NEG_CUTOFF:
        return 0
    x = num * _EXP_SCALE // den
    k, r = divmod(x, _LN2_FIXED)
    total = term = _EXP_SCALE
    n = 1
    while True:
        term = term * r // _EXP_SCALE // n  # = floor(term·r / (1e36·n))
        if term == 0:
            break
        total = total - term if n % 2 == 1 else total + term
        n += 1
    return total >> k


def weights_to_floats(weights: list[int]) -> list[float]:
    """Weights at WEIGHT_SCALE → float64 ``w / 1e18`` (correctly rounded true division of ints in CPython).

    The aggregate builder (miner and attesting validators) MUST turn the on-chain weights into floats with
    exactly this function, so every sidecar accumulates Σ w_i Δ_i from the same float64 values.
    """
    return [require_u64(f"weights[{i}]", w) / WEIGHT_SCALE for i, w in enumerate(weights)]


def loss_to_micro(loss: float, cap: int) -> int:
    """A validator's float loss → micro-units: round-half-even of loss·1e6, limited to [0, cap].

    Non-finite losses (NaN, ±inf) and losses at or above the cap give ``cap`` (in micro-units), so a
    broken update ends with weight ≈ 0. Each validator converts its own losses; this needs no bit-identity.
    """
    require_u64("cap", cap)
    if not math.isfinite(loss):
        return cap
    return min(max(round(loss * LOSS_SCALE), 0), cap)


def parse_micro(text: str) -> int:
    """A decimal string of the chain (digits with an optional point) → micro-units, as the chain's
    ParseMicro reads it: "0.05" → 50_000. Raises InvalidInput saying what is wrong: not a string, longer
    than MAX_DECIMAL_CHARS (checked before anything reads it), empty, a sign, an exponent or any other
    character, a point without digits on both sides, more than 6 significant fractional digits, or a
    value beyond 2^64 − 1 micro-units. Surrounding ASCII whitespace is ignored, as Go's TrimSpace does."""
    if not isinstance(text, str):
        raise InvalidInput(f"a decimal must be a string, got {type(text).__name__}")
    if len(text) > MAX_DECIMAL_CHARS:
        raise InvalidInput(f"decimal has {len(text)} characters, limit {MAX_DECIMAL_CHARS}")
    digits = text.strip(_ASCII_SPACE)
    if not digits:
        raise InvalidInput("empty decimal")
    if digits.strip("0123456789.") != "":
        raise InvalidInput(f"{text!r} is not a decimal of digits")
    whole, point, fraction = digits.partition(".")
    if "." in fraction or not whole or (point and not fraction) or len(fraction) > _LEGACY_DEC_DIGITS:
        raise InvalidInput(f"{text!r} is not a decimal")
    if fraction[MICRO_DIGITS:].strip("0"):
        raise InvalidInput(f"{text!r} has more than {MICRO_DIGITS} fractional digits")
    micro = int(whole) * LOSS_SCALE + int(fraction[:MICRO_DIGITS].ljust(MICRO_DIGITS, "0"))
    if micro > U64_MAX:
        raise InvalidInput(f"{text!r} is too large")
    return micro


def format_micro(micro: int) -> str:
    """Micro-units → the shortest decimal string the chain reads back as the same value: 50_000 → "0.05",
    1_000_000 → "1", 0 → "0"."""
    require_u64("micro", micro)
    whole, fraction = divmod(micro, LOSS_SCALE)
    return f"{whole}.{fraction:0{MICRO_DIGITS}d}".rstrip("0").rstrip(".")
