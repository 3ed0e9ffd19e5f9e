"""What a validator's revealed losses tell a prober about its held-out class mix (issue 11).

After REVEAL every validator's per-update losses are public. An attacker that submits *probe updates*
reads them back. The probes here shift the output bias of the current global model θ_t toward one class:
Δ_c(δ) = δ·e_c on the last layer's bias (the last K parameters in canonical order for every model of
sabfl.ml.models), for two shifts δ_lo < δ_hi per class and round.

Why the slope of a loss in δ reveals the mix. With the bias of class c raised by a large δ, every held-out
row not of class c pays δ more cross-entropy per unit of δ and rows of class c pay nothing, so

    d loss / dδ → 1 − w_c            (exponentially fast in δ),

where w_c is the weight the score gives class c: the class share π_c for the plain mean loss (the paper's
rule, ``softmax_paper``), and 1[c present]/|present classes| for a class-balanced loss (the default rule,
``softmax_guarded_norm``), which weighs every present class equally and so hides the proportions. A score
that probes θ_t + η·Δ has slope η·(1 − w_c); terms common to all classes (the default rule's norm charge
||Δ||/||r_v||, linear in δ) add an unknown κ to every slope.

The estimator (attacker knows η from the public rule). Per class, ŝ_c = mean over rounds of
(L_c(δ_hi) − L_c(δ_lo)) / (δ_hi − δ_lo) from the revealed losses. Since Σ_c w_c = 1 eliminates κ,

    ŵ_c = 1/K − (ŝ_c − mean_k ŝ_k) / η,          π̂ = Π_simplex(ŵ),

Π_simplex the Euclidean projection onto the probability simplex (Duchi et al., ICML 2008). The shifts are
jittered per round, so rounding a coarse quantization step acts as dither and averaging over rounds helps.
"""

from __future__ import annotations

import numpy as np
import torch

# A probe's two shifts per round: δ_lo ∈ δ·[1, 1.5], δ_hi = δ_lo + δ·[1, 1.5] (uniform jitter).
JITTER = 0.5


def skewed_rows(
    labels: np.ndarray, num_classes: int, size: int, alpha: float, rng: np.random.Generator
) -> np.ndarray:
    """Positions of ``size`` rows drawn without replacement from ``labels`` with probability ∝ π[y], where
    π ~ Dirichlet(α·1) over classes: a skewed class mix (small α = more skew) from a validator's own rows.
    The true mix is that of the rows drawn (see ``class_mix``)."""
    if not 0 < size <= len(labels):
        raise ValueError(f"cannot draw {size} rows from {len(labels)}")
    if alpha <= 0:
        raise ValueError(f"Dirichlet alpha must be positive, got {alpha}")
    mix = rng.dirichlet(np.full(num_classes, alpha))
    p = mix[labels] + 1e-12  # every row stays drawable, so ``size`` rows always exist
    return np.sort(rng.choice(len(labels), size=size, replace=False, p=p / p.sum()))


def class_mix(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """The share of each class among ``labels`` [K]."""
    return np.bincount(labels, minlength=num_classes) / len(labels)


def probe_shifts(shift: float, rng: np.random.Generator) -> tuple[float, float]:
    """This round's (δ_lo, δ_hi) around the attacker's shift δ (jittered, see ``JITTER``)."""
    low = shift * (1 + JITTER * rng.random())
    return low, low + shift * (1 + JITTER * rng.random())


def class_probes(num_params: int, num_classes: int, low: float, high: float) -> torch.Tensor:
    """Updates [2K, d]: rows 2c and 2c + 1 raise the output bias of class c by ``low`` and ``high``."""
    probes = torch.zeros(2 * num_classes, num_params)
    for c in range(num_classes):
        probes[2 * c, num_params - num_classes + c] = low
        probes[2 * c + 1, num_params - num_classes + c] = high
    return probes


def probe_slopes(losses: np.ndarray, low: float, high: float) -> np.ndarray:
    """Per class, the revealed losses' slope in the shift [K] from the losses [2K] of ``class_probes``."""
    pairs = np.asarray(losses, dtype=np.float64).reshape(-1, 2)
    return (pairs[:, 1] - pairs[:, 0]) / (high - low)


def estimate_mix(slopes: np.ndarray, eta: float) -> np.ndarray:
    """π̂ = Π_simplex(1/K − (ŝ − mean ŝ)/η) from mean slopes ŝ [K] (module docstring)."""
    if not eta > 0:
        raise ValueError(f"eta must be positive, got {eta}")
    slopes = np.asarray(slopes, dtype=np.float64)
    return project_simplex(1 / len(slopes) - (slopes - slopes.mean()) / eta)


def project_simplex(v: np.ndarray) -> np.ndarray:
    """argmin_{p ≥ 0, Σp = 1} ||p − v||₂ (Duchi et al. 2008): p = [v − θ]₊ with θ from the sorted v."""
    u = np.sort(v)[::-1]
    cumulative = np.cumsum(u) - 1
    k = np.arange(1, len(v) + 1)
    rho = np.flatnonzero(u - cumulative / k > 0)[-1]
    return np.maximum(v - cumulative[rho] / (rho + 1), 0.0)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """TV(p, q) = ½ Σ |p_k − q_k|."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())


def coarsen(micro: list[int], step: int) -> list[int]:
    """Losses in micro-units rounded to the nearest multiple of ``step`` micro-units (halves up): what the
    chain would see with a coarser loss quantization than today's 1 micro-unit."""
    if step < 1:
        raise ValueError(f"step must be at least one micro-unit, got {step}")
    return [(m + step // 2) // step * step for m in micro]
