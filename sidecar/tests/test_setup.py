import dataclasses
import stat

import numpy as np
import torch

from sabfl.ml.data import load_dataset
from sabfl.ml.models import flatten_params
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.settings import private_seed
from sabfl.roles.spec import TaskSpec
from sabfl.roles.tasks import DEFAULT_SPEC
from sabfl.sim.config import SimConfig
from sabfl.sim.setup import TaskSetup

DIGITS = load_dataset("digits")
CONFIG = SimConfig(participants=8, byzantine=0.25, attack="lf", validators=4, holdout=40, seed=3)


def test_a_private_data_seed_moves_the_data_and_nothing_public() -> None:
    public = TaskSetup.build(CONFIG, DIGITS)
    private = TaskSetup.build(SimConfig(**{**CONFIG.__dict__, "data_seed": 918_273}), DIGITS)
    # Who is a validator's held-out row, and each participant's shard, follow the private seed ...
    for mine, guess in zip(private.split.validators, public.split.validators, strict=True):
        assert len(mine) == len(guess) == CONFIG.holdout
        assert len(np.intersect1d(mine, guess)) < CONFIG.holdout // 2
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(private.split.participants, public.split.participants, strict=True)
    )
    # ... while the model, the attackers and the training seeds stay the task's public ones.
    assert torch.equal(flatten_params(private.model), flatten_params(public.model))
    assert np.array_equal(private.byzantine, public.byzantine) and private.byzantine.sum() == 2
    assert private.validator_seed(5, 1) == public.validator_seed(5, 1) == (3, 5, 9)
    # Label flipping poisons the attackers' own rows only: validators' rows keep their labels.
    for x_v, y_v in private.heldout:
        assert len(x_v) == CONFIG.holdout and y_v.unique().numel() == 10


def test_the_same_seed_builds_the_same_setup() -> None:
    config = SimConfig(**{**CONFIG.__dict__, "data_seed": 5})
    one, two = TaskSetup.build(config, DIGITS), TaskSetup.build(config, DIGITS)
    assert all(np.array_equal(a, b) for a, b in zip(one.split.validators, two.split.validators, strict=True))
    assert torch.equal(one.y_train_used, two.y_train_used)


def test_a_private_seed_is_drawn_once_kept_owner_only_and_configured_wins(tmp_path) -> None:
    keep = tmp_path / "state" / "data-seed"
    drawn = private_seed(None, keep)
    assert private_seed(None, keep) == drawn and 0 <= drawn < 2**63
    assert stat.S_IMODE(keep.stat().st_mode) == 0o600
    assert private_seed(17, keep) == 17
    assert private_seed(None, None) != private_seed(None, None)  # unkept: fresh each time


def test_a_partys_own_data_replaces_the_named_dataset() -> None:
    spec = TaskSpec.from_yaml(DEFAULT_SPEC)
    # Data of its own: only the digits 0-4 (the label space stays the task's ten classes).
    mine = DIGITS.y_train < 5
    own = dataclasses.replace(DIGITS, name="own", x_train=DIGITS.x_train[mine], y_train=DIGITS.y_train[mine])
    runtime = TaskRuntime.from_model_spec(1, spec.model_spec(), data=own, data_seed=3)
    assert runtime.setup.dataset.name == "own"
    _, y_v = runtime.setup.heldout[0]
    assert len(y_v) == spec.experiment.holdout and int(y_v.max()) < 5
