"""Aggregation rules behind one interface; ``make_aggregator(name, n, f)`` builds any of them."""

from __future__ import annotations

from sabfl.aggregators import (  # noqa: F401  (each module registers its rules on import)
    bulyan,
    centered_clipping,
    fedavg,
    fltrust,
    geomed,
    krum,
    median,
    softmax,
    trimmed_mean,
)
from sabfl.aggregators.base import REGISTRY, Aggregator, AggregatorError, RoundInputs
from sabfl.aggregators.softmax import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, SoftmaxAggregator, SoftmaxRule


def aggregator_names() -> list[str]:
    return list(REGISTRY)


def make_aggregator(name: str, num_updates: int, num_byzantine: int) -> Aggregator:
    """Build rule ``name`` for n updates of which at most f are Byzantine; raises AggregatorError if
    the rule's precondition fails (e.g. Bulyan at f = 0.4n)."""
    if name not in REGISTRY:
        raise AggregatorError(f"unknown aggregator {name!r}; choose from {', '.join(REGISTRY)}")
    return REGISTRY[name](num_updates, num_byzantine)


__all__ = [
    "DEFAULT_SOFTMAX_RULE",
    "SOFTMAX_RULES",
    "Aggregator",
    "AggregatorError",
    "RoundInputs",
    "SoftmaxAggregator",
    "SoftmaxRule",
    "aggregator_names",
    "make_aggregator",
]
