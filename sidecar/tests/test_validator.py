"""The validator sidecar without a chain (its client's chain calls replaced by fakes): its config holds
no operator key, it sends every message as a MsgExec from its hot account, it says which grants are
missing, it warns before the hot account runs dry, and it declines hostile tasks — and tasks whose on-chain
rule is not the one their spec names — while serving others."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from decimal import Decimal
from pathlib import Path

import pytest
import torch
import yaml
from cosmpy.protos.cosmos.authz.v1beta1 import tx_pb2 as authz_tx
from cosmpy.protos.cosmos.base.abci.v1beta1 import abci_pb2
from prometheus_client import REGISTRY

from sabfl.aggregators import DEFAULT_SOFTMAX_RULE, SOFTMAX_RULES
from sabfl.chain import Account, ChainClient, KeysFile, TxError, messages
from sabfl.chain.keys import Node
from sabfl.cli import main
from sabfl.fedlearn.v1 import round_pb2, task_pb2, tx_pb2
from sabfl.protocol import UNAVAILABLE, WEIGHT_SCALE
from sabfl.roles.inputs import RoundInputs
from sabfl.roles.rule import rule_to_chain
from sabfl.roles.spec import SpecRefused, TaskSpec
from sabfl.roles.stream import RoundStream
from sabfl.roles.tasks import DEFAULT_SPEC
from sabfl.roles.validator import GRANTED_MSGS, ValidatorConfig, ValidatorSidecar

OPERATOR = Account("val0", "sabfl1746e0r78yrvtd77yhgflvhh583r40p7de47qhm", " ".join(["zoo"] * 23 + ["wrong"]))
HOT = Account("hot0", "sabfl1r5v5srda7xfth3hn2s26txvrcrntldjupq4zex", " ".join(["abandon"] * 23 + ["art"]))
DEMO_SPEC = TaskSpec.from_yaml(DEFAULT_SPEC).model_spec()
DEMO_RULE = rule_to_chain(SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE])
DEMO_INITIAL_SHA256 = hashlib.sha256(TaskSpec.from_yaml(DEFAULT_SPEC).initial_model()).digest()


def keys(hot: Account | None = HOT) -> KeysFile:
    node = Node("node0", "http://127.0.0.1:1", "127.0.0.1:1", "http://127.0.0.1:1", OPERATOR, "valoper", hot)
    creator = Account("creator", "sabfl1creator", "creator words")
    return KeysFile("sabfl-test", "stake", "sabfl", [node], creator, [], Decimal("0.01"))


@pytest.fixture(autouse=True)
def offline_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """No node answers in these tests: the journal's chain identity is a constant."""
    monkeypatch.setattr(ChainClient, "chain_identity", lambda self: "sabfl-test/00")


@pytest.fixture
def config(tmp_path: Path) -> ValidatorConfig:
    return ValidatorConfig.for_localnet(keys(), 0, tmp_path / "validator0", poll_seconds=0.1)


def test_the_config_names_the_operator_but_holds_only_the_hot_key(
    config: ValidatorConfig, tmp_path: Path
) -> None:
    path = tmp_path / "validator0.yaml"
    config.save(path)
    assert ValidatorConfig.from_yaml(path) == config
    written = path.read_text() + config.hot_key_file.read_text()
    assert OPERATOR.mnemonic not in written and OPERATOR.address in written
    assert HOT.mnemonic not in path.read_text() and HOT.mnemonic in config.hot_key_file.read_text()
    assert config.chain.gas_price == Decimal("0.01") and config.operator == OPERATOR.address


