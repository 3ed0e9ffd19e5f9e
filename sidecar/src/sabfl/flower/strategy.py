"""``SabflStrategy``: Flower's FedAvg sampling and messaging, sabfl's aggregation rules.

A Flower user changes one line — ``FedAvg(...)`` becomes ``SabflStrategy(model, heldout, num_classes)`` —
and each round is aggregated as a sabfl validator committee would: the server plays one validator per
held-out set, scores every client's update Δ_i = θ_i − θ_t with the rule's :class:`ScoringRule`
(``sabfl.ml.scoring.validator_scores``), takes L_i = the median of those scores over its held-out sets
(equal stakes), and the softmax rule sets w_i = softmax(−(L_i − min L)/τ) and θ_{t+1} = θ_t + Σ_i w_i Δ_i
(Wu & Klabjan, arXiv 2311.07027). Any other rule of ``sabfl.aggregators`` (``median``, ``fltrust``, …)
is taken by name. A reply whose arrays do not fit the model is left out of the round with a logged
reason; an update with a non-finite value scores ``LOSS_CAP`` and gets no weight.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from logging import WARNING

import numpy as np
import torch
from flwr.app import ArrayRecord, ConfigRecord, Message, MetricRecord
from flwr.serverapp import Grid
from flwr.serverapp.strategy import FedAvg
from flwr.supercore import log
from torch import nn

from sabfl.aggregators import (
    DEFAULT_SOFTMAX_RULE,
    Aggregator,
    AggregatorError,
    RoundInputs,
    aggregator_names,
    make_aggregator,
)
from sabfl.aggregators.softmax import SoftmaxAggregator, SoftmaxRule
from sabfl.flower.records import ReplyError, arrays_to_flat, flat_to_arrays, read_reply
from sabfl.ml.models import ParamLayout
from sabfl.ml.scoring import LOSS_CAP, stake_weighted_median, validator_scores
from sabfl.ml.train import TrainConfig, local_train


@dataclass(frozen=True)
class ClientOutcome:
    """One train reply in one round. ``info`` holds the entries of the reply's MetricRecords and
    ConfigRecords (e.g. an id the client reports); ``loss`` is the consensus loss L_i (softmax rules only)
    and ``weight`` w_i (softmax rules; None for other rules, which set no per-update weight). A left-out
    reply has ``error`` set and weight 0; a non-finite update has weight 0 (and loss ``LOSS_CAP``)."""

    node_id: int
    info: dict = field(default_factory=dict)
    loss: float | None = None
    weight: float | None = 0.0
    error: str | None = None


class SabflStrategy(FedAvg):
    """FedAvg whose ``aggregate_train`` is a sabfl rule scored on the server's held-out data.

    ``model`` is the PyTorch module clients train (its parameters are the ArrayRecord's arrays, by
    ``named_parameters`` name); ``heldout`` is one or more (x, y) sets, each scored like one sabfl
    validator; ``rule`` is a name from ``sabfl.aggregators`` or a :class:`SoftmaxRule`;
    ``num_byzantine`` is the f that rules such as Krum need; ``train_config`` is how the server trains
    its own reference update on a held-out set when the rule needs one. Other keyword arguments go to
    Flower's FedAvg. ``outcomes[round]`` lists every train reply's :class:`ClientOutcome`.
    """

    def __init__(
        self,
        model: nn.Module,
        heldout: Sequence[tuple[torch.Tensor, torch.Tensor]],
        num_classes: int,
        rule: str | SoftmaxRule = DEFAULT_SOFTMAX_RULE,
        *,
        num_byzantine: int = 0,
        train_config: TrainConfig | None = None,
        seed: int = 0,
        **fedavg_options,
    ) -> None:
        super().__init__(**fedavg_options)
        if not heldout:
            raise ValueError("SabflStrategy needs at least one held-out (x, y) set")
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.model = model
        self.layout = ParamLayout.of(model)
        self.heldout = list(heldout)
        self.num_classes = num_classes
        self.rule = rule
        self.num_byzantine = num_byzantine
        self.train_config = train_config or TrainConfig()
        self.seed = seed
        self.outcomes: dict[int, list[ClientOutcome]] = {}
        self._global: torch.Tensor | None = None
        if isinstance(rule, str) and rule not in aggregator_names():
            raise ValueError(f"unknown rule {rule!r}; choose from {', '.join(aggregator_names())}")

    def make_aggregator(self, num_updates: int) -> Aggregator:
        if isinstance(self.rule, SoftmaxRule):
            return SoftmaxAggregator(self.rule, "custom_softmax")
        return make_aggregator(self.rule, num_updates, self.num_byzantine)

    def configure_train(
        self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid
    ) -> Iterable[Message]:
        """Remember θ_t (the replies carry θ_i, the rules need Δ_i), then sample as FedAvg does."""
        self._global = arrays_to_flat(arrays, self.layout)
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(
        self, server_round: int, replies: Iterable[Message]
    ) -> tuple[ArrayRecord | None, MetricRecord | None]:
        global_params = self._global
        if global_params is None:
            raise RuntimeError("aggregate_train before configure_train: the round's global model is unknown")
        valid, _ = self._check_and_log_replies(replies, is_train=True, validate=False)
        outcomes, accepted, models, samples = [], [], [], []
        for reply in valid:
            node = reply.metadata.src_node_id
            info = {
                key: value
                for records in (reply.content.metric_records, reply.content.config_records)
                for record in records.values()
                for key, value in record.items()
            }
            try:
                params, count = read_reply(reply.content, self.layout, self.weighted_by_key)
            except ReplyError as error:
                log(WARNING, "aggregate_train: leaving out the reply of node %d: %s", node, error)
                outcomes.append(ClientOutcome(node, info, error=str(error)))
                continue
            accepted.append((reply, node, info))
            models.append(params)
            samples.append(count)
        try:
            new_params, losses, weights = self._aggregate(server_round, global_params, models, samples)
        except AggregatorError as error:
            log(WARNING, "aggregate_train: round %d keeps the global model: %s", server_round, error)
            new_params, losses, weights = None, [None] * len(models), [None] * len(models)
        for (_, node, info), loss, weight in zip(accepted, losses, weights, strict=True):
            outcomes.append(ClientOutcome(node, info, loss, weight))
        self.outcomes[server_round] = outcomes
        if new_params is None:
            return None, None
        try:
            metrics_record = self.train_metrics_aggr_fn(
                [r.content for r, _, _ in accepted], self.weighted_by_key
            )
        except (TypeError, ValueError) as error:
            log(WARNING, "aggregate_train: clients' metrics not aggregated: %s", error)
            metrics_record = MetricRecord()
        metrics_record["sabfl-left-out"] = len(outcomes) - len(accepted)
        known = [weight for weight in weights if weight is not None]
        if known:
            metrics_record["sabfl-max-weight"] = max(known)
        return flat_to_arrays(new_params, self.layout), metrics_record

    def _aggregate(
        self, server_round: int, global_params: torch.Tensor, models: list[torch.Tensor], samples: list[float]
    ) -> tuple[torch.Tensor | None, list[float | None], list[float | None]]:
        """θ_{t+1} (None if no update is usable) and each model's consensus loss and weight."""
        if not models:
            return None, [], []
        updates = torch.stack(models) - global_params
        finite = torch.isfinite(updates).all(dim=1)
        aggregator = self.make_aggregator(int(finite.sum()))
        is_softmax = isinstance(aggregator, SoftmaxAggregator)
        losses: list[float | None] = [LOSS_CAP if is_softmax else None] * len(models)
        weights: list[float | None] = [0.0] * len(models)
        if not finite.any():
            return None, losses, weights
        inputs = RoundInputs(updates[finite], torch.tensor(samples)[finite])
        stakes = np.ones(len(self.heldout))
        if aggregator.scoring is not None:
            inputs.stakes = stakes
            inputs.scores = np.stack(
                [
                    validator_scores(
                        self.model,
                        aggregator.scoring,
                        global_params,
                        inputs.updates,
                        x,
                        y,
                        self.num_classes,
                        self.train_config,
                        (self.seed, server_round, v),
                    )
                    for v, (x, y) in enumerate(self.heldout)
                ]
            )
        if aggregator.needs_trusted_update:
            x, y = self.heldout[0]
            inputs.trusted_update = local_train(
                self.model, global_params, x, y, self.train_config, (self.seed, server_round, 0)
            )
        new_params = global_params + aggregator(inputs)
        index = np.flatnonzero(finite.numpy())
        if isinstance(aggregator, SoftmaxAggregator) and inputs.scores is not None:
            consensus = stake_weighted_median(inputs.scores, stakes)
            for i, loss, weight in zip(index, consensus, aggregator.weights(inputs).tolist(), strict=True):
                losses[i], weights[i] = float(loss), weight
        else:
            for i in index:
                weights[i] = None
        return new_params, losses, weights
