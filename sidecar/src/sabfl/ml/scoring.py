"""Validator scoring of updates and the on-chain part of every softmax rule.

Split of work (agreed with the chain):

* off chain, each validator v reports one non-negative score s_{v,i} per update (lower is better),
  computed by a :class:`ScoringRule` from (θ_t, Δ_i, v's private held-out data, optionally v's own
  reference update trained on that data);
* on chain, L_i = stake-weighted median over validators (:func:`stake_weighted_median`), then
  w_i = softmax(−(L_i − min L)/τ) with τ from a :class:`TemperatureRule` (:func:`softmax_weights`).

The on-chain functions here are the float64 reference the chain's fixed-point code is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from sabfl.ml.evaluate import evaluate_many
from sabfl.ml.train import TrainConfig, local_train

LOSS_CAP = 1e6
TAU_MODES = ("fixed", "mad")


STEP_MODES = ("raw", "reference", "at_least_reference")


@dataclass(frozen=True)
class ScoringRule:
    """score_i = loss(θ_t + η·ρ_i·Δ_i) [− (1 + ε)·loss(θ_t)]₊ + λ·[κ − cos(Δ_i, r_v)]₊
    + [||Δ_i||/||r_v|| − ν]₊, clipped to [0, ``LOSS_CAP``].

    * ``eta`` η — probe step; 1 with ``step="raw"`` is the paper (the participant's whole model θ_i).
      A short step scores the update's direction at first order and so does not punish a good but
      specialised non-IID update for what it has not seen.
    * ``step`` — ρ_i: ``raw`` 1; ``reference`` ||r_v||/||Δ_i|| (every update probed at the length of the
      validator's own update r_v, so only its direction counts); ``at_least_reference``
      max(1, ||r_v||/||Δ_i||) (short updates are stretched to r_v's length, long ones keep theirs, so a
      boosted update is probed at its real size and a tiny reversed one cannot hide behind its norm).
    * ``balanced`` — mean over classes of the per-class mean loss, so the held-out set's class mix does
      not reward updates that fit its majority classes.
    * ``relative`` — report only the loss increase over θ_t, [loss(probe) − (1 + ε)·loss(θ_t)]₊: every
      update that does not hurt scores 0, so these share the weight evenly (as FedAvg would) and only harm
      is ranked. ``tolerance`` ε forgives a small relative increase, which a good update specialised on a
      few classes (extreme non-IID) causes on a balanced held-out set.
    * ``direction_weight`` λ and ``direction_margin`` κ — disagreement with r_v (FLTrust's root-update
      idea); κ = 1 gives the smooth λ·(1 − cos), κ = 0 only charges updates pointing away from r_v (as
      FLTrust's ReLU does), so all updates within 90° of it tie. λ = 0 disables the term.
    * ``norm_limit`` ν — charges an update for the part of its norm beyond ν times r_v's norm (FLTrust
      rescales every update to the root update's norm; a chain aggregate cannot rescale, so the score
      does). 0 disables the term.

    r_v is an update the validator trains from θ_t on its own held-out data; it is needed only when
    ``step`` is not ``raw`` or λ > 0. An update with any non-finite value, or whose score is not finite,
    gets ``LOSS_CAP``.
    """

    eta: float = 1.0
    step: str = "raw"
    balanced: bool = False
    relative: bool = False
    tolerance: float = 0.0
    direction_weight: float = 0.0
    direction_margin: float = 1.0
    norm_limit: float = 0.0

    def __post_init__(self) -> None:
        if not self.eta > 0:
            raise ValueError(f"eta must be positive, got {self.eta}")
        if self.step not in STEP_MODES:
            raise ValueError(f"unknown step mode {self.step!r}; use one of {STEP_MODES}")
        if self.tolerance < 0:
            raise ValueError(f"tolerance must be non-negative, got {self.tolerance}")
        if self.norm_limit < 0:
            raise ValueError(f"norm_limit must be non-negative, got {self.norm_limit}")
        if self.direction_weight < 0:
            raise ValueError(f"direction_weight must be non-negative, got {self.direction_weight}")

    @property
    def needs_reference(self) -> bool:
        return self.step != "raw" or self.direction_weight > 0 or self.norm_limit > 0


@dataclass(frozen=True)
class TemperatureRule:
    """τ for the softmax: ``fixed`` → τ = ``tau``; ``mad`` → τ = max(c · MAD(L), ``tau_min``).

    MAD(L) = median_i |L_i − median_j L_j| with the chain's median: sorted[(n − 1) // 2].
    The ``mad`` form is scale-free: multiplying every score by k multiplies τ by k (above ``tau_min``),
    so the weights do not depend on the loss's units or on the probe step.
    """

    mode: str = "fixed"
    tau: float = 0.1
    c: float = 1.0
    tau_min: float = 1e-3

    def __post_init__(self) -> None:
        if self.mode not in TAU_MODES:
            raise ValueError(f"unknown tau mode {self.mode!r}; use one of {TAU_MODES}")
        if self.mode == "fixed" and not self.tau > 0:
            raise ValueError(f"fixed tau must be positive, got {self.tau}")
        if self.mode == "mad" and not (self.c > 0 and self.tau_min > 0):
            raise ValueError(f"mad tau needs c > 0 and tau_min > 0, got c={self.c}, tau_min={self.tau_min}")

    def __call__(self, losses: np.ndarray) -> float:
        if self.mode == "fixed":
            return self.tau
        return max(self.c * median_absolute_deviation(losses), self.tau_min)


def chain_median(values: np.ndarray) -> float:
    """The chain's median: for an even count, the lower of the two middle values."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    if ordered.size == 0:
        raise ValueError("median of an empty list")
    return float(ordered[(ordered.size - 1) // 2])


def median_absolute_deviation(values: np.ndarray) -> float:
    center = chain_median(values)
    return chain_median(np.abs(np.asarray(values, dtype=np.float64) - center))


def stake_weighted_median(scores: np.ndarray, stakes: np.ndarray) -> np.ndarray:
    """Per update, the lower stake-weighted median over validators of ``scores`` [V, n].

    Validators are sorted by score (ties by index); the result is the first score at which the
    cumulative stake reaches half of the total stake (2·cum ≥ total). A coalition holding less than half
    of the stake can therefore not move L_i outside the range of the honest validators' scores.
    """
    scores = np.asarray(scores, dtype=np.float64)
    stakes = np.asarray(stakes, dtype=np.float64)
    if scores.ndim != 2 or stakes.shape != (scores.shape[0],):
        raise ValueError(f"scores must be [V, n] and stakes [V]; got {scores.shape} and {stakes.shape}")
    if (stakes < 0).any() or stakes.sum() <= 0:
        raise ValueError("stakes must be non-negative with a positive total")
    order = np.argsort(scores, axis=0, kind="stable")
    cumulative = np.cumsum(stakes[order], axis=0)
    pick = np.argmax(2 * cumulative >= stakes.sum(), axis=0)
    columns = np.arange(scores.shape[1])
    return scores[order[pick, columns], columns]


def softmax_weights(losses: np.ndarray, temperature: TemperatureRule) -> np.ndarray:
    """w_i = exp(−(L_i − min L)/τ) / Σ_k exp(−(L_k − min L)/τ) in float64 (the chain's reference)."""
    losses = np.asarray(losses, dtype=np.float64)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError("softmax needs a non-empty vector of losses")
    if not np.isfinite(losses).all():
        raise ValueError("losses must be finite (cap them at LOSS_CAP)")
    logits = np.exp(-(losses - losses.min()) / temperature(losses))
    return logits / logits.sum()


# Updates scored at once: a chunk's probes take at most this many bytes (and at most 64 models, as
# `evaluate_many` evaluates them), so scoring's working set is bounded whatever the round's size.
SCORING_CHUNK_BYTES = 4 << 20
MAX_CHUNK_ROWS = 64
# Update-sized tensors scoring holds per update of a chunk at its peak, beside the updates themselves: the
# finite rows' copy when some row is not finite, and the three temporaries of `cosine_similarity` (measured
# on a 100 MB model: 3.0 rows; the probes and their evaluation take 2.3). Callers budgeting memory count
# this many rows per chunk row.
SCORING_ROWS_PER_UPDATE = 4
# Columns checked for finiteness at once: `isfinite` makes update-sized temporaries otherwise.
FINITE_COLUMNS = 1 << 20


def chunk_rows(numel: int) -> int:
    """Updates of `numel` parameters scored in one chunk: ⌊SCORING_CHUNK_BYTES / (4·numel)⌋ in [1, 64]."""
    return max(1, min(MAX_CHUNK_ROWS, SCORING_CHUNK_BYTES // (4 * max(numel, 1))))


@dataclass(frozen=True)
class UpdateScorer:
    """One validator's scoring of a round, prepared once: everything a score depends on besides the update
    itself — θ_t, the held-out data, the reference update r_v and (relative rules) loss(θ_t). A score
    depends on no other update, and updates are scored in chunks of `chunk` rows counted from the first
    row given, so scoring a round in batches that start at multiples of `chunk` gives the same bits as
    scoring it at once (every chunk sees the same rows)."""

    model: nn.Module
    rule: ScoringRule
    global_params: torch.Tensor
    x_heldout: torch.Tensor
    y_heldout: torch.Tensor
    num_classes: int
    reference_update: torch.Tensor | None
    base_loss: torch.Tensor | None
    chunk: int

    @classmethod
    def prepare(
        cls,
        model: nn.Module,
        rule: ScoringRule,
        global_params: torch.Tensor,
        x_heldout: torch.Tensor,
        y_heldout: torch.Tensor,
        num_classes: int,
        reference_update: torch.Tensor | None = None,
    ) -> UpdateScorer:
        """Check the rule's needs and evaluate loss(θ_t) once when the rule is relative."""
        if rule.needs_reference and reference_update is None:
            raise ValueError("this scoring rule needs the validator's reference update")
        base_loss = None
        if rule.relative:
            evaluation = evaluate_many(model, global_params[None], x_heldout, y_heldout, num_classes)
            base_loss = (evaluation.balanced_loss if rule.balanced else evaluation.loss)[0]
        return cls(
            model,
            rule,
            global_params,
            x_heldout,
            y_heldout,
            num_classes,
            reference_update,
            base_loss,
            chunk_rows(global_params.numel()),
        )

    def score(self, updates: torch.Tensor) -> np.ndarray:
        """Scores [n] (float64) of ``updates`` [n, d], chunk by chunk from row 0."""
        return np.concatenate(
            [np.empty(0)]
            + [self._score_chunk(updates[i : i + self.chunk]) for i in range(0, len(updates), self.chunk)]
        )

    def _score_chunk(self, updates: torch.Tensor) -> np.ndarray:
        rule, reference = self.rule, self.reference_update
        scores = np.full(len(updates), LOSS_CAP)
        finite = torch.ones(len(updates), dtype=torch.bool)
        for columns in updates.split(FINITE_COLUMNS, dim=1):
            finite &= torch.isfinite(columns).all(dim=1)
        if not finite.any():
            return scores
        candidates = updates if finite.all() else updates[finite]
        stretch = torch.ones(len(candidates))
        if rule.step != "raw":
            stretch = reference.norm() / candidates.norm(dim=1).clamp(min=1e-12)
            if rule.step == "at_least_reference":
                stretch = stretch.clamp(min=1.0)
        # θ_t + η·ρ_i·Δ_i, the sum formed in place (the same bits as a fresh sum: addition commutes).
        probes = (rule.eta * stretch[:, None]) * candidates
        probes.add_(self.global_params)
        evaluation = evaluate_many(self.model, probes, self.x_heldout, self.y_heldout, self.num_classes)
        del probes
        loss = evaluation.balanced_loss if rule.balanced else evaluation.loss
        if rule.relative:
            loss = (loss - (1 + rule.tolerance) * self.base_loss).clamp(min=0.0)
        if rule.direction_weight > 0:
            cosine = torch.nn.functional.cosine_similarity(candidates, reference[None], dim=1)
            loss = loss + rule.direction_weight * (rule.direction_margin - cosine).clamp(min=0.0)
        if rule.norm_limit > 0:
            ratio = candidates.norm(dim=1) / reference.norm().clamp(min=1e-12)
            loss = loss + (ratio - rule.norm_limit).clamp(min=0.0)
        values = loss.double().numpy()
        values = np.where(np.isfinite(values), np.clip(values, 0.0, LOSS_CAP), LOSS_CAP)
        scores[finite.numpy()] = values
        return scores


def score_updates(
    model: nn.Module,
    rule: ScoringRule,
    global_params: torch.Tensor,
    updates: torch.Tensor,
    x_heldout: torch.Tensor,
    y_heldout: torch.Tensor,
    num_classes: int,
    reference_update: torch.Tensor | None = None,
) -> np.ndarray:
    """One validator's scores [n] (float64) of ``updates`` [n, d] (`UpdateScorer`)."""
    scorer = UpdateScorer.prepare(
        model, rule, global_params, x_heldout, y_heldout, num_classes, reference_update
    )
    return scorer.score(updates)


def reference_update(
    model: nn.Module,
    rule: ScoringRule,
    global_params: torch.Tensor,
    x_heldout: torch.Tensor,
    y_heldout: torch.Tensor,
    train_config: TrainConfig,
    seed: Sequence[int],
) -> torch.Tensor | None:
    """A validator's reference update r_v: trained from θ_t on its held-out data with the task's
    local-training settings, when the rule needs one (else None)."""
    if not rule.needs_reference:
        return None
    return local_train(model, global_params, x_heldout, y_heldout, train_config, seed)


def validator_scorer(
    model: nn.Module,
    rule: ScoringRule,
    global_params: torch.Tensor,
    x_heldout: torch.Tensor,
    y_heldout: torch.Tensor,
    num_classes: int,
    train_config: TrainConfig,
    seed: Sequence[int],
) -> UpdateScorer:
    """How one validator scores a round: against its reference update (`reference_update`)."""
    reference = reference_update(model, rule, global_params, x_heldout, y_heldout, train_config, seed)
    return UpdateScorer.prepare(model, rule, global_params, x_heldout, y_heldout, num_classes, reference)


def validator_scores(
    model: nn.Module,
    rule: ScoringRule,
    global_params: torch.Tensor,
    updates: torch.Tensor,
    x_heldout: torch.Tensor,
    y_heldout: torch.Tensor,
    num_classes: int,
    train_config: TrainConfig,
    seed: Sequence[int],
) -> np.ndarray:
    """What one validator reveals for a round (`validator_scorer`), every update scored at once."""
    scorer = validator_scorer(
        model, rule, global_params, x_heldout, y_heldout, num_classes, train_config, seed
    )
    return scorer.score(updates)