def test_the_config_command_writes_a_localnet_validators_config(tmp_path: Path) -> None:
    account = dataclasses.asdict
    node = keys().nodes[0]
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(
        json.dumps(
            {
                "chain_id": "sabfl-test",
                "denom": "stake",
                "address_prefix": "sabfl",
                "gas_price": "0.01",
                "nodes": [
                    {
                        "name": node.name,
                        "rpc": node.rpc,
                        "grpc": node.grpc,
                        "api": node.api,
                        "validator": {**account(OPERATOR), "valoper": node.valoper},
                        "hot": account(HOT),
                    }
                ],
                "creator": account(keys().creator),
                "participants": [],
            }
        )
    )
    out = tmp_path / "validator0.yaml"
    assert main(["validator", "config", "--keys", str(keys_file), "--validator", "0", "--out", str(out)]) == 0
    config = ValidatorConfig.from_yaml(out)
    assert config == ValidatorConfig.for_localnet(keys(), 0, tmp_path / "validator0")
    assert config.hot_key_file == tmp_path / "validator0" / "hot-key.json"
    assert OPERATOR.mnemonic not in out.read_text() + config.hot_key_file.read_text()


def test_unknown_settings_and_missing_hot_keys_are_refused(config: ValidatorConfig, tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    config.save(path)
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "keys_file": "localnet/run/keys.json"}))
    with pytest.raises(ValueError, match=r"unknown settings \['keys_file'\]"):
        ValidatorConfig.from_yaml(path)
    path.write_text(yaml.safe_dump({**data, "limits": {"max_epochs": 3, "epochs": 3}}))
    with pytest.raises(ValueError, match=r"limits: unknown settings \['epochs'\]"):
        ValidatorConfig.from_yaml(path)
    with pytest.raises(ValueError, match="no hot account"):
        ValidatorConfig.for_localnet(keys(hot=None), 0, tmp_path)
    operator_as_hot = ValidatorConfig.for_localnet(keys(hot=OPERATOR), 0, tmp_path / "wrong")
    with pytest.raises(ValueError, match="operator's own key"):
        ValidatorSidecar(operator_as_hot)


def test_messages_leave_as_msg_exec_signed_by_the_hot_account(config: ValidatorConfig) -> None:
    sidecar = ValidatorSidecar(config)
    sent = []
    sidecar.client.submit = lambda *msgs: sent.append(msgs) or abci_pb2.TxResponse(txhash="F00")
    commit = messages.commit_losses(OPERATOR.address, 3, 1, b"c" * 32)
    assert sidecar.send(3, "commit", commit) == "F00"
    assert sidecar.client.address == HOT.address
    ((wrapped,),) = sent
    assert isinstance(wrapped, authz_tx.MsgExec) and wrapped.grantee == HOT.address
    inner = tx_pb2.MsgCommitLosses()
    assert wrapped.msgs[0].Unpack(inner) and inner == commit
    # A step abandoned past its budget (its task declined meanwhile) sends nothing more.
    sidecar.scheduler.decline(3, "a step ran past its time budget")
    with pytest.raises(SpecRefused, match="declined while its step ran"):
        sidecar.send(3, "commit", commit)
    assert len(sent) == 1


def test_missing_grants_are_named_and_stop_the_sidecar(
    config: ValidatorConfig, caplog: pytest.LogCaptureFixture
) -> None:
    sidecar = ValidatorSidecar(config)
    granted = {messages.type_url(tx_pb2.MsgCommitLosses), messages.type_url(tx_pb2.MsgRevealLosses)}
    asked = []
    sidecar.client.granted_msg_types = lambda granter, grantee: asked.append((granter, grantee)) or granted
    stop = threading.Event()
    stop.set()
    with caplog.at_level(logging.ERROR):
        assert sidecar.run(stop) == 1
    assert asked == [(OPERATOR.address, HOT.address)]
    assert "/sabfl.fedlearn.v1.MsgSubmitAggregate, /sabfl.fedlearn.v1.MsgAttestAggregate" in caplog.text
    assert "/sabfl.fedlearn.v1.MsgCommitLosses" not in caplog.text
    sidecar.client.granted_msg_types = lambda granter, grantee: {messages.type_url(m) for m in GRANTED_MSGS}
    assert sidecar.run(stop) == 0


