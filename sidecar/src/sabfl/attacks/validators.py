"""Byzantine validators against the softmax rules: they rewrite their rows of the score matrix.

``scores`` is [V, n] (validator × update); ``byzantine_validators`` [V] and ``byzantine_updates`` [n]
are boolean masks. Lying validators collude with the Byzantine participants.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sabfl.ml.scoring import LOSS_CAP

ValidatorAttack = Callable[[np.ndarray, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]


def validator_attack_rng(seed: int, round_number: int) -> np.random.Generator:
    """Lying validators' randomness in round ``round_number``, fresh for each rule as for participants."""
    return np.random.default_rng([seed, round_number, 0xA78])


def honest(
    scores: np.ndarray,
    byzantine_validators: np.ndarray,
    byzantine_updates: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    return scores


def lying(
    scores: np.ndarray,
    byzantine_validators: np.ndarray,
    byzantine_updates: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Report the loss cap for every honest update and 0 for every malicious one."""
    forged = scores.copy()
    forged[np.ix_(byzantine_validators, ~byzantine_updates)] = LOSS_CAP
    forged[np.ix_(byzantine_validators, byzantine_updates)] = 0.0
    return forged


def copying(
    scores: np.ndarray,
    byzantine_validators: np.ndarray,
    byzantine_updates: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Skip the work and copy an honest validator's reveal (what commit-reveal is meant to prevent)."""
    honest_rows = np.flatnonzero(~byzantine_validators)
    if honest_rows.size == 0:
        return scores
    forged = scores.copy()
    forged[byzantine_validators] = scores[rng.choice(honest_rows)]
    return forged


def random_scores(
    scores: np.ndarray,
    byzantine_validators: np.ndarray,
    byzantine_updates: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Uniform random scores over the honest validators' range."""
    forged = scores.copy()
    finite = scores[scores < LOSS_CAP]
    high = float(finite.max()) if finite.size else 1.0
    forged[byzantine_validators] = rng.uniform(
        0.0, high, size=(int(byzantine_validators.sum()), scores.shape[1])
    )
    return forged


VALIDATOR_ATTACKS: dict[str, ValidatorAttack] = {
    "none": honest,
    "lie": lying,
    "copy": copying,
    "random": random_scores,
}


def make_validator_attack(name: str) -> ValidatorAttack:
    if name not in VALIDATOR_ATTACKS:
        raise ValueError(f"unknown validator attack {name!r}; choose from {', '.join(VALIDATOR_ATTACKS)}")
    return VALIDATOR_ATTACKS[name]
