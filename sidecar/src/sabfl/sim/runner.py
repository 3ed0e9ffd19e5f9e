"""Run federated rounds for many aggregators in lockstep.

Every aggregator keeps its own global model; each round all participants (and the validators' reference
and root updates) train from every aggregator's model in one batched ``train_many`` call, so adding a
rule costs a little more vectorised work, not another Python loop over participants.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from tqdm import tqdm

from sabfl.aggregators import Aggregator, AggregatorError, RoundInputs, aggregator_names, make_aggregator
from sabfl.aggregators.softmax import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES, SoftmaxAggregator, SoftmaxRule
from sabfl.attacks.context import AttackContext
from sabfl.attacks.validators import make_validator_attack, validator_attack_rng
from sabfl.ml.data import Dataset
from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.models import flatten_params
from sabfl.ml.scoring import ScoringRule, TemperatureRule, score_updates
from sabfl.ml.train import train_many
from sabfl.sim.config import SimConfig
from sabfl.sim.dedup import first_copies
from sabfl.sim.result import SimResult
from sabfl.sim.setup import TaskSetup

log = logging.getLogger(__name__)


def resolve_aggregators(names: tuple[str, ...], custom: dict[str, SoftmaxRule]) -> list[str]:
    return aggregator_names() + list(custom) if names == ("all",) else list(names)


def custom_softmax_rules(specs: dict) -> dict[str, SoftmaxRule]:
    """A config's extra softmax rules, {name: {"scoring": ScoringRule kwargs, "temperature":
    TemperatureRule kwargs}}; a built-in name cannot be redefined."""
    rules = {}
    for name, spec in specs.items():
        if name in SOFTMAX_RULES:
            raise ValueError(f"softmax_rules: {name!r} is a built-in rule and cannot be redefined")
        rules[name] = SoftmaxRule(
            ScoringRule(**spec.get("scoring", {})), TemperatureRule(**spec.get("temperature", {}))
        )
    return rules


class Simulation:
    """State of one run; ``step()`` plays one round for every aggregator."""

    def __init__(self, config: SimConfig, dataset: Dataset | None = None) -> None:
        self.config = config
        self.setup = TaskSetup.build(config, dataset)
        n, f = config.participants, config.num_byzantine
        self.validator_attack = make_validator_attack(config.validator_attack)
        self.stakes = np.ones(config.validators)
        # The config's own softmax rules live in this run only: nothing here changes the registry.
        self.softmax_rules = custom_softmax_rules(config.softmax_rules)
        self.aggregators: dict[str, Aggregator] = {}
        self.skipped: dict[str, str] = {}
        for name in resolve_aggregators(config.aggregators, self.softmax_rules):
            try:
                self.aggregators[name] = (
                    SoftmaxAggregator(self.softmax_rules[name], name)
                    if name in self.softmax_rules
                    else make_aggregator(name, n, f)
                )
            except AggregatorError as error:
                self.skipped[name] = str(error)
        init = flatten_params(self.setup.model)
        self.params = init.expand(len(self.aggregators), -1).clone()
        self.round = 0
        self.accuracy: dict[str, list[float]] = {name: [] for name in self.aggregators}
        self.validation: dict[str, list[float]] = {name: [] for name in self.aggregators}
        self.attack_success: dict[str, list[float]] = {name: [] for name in self.aggregators}

    def _train_round(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Participant updates [A, n, d], validators' reference updates [A, V, d] (label-clean), and the
        root update [A, d] trained on all validators' held-out data together (FLTrust's trusted data)."""
        setup, n, v = self.setup, self.config.participants, self.config.validators
        count = len(self.aggregators)
        trusted = np.concatenate(setup.split.validators)
        index_sets = (setup.split.participants + setup.split.validators + [trusted]) * count
        # Participant i trains with seed i, validator v with n + v (as setup.validator_seed), the root n + V.
        seeds = [setup.participant_seed(self.round, i) for i in range(n + v + 1)] * count
        starts = self.params.repeat_interleave(n + v + 1, dim=0)
        # Validators' rows carry clean labels even under label flipping (their rows are never poisoned).
        updates = train_many(
            setup.model, starts, setup.x, setup.y_train_used, index_sets, setup.train_config, seeds
        )
        updates = updates.reshape(count, n + v + 1, -1)
        return updates[:, :n], updates[:, n : n + v], updates[:, n + v]

    def _attack_context(
        self, aggregator: Aggregator, index: int, references: torch.Tensor, updates: torch.Tensor
    ) -> AttackContext | None:
        """For attacks that score their forgeries: the rule's scoring (the default softmax rule's for a rule
        without scores), θ_t and validators' data with reference updates — the real validators' when the
        attack is told them, else up to V attackers playing validator with their own data and updates."""
        setup = self.setup
        if not setup.attack.needs_context:
            return None
        scoring = aggregator.scoring
        if scoring is None:
            scoring = SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring
        heldout = setup.heldout
        if not setup.attack.knows_validators_data:
            proxies = np.flatnonzero(setup.byzantine)[: self.config.validators]
            heldout = [
                (setup.x[rows], setup.y_train_used[rows])
                for rows in (setup.split.participants[i] for i in proxies)
            ]
            references = updates[torch.from_numpy(proxies)]
        return AttackContext(
            setup.model, self.params[index], setup.dataset.num_classes, scoring, heldout, references
        )

    def _evaluate_into(self, per_round: dict[str, list[float]], x: torch.Tensor, y: torch.Tensor) -> dict:
        """Every rule's accuracy on (x, y) this round, appended to ``per_round``."""
        evaluation = evaluate_many(self.setup.model, self.params, x, y, self.setup.dataset.num_classes)
        values = dict(zip(self.aggregators, evaluation.accuracy.tolist(), strict=True))
        for name, value in values.items():
            per_round[name].append(value)
        return values

    def _drop_skipped(self) -> None:
        """Rules that failed a precondition mid-run leave the run: no model, no accuracy."""
        keep = [name not in self.skipped for name in self.aggregators]
        if all(keep):
            return
        self.params = self.params[torch.tensor(keep)]
        self.aggregators = {name: rule for name, rule in self.aggregators.items() if name not in self.skipped}
        for per_round in (self.accuracy, self.validation, self.attack_success):
            for name in self.skipped:
                per_round.pop(name, None)

    def step(self) -> dict[str, float]:
        participant_updates, reference_updates, root_updates = self._train_round()
        setup = self.setup
        attackers = torch.from_numpy(setup.byzantine)
        new_params = []
        for a, (name, aggregator) in enumerate(self.aggregators.items()):
            updates = participant_updates[a].clone()
            if attackers.any():
                # A fresh generator per rule: a rule's attackers do not depend on which other rules ran.
                generator = setup.attack_generator(self.round)
                context = self._attack_context(aggregator, a, reference_updates[a], updates)
                updates[attackers] = setup.attack.forge(
                    updates[attackers], updates[~attackers], generator, context
                )
            # As on chain: decoding rejects non-finite payloads, and a copy of an earlier update is refused.
            accepted = torch.isfinite(updates).all(dim=1) & first_copies(updates)
            if not accepted.any():
                new_params.append(self.params[a])
                continue
            inputs = RoundInputs(updates[accepted], setup.num_samples[accepted])
            if aggregator.scoring is not None:
                scores = np.stack(
                    [
                        score_updates(
                            setup.model,
                            aggregator.scoring,
                            self.params[a],
                            inputs.updates,
                            x_v,
                            y_v,
                            setup.dataset.num_classes,
                            reference_updates[a, v],
                        )
                        for v, (x_v, y_v) in enumerate(setup.heldout)
                    ]
                )
                inputs.scores = self.validator_attack(
                    scores,
                    setup.byzantine_validators,
                    setup.byzantine[accepted.numpy()],
                    validator_attack_rng(self.config.seed, self.round),
                )
                inputs.stakes = self.stakes
            if aggregator.needs_trusted_update:
                inputs.trusted_update = root_updates[a]
            try:
                new_params.append(self.params[a] + aggregator(inputs))
            except AggregatorError as error:
                # E.g. Krum once rejected non-finite updates leave too few for its f: not applicable.
                self.skipped[name] = f"round {self.round + 1}: {error}"
                new_params.append(self.params[a])
        self.params = torch.stack(new_params)
        self.round += 1
        self._drop_skipped()
        if not self.aggregators:
            return {}
        accuracy = self._evaluate_into(self.accuracy, *setup.test)
        if len(setup.validation[1]):
            self._evaluate_into(self.validation, *setup.validation)
        if setup.triggered is not None:
            self._evaluate_into(self.attack_success, *setup.triggered)
        log.info(
            "round %d accuracy %s",
            self.round,
            " ".join(f"{name}={value:.3f}" for name, value in accuracy.items()),
        )
        return accuracy


def run_simulation(config: SimConfig, *, progress: bool = True, dataset: Dataset | None = None) -> SimResult:
    simulation = Simulation(config, dataset)
    for name, reason in simulation.skipped.items():
        log.warning("skipping %s: %s", name, reason)
    bar = tqdm(
        range(config.rounds),
        desc=f"{config.attack} f={config.byzantine} a={config.alpha}",
        disable=not progress,
        leave=False,
    )
    for _ in bar:
        if not simulation.aggregators:
            break
        accuracy = simulation.step()
        if accuracy:
            best = max(accuracy, key=accuracy.get)
            bar.set_postfix_str(f"best {best}={accuracy[best]:.3f}")
    return SimResult(
        config, simulation.accuracy, simulation.skipped, simulation.validation, simulation.attack_success
    )
