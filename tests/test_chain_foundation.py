"""The chain foundation over a real localnet: consensus, cosmpy-signed txs, our Msg and Query, the CLI."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time
from pathlib import Path

import pytest
from cosmpy.protos.cosmos.bank.v1beta1 import tx_pb2 as bank_tx

from sabfl.chain import ChainClient, KeysFile, TxError
from sabfl.fedlearn.v1 import query_pb2, task_pb2, tx_pb2

from .conftest import ROOT, localnet

SABFLD = str(ROOT / "build" / "bin" / "sabfld")


def send(client: ChainClient, to: str, amount: int) -> bank_tx.MsgSend:
    msg = bank_tx.MsgSend(from_address=client.address, to_address=to)
    coin = msg.amount.add()
    coin.denom, coin.amount = "stake", str(amount)
    return msg


def create_task_msg(creator: str, payload: bytes) -> tx_pb2.MsgCreateTask:
    msg = tx_pb2.MsgCreateTask(
        creator=creator,
        model_spec="digits/logreg",
        initial_model_sha256=hashlib.sha256(payload).digest(),
        initial_model=payload,
        num_rounds=7,
        committee_size=3,
        max_updates_per_round=12,
        rule=task_pb2.AggregationRule(
            temperature_mode=task_pb2.TEMPERATURE_MODE_MAD,
            mad_multiplier="1.5",
            temperature_min="0.001",
            score_step="0.2",
        ),
        phases=task_pb2.PhaseLengths(submit=6, update_reveal=5, commit=5, reveal=5, aggregate=7, attest=5),
    )
    msg.budget.denom, msg.budget.amount = "stake", "700000"
    return msg


def test_validators_agree_on_height_and_app_hash(localnet_dir: Path) -> None:
    time.sleep(3)  # let a few blocks pass
    status = localnet("status", localnet_dir)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "equal on 4 nodes" in status.stdout
    heights = [
        int(line.split()[1]) for line in status.stdout.splitlines() if re.match(r"^node\d+\s+\d+", line)
    ]
    assert len(heights) == 4 and max(heights) - min(heights) <= 2


def test_bank_send_through_cosmpy(creator: ChainClient, keys: KeysFile) -> None:
    receiver = keys.participants[0].address
    before = creator.balance(receiver)
    creator.submit(send(creator, receiver, 1234))
    assert creator.balance(receiver) == before + 1234


def test_create_task_round_trips_every_field(creator: ChainClient) -> None:
    payload = bytes(range(256)) * 64
    msg = create_task_msg(creator.address, payload)
    escrow_before = creator.balance()
    response = creator.submit(msg)
    created = creator.msg_response(response, 0, tx_pb2.MsgCreateTaskResponse())

    task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=created.task_id)).task
    assert task.id == created.task_id
    for field in (
        "creator",
        "model_spec",
        "initial_model_sha256",
        "num_rounds",
        "committee_size",
        "max_updates_per_round",
        "rule",
        "phases",
        "budget",
    ):
        assert getattr(task, field) == getattr(msg, field), field
    assert task.escrow == msg.budget
    assert task.status == task_pb2.TASK_STATUS_PENDING, "it waits for validators to opt in"
    assert task.created_height == response.height
    model = creator.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task.id)).model
    assert model.payload == payload and model.sha256 == hashlib.sha256(payload).digest() and model.round == 0
    assert task.deposit == creator.fedlearn.Params(query_pb2.QueryParamsRequest()).params.task_deposit
    escrowed = 700_000 + int(task.deposit.amount)  # the budget and the task deposit
    assert creator.balance() == escrow_before - escrowed - creator.config.fee(response.gas_wanted)
    listed = creator.fedlearn.Tasks(query_pb2.QueryTasksRequest()).tasks
    assert task.id in [t.id for t in listed]


@pytest.mark.parametrize(
    ("mutate", "error_text"),
    [
        (lambda m: setattr(m, "model_spec", ""), "empty model spec"),
        (lambda m: setattr(m, "initial_model_sha256", b"\0" * 32), "sha256 does not match payload"),
        (lambda m: setattr(m.rule, "temperature_mode", task_pb2.TEMPERATURE_MODE_FIXED), "temperature"),
        (lambda m: setattr(m.budget, "amount", str(10**15)), "insufficient funds"),
    ],
)
def test_bad_create_task_raises_with_chain_error(creator: ChainClient, mutate, error_text: str) -> None:
    msg = create_task_msg(creator.address, b"model")
    mutate(msg)
    with pytest.raises(TxError, match=error_text):
        creator.submit(msg)


def test_twenty_txs_back_to_back_all_land(creator: ChainClient, keys: KeysFile) -> None:
    receiver = keys.participants[1].address
    before = creator.balance(receiver)
    hashes = [creator.broadcast(send(creator, receiver, 10 + i)) for i in range(20)]
    heights = {creator.wait(h).height for h in hashes}
    assert creator.balance(receiver) == before + sum(10 + i for i in range(20))
    assert len(heights) < 20, "several txs share a block"


def test_autocli_commands(keys: KeysFile) -> None:
    node = keys.nodes[0].rpc.replace("http://", "tcp://")
    params = subprocess.run(
        [SABFLD, "q", "fedlearn", "params", "--node", node, "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"max_committee_size"' in params.stdout
    help_text = subprocess.run(
        [SABFLD, "tx", "fedlearn", "create-task", "--help"], capture_output=True, text=True, check=True
    )
    assert "create-task [model-spec]" in help_text.stdout and "--rule" in help_text.stdout


def test_sabfld_names_its_version_and_commit() -> None:
    """`make build` stamps the binary: the version (nearest tag, else the commit) and the full commit hash."""
    out = subprocess.run([SABFLD, "version", "--long"], capture_output=True, text=True, check=True).stdout
    fields = dict(
        line.split(": ", 1) for line in out.splitlines() if re.match(r"^(name|commit|version): ", line)
    )
    assert fields["name"] == "sabfl"
    assert re.fullmatch(r"[0-9a-f]{40}", fields["commit"]), out
    assert fields["version"], out