@pytest.mark.parametrize(
    ("balance", "fees", "warning"),
    [
        (1_000_000, [2_000], None),
        (100_000, [1_000, 3_000], "holds 100000stake, about 50 txs at the recent average fee of 2000stake"),
        (0, [], "holds no stake and cannot pay any fee"),
        (5, [], None),
    ],
)
def test_a_warning_comes_before_the_hot_account_runs_dry(
    config: ValidatorConfig,
    caplog: pytest.LogCaptureFixture,
    balance: int,
    fees: list[int],
    warning: str | None,
) -> None:
    sidecar = ValidatorSidecar(config)
    sidecar.client.balance = lambda: balance
    sidecar.client.recent_fees.extend(fees)
    with caplog.at_level(logging.WARNING):
        sidecar.watch_funds()
    if warning is None:
        assert not caplog.records
    else:
        assert warning in caplog.text


def hostile(**experiment: object) -> str:
    data = json.loads(DEMO_SPEC)
    data["experiment"].update(experiment)
    return json.dumps(data)


def inner_msgs(sent: list[tuple]) -> list[tx_pb2.MsgOptIn]:
    """The opt-ins inside the MsgExecs a fake submit recorded."""
    opt_ins = []
    for (wrapped,) in sent:
        msg = tx_pb2.MsgOptIn()
        assert wrapped.msgs[0].Unpack(msg)
        opt_ins.append(msg)
    return opt_ins


def test_hostile_tasks_are_declined_and_the_others_served(
    config: ValidatorConfig, caplog: pytest.LogCaptureFixture
) -> None:
    specs = {
        1: hostile(epochs=10**9),
        2: hostile(softmax_rules={DEFAULT_SOFTMAX_RULE: {"scoring": {"eta": 50.0}}}),
        3: hostile(dataset="npz:/etc/shadow"),
        4: DEMO_SPEC,
        5: hostile(validators=1),  # no held-out share for validator index 1
        6: DEMO_SPEC,  # made too long below
        7: DEMO_SPEC,  # already running
        8: DEMO_SPEC,  # its on-chain rule is another below
        9: DEMO_SPEC,  # its on-chain rule does not decode
        10: hostile(model={"entry_point": "os:system", "distribution": "evil", "version": "1.0"}),
        11: DEMO_SPEC,  # its initial model on chain is not the one its spec builds
    }
    tasks = [
        task_pb2.Task(
            id=i,
            model_spec=spec,
            status=task_pb2.TASK_STATUS_PENDING,
            num_rounds=6,
            rule=DEMO_RULE,
            initial_model_sha256=DEMO_INITIAL_SHA256,
        )
        for i, spec in specs.items()
    ]
    tasks[5].num_rounds = 1_000
    tasks[6].status, tasks[6].current_round = task_pb2.TASK_STATUS_ACTIVE, 1
    tasks[7].rule.norm_limit = "5"
    tasks[8].rule.loss_tolerance = "0.1234567"
    tasks[10].initial_model_sha256 = hashlib.sha256(b"another model").digest()
    sidecar = ValidatorSidecar(dataclasses.replace(config, validator=1, max_parallel_tasks=8))
    sent, rounds_read = [], []
    sidecar.client.submit = lambda *msgs: sent.append(msgs) or abci_pb2.TxResponse(txhash="F00")
    sidecar.client.tasks = lambda: tasks
    committee = [round_pb2.CommitteeMember(address=OPERATOR.address, power=1)]
    sidecar.client.round = lambda task_id, number=0: (
        rounds_read.append(task_id)
        or round_pb2.Round(task_id=task_id, round=1, phase=round_pb2.ROUND_PHASE_SUBMIT, committee=committee)
    )
    sidecar.client.balance = lambda: 10**9
    with caplog.at_level(logging.WARNING):
        sidecar.tick()
        for running in list(sidecar.scheduler.running.values()):
            running.thread.join(60)
    assert [i for i in specs if sidecar.scheduler.declined(i)] == [1, 2, 3, 5, 6, 8, 9, 10, 11]
    # Hostile specs are declined before any work; a task's initial model is compared once its model is built
    # (in its step), before its opt-in.
    assert sorted(sidecar.scheduler.last_started) == [4, 7, 11]
    assert sorted((m.task_id, m.validator) for m in inner_msgs(sent)) == [
        (4, OPERATOR.address),
        (7, OPERATOR.address),
    ]
    assert [sidecar.journal.get(i, 0) for i in (4, 7)] == [{"opt_in_tx": "F00"}] * 2
    assert rounds_read == [7]
    assert sorted(sidecar.runtimes) == [4, 7]
    # The runtime scores with the rule decoded from the task's on-chain rule (equal to the one the spec
    # names, or the task would have been declined).
    assert sidecar.runtimes[4].rule == SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE]
    assert rule_to_chain(sidecar.runtimes[4].rule) == tasks[3].rule
    assert SOFTMAX_RULES[DEFAULT_SOFTMAX_RULE].scoring.eta == 0.2
    for reason in (
        "epochs=1000000000",
        "unknown keys ['softmax_rules']",
        "npz:/etc/shadow",
        "index 1",
        "1000 rounds",
        "task 8: declined: its on-chain rule differs from softmax_guarded_norm, which its model_spec names: "
        "norm_limit '5' ≠ '3'",
        "task 9: declined: its on-chain rule is not one to score with: rule.loss_tolerance: '0.1234567' has "
        "more than 6 fractional digits",
        "task 10: declined: its model comes from distribution evil 1.0, which this sidecar's `packages` "
        "does not list: an operator who trusts it lists {name: evil, version: 1.0} there",
        "task 11: declined: the model sabfl.ml.models:logreg from sabfl 0.1.0 builds here has sha256",
    ):
        assert reason in caplog.text
    assert sum("task 8: declined" in r.getMessage() for r in caplog.records) == 1, "one log line"


