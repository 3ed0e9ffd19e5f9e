"""The experiment both apps share: sabfl's demo task (digits, logistic regression, 10 participants with
Dirichlet(0.5) label skew, 4 × 50 held-out samples, 5 local epochs), its attackers and their attack.

Partitions, attackers, poisoned labels, held-out sets and local training all come from sabfl's task
setup (``sabfl.sim.setup.TaskSetup``, which ``sabfl sim`` uses too), so a Flower run and a ``sabfl sim``
run of the same settings see the same data, the same attackers and the same seeds.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch
from flwr.app import UserConfig

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE
from sabfl.ml.train import local_train
from sabfl.sim.config import SimConfig
from sabfl.sim.setup import TaskSetup

# Attacks that forge from the other clients' updates of the round: a Flower client never sees those.
OMNISCIENT_ATTACKS = ("alie", "ipm", "minmax")
STRATEGIES = ("fedavg", "sabfl")


@dataclass(frozen=True)
class Settings:
    """One run. Flower run-config keys are the field names with ``-`` for ``_``; ``rounds`` is
    ``num-server-rounds``."""

    strategy: str = "sabfl"
    rule: str = DEFAULT_SOFTMAX_RULE
    rounds: int = 10
    attack: str = "scaling"
    byzantine: float = 0.3
    participants: int = 10
    alpha: float = 0.5
    seed: int = 0
    out_dir: str = ""

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; use one of {STRATEGIES}")
        if self.attack in OMNISCIENT_ATTACKS:
            raise ValueError(
                f"attack {self.attack!r} forges from the honest updates of the round, which a Flower "
                "client does not see; use sabfl sim for it"
            )

    @classmethod
    def from_run_config(cls, run_config: UserConfig, **overrides: object) -> Settings:
        values = {}
        for item in dataclasses.fields(cls):
            key = "num-server-rounds" if item.name == "rounds" else item.name.replace("_", "-")
            if key in run_config:
                values[item.name] = type(getattr(cls, item.name))(run_config[key])
        return cls(**{**values, **overrides})

    def sim_config(self, aggregators: tuple[str, ...] = ("fedavg",)) -> SimConfig:
        """The same experiment for ``sabfl sim`` (the demo task's settings, demo-task.yaml)."""
        return SimConfig(
            dataset="digits",
            model="logreg",
            participants=self.participants,
            byzantine=self.byzantine,
            attack=self.attack,
            partition="dirichlet",
            alpha=self.alpha,
            validators=4,
            holdout=50,
            rounds=self.rounds,
            epochs=5,
            batch_size=16,
            lr=0.5,
            seed=self.seed,
            aggregators=aggregators,
        )


@functools.cache
def federation(settings: Settings) -> TaskSetup:
    """sabfl's task setup of these settings: its data, split, attackers, model and training."""
    return TaskSetup.build(settings.sim_config())


def client_model(
    settings: Settings, partition_id: int, global_params: torch.Tensor, server_round: int
) -> tuple[torch.Tensor, int]:
    """Client ``partition_id``'s model after local training from θ_t, and its sample count.

    An attacker trains on its poisoned labels (if its attack poisons) and forges its update from its own
    (scaling: ×10); the seed is the one ``sabfl sim`` gives this participant in this round.
    """
    fed = federation(settings)
    rows = fed.split.participants[partition_id]
    seed = (settings.seed, server_round - 1, partition_id)
    x, y = fed.x[rows], fed.y_train_used[rows]
    update = local_train(fed.model, global_params, x, y, fed.train_config, seed)
    if fed.byzantine[partition_id]:
        generator = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
        update = fed.attack.forge(update[None], update[:0], generator)[0]
    return global_params + update, len(rows)
