"""One interface for every aggregation rule, so the simulation, the benchmarks and the miner call
each rule the same way: ``rule(inputs) -> aggregated update``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from sabfl.ml.scoring import ScoringRule


class AggregatorError(ValueError):
    """A rule's precondition does not hold (e.g. too many Byzantine participants for Krum)."""


@dataclass
class RoundInputs:
    """What a rule may look at in one round. ``updates`` [n, d] hold only decodable (finite) updates.

    ``scores`` [V, n] and ``stakes`` [V] are the validators' per-update scores (softmax rules);
    ``trusted_update`` [d] is the root update trained on trusted held-out data (FLTrust).
    """

    updates: torch.Tensor
    num_samples: torch.Tensor
    scores: np.ndarray | None = None
    stakes: np.ndarray | None = None
    trusted_update: torch.Tensor | None = None


class Aggregator:
    """Base class. Subclasses set ``name`` and implement ``aggregate``.

    ``scoring`` is the validators' :class:`ScoringRule` a rule needs (None for rules that do not use
    scores); ``needs_trusted_update`` asks for a root update trained on the validators' held-out data.
    """

    name = "aggregator"
    scoring: ScoringRule | None = None
    needs_trusted_update = False

    def __call__(self, inputs: RoundInputs) -> torch.Tensor:
        if inputs.updates.ndim != 2 or len(inputs.updates) == 0:
            raise AggregatorError(f"{self.name}: needs a non-empty [n, d] tensor of updates")
        return self.aggregate(inputs)

    def aggregate(self, inputs: RoundInputs) -> torch.Tensor:
        raise NotImplementedError


def require(condition: bool, message: str) -> None:
    if not condition:
        raise AggregatorError(message)


REGISTRY: dict[str, Callable[..., Aggregator]] = {}


def register(name: str) -> Callable[[Callable[..., Aggregator]], Callable[..., Aggregator]]:
    """Register a factory ``(num_updates, num_byzantine, **params) -> Aggregator`` under ``name``."""

    def decorate(factory: Callable[..., Aggregator]) -> Callable[..., Aggregator]:
        REGISTRY[name] = factory
        return factory

    return decorate


class PreAggregation:
    """A step before a rule (``pre+rule``): maps the round's n updates and sample counts to new ones.
    ``output_size(n, f)`` is the (count, Byzantine bound) the following rule is built for."""

    name = "pre"

    def output_size(self, num_updates: int, num_byzantine: int) -> tuple[int, int]:
        return num_updates, num_byzantine

    def __call__(self, updates: torch.Tensor, num_samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


PRE_REGISTRY: dict[str, Callable[[int, int], PreAggregation]] = {}


def register_pre(name: str) -> Callable[[Callable[..., PreAggregation]], Callable[..., PreAggregation]]:
    """Register a factory ``(num_updates, num_byzantine) -> PreAggregation`` under ``name``."""

    def decorate(factory: Callable[..., PreAggregation]) -> Callable[..., PreAggregation]:
        PRE_REGISTRY[name] = factory
        return factory

    return decorate


def pairwise_sq_distances(updates: torch.Tensor) -> torch.Tensor:
    return torch.cdist(updates.double(), updates.double()).pow(2)
