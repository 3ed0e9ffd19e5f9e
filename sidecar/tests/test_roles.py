"""Chain-free parts of the sidecar roles: the task spec codec, the journal, the task runtime's codec and
aggregate."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from sabfl.ml.aggregate import build_aggregate
from sabfl.protocol import WEIGHT_SCALE
from sabfl.roles.journal import Journal
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import TaskSpec, decimal, parse_model_spec
from sabfl.sim.config import SimConfig

SPEC = TaskSpec(experiment=SimConfig(participants=4, validators=2, holdout=20, attack="sf", byzantine=0.5))


def test_decimal_strings_for_the_chain() -> None:
    assert [decimal(0.05), decimal(1.0), decimal(0.000001), decimal(12.5)] == [
        "0.05",
        "1",
        "0.000001",
        "12.5",
    ]
    with pytest.raises(ValueError, match="rounds to 0"):
        decimal(1e-9)


def test_model_spec_carries_the_shared_setup_but_not_private_choices() -> None:
    config, rule = parse_model_spec(SPEC.model_spec())
    assert rule == SPEC.rule
    assert (config.participants, config.validators, config.holdout) == (4, 2, 20)
    assert (config.attack, config.byzantine) == ("none", 0.0), "a participant's attack is not on chain"
    for foreign in ("digits/logreg", "{}", '{"sabfl": 99}'):
        with pytest.raises(ValueError, match="not a sabfl"):
            parse_model_spec(foreign)


def test_create_task_message_matches_the_rule() -> None:
    msg = SPEC.create_task_msg("sabfl1creator")
    temperature = SPEC.softmax_rule.temperature
    assert msg.initial_model_sha256 == hashlib.sha256(msg.initial_model).digest()
    assert msg.rule.score_step == decimal(SPEC.softmax_rule.scoring.eta)
    if temperature.mode == "fixed":
        assert msg.rule.temperature == decimal(temperature.tau)
    else:
        assert msg.rule.mad_multiplier == decimal(temperature.c)
    assert parse_model_spec(msg.model_spec)[1] == SPEC.rule


def test_journal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "v0" / "journal.json"
    journal = Journal(path)
    assert journal.record(3, 7, salt="ab" * 32, losses=[1, 2]) == {"salt": "ab" * 32, "losses": [1, 2]}
    journal.get(3, 7)["losses"].append(3)  # a reader's copy: the journal is not changed
    reopened = Journal(path)
    assert reopened.get(3, 7) == {"salt": "ab" * 32, "losses": [1, 2]}
    assert reopened.get(3, 8) == {}
    assert not path.with_suffix(".tmp").exists()


@pytest.fixture(scope="module")
def runtime() -> TaskRuntime:
    return TaskRuntime.from_model_spec(1, SPEC.model_spec())


def test_runtime_codec_round_trips_and_marks_broken_updates(runtime: TaskRuntime) -> None:
    params = torch.randn(runtime.layout.numel)
    assert torch.equal(runtime.decode(runtime.encode(params)), params)
    updates, ok = runtime.decode_updates([runtime.encode(params), b"garbage", runtime.encode(params)[:-4]])
    assert ok == [True, False, False]
    assert torch.isnan(updates[1]).all() and torch.isnan(updates[2]).all()


def test_runtime_aggregate_counts_a_broken_update_as_zero(runtime: TaskRuntime) -> None:
    base = torch.zeros(runtime.layout.numel)
    good = torch.ones(runtime.layout.numel)
    weights = [WEIGHT_SCALE // 2, WEIGHT_SCALE // 2]
    payload = runtime.aggregate(base, [runtime.encode(good), b"not a model"], weights)
    expected = build_aggregate(
        base.numpy(),
        [good.numpy(), np.zeros(runtime.layout.numel, np.float32)],
        [0.5, 0.5],
        runtime.layout.shapes,
    )
    assert payload == expected.payload
    assert torch.allclose(runtime.decode(payload), torch.full((runtime.layout.numel,), 0.5))
