"""Deterministic splits of a training set into participants' data and validators' held-out sets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCHEMES = ("iid", "dirichlet", "shards")


@dataclass(frozen=True)
class FederatedSplit:
    """Index lists into ``Dataset.x_train``; validator sets, the validation set and participants' data are
    pairwise disjoint. The validation set (for choosing rules and hyperparameters) is carved from the data
    the participants would otherwise hold; the test set is the dataset's own test split, disjoint from all.
    """

    participants: list[np.ndarray]
    validators: list[np.ndarray]
    validation: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def split_federated(
    labels: np.ndarray,
    *,
    num_participants: int,
    num_validators: int,
    holdout_per_validator: int,
    scheme: str = "dirichlet",
    alpha: float = 1.0,
    shards_per_participant: int = 2,
    seed: int = 0,
    validation_fraction: float = 0.0,
) -> FederatedSplit:
    """Carve stratified held-out sets for the validators, then a random ``validation_fraction`` of the rest
    as the validation set, then partition what remains among participants."""
    if num_participants < 1:
        raise ValueError("need at least one participant")
    rng = np.random.default_rng([seed, 0xDA7A])
    order = rng.permutation(len(labels))
    holdout_total = num_validators * holdout_per_validator
    if holdout_total >= len(labels):
        raise ValueError(f"{holdout_total} held-out samples leave nothing for participants")
    # Dealing a label-sorted draw round-robin gives every validator an equal share of each class in it.
    holdout = order[:holdout_total]
    holdout = holdout[np.argsort(labels[holdout], kind="stable")]
    validators = [np.sort(holdout[v::num_validators]) for v in range(num_validators)]
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1), got {validation_fraction}")
    rest = order[holdout_total:]
    num_validation = int(validation_fraction * len(rest))
    validation = np.sort(rest[:num_validation])
    pool = np.sort(rest[num_validation:])
    if scheme == "iid":
        parts = partition_iid(len(pool), num_participants, rng)
    elif scheme == "dirichlet":
        parts = partition_dirichlet(labels[pool], num_participants, alpha, rng)
    elif scheme == "shards":
        parts = partition_shards(labels[pool], num_participants, shards_per_participant, rng)
    else:
        raise ValueError(f"unknown partition scheme {scheme!r}; use one of {SCHEMES}")
    return FederatedSplit([np.sort(pool[p]) for p in parts], validators, validation)


def partition_iid(n: int, num_parts: int, rng: np.random.Generator) -> list[np.ndarray]:
    return list(np.array_split(rng.permutation(n), num_parts))


def partition_dirichlet(
    labels: np.ndarray,
    num_parts: int,
    alpha: float,
    rng: np.random.Generator,
    min_size: int = 2,
    max_tries: int = 1000,
) -> list[np.ndarray]:
    """Label skew (Hsu et al. 2019): each class is split across participants by Dirichlet(alpha).

    Redrawn until every participant holds at least ``min_size`` samples, the usual convention.
    """
    if alpha <= 0:
        raise ValueError(f"Dirichlet alpha must be positive, got {alpha}")
    classes = np.unique(labels)
    for _ in range(max_tries):
        parts: list[list[int]] = [[] for _ in range(num_parts)]
        for cls in classes:
            members = rng.permutation(np.flatnonzero(labels == cls))
            shares = rng.dirichlet(np.full(num_parts, alpha))
            cuts = (np.cumsum(shares)[:-1] * len(members)).astype(int)
            for part, chunk in zip(parts, np.split(members, cuts), strict=True):
                part.extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.asarray(p, dtype=np.int64) for p in parts]
    raise ValueError(f"could not give each of {num_parts} participants {min_size} samples at alpha={alpha}")


def partition_shards(
    labels: np.ndarray, num_parts: int, shards_per_part: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """McMahan et al. 2017: sort by label, cut into equal shards, deal ``shards_per_part`` to each."""
    num_shards = num_parts * shards_per_part
    if num_shards > len(labels):
        raise ValueError(f"{num_shards} shards exceed {len(labels)} samples")
    by_label = np.argsort(labels, kind="stable")
    shards = np.array_split(by_label, num_shards)
    dealt = rng.permutation(num_shards).reshape(num_parts, shards_per_part)
    return [np.concatenate([shards[s] for s in row]) for row in dealt]


def label_histogram(labels: np.ndarray, parts: list[np.ndarray], num_classes: int) -> np.ndarray:
    """Counts [num_parts, num_classes]."""
    return np.stack([np.bincount(labels[p], minlength=num_classes) for p in parts])


def format_histogram(histogram: np.ndarray, row_prefix: str = "P") -> str:
    width = max(4, len(str(int(histogram.max()))) + 1)
    header = " " * 5 + "".join(f"{c:>{width}}" for c in range(histogram.shape[1])) + f"{'total':>7}"
    rows = [
        f"{row_prefix}{i:<4}" + "".join(f"{int(v):>{width}}" for v in row) + f"{int(row.sum()):>7}"
        for i, row in enumerate(histogram)
    ]
    return "\n".join([header, *rows])
