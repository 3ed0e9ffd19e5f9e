from statistics import NormalDist

import numpy as np
import pytest
import torch

from sabfl.attacks.participants import LittleIsEnough
from sabfl.attacks.registry import make_participant_attack
from sabfl.attacks.validators import make_validator_attack
from sabfl.ml.scoring import LOSS_CAP

GENERATOR = torch.Generator().manual_seed(0)
HONEST = torch.randn(12, 50, generator=GENERATOR)
OWN = torch.randn(8, 50, generator=GENERATOR)


def forge(name):
    return make_participant_attack(name, 20, 8).forge(OWN, HONEST, torch.Generator().manual_seed(1))


def test_label_flip_poisons_labels_only():
    attack = make_participant_attack("lf", 20, 8)
    images = np.zeros((3, 1, 8, 8), dtype=np.float32)
    poisoned, labels = attack.poison(images, np.array([0, 3, 9]), 10)
    np.testing.assert_array_equal(labels, [9, 6, 0])
    assert poisoned is images
    assert torch.equal(attack.forge(OWN, HONEST, GENERATOR), OWN)
    np.testing.assert_array_equal(
        make_participant_attack("sf", 20, 8).poison(images, np.array([1]), 10)[1], [1]
    )


def test_sign_flip_and_scaling():
    assert torch.equal(forge("sf"), -OWN)
    assert make_participant_attack("scaling", 20, 8).flips_labels
    torch.testing.assert_close(forge("scaling"), 10 * OWN)


def test_gaussian_is_noise_of_given_scale():
    forged = forge("gaussian")
    assert forged.shape == OWN.shape and abs(float(forged.std()) - 1.0) < 0.1


def test_alie_shifts_mean_by_z_std():
    attack = LittleIsEnough(20, 8)
    # s = ⌊20/2 + 1⌋ − 8 = 3 supporters, z = Φ⁻¹((20 − 3)/20).
    assert attack.z == pytest.approx(NormalDist().inv_cdf(17 / 20))
    expected = HONEST.mean(0) - attack.z * HONEST.std(0, correction=0)
    assert torch.allclose(forge("alie"), expected.expand_as(OWN))


def test_ipm_sends_minus_epsilon_times_the_honest_mean():
    torch.testing.assert_close(forge("ipm"), (-0.5 * HONEST.mean(0)).expand_as(OWN))


def test_minmax_stays_within_honest_spread_but_moves_away():
    forged = forge("minmax")[0]
    budget = torch.cdist(HONEST, HONEST).max()
    assert (HONEST - forged).norm(dim=1).max() <= budget + 1e-4
    assert (forged - HONEST.mean(0)).norm() > 0.1 * budget


def test_garbage_and_non_finite():
    assert forge("garbage").abs().max() <= 10
    forged = forge("nan")
    assert not torch.isfinite(forged).all(dim=1).any()


def test_unknown_attack():
    with pytest.raises(ValueError, match="unknown attack"):
        make_participant_attack("trojan", 20, 8)


SCORES = np.array([[0.2, 0.3, 0.9], [0.25, 0.35, 0.8], [0.1, 0.2, 0.7]])
BYZ_VALIDATORS = np.array([False, False, True])
BYZ_UPDATES = np.array([False, False, True])


def test_lying_validator_inflates_honest_and_deflates_malicious():
    forged = make_validator_attack("lie")(SCORES, BYZ_VALIDATORS, BYZ_UPDATES, np.random.default_rng(0))
    np.testing.assert_array_equal(forged[2], [LOSS_CAP, LOSS_CAP, 0.0])
    np.testing.assert_array_equal(forged[:2], SCORES[:2])


def test_copying_and_random_validators():
    rng = np.random.default_rng(0)
    copied = make_validator_attack("copy")(SCORES, BYZ_VALIDATORS, BYZ_UPDATES, rng)
    assert any(np.array_equal(copied[2], SCORES[v]) for v in (0, 1))
    random = make_validator_attack("random")(SCORES, BYZ_VALIDATORS, BYZ_UPDATES, rng)
    assert (random[2] <= SCORES.max()).all() and not np.array_equal(random[2], SCORES[2])
