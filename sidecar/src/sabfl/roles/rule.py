"""The one mapping between the ML core's :class:`SoftmaxRule` and a task's on-chain ``AggregationRule``.

The task's on-chain rule is the one source of truth: validators score with the rule decoded from it
(:func:`rule_from_chain`), and `sabfl task create` writes it from the spec's rule (:func:`rule_to_chain`).
Each decimal string is parsed once, by :func:`sabfl.protocol.parse_micro` (the chain's ParseMicro), into
micro-units at the protocol's LOSS_SCALE; a malformed one raises :class:`ChainRuleError` naming the field.

Field by field (ScoringRule / TemperatureRule ↔ AggregationRule, and the range the chain allows):

    eta ↔ score_step (0, 1]                        step ↔ probe (raw, reference, at_least_reference)
    balanced ↔ balanced_loss                       relative ↔ relative_loss
    tolerance ↔ loss_tolerance ≥ 0                 norm_limit ↔ norm_limit ≥ 0 (0 = off)
    direction_weight ↔ direction_weight ≥ 0        direction_margin ↔ direction_margin ∈ [0, 1]
    mode ↔ temperature_mode                        fixed: tau ↔ temperature > 0
    mad: c ↔ mad_multiplier > 0, tau_min ↔ temperature_min > 0

The four scoring terms may be empty on chain (= 0); :func:`rule_to_chain` always writes every one. Only
the temperature mode's own fields are part of a rule: the other mode's are neither written nor read.
"""

from __future__ import annotations

from decimal import Decimal

from sabfl.aggregators.softmax import SoftmaxRule
from sabfl.chain.messages import TEMPERATURE_MODES
from sabfl.fedlearn.v1 import task_pb2
from sabfl.ml.scoring import ScoringRule, TemperatureRule
from sabfl.protocol import LOSS_SCALE, ProtocolError, format_micro, parse_micro

PROBES = {
    "raw": task_pb2.SCORE_PROBE_RAW,
    "reference": task_pb2.SCORE_PROBE_REFERENCE,
    "at_least_reference": task_pb2.SCORE_PROBE_AT_LEAST_REFERENCE,
}
# The scoring terms the chain reads as 0 when empty.
OPTIONAL_TERMS = ("loss_tolerance", "direction_weight", "direction_margin", "norm_limit")


class ChainRuleError(ValueError):
    """An AggregationRule the sidecar cannot score with, or a rule the chain cannot hold."""


def rule_to_chain(rule: SoftmaxRule) -> task_pb2.AggregationRule:
    """The on-chain form of a rule. Raises ChainRuleError for a value the chain would refuse or could not
    hold exactly (more than 6 decimals: rule_from_chain must give back the same floats)."""
    scoring, temperature = rule.scoring, rule.temperature
    if scoring.step not in PROBES:
        raise ChainRuleError(f"probe step {scoring.step!r} has no on-chain form")
    chain = task_pb2.AggregationRule(
        score_step=_decimal("score_step", scoring.eta, low=0, high=1, low_open=True),
        probe=PROBES[scoring.step],
        balanced_loss=scoring.balanced,
        relative_loss=scoring.relative,
        loss_tolerance=_decimal("loss_tolerance", scoring.tolerance),
        direction_weight=_decimal("direction_weight", scoring.direction_weight),
        direction_margin=_decimal("direction_margin", scoring.direction_margin, high=1),
        norm_limit=_decimal("norm_limit", scoring.norm_limit),
    )
    if temperature.mode not in TEMPERATURE_MODES:
        raise ChainRuleError(f"temperature mode {temperature.mode!r} has no on-chain form")
    chain.temperature_mode = TEMPERATURE_MODES[temperature.mode]
    if temperature.mode == "fixed":
        chain.temperature = _decimal("temperature", temperature.tau, low_open=True)
    else:
        chain.mad_multiplier = _decimal("mad_multiplier", temperature.c, low_open=True)
        chain.temperature_min = _decimal("temperature_min", temperature.tau_min, low_open=True)
    return chain