def test_a_second_opt_in_counts_as_done_and_other_rejections_are_retried(config: ValidatorConfig) -> None:
    sidecar = ValidatorSidecar(config)
    task = task_pb2.Task(
        id=4,
        model_spec=DEMO_SPEC,
        status=task_pb2.TASK_STATUS_PENDING,
        num_rounds=6,
        rule=DEMO_RULE,
        initial_model_sha256=DEMO_INITIAL_SHA256,
    )

    def rejected(log: str) -> None:
        def submit(*msgs: object) -> abci_pb2.TxResponse:
            raise TxError(log)

        sidecar.client.submit = submit

    rejected("validator sabfl1... is jailed")
    with pytest.raises(TxError, match="jailed"):
        sidecar.opt_in(task)
    assert sidecar.journal.get(4, 0) == {}
    rejected(f"failed to execute message; message index: 0: {OPERATOR.address} already opted in to task 4")
    sidecar.opt_in(task)
    assert sidecar.journal.get(4, 0) == {"opt_in_tx": "before"}


def test_the_test_accuracy_of_each_new_global_model_is_published(config: ValidatorConfig) -> None:
    """Once per new global model (round 0: the initial one), and the last one of a task that just ended."""
    sidecar = ValidatorSidecar(config)
    task = task_pb2.Task(
        id=4,
        model_spec=DEMO_SPEC,
        status=task_pb2.TASK_STATUS_ACTIVE,
        num_rounds=2,
        rule=DEMO_RULE,
        initial_model_sha256=DEMO_INITIAL_SHA256,
    )
    task.current_round = 1
    rt = sidecar.runtime(task)
    models = {r: rt.encode(torch.full((rt.layout.numel,), 0.01 * r)) for r in range(3)}
    reads = []

    def global_model(task_id: int) -> task_pb2.GlobalModel:
        number = task.rounds_finalized
        reads.append(number)
        return task_pb2.GlobalModel(task_id=task_id, round=number, payload=models[number])

    sidecar.client.global_model = global_model
    sidecar.client.submit = lambda *msgs: abci_pb2.TxResponse(txhash="F00")
    sidecar.client.round = lambda task_id, number=0: round_pb2.Round(task_id=4, round=task.current_round)
    sidecar.client.tasks = lambda: [task]
    sidecar.client.balance = lambda: 10**9

    def published(round_number: int) -> float | None:
        labels = {"task": "4", "round": str(round_number)}
        return REGISTRY.get_sample_value("sabfl_validator_test_accuracy", labels)

    sidecar.step(task)
    sidecar.step(task)
    assert reads == [0], "measured once per global model"
    assert published(0) == rt.test_accuracy(rt.decode(models[0]))
    task.rounds_finalized, task.current_round = 1, 2
    sidecar.step(task)
    assert published(1) == rt.test_accuracy(rt.decode(models[1]))
    task.rounds_finalized, task.status = 2, task_pb2.TASK_STATUS_COMPLETED
    sidecar.tick()
    assert published(2) == rt.test_accuracy(rt.decode(models[2])) and reads == [0, 1, 2]
    assert 4 not in sidecar.runtimes


