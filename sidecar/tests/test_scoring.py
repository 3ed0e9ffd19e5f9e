import numpy as np
import pytest
import torch

from sabfl.ml.models import build_model, flatten_params
from sabfl.ml.scoring import (
    LOSS_CAP,
    ScoringRule,
    TemperatureRule,
    chain_median,
    median_absolute_deviation,
    score_updates,
    softmax_weights,
    stake_weighted_median,
    validator_scores,
)


def test_chain_median_takes_lower_middle():
    assert chain_median(np.array([4.0, 1.0, 3.0, 2.0])) == 2.0
    assert chain_median(np.array([5.0, 1.0, 3.0])) == 3.0
    assert median_absolute_deviation(np.array([1.0, 2.0, 3.0, 10.0])) == 1.0


def test_softmax_limits():
    losses = np.array([0.3, 0.1, 0.7])
    huge = softmax_weights(losses, TemperatureRule("fixed", tau=1e9))
    tiny = softmax_weights(losses, TemperatureRule("fixed", tau=1e-6))
    np.testing.assert_allclose(huge, [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(tiny, [0, 1, 0], atol=1e-12)
    assert softmax_weights(losses, TemperatureRule("fixed", tau=0.2)).sum() == pytest.approx(1.0)


def test_mad_temperature_is_scale_free():
    rule = TemperatureRule("mad", c=2.0, tau_min=1e-9)
    losses = np.array([0.5, 0.7, 0.8, 2.0])
    assert rule(losses) == pytest.approx(2.0 * 0.1)  # median 0.7, deviations 0, .1, .2, 1.3
    np.testing.assert_allclose(softmax_weights(losses, rule), softmax_weights(10 * losses, rule))
    assert TemperatureRule("mad", c=1.0, tau_min=0.05)(np.ones(4)) == 0.05


def test_stake_weighted_median_resists_lying_minority():
    honest = np.array([[0.2, 1.0], [0.25, 1.1], [0.22, 0.9]])
    liars = np.array([[LOSS_CAP, 0.0], [LOSS_CAP, 0.0]])
    scores = np.vstack([honest, liars])
    result = stake_weighted_median(scores, np.array([3.0, 3.0, 3.0, 2.0, 2.0]))
    assert 0.2 <= result[0] <= 0.25 and 0.9 <= result[1] <= 1.1
    # With a stake majority the liars win: the rule is only as good as the stake assumption.
    assert stake_weighted_median(scores, np.array([1, 1, 1, 5, 5.0]))[0] == LOSS_CAP


def test_stake_weighted_median_is_lower_median_with_equal_stake():
    scores = np.array([[1.0], [4.0], [2.0], [3.0]])
    assert stake_weighted_median(scores, np.ones(4))[0] == 2.0


def test_temperature_and_rule_preconditions():
    with pytest.raises(ValueError, match="tau mode"):
        TemperatureRule("adaptive")
    with pytest.raises(ValueError, match="positive"):
        TemperatureRule("fixed", tau=0)
    with pytest.raises(ValueError, match="eta"):
        ScoringRule(eta=0)
    with pytest.raises(ValueError, match="finite"):
        softmax_weights(np.array([np.nan, 1.0]), TemperatureRule())


def scoring_setup():
    model = build_model("logreg", (1, 2, 2), 2)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, 1, 2, 2, generator=generator)
    y = (x.flatten(1)[:, 0] > 0).long()
    good = torch.zeros(10)
    good[0], good[4] = -2.0, 2.0  # weight of feature 0: class 1 up, class 0 down
    return model, flatten_params(model), x, y, good


def test_scores_rank_good_above_bad_and_cap_non_finite():
    model, start, x, y, good = scoring_setup()
    updates = torch.stack([good, -good, torch.full((10,), float("nan"))])
    scores = score_updates(model, ScoringRule(eta=1.0), start, updates, x, y, 2)
    assert scores[0] < scores[1] < LOSS_CAP and scores[2] == LOSS_CAP


def test_relative_scores_zero_for_helpful_updates():
    model, start, x, y, good = scoring_setup()
    scores = score_updates(
        model, ScoringRule(eta=0.5, relative=True), start, torch.stack([good, -good]), x, y, 2
    )
    assert scores[0] == 0.0 and scores[1] > 0.0


def test_reference_step_ignores_norm_and_direction_term_uses_reference():
    model, start, x, y, good = scoring_setup()
    rule = ScoringRule(eta=1.0, step="reference")
    scores = score_updates(model, rule, start, torch.stack([good, 10 * good]), x, y, 2, reference_update=good)
    assert scores[0] == pytest.approx(scores[1], rel=1e-5)
    with pytest.raises(ValueError, match="reference update"):
        score_updates(model, rule, start, good[None], x, y, 2)
    directional = ScoringRule(eta=1.0, direction_weight=1.0)
    with_direction = score_updates(model, directional, start, -good[None], x, y, 2, reference_update=good)
    plain = score_updates(model, ScoringRule(eta=1.0), start, -good[None], x, y, 2)
    assert with_direction[0] == pytest.approx(plain[0] + 2.0, rel=1e-5)


def test_norm_limit_charges_only_the_excess_norm():
    model, start, x, y, good = scoring_setup()
    rule = ScoringRule(eta=0.01, relative=True, tolerance=1.0, norm_limit=3.0)
    scores = score_updates(
        model, rule, start, torch.stack([2 * good, 5 * good]), x, y, 2, reference_update=good
    )
    assert scores[0] == 0.0 and scores[1] == pytest.approx(2.0, rel=1e-5)


def test_validator_scores_train_the_reference_only_when_needed():
    from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES
    from sabfl.ml.train import TrainConfig

    model, start, x, y, good = scoring_setup()
    rule = SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring
    updates = torch.stack([good, -good, torch.full((10,), float("inf"))])
    scores = validator_scores(model, rule, start, updates, x, y, 2, TrainConfig(epochs=2, lr=0.5), seed=(0,))
    assert scores[0] == 0.0 and 0.0 < scores[1] < LOSS_CAP and scores[2] == LOSS_CAP
    plain = validator_scores(model, ScoringRule(), start, updates, x, y, 2, TrainConfig(), seed=(0,))
    np.testing.assert_array_equal(plain, score_updates(model, ScoringRule(), start, updates, x, y, 2))
