"""The classic rules and the pre-aggregations against ByzFL 0.0.11 (EPFL), an independent implementation,
on random vectors, to float32 precision."""

import byzfl
import pytest
import torch

from sabfl.aggregators import PRE_REGISTRY, RoundInputs, make_aggregator
from sabfl.aggregators.centered_clipping import CenteredClipping
from sabfl.aggregators.geomed import geometric_median

N, F, D = 15, 4, 40


def vectors(seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    # Norms spread over two orders of magnitude, so clipping and nearest neighbours have work to do.
    scale = torch.logspace(-1, 1, N)[torch.randperm(N, generator=generator)]
    return torch.randn(N, D, generator=generator) * scale[:, None]


def ours(name: str, updates: torch.Tensor, f: int = F) -> torch.Tensor:
    return make_aggregator(name, len(updates), f)(RoundInputs(updates, torch.ones(len(updates))))


def close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual.float(), expected.float(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_coordinate_rules_match_byzfl(seed):
    updates = vectors(seed)
    close(ours("median", updates), byzfl.Median()(updates.clone()))
    close(ours("trimmed_mean", updates), byzfl.TrMean(f=F)(updates.clone()))


@pytest.mark.parametrize("seed", range(3))
def test_krum_matches_byzfl_with_its_neighbour_count(seed):
    # ByzFL's Krum scores n − f − 1 neighbours, Blanchard et al. (and sabfl) n − f − 2: theirs at f + 1.
    updates = vectors(seed)
    close(ours("krum", updates), byzfl.Krum(f=F + 1)(updates.clone()))


@pytest.mark.parametrize("seed", range(3))
def test_pre_aggregations_match_byzfl(seed):
    updates = vectors(seed)
    samples = torch.ones(N)
    close(PRE_REGISTRY["nnm"](N, F)(updates, samples)[0], byzfl.NNM(f=F)(updates.clone()))
    close(PRE_REGISTRY["arc"](N, F)(updates, samples)[0], byzfl.ARC(f=F)(updates.clone()))
    torch.manual_seed(seed)
    expected = byzfl.Bucketing(s=2)(updates.clone())
    bucketing = PRE_REGISTRY["bucketing"](N, F)
    bucketing.generator.manual_seed(seed)
    close(bucketing(updates, samples)[0], expected)


def test_composed_rules_apply_the_step_then_the_rule():
    updates = vectors(0)
    close(ours("nnm+trimmed_mean", updates), byzfl.TrMean(f=F)(byzfl.NNM(f=F)(updates.clone())))
    close(ours("arc+median", updates), byzfl.Median()(byzfl.ARC(f=F)(updates.clone())))
    close(ours("nnm+krum", updates), byzfl.Krum(f=F + 1)(byzfl.NNM(f=F)(updates.clone())))


def test_centered_clipping_with_a_fixed_radius_matches_byzfl_over_rounds():
    theirs, mine = byzfl.CenteredClipping(L=3, tau=2.0), CenteredClipping(radius=2.0, iterations=3)
    for seed in range(2):
        updates = vectors(seed)
        close(mine(RoundInputs(updates, torch.ones(N))), theirs(updates.clone()))


def test_geometric_median_matches_byzfl_run_to_convergence():
    updates = vectors(0)
    close(geometric_median(updates), byzfl.GeometricMedian(nu=1e-6, T=2000)(updates.clone()))