def test_a_round_over_the_memory_budget_is_scored_and_aggregated_as_one_that_fits(
    config: ValidatorConfig,
) -> None:
    """The sidecar reads a round within blob_memory_bytes in batches (a RoundStream) and reveals the same
    losses, and builds the same aggregate, as with a budget the round fits."""
    task = task_pb2.Task(
        id=4,
        model_spec=DEMO_SPEC,
        status=task_pb2.TASK_STATUS_ACTIVE,
        num_rounds=2,
        rule=DEMO_RULE,
        initial_model_sha256=DEMO_INITIAL_SHA256,
    )
    gone = hashlib.sha256(b"gone").digest()
    outcomes = []
    for budget in (1 << 30, 600_000):  # the second holds less than one scoring chunk: read in batches
        # A fixed private seed: unset, each run draws its own held-out rows, and with some draws the
        # default rule scores most of these updates alike (0), which the losses' spread below rules out.
        settings = {"blob_stores": ({"kind": "inline"},), "blob_memory_bytes": budget, "data_seed": 1}
        sidecar = ValidatorSidecar(dataclasses.replace(config, **settings))
        rt = sidecar.runtime(task)
        generator = torch.Generator().manual_seed(0)
        base = rt.encode(0.1 * torch.randn(rt.layout.numel, generator=generator))
        round_ = round_pb2.Round(task_id=4, round=1, base_model_sha256=hashlib.sha256(base).digest())
        for _ in range(10):
            ref = sidecar.blobs.stores[0].put(
                rt.encode(0.05 * torch.randn(rt.layout.numel, generator=generator))
            )
            round_.updates.add(sha256=ref.sha256, size_bytes=ref.size, locator=ref.locator)
        round_.updates.add(sha256=gone, size_bytes=4, locator=f"inline://{gone.hex()}")  # in no store
        round_.weights.extend([WEIGHT_SCALE // 10] * 10 + [0])
        sidecar.client.global_model = lambda task_id, base=base: task_pb2.GlobalModel(
            task_id=4, sha256=hashlib.sha256(base).digest(), payload=base
        )
        losses = sidecar.score(rt, round_)
        outcomes.append((losses, sidecar.aggregate_bytes(rt, round_), type(sidecar.round_inputs[4])))
    (held_losses, held_aggregate, held), (streamed_losses, streamed_aggregate, streamed) = outcomes
    assert (held, streamed) == (RoundInputs, RoundStream)
    assert streamed_losses == held_losses and held_losses[-1] == UNAVAILABLE and len(set(held_losses)) > 3
    assert streamed_aggregate == held_aggregate
