"""Chain-free parts of the sidecar roles: the task spec codec and its MsgCreateTask, the journal, the
task runtime's codec and aggregate."""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import torch

from sabfl.chain import Account, KeysFile
from sabfl.ml.aggregate import build_aggregate
from sabfl.ml.serialize import SerializationError
from sabfl.protocol import WEIGHT_SCALE
from sabfl.roles.inputs import RoundInputs, Rows
from sabfl.roles.journal import Journal
from sabfl.roles.rule import rule_from_chain, rule_to_chain
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import KEYS_FILE_PARTICIPANTS, TaskSpec, parse_model_spec
from sabfl.sim.config import SimConfig

SPEC = TaskSpec(experiment=SimConfig(participants=4, validators=2, holdout=20, attack="sf", byzantine=0.5))


def test_model_spec_carries_the_shared_setup_but_not_private_choices() -> None:
    config, rule = parse_model_spec(SPEC.model_spec())
    assert rule == SPEC.rule
    assert (config.participants, config.validators, config.holdout) == (4, 2, 20)
    assert (config.attack, config.byzantine) == ("none", 0.0), "a participant's attack is not on chain"
    for foreign in ("digits/logreg", "{}", '{"sabfl": 99}'):
        with pytest.raises(ValueError, match="not a sabfl"):
            parse_model_spec(foreign)


def test_create_task_message_carries_the_whole_rule() -> None:
    msg = SPEC.create_task_msg("sabfl1creator")
    assert msg.initial_model_sha256 == hashlib.sha256(msg.initial_model).digest()
    assert msg.rule == rule_to_chain(SPEC.softmax_rule)
    assert rule_from_chain(msg.rule) == SPEC.softmax_rule
    assert (msg.rule.score_step, msg.rule.norm_limit, msg.rule.loss_tolerance) == ("0.2", "3", "0.1")
    assert parse_model_spec(msg.model_spec)[1] == SPEC.rule
    assert list(msg.allowed_participants) == [] and not msg.HasField("update_fee")


def test_create_task_message_carries_the_admission(tmp_path: Path) -> None:
    path = tmp_path / "task.yaml"
    path.write_text(
        "experiment: {participants: 2, validators: 2, holdout: 20}\n"
        "allowed_participants: [sabfl1alice, sabfl1bob]\nupdate_fee: 250\n"
    )
    spec = TaskSpec.from_yaml(path)
    assert spec.allowed_participants == ("sabfl1alice", "sabfl1bob")
    msg = spec.create_task_msg("sabfl1creator", denom="ustake")
    assert list(msg.allowed_participants) == ["sabfl1alice", "sabfl1bob"]
    assert (msg.update_fee.denom, msg.update_fee.amount) == ("ustake", "250")


def test_the_keys_files_participants_as_an_allowlist() -> None:
    spec = dataclasses.replace(SPEC, allowed_participants=KEYS_FILE_PARTICIPANTS)
    with pytest.raises(ValueError, match="resolve it with TaskSpec.for_keys"):
        spec.create_task_msg("sabfl1creator")
    accounts = [Account(f"p{i}", f"sabfl1p{i}", "words") for i in range(6)]
    keys = KeysFile("sabfl-test", "stake", "sabfl", [], accounts[0], accounts, Decimal("0.01"))
    assert spec.for_keys(keys).allowed_participants == ("sabfl1p0", "sabfl1p1", "sabfl1p2", "sabfl1p3")
    assert SPEC.for_keys(keys) == SPEC
    with pytest.raises(ValueError, match="the keys file has 3"):
        spec.for_keys(dataclasses.replace(keys, participants=accounts[:3]))
    for bad in ({"allowed_participants": "everyone"}, {"update_fee": -1}, {"update_fee": 1.5}):
        with pytest.raises(ValueError, match="allowed_participants|update_fee"):
            TaskSpec(**bad)


CHAIN = "sabfl-localnet/ab12/sabfl1operator"


def test_journal_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "v0" / "journal.json"
    journal = Journal(path, CHAIN)
    assert journal.record(3, 7, salt="ab" * 32, losses=[1, 2]) == {"salt": "ab" * 32, "losses": [1, 2]}
    journal.get(3, 7)["losses"].append(3)  # a reader's copy: the journal is not changed
    reopened = Journal(path, CHAIN)
    assert reopened.get(3, 7) == {"salt": "ab" * 32, "losses": [1, 2]}
    assert reopened.get(3, 8) == {}
    assert not path.with_suffix(".tmp").exists()


def test_a_journal_of_another_chain_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    Journal(path, CHAIN).record(1, 1, commit_tx="ab")
    # The same chain id after a reset: another genesis block, so another identity.
    fresh = Journal(path, "sabfl-localnet/cd34/sabfl1operator")
    assert fresh.get(1, 1) == {}
    aside = [p for p in tmp_path.iterdir() if p.name.endswith(".other-chain")]
    assert len(aside) == 1 and CHAIN in aside[0].read_text()
    path.write_text('{"1/1": {"commit_tx": "ab"}}')  # a journal from before identities: not trusted
    assert Journal(path, CHAIN).get(1, 1) == {}


@pytest.fixture(scope="module")
def runtime() -> TaskRuntime:
    return TaskRuntime.from_model_spec(1, SPEC.model_spec())


def test_runtime_codec_round_trips_and_refuses_broken_bytes(runtime: TaskRuntime) -> None:
    params = torch.randn(runtime.layout.numel)
    assert torch.equal(runtime.decode(runtime.encode(params)), params)
    for broken in (b"garbage", runtime.encode(params)[:-4]):
        with pytest.raises(SerializationError):
            runtime.decode(broken)


def held(base: torch.Tensor, updates: torch.Tensor, decoded: list[bool], shapes: list) -> RoundInputs:
    rows = Rows(list(range(len(updates))), updates, decoded, [True] * len(updates))
    return RoundInputs(1, b"", base, rows, tuple(shapes))


def test_the_aggregate_counts_a_broken_update_as_zero(runtime: TaskRuntime) -> None:
    base = torch.zeros(runtime.layout.numel)
    good = torch.ones(runtime.layout.numel)
    broken = torch.full((runtime.layout.numel,), float("nan"))  # did not decode
    payload = held(base, torch.stack([good, broken]), [True, False], runtime.layout.shapes).aggregate(
        [WEIGHT_SCALE // 2, WEIGHT_SCALE // 2]
    )
    expected = build_aggregate(
        base.numpy(),
        [good.numpy(), np.zeros(runtime.layout.numel, np.float32)],
        [0.5, 0.5],
        runtime.layout.shapes,
    )
    assert payload == expected.payload
    assert torch.allclose(runtime.decode(payload), torch.full((runtime.layout.numel,), 0.5))


def test_the_aggregate_skips_updates_of_weight_zero(runtime: TaskRuntime) -> None:
    """An update of weight 0 may be unavailable (its row NaN): the aggregate equals the one without it."""
    base = torch.randn(runtime.layout.numel)
    good = torch.randn(runtime.layout.numel)
    unavailable = torch.full((runtime.layout.numel,), float("nan"))
    shapes = runtime.layout.shapes
    gap = held(base, torch.stack([good, unavailable]), [True, False], shapes)
    with_gap = gap.aggregate([WEIGHT_SCALE, 0])
    alone = held(base, good[None], [True], shapes).aggregate([WEIGHT_SCALE])
    assert with_gap == alone
    assert not torch.isnan(runtime.decode(with_gap)).any()
