import numpy as np
import pytest
import torch

from sabfl.aggregators import (
    DEFAULT_SOFTMAX_RULE,
    PRE_REGISTRY,
    AggregatorError,
    RoundInputs,
    SoftmaxAggregator,
    SoftmaxRule,
    aggregator_names,
    make_aggregator,
)
from sabfl.aggregators.geomed import geometric_median
from sabfl.aggregators.krum import krum_scores
from sabfl.ml.scoring import ScoringRule, TemperatureRule

HONEST = torch.tensor([[1.0, 0.0], [1.2, 0.1], [0.9, -0.1], [1.1, 0.0], [1.0, 0.05]])
OUTLIER = torch.tensor([[100.0, -100.0]])
UPDATES = torch.cat([HONEST, OUTLIER])


def inputs(updates=UPDATES, samples=None, **extra):
    samples = torch.ones(len(updates)) if samples is None else samples
    return RoundInputs(updates, samples, **extra)


def run(name, f=1, **extra):
    return make_aggregator(name, len(UPDATES), f)(inputs(**extra))


def test_fedavg_weights_by_samples():
    updates = torch.tensor([[0.0], [3.0]])
    result = make_aggregator("fedavg", 2, 0)(inputs(updates, torch.tensor([2.0, 1.0])))
    torch.testing.assert_close(result, torch.tensor([1.0]))


def test_krum_picks_the_most_central_update():
    result = run("krum")
    assert any(torch.equal(result, h) for h in HONEST)
    torch.testing.assert_close(result, torch.tensor([1.0, 0.0]))


def test_krum_scores_sum_the_n_minus_f_minus_2_nearest_squared_distances():
    # n = 5, f = 1: two neighbours each. Point 0 has squared distances 1, 9, 49, 225 -> 1 + 9.
    points = torch.tensor([[0.0], [1.0], [3.0], [7.0], [15.0]])
    torch.testing.assert_close(krum_scores(points, 1), torch.tensor([10.0, 5.0, 13.0, 52.0, 208.0]).double())


def test_bulyan_selects_theta_n_minus_2f_and_averages_beta_theta_minus_2f():
    # n = 7, f = 1. Krum, repeatedly: 12, 11, 13, 10, 0 (θ = 5). Median of those is 11; the β = 3 values
    # closest to it are 11, 12, 10, mean 11. θ = 6 (adds 14) or β = 4 (adds 13) would give 11.5.
    points = torch.tensor([[0.0], [10.0], [11.0], [12.0], [13.0], [14.0], [40.0]])
    torch.testing.assert_close(make_aggregator("bulyan", 7, 1)(inputs(points)), torch.tensor([11.0]))


def test_multikrum_averages_the_honest_ones():
    torch.testing.assert_close(run("multikrum"), HONEST.mean(0))


def test_median_and_trimmed_mean_known_values():
    torch.testing.assert_close(run("median"), torch.tensor([1.05, 0.0]))
    updates = torch.tensor([[1.0], [2.0], [3.0], [100.0]])
    result = make_aggregator("trimmed_mean", 4, 1)(inputs(updates))
    torch.testing.assert_close(result, torch.tensor([2.5]))


def test_geometric_median_of_symmetric_points_is_center():
    square = torch.tensor([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]])
    torch.testing.assert_close(geometric_median(square), torch.zeros(2), atol=1e-5, rtol=0)
    assert run("geomed").norm() < 2


def test_centered_clipping_bounds_the_outlier():
    assert (run("centered_clipping") - HONEST.mean(0)).norm() < 1.0


def test_fltrust_drops_opposed_and_rescales():
    root = torch.tensor([1.0, 0.0])
    updates = torch.tensor([[2.0, 0.0], [-5.0, 0.0], [0.0, 3.0]])
    result = make_aggregator("fltrust", 3, 1)(inputs(updates, trusted_update=root))
    torch.testing.assert_close(result, torch.tensor([1.0, 0.0]))
    with pytest.raises(AggregatorError, match="root"):
        make_aggregator("fltrust", 3, 1)(inputs(updates))


def test_bulyan_needs_enough_updates_and_resists_outlier():
    updates = torch.cat([HONEST, HONEST + 0.01, OUTLIER])
    result = make_aggregator("bulyan", 11, 2)(inputs(updates))
    assert (result - HONEST.mean(0)).norm() < 0.2
    with pytest.raises(AggregatorError, match="4f"):
        make_aggregator("bulyan", 6, 1)


def test_preconditions_are_clear_errors():
    with pytest.raises(AggregatorError, match="2f"):
        make_aggregator("krum", 4, 1)
    with pytest.raises(AggregatorError, match="n > 2f"):
        make_aggregator("trimmed_mean", 4, 2)
    with pytest.raises(AggregatorError, match="unknown aggregator"):
        make_aggregator("nope", 4, 1)
    with pytest.raises(AggregatorError, match="non-empty"):
        make_aggregator("median", 4, 1)(inputs(torch.zeros(0, 2)))


def softmax_with(tau):
    return SoftmaxAggregator(SoftmaxRule(ScoringRule(), TemperatureRule("fixed", tau=tau)), "test")


