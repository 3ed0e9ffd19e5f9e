"""Stake-weighted median, temperature and softmax weights (port of consensus/median.go and softmax.go)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sabfl.protocol.errors import InvalidInput, InvalidRule
from sabfl.protocol.fixedpoint import (
    LOSS_SCALE,
    U64_MAX,
    WEIGHT_SCALE,
    _exp_neg_ratio,
    require_u64s,
)

TEMPERATURE_FIXED = "fixed"
TEMPERATURE_MAD = "mad"
# The loss a committee member reveals for an update whose bytes it could not fetch. It ranks above every
# real loss, so an update's consensus loss is UNAVAILABLE exactly when members holding more than half of the
# revealed stake could not fetch it; such an update gets weight 0 and takes no part in τ.
UNAVAILABLE = U64_MAX


def _available(losses: Sequence[int]) -> list[int]:
    return [loss for loss in losses if loss != UNAVAILABLE]


def stake_weighted_median(values: Sequence[int], stakes: Sequence[int]) -> int:
    """Lower stake-weighted median: order by value (ties by index) and return the first value at which the
    cumulative stake c satisfies 2·c ≥ total stake. Holders of < 1/2 of the stake cannot move it outside
    the range of the others' values. Zero stakes are allowed; the total must be positive."""
    if len(values) == 0:
        raise InvalidInput("median of no values")
    if len(values) != len(stakes):
        raise InvalidInput(f"{len(values)} values but {len(stakes)} stakes")
    values = require_u64s("values", values)
    stakes = require_u64s("stakes", stakes)
    total = sum(stakes)
    if total == 0:
        raise InvalidInput("total stake is zero")
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    cumulative = 0
    for i in order[:-1]:
        cumulative += stakes[i]
        if 2 * cumulative >= total:
            return values[i]
    return values[order[-1]]  # only the last entry remains: it brings the cumulative stake to the total


def consensus_losses(reveals: Sequence[Sequence[int]], stakes: Sequence[int]) -> list[int]:
    """Per update j, the stake-weighted median over validators v of ``reveals[v][j]`` (validator × update)."""
    if len(reveals) == 0:
        raise InvalidInput("no reveals")
    if len(reveals) != len(stakes):
        raise InvalidInput(f"{len(reveals)} reveals but {len(stakes)} stakes")
    updates = len(reveals[0])
    for v, row in enumerate(reveals):
        if len(row) != updates:
            raise InvalidInput(f"reveal {v} has {len(row)} losses, reveal 0 has {updates}")
    consensus = []
    for j in range(updates):
        try:
            consensus.append(stake_weighted_median([row[j] for row in reveals], stakes))
        except InvalidInput as err:
            raise InvalidInput(f"update {j}: {err}") from err
    return consensus


def _lower_median(values: Sequence[int]) -> int:
    return sorted(values)[(len(values) - 1) // 2]


@dataclass(frozen=True)
class TemperatureRule:
    """A task's rule for τ; ``tau``, ``mad_multiplier`` (c) and ``tau_min`` are micro-units (LOSS_SCALE).

    fixed: τ = tau.   mad: τ = max(floor(c·MAD(L) / 1e6), tau_min), saturating at 2^64 − 1, with
    MAD(L) = lower median of |L_i − lower median of L| and lower median = sorted[(n − 1) // 2].
    """

    mode: str
    tau: int = 0
    mad_multiplier: int = 0
    tau_min: int = 0

    def validate(self) -> None:
        """Raise InvalidRule unless the rule always yields τ > 0."""
        for name in ("tau", "mad_multiplier", "tau_min"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U64_MAX:
                raise InvalidRule(f"{name} must be an integer in [0, 2^64), got {value!r}")
        if self.mode == TEMPERATURE_FIXED:
            if self.tau == 0:
                raise InvalidRule("fixed mode needs tau > 0")
        elif self.mode == TEMPERATURE_MAD:
            if self.mad_multiplier == 0 or self.tau_min == 0:
                raise InvalidRule(
                    "mad mode needs mad_multiplier > 0 and tau_min > 0, "
                    f"got {self.mad_multiplier} and {self.tau_min}"
                )
        else:
            raise InvalidRule(f"unknown mode {self.mode!r}")

    def temperature(self, losses: Sequence[int]) -> int:
        """τ in micro-units for the round's consensus losses (micro-units), over those other than UNAVAILABLE
        (at least one)."""
        self.validate()
        losses = _available(require_u64s("losses", losses))
        if len(losses) == 0:
            raise InvalidInput("temperature of no available losses")
        if self.mode == TEMPERATURE_FIXED:
            return self.tau
        median = _lower_median(losses)
        mad = _lower_median([abs(loss - median) for loss in losses])
        return max(min(self.mad_multiplier * mad // LOSS_SCALE, U64_MAX), self.tau_min)


def softmax_weights(losses: Sequence[int], rule: TemperatureRule) -> list[int]:
    """w_i = e^(−(L_i − min L)/τ) / Σ_k e^(−(L_k − min L)/τ) at WEIGHT_SCALE, summing to exactly WEIGHT_SCALE,
    over the available updates: a loss of UNAVAILABLE gets weight 0 and takes no part in τ, min L or the sums.

    E_i = e^(−(L_i − min L)/τ) at 1e36 (0 if unavailable); w_i = floor(E_i·1e18 / ΣE) with remainder
    rem_i = E_i·1e18 mod ΣE; the R = 1e18 − Σ w_i missing units go one each to the R largest rem_i, ties to
    the lowest index.
    """
    tau = rule.temperature(losses)
    lowest = min(_available(losses))
    exps = [0 if loss == UNAVAILABLE else _exp_neg_ratio(loss - lowest, tau) for loss in losses]
    total = sum(exps)
    weights, remainders = [], []
    for e in exps:
        quotient, remainder = divmod(e * WEIGHT_SCALE, total)
        weights.append(quotient)
        remainders.append(remainder)
    missing = WEIGHT_SCALE - sum(weights)
    for i in sorted(range(len(losses)), key=lambda i: (-remainders[i], i))[:missing]:
        weights[i] += 1
    return weights
