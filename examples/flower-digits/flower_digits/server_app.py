"""Flower ServerApp: FedAvg or SabflStrategy — the one line that differs — with central evaluation.

Prints one line per round (test accuracy, seconds, the attackers' share of the aggregate) and, with
``out-dir`` set, writes ``<out-dir>/<strategy>.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from flwr.app import ArrayRecord, Context, Message, MetricRecord
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from flower_digits.task import Settings, federation
from sabfl.flower import SabflStrategy, arrays_to_flat, flat_to_arrays
from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import ParamLayout, flatten_params


def make_strategy(settings: Settings) -> FedAvg:
    fed = federation(settings)
    every_client: dict[str, Any] = {
        "fraction_evaluate": 0.0,
        "min_train_nodes": settings.participants,
        "min_available_nodes": settings.participants,
    }
    if settings.strategy == "fedavg":
        return FedAvg(**every_client)
    return SabflStrategy(
        fed.model,
        fed.heldout,
        fed.dataset.num_classes,
        settings.rule,
        train_config=fed.train_config,
        seed=settings.seed,
        **every_client,
    )


def attacker_share(settings: Settings, strategy: FedAvg, server_round: int) -> float:
    """The attackers' weight in round ``server_round``'s aggregate: sabfl's w_i, or FedAvg's n_i / Σ n."""
    fed = federation(settings)
    if isinstance(strategy, SabflStrategy):
        return sum(
            outcome.weight or 0.0
            for outcome in strategy.outcomes[server_round]
            if fed.byzantine[int(outcome.info.get("partition-id", -1))]
        )
    samples = torch.tensor([len(rows) for rows in fed.split.participants], dtype=torch.float64)
    return float(samples[torch.from_numpy(fed.byzantine)].sum() / samples.sum())


def run(grid: Grid, settings: Settings) -> dict:
    fed = federation(settings)
    layout = ParamLayout.of(fed.model)
    strategy = make_strategy(settings)
    rows: list[dict] = []
    clock = [time.perf_counter()]
    aggregation: dict[int, float] = {}
    aggregate = strategy.aggregate_train

    def timed_aggregate(server_round: int, replies: Iterable[Message]) -> tuple:
        """The strategy's own ``aggregate_train``, timed: the server's share of a round."""
        tick = time.perf_counter()
        result = aggregate(server_round, replies)
        aggregation[server_round] = time.perf_counter() - tick
        return result

    strategy.aggregate_train = timed_aggregate  # type: ignore[method-assign]

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        params = arrays_to_flat(arrays, layout)[None]
        evaluation = evaluate_many(fed.model, params, *fed.test, fed.dataset.num_classes)
        accuracy = float(evaluation.accuracy[0])
        now = time.perf_counter()
        if server_round > 0:
            row = {
                "round": server_round,
                "accuracy": accuracy,
                "seconds": now - clock[0],
                "aggregation_seconds": aggregation[server_round],
                "attacker_weight": attacker_share(settings, strategy, server_round),
            }
            rows.append(row)
            print(
                f"flower-digits {settings.strategy}: round {server_round} accuracy {accuracy:.3f} "
                f"attacker_weight {row['attacker_weight']:.3f} seconds {row['seconds']:.2f} "
                f"(aggregation {row['aggregation_seconds']:.2f})",
                flush=True,
            )
        clock[0] = now
        return MetricRecord({"accuracy": accuracy})

    strategy.start(
        grid, flat_to_arrays(flatten_params(fed.model), layout), settings.rounds, evaluate_fn=evaluate
    )
    summary = {"settings": vars(settings), "rounds": rows}
    if settings.out_dir:
        out = Path(settings.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{settings.strategy}.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def make_app(**overrides: object) -> ServerApp:
    """A ServerApp whose settings are the run config's with ``overrides`` on top."""
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        run(grid, Settings.from_run_config(context.run_config, **overrides))

    return app


app = make_app()