def test_softmax_limits_mean_and_argmin():
    scores = np.array([[0.5, 0.2, 0.9, 0.4, 0.6, 5.0]])
    common = dict(scores=scores, stakes=np.ones(1))
    torch.testing.assert_close(softmax_with(1e9)(inputs(**common)), UPDATES.mean(0))
    torch.testing.assert_close(softmax_with(1e-6)(inputs(**common)), HONEST[1])


def test_softmax_uses_stake_weighted_median_against_a_lying_validator():
    honest_scores = np.array([0.5, 0.2, 0.9, 0.4, 0.6, 5.0])
    liar = np.where(np.arange(6) == 5, 0.0, 1e6)
    scores = np.stack([honest_scores, honest_scores * 1.01, liar])
    result = softmax_with(1e-6)(inputs(scores=scores, stakes=np.ones(3)))
    torch.testing.assert_close(result, HONEST[1])


def test_every_registered_rule_runs_on_the_same_inputs():
    scores = np.tile(np.linspace(0.1, 1.0, len(UPDATES)), (2, 1))
    for name in aggregator_names():
        if name == "bulyan":
            continue
        result = make_aggregator(name, len(UPDATES), 1)(
            inputs(scores=scores, stakes=np.ones(2), trusted_update=HONEST.mean(0))
        )
        assert result.shape == (2,) and torch.isfinite(result).all(), name
    assert DEFAULT_SOFTMAX_RULE in aggregator_names()


def test_composed_rules_build_the_rule_for_what_the_steps_hand_on():
    # Bucketing 11 updates in pairs leaves 6 buckets; Krum needs more than 2f + 2 of them.
    make_aggregator("bucketing+krum", 11, 1)
    with pytest.raises(AggregatorError, match="got n=6, f=2"):
        make_aggregator("bucketing+krum", 11, 2)
    with pytest.raises(AggregatorError, match="unknown pre-aggregation"):
        make_aggregator("nope+median", 6, 1)
    with pytest.raises(AggregatorError, match="score"):
        make_aggregator(f"nnm+{DEFAULT_SOFTMAX_RULE}", 6, 1)
    assert {"nnm+krum", "arc+median", "bucketing+median"} <= set(aggregator_names())


def test_bucketing_averages_pairs_and_adds_their_sample_counts():
    updates = torch.arange(5.0)[:, None]
    means, samples = PRE_REGISTRY["bucketing"](5, 1)(updates, torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert len(means) == 3 and float(samples.sum()) == 15.0
    # Every bucket's mean is its members' mean, and the sizes are 2, 2, 1.
    assert float((means[:, 0] * torch.tensor([2.0, 2.0, 1.0])).sum()) == 10.0
    assert make_aggregator("bucketing+median", 5, 1)(inputs(updates)).shape == (1,)


def test_nnm_then_trimmed_mean_resists_the_outlier():
    assert (run("nnm+trimmed_mean") - HONEST.mean(0)).norm() < 0.5
    assert (run("arc+median") - HONEST.mean(0)).norm() < 0.2


def test_tuning_variants_apply_their_knob():
    # Multi-Krum averages the ⌈share · n⌉ best-scored updates: with m = 3 of 6, the outlier is out and the
    # result is the mean of three honest updates, unlike m = n − f = 5.
    half = make_aggregator("multikrum_half", 6, 1)
    assert half.num_selected == 3
    assert not torch.allclose(run("multikrum_half"), run("multikrum"))
    # Trimmed mean trims ⌊βn⌋ per side whatever f is: at n = 20, β = 0.25 trims 5.
    updates = torch.arange(20.0)[:, None]
    result = make_aggregator("trimmed_mean_b25", 20, 0)(inputs(updates))
    torch.testing.assert_close(result, updates[5:15].mean(dim=0))
    # Centered clipping's radius is the q-quantile of the offsets: a larger q lets the outlier pull further.
    low, high = run("centered_clipping_q25"), run("centered_clipping_q90")
    assert (high - HONEST.mean(dim=0)).norm() > (low - HONEST.mean(dim=0)).norm()
    # Bucketing's bucket size: 6 updates in buckets of 3 hand 2 on.
    assert PRE_REGISTRY["bucketing3"](6, 1).output_size(6, 1) == (2, 1)


def test_every_family_member_is_a_rule_and_the_on_chain_family_is_the_softmax_rules():
    from sabfl.aggregators.softmax import SOFTMAX_RULES
    from sabfl.aggregators.tuning import FAMILIES, ON_CHAIN, families

    names = aggregator_names()
    assert all(member in names for members in FAMILIES.values() for member in members)
    assert FAMILIES[ON_CHAIN] == tuple(SOFTMAX_RULES)
    found = families(["fedavg", "softmax_step", "mine", "trimmed_mean_b10"], ["mine"])
    assert found == {
        ON_CHAIN: ["softmax_step", "mine"],
        "trimmed_mean": ["trimmed_mean_b10"],
        "fedavg": ["fedavg"],
    }
