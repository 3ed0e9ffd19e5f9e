"""What one simulation run returns: per-round accuracies of every rule and the summaries reported."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sabfl.sim.config import SimConfig


@dataclass
class SimResult:
    """Per-round test and validation accuracy of every rule that ran, and why the others did not."""

    config: SimConfig
    accuracy: dict[str, list[float]]
    skipped: dict[str, str]
    validation: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    # Per round, for a backdoor attack: the share of triggered test images classified as its target.
    attack_success: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    @property
    def final_accuracy(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.accuracy.items()}

    @property
    def test_accuracy(self) -> dict[str, float]:
        """The reported accuracy: mean test accuracy over the last ``report_rounds`` rounds."""
        return last_rounds_mean(self.accuracy, self.config.report_rounds)

    @property
    def validation_accuracy(self) -> dict[str, float]:
        """What rules and hyperparameters are chosen on: the same mean, on the validation set."""
        return last_rounds_mean(self.validation, self.config.report_rounds)

    @property
    def attack_success_rate(self) -> dict[str, float]:
        """A backdoor's success rate, as the mean over the same last rounds (empty for other attacks)."""
        return last_rounds_mean(self.attack_success, self.config.report_rounds)

    def to_json(self) -> dict:
        return {
            "config": dataclasses.asdict(self.config),
            "test_accuracy": self.test_accuracy,
            "validation_accuracy": self.validation_accuracy,
            "final_accuracy": self.final_accuracy,
            "accuracy_per_round": self.accuracy,
            "validation_accuracy_per_round": self.validation,
            "attack_success_rate": self.attack_success_rate,
            "attack_success_per_round": self.attack_success,
            "skipped": self.skipped,
        }


def last_rounds_mean(per_round: dict[str, list[float]], rounds: int) -> dict[str, float]:
    return {name: float(np.mean(values[-rounds:])) for name, values in per_round.items() if values}