def rule_from_chain(chain: task_pb2.AggregationRule) -> SoftmaxRule:
    """The rule a task's validators score with. Raises ChainRuleError naming the first field that is
    malformed or out of its range (the chain refuses the same at task creation)."""
    if chain.temperature_mode == task_pb2.TEMPERATURE_MODE_FIXED:
        temperature = TemperatureRule("fixed", tau=_value(chain, "temperature", low_open=True))
    elif chain.temperature_mode == task_pb2.TEMPERATURE_MODE_MAD:
        temperature = TemperatureRule(
            "mad",
            c=_value(chain, "mad_multiplier", low_open=True),
            tau_min=_value(chain, "temperature_min", low_open=True),
        )
    else:
        raise ChainRuleError(f"rule.temperature_mode: unknown mode {chain.temperature_mode}")
    steps = {probe: step for step, probe in PROBES.items()}
    if chain.probe not in steps:
        raise ChainRuleError(f"rule.probe: unknown probe {chain.probe}")
    scoring = ScoringRule(
        eta=_value(chain, "score_step", high=1, low_open=True),
        step=steps[chain.probe],
        balanced=chain.balanced_loss,
        relative=chain.relative_loss,
        tolerance=_value(chain, "loss_tolerance"),
        direction_weight=_value(chain, "direction_weight"),
        direction_margin=_value(chain, "direction_margin", high=1),
        norm_limit=_value(chain, "norm_limit"),
    )
    return SoftmaxRule(scoring, temperature)


def rule_differences(rule: SoftmaxRule, expected: SoftmaxRule) -> list[str]:
    """How a rule (e.g. one decoded from a task's on-chain rule) differs from `expected` (e.g. the rule its
    model_spec names), one "field 'this' ≠ 'expected'" per field of their on-chain forms; [] when they
    agree."""
    ours, wanted = rule_to_chain(rule), rule_to_chain(expected)
    return [
        f"{field.name} {_shown(ours, field.name)} ≠ {_shown(wanted, field.name)}"
        for field in task_pb2.AggregationRule.DESCRIPTOR.fields
        if getattr(ours, field.name) != getattr(wanted, field.name)
    ]


def _shown(rule: task_pb2.AggregationRule, name: str) -> str:
    value = getattr(rule, name)
    field = task_pb2.AggregationRule.DESCRIPTOR.fields_by_name[name]
    if field.enum_type is not None:
        return field.enum_type.values_by_number[value].name
    return repr(value)


def _value(
    chain: task_pb2.AggregationRule,
    name: str,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """One decimal field of the rule, parsed once, as a float (micro-units / LOSS_SCALE: exact for every
    value the chain holds at 6 decimals)."""
    text = getattr(chain, name)
    if text == "" and name in OPTIONAL_TERMS:
        return 0.0
    try:
        micro = parse_micro(text)
    except ProtocolError as error:
        raise ChainRuleError(f"rule.{name}: {error}") from None
    if low_open and micro == 0:
        raise ChainRuleError(f"rule.{name} must be > 0, got {text!r}")
    if high is not None and micro > high * LOSS_SCALE:
        raise ChainRuleError(f"rule.{name} must be at most {high}, got {text!r}")
    value = micro / LOSS_SCALE
    if round(Decimal(value) * LOSS_SCALE) != micro:
        raise ChainRuleError(f"rule.{name}: {text!r} is too large to score with exactly")
    return value


def _decimal(
    name: str,
    value: float,
    low: float = 0,
    high: float | None = None,
    low_open: bool = False,
) -> str:
    """A rule's float as the chain's decimal string; it must be a whole number of micro-units."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChainRuleError(f"{name} must be a number, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ChainRuleError(f"{name} must be finite, got {value}")
    if value < low or (low_open and value == low) or (high is not None and value > high):
        opening, closing = "(" if low_open else "[", ")" if high is None else "]"
        raise ChainRuleError(
            f"{name} must be in {opening}{low}, {'∞' if high is None else high}{closing}, got {value}"
        )
    micro = round(Decimal(value) * LOSS_SCALE)
    if micro / LOSS_SCALE != value:
        raise ChainRuleError(
            f"{name}={value!r} is not a whole number of millionths: the chain holds 6 decimals"
        )
    try:
        return format_micro(micro)
    except ProtocolError as error:
        raise ChainRuleError(f"{name}={value!r}: {error}") from None
