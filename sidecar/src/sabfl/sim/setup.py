"""One task's ML setup, shared by the simulation and the chain's sidecar roles: the data and its split, the
attackers, the model, the training settings and the seed convention.

Who sees what. The split (participants' shards, validators' held-out rows, the validation rows) is drawn
from ``config.split_seed``: in a simulation the run's seed; on chain each party's own private
``data_seed``, never in a task's public model_spec — so a validator's held-out rows, and with them its
scores, cannot be rebuilt from anything on chain. Model initialisation, training and the attackers'
randomness follow the public ``config.seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from sabfl.attacks.backdoor import apply_trigger
from sabfl.attacks.participants import ParticipantAttack, attack_generator
from sabfl.attacks.registry import make_participant_attack
from sabfl.ml.data import Dataset, load_dataset
from sabfl.ml.models import build_model
from sabfl.ml.partition import FederatedSplit, split_federated
from sabfl.ml.train import TrainConfig
from sabfl.sim.config import SimConfig

Rows = tuple[torch.Tensor, torch.Tensor]


@dataclass
class TaskSetup:
    """Data, split, attackers and model of one task, built once (``build``) and only read afterwards.

    ``x``/``y_train_used`` is one pool of training rows: the participants' rows (poisoned for Byzantine
    participants of a data-poisoning attack) and the validators' held-out rows, which keep clean labels."""

    config: SimConfig
    dataset: Dataset
    split: FederatedSplit
    byzantine: np.ndarray  # [participants] bool: which participants attack
    byzantine_validators: np.ndarray  # [validators] bool: which validators attack (simulation only)
    attack: ParticipantAttack
    x: torch.Tensor
    y_train_used: torch.Tensor
    y_clean: torch.Tensor
    heldout: list[Rows]  # each validator's held-out (x, y), clean labels
    validation: Rows
    test: Rows
    triggered: Rows | None  # a backdoor's triggered test images of other classes and its target label
    num_samples: torch.Tensor  # [participants] rows per participant
    model: torch.nn.Module
    train_config: TrainConfig

    @classmethod
    def build(
        cls, config: SimConfig, dataset: Dataset | None = None, model: torch.nn.Module | None = None
    ) -> TaskSetup:
        """The setup of ``config`` (its dataset loaded unless given; its model the built-in one
        ``config.model`` names unless given: a role builds a task's model from its trusted packages)."""
        data = dataset or load_dataset(config.dataset, max_train=config.max_train, max_test=config.max_test)
        split = split_federated(
            data.y_train,
            num_participants=config.participants,
            num_validators=config.validators,
            holdout_per_validator=config.holdout,
            scheme=config.partition,
            alpha=config.alpha,
            shards_per_participant=config.shards_per_participant,
            seed=config.split_seed,
            validation_fraction=config.validation_fraction,
        )
        if model is None:
            model = build_model(config.model, data.input_shape, data.num_classes, seed=config.seed)
        n, f = config.participants, config.num_byzantine
        rng = np.random.default_rng([config.seed, 0xB12])
        byzantine = np.zeros(n, dtype=bool)
        byzantine[rng.choice(n, size=f, replace=False)] = True
        byzantine_validators = np.zeros(config.validators, dtype=bool)
        byzantine_validators[
            rng.choice(config.validators, size=config.num_byzantine_validators, replace=False)
        ] = True
        attack = make_participant_attack(config.attack, n, f)
        images, labels = data.x_train.copy(), data.y_train.copy()
        for i in np.flatnonzero(byzantine):
            rows = split.participants[i]
            images[rows], labels[rows] = attack.poison(images[rows], labels[rows], data.num_classes)
        x, y_clean = torch.from_numpy(images), torch.from_numpy(data.y_train)
        target = attack.backdoor_target if byzantine.any() else None
        triggered = None
        if target is not None:
            others = data.y_test != target
            triggered = (
                torch.from_numpy(apply_trigger(data.x_test[others])),
                torch.full((int(others.sum()),), target),
            )
        return cls(
            config=config,
            dataset=data,
            split=split,
            byzantine=byzantine,
            byzantine_validators=byzantine_validators,
            attack=attack,
            x=x,
            y_train_used=torch.from_numpy(labels),
            y_clean=y_clean,
            heldout=[(x[rows], y_clean[rows]) for rows in split.validators],
            validation=(torch.from_numpy(data.x_train[split.validation]), y_clean[split.validation]),
            test=(torch.from_numpy(data.x_test), torch.from_numpy(data.y_test)),
            triggered=triggered,
            num_samples=torch.tensor([len(p) for p in split.participants], dtype=torch.float32),
            model=model,
            train_config=TrainConfig(config.epochs, config.batch_size, config.lr),
        )

    def participant_seed(self, round_number: int, participant: int) -> tuple[int, int, int]:
        """The training seed of a participant's update in a round: (seed, round, participant)."""
        return (self.config.seed, round_number, participant)

    def validator_seed(self, round_number: int, validator: int) -> tuple[int, int, int]:
        """The training seed of a validator's reference update: (seed, round, participants + validator)."""
        return (self.config.seed, round_number, self.config.participants + validator)

    def attack_generator(self, round_number: int) -> torch.Generator:
        """The attackers' randomness in a round: the same for every rule of a run."""
        return attack_generator(self.config.seed, round_number)
