"""Aggregation rules behind one interface; ``make_aggregator(name, n, f)`` builds any of them, including
``pre+rule`` compositions with the pre-aggregation steps of ``PRE_REGISTRY`` (NNM, ARC, bucketing)."""

from __future__ import annotations

from sabfl.aggregators import (  # noqa: F401  (each module registers its rules or steps on import)
    arc,
    bucketing,
    bulyan,
    centered_clipping,
    fedavg,
    fltrust,
    geomed,
    krum,
    median,
    nnm,
    softmax,
    trimmed_mean,
)
from sabfl.aggregators.base import (
    PRE_REGISTRY,
    REGISTRY,
    Aggregator,
    AggregatorError,
    PreAggregation,
    RoundInputs,
    require,
)
from sabfl.aggregators.composed import ComposedAggregator
from sabfl.aggregators.softmax import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, SoftmaxAggregator, SoftmaxRule

# The composed baselines `all` runs besides every registered rule: NNM before the rules its paper pairs it
# with, ARC before the coordinate-wise rules, bucketing (bucket sizes 2, 3, 4) before the median.
COMPOSED_BASELINES = (
    "nnm+trimmed_mean",
    "nnm+krum",
    "nnm+median",
    "arc+trimmed_mean",
    "arc+median",
    "arc+nnm+trimmed_mean",
    "bucketing+median",
    "bucketing3+median",
    "bucketing4+median",
)


def aggregator_names() -> list[str]:
    return [*REGISTRY, *COMPOSED_BASELINES]


def make_aggregator(name: str, num_updates: int, num_byzantine: int) -> Aggregator:
    """Build rule ``name`` (or ``pre+…+rule``) for n updates of which at most f are Byzantine; raises
    AggregatorError if the rule's precondition fails (e.g. Bulyan at f = 0.4n)."""
    *step_names, rule_name = name.split("+")
    if rule_name not in REGISTRY:
        raise AggregatorError(f"unknown aggregator {rule_name!r}; choose from {', '.join(REGISTRY)}")
    steps: list[PreAggregation] = []
    n, f = num_updates, num_byzantine
    for step_name in step_names:
        if step_name not in PRE_REGISTRY:
            raise AggregatorError(
                f"unknown pre-aggregation {step_name!r}; choose from {', '.join(PRE_REGISTRY)}"
            )
        step = PRE_REGISTRY[step_name](n, f)
        n, f = step.output_size(n, f)
        steps.append(step)
    rule = REGISTRY[rule_name](n, f)
    if not steps:
        return rule
    require(rule.scoring is None, f"{name}: validators score the submitted updates, not pre-aggregated ones")
    return ComposedAggregator(steps, rule, name)


__all__ = [
    "COMPOSED_BASELINES",
    "DEFAULT_SOFTMAX_RULE",
    "PRE_REGISTRY",
    "SOFTMAX_RULES",
    "Aggregator",
    "AggregatorError",
    "PreAggregation",
    "RoundInputs",
    "SoftmaxAggregator",
    "SoftmaxRule",
    "aggregator_names",
    "make_aggregator",
]
