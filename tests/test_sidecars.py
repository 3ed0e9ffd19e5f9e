"""The validator sidecars and the participant runner against the real localnet: sidecars on hot keys
with no operator key in their config, attackers down-weighted, hostile task specs (and a task whose
on-chain rule is not its spec's) declined while another task runs, validators' held-out data and scores
out of reach of the public chain state, a lying validator outvoted, a sidecar killed after its commit, a
validator node killed mid-round, and a miner that submits a wrong aggregate.
Ordered so the test that jails a validator runs last."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cosmpy.protos.cosmos.auth.v1beta1 import auth_pb2
from cosmpy.protos.cosmos.auth.v1beta1 import query_pb2 as auth_query
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2 as staking_query
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2_grpc as staking_grpc

from sabfl.chain import ChainClient, KeysFile, messages
from sabfl.fedlearn.v1 import query_pb2, round_pb2, task_pb2
from sabfl.protocol import WEIGHT_SCALE, TemperatureRule, consensus_losses, softmax_weights
from sabfl.roles.demo import Processes
from sabfl.roles.inputs import RoundInputs, no_blob_store
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.scores import revealed
from sabfl.roles.spec import TaskSpec
from sabfl.roles.tasks import create_task, submit_task
from sabfl.roles.validator import ValidatorConfig
from sabfl.sim.config import SimConfig

from .conftest import client_for, localnet

PHASE = round_pb2.RoundPhase
ENDED = {PHASE.ROUND_PHASE_FINALIZED, PHASE.ROUND_PHASE_FAILED}
# Six participants (the session localnet funds six), digits, logistic regression: fast enough for CI.
EXPERIMENT = SimConfig(
    dataset="digits",
    model="logreg",
    participants=6,
    alpha=1.0,
    validators=4,
    holdout=50,
    epochs=5,
    batch_size=16,
    lr=0.5,
    seed=3,
)


def spec(rounds: int, reveal: int = 30) -> TaskSpec:
    return TaskSpec(
        experiment=EXPERIMENT,
        rounds=rounds,
        committee_size=4,
        phases=(10, 10, 30, reveal, 30, 30),
        budget=600_000,
        max_updates_per_round=6,
    )


class Sidecars:
    """Validator sidecars and a participant runner as real processes, logs under tmp. A validator
    sidecar's files (its config and hot key) are validator{v}.yaml and validator{v}/."""

    def __init__(self, keys: KeysFile, keys_file: Path, workdir: Path) -> None:
        self.keys, self.keys_file, self.workdir = keys, keys_file, workdir
        self.processes = Processes()
        self.validators: dict[int, subprocess.Popen] = {}

    def validator_config(self, v: int, misbehave: str, **settings: object) -> Path:
        config = self.workdir / f"validator{v}.yaml"
        ValidatorConfig.for_localnet(
            self.keys, v, self.workdir / f"validator{v}", misbehave=misbehave, poll_seconds=0.3, **settings
        ).save(config)
        return config

    def validator_files(self, v: int) -> list[Path]:
        return [self.workdir / f"validator{v}.yaml", *(self.workdir / f"validator{v}").iterdir()]

    def declined(self, v: int, task_id: int) -> str:
        """Why validator v's sidecar declined a task (its log line), or "" if it did not."""
        prefix = f"task {task_id}: declined: "
        lines = (self.workdir / f"validator{v}.log").read_text().splitlines()
        return next((line.split(prefix, 1)[1] for line in lines if prefix in line), "")

    def start_validator(self, v: int, misbehave: str = "none", **settings: object) -> None:
        config = self.validator_config(v, misbehave, **settings)
        self.validators[v] = self.processes.start(
            f"validator {v}",
            [sys.executable, "-m", "sabfl.cli", "validator", "run", "--config", str(config)],
            self.workdir / f"validator{v}.log",
        )

    def kill_validator(self, v: int) -> None:
        process = self.validators[v]
        process.kill()
        process.wait()

    def start_participants(
        self, task_id: int, attack: str = "none", byzantine: float = 0.0, **settings: object
    ) -> Path:
        roster = self.workdir / f"roster{task_id}.json"
        config = self.workdir / f"participants{task_id}.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "keys_file": str(self.keys_file),
                    "task_id": task_id,
                    "attack": attack,
                    "byzantine": byzantine,
                    "roster": str(roster),
                    "poll_seconds": 0.3,
                    **settings,
                }
            )
        )
        self.processes.start(
            "participants",
            [sys.executable, "-m", "sabfl.cli", "participant", "run", "--config", str(config)],
            self.workdir / f"participants{task_id}.log",
        )
        return roster


@pytest.fixture
def sidecars(localnet_dir: Path, keys: KeysFile, tmp_path: Path) -> Iterator[Sidecars]:
    running = Sidecars(keys, localnet_dir / "keys.json", tmp_path)
    yield running
    running.processes.stop()


def wait_round(client: ChainClient, task_id: int, number: int, timeout: float = 240.0) -> round_pb2.Round:
    return client.wait_for_phase(task_id, number, ENDED, timeout_s=timeout)


def opt_in_on_hot_keys(keys: KeysFile, task_id: int) -> None:
    """Every validator opts in through its hot account, as its sidecar would, but all in one block: the
    task starts with all four, so round 1's committee holds every validator a test needs. The sidecars
    then find their opt-in done."""
    clients = [(client_for(keys, n.hot), n.validator.address) for n in keys.nodes if n.hot is not None]
    sent = [
        (client, client.broadcast(messages.exec_msgs(client.address, messages.opt_in(operator, task_id))))
        for client, operator in clients
    ]
    for client, txhash in sent:
        client.wait(txhash)
        client.close()


def sequence(client: ChainClient, address: str) -> int:
    response = client.auth.Account(auth_query.QueryAccountRequest(address=address))
    account = auth_pb2.BaseAccount()
    assert response.account.Unpack(account)
    return int(account.sequence)


def test_two_rounds_on_hot_keys_attacker_gets_least_weight_and_accuracy_rises(
    creator: ChainClient, sidecars: Sidecars, keys: KeysFile
) -> None:
    operators = [n.validator.address for n in keys.nodes]
    hot = [n.hot.address for n in keys.nodes if n.hot is not None]
    assert len(hot) == 4 and not set(hot) & set(operators)
    operator_sequences = [sequence(creator, a) for a in operators]
    hot_before = [(sequence(creator, a), creator.balance(a)) for a in hot]
    task_id = create_task(creator, spec(rounds=2))
    for v in range(4):
        sidecars.start_validator(v)
    roster = sidecars.start_participants(task_id, attack="sf", byzantine=1 / 6)
    task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
    runtime = TaskRuntime.from_task(task)
    initial = creator.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task_id)).model
    accuracy = [runtime.test_accuracy(runtime.decode(initial.payload))]
    for number in (1, 2):
        round_ = wait_round(creator, task_id, number)
        assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
        model = creator.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task_id)).model
        accuracy.append(runtime.test_accuracy(runtime.decode(model.payload)))
        attackers = set(yaml.safe_load(roster.read_text())["attackers"])
        weights = {u.participant: w for u, w in zip(round_.updates, round_.weights, strict=True)}
        assert len(attackers) == 1 and attackers <= set(weights)
        attacker_weight = max(weights[a] for a in attackers)
        assert all(attacker_weight < w for p, w in weights.items() if p not in attackers), weights
    assert accuracy[2] > accuracy[0] + 0.2, accuracy
    # The rounds were served by the hot accounts, which paid the fees; no operator key signed anything.
    assert [sequence(creator, a) for a in operators] == operator_sequences
    for address, (sequence_before, balance_before) in zip(hot, hot_before, strict=True):
        assert sequence(creator, address) > sequence_before and creator.balance(address) < balance_before
    mnemonics = [n.validator.mnemonic for n in keys.nodes]
    for v in range(4):
        for path in sidecars.validator_files(v):
            assert not any(m in path.read_text() for m in mnemonics), f"{path} holds an operator mnemonic"


def test_hostile_specs_are_declined_while_another_task_finalizes(
    creator: ChainClient, sidecars: Sidecars
) -> None:
    """Each hostile task would once have stalled or changed every sidecar: a huge `epochs`, a redefined
    default rule, a dataset read from the validator's disk; or scored with another rule than its spec
    names: an on-chain rule with another norm limit."""
    hostile = {}
    for name, change in {
        "epochs": {"epochs": 10**9},
        "softmax_rules": {"softmax_rules": {TaskSpec().rule: {"scoring": {"eta": 50.0}}}},
        "dataset": {"dataset": "npz:/etc/shadow"},
    }.items():
        msg = spec(rounds=1).create_task_msg(creator.address, creator.config.denom)
        model_spec = json.loads(msg.model_spec)
        model_spec["experiment"].update(change)
        msg.model_spec = json.dumps(model_spec)
        hostile[submit_task(creator, msg)] = name
    msg = spec(rounds=1).create_task_msg(creator.address, creator.config.denom)
    msg.rule.norm_limit = "5"
    hostile[submit_task(creator, msg)] = "its on-chain rule differs from softmax_guarded_norm"
    task_id = create_task(creator, spec(rounds=1))
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    round_ = wait_round(creator, task_id, 1)
    assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
    assert all(m.committed and m.revealed for m in round_.committee)
    for hostile_id, name in hostile.items():
        for v in range(4):
            assert name in sidecars.declined(v, hostile_id), f"validator {v}, task {hostile_id} ({name})"
        task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=hostile_id)).task
        assert task.status == task_pb2.TASK_STATUS_PENDING, "no validator opted in to it"


def test_public_chain_state_rebuilds_no_validators_data_or_scores(
    creator: ChainClient, sidecars: Sidecars, keys: KeysFile
) -> None:
    """What a participant can compute from everything public before REVEAL — the task, its model_spec, the
    round's updates and base model — against what each validator revealed: its held-out rows and its
    losses follow its private data seed, kept in its own files, so the public rebuild misses both; the same
    computation given that seed reproduces its losses exactly (the rebuild is not wrong for other reasons).
    The paper's rule: its scores are raw held-out losses (the default's are 0 for every harmless update)."""
    task_id = create_task(creator, dataclasses.replace(spec(rounds=1), rule="softmax_paper"))
    opt_in_on_hot_keys(keys, task_id)
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_COMMIT, PHASE.ROUND_PHASE_REVEAL}, 240)
    task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
    public = TaskRuntime.from_task(task)
    inputs = RoundInputs.fetch(creator, public, round_, no_blob_store)
    guesses = [revealed(public, v, inputs) for v in range(4)]

    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_AGGREGATE, *ENDED}, 240)
    reveals = {
        r.validator: list(r.losses)
        for r in creator.fedlearn.Reveals(query_pb2.QueryRevealsRequest(task_id=task_id, round=1)).reveals
    }
    assert len(reveals) == 4 and len(round_.updates) == 6
    public_state = task.SerializeToString() + round_.SerializeToString()
    for v in range(4):
        seed = int((sidecars.workdir / f"validator{v}" / "data-seed").read_text())
        assert str(seed).encode() not in public_state
        private = TaskRuntime.from_task(task, data_seed=seed)
        rows, guessed_rows = private.setup.split.validators[v], public.setup.split.validators[v]
        assert len(set(rows) & set(guessed_rows)) < len(rows) // 2, f"validator {v}: its rows were rebuilt"
        losses = reveals[keys.nodes[v].validator.address]
        assert losses != guesses[v], f"validator {v}: its losses were rebuilt from public state"
        assert sum(a == b for a, b in zip(losses, guesses[v], strict=True)) == 0
        assert losses == revealed(private, v, inputs)
    assert wait_round(creator, task_id, 1).phase == PHASE.ROUND_PHASE_FINALIZED


def test_lying_validator_is_outvoted(creator: ChainClient, sidecars: Sidecars, keys: KeysFile) -> None:
    task_id = create_task(creator, spec(rounds=1))
    liar = 1
    opt_in_on_hot_keys(keys, task_id)
    for v in range(4):
        sidecars.start_validator(v, "lie" if v == liar else "none")
    sidecars.start_participants(task_id)
    round_ = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_AGGREGATE, PHASE.ROUND_PHASE_ATTEST}, 240)
    reveals = {
        r.validator: list(r.losses)
        for r in creator.fedlearn.Reveals(query_pb2.QueryRevealsRequest(task_id=task_id, round=1)).reveals
    }
    liar_address = keys.nodes[liar].validator.address
    honest = [losses for address, losses in reveals.items() if address != liar_address]
    assert len(honest) == 3 and liar_address in reveals
    stakes = {m.address: m.power for m in round_.committee}
    honest_losses = consensus_losses(honest, [stakes[a] for a in reveals if a != liar_address])
    for i, loss in enumerate(round_.consensus_losses):
        assert min(h[i] for h in honest) <= loss <= max(h[i] for h in honest), (
            "the median stays in the honest range"
        )
    # Apply the τ the chain used this round to the honest-only losses.
    rule = TemperatureRule("fixed", tau=round_.temperature)
    honest_weights = softmax_weights(honest_losses, rule)
    distance = sum(abs(a - b) for a, b in zip(round_.weights, honest_weights, strict=True)) / 2 / WEIGHT_SCALE
    assert distance < 0.25, f"weights moved by {distance:.3f} (total variation) from the honest-only weights"
    best = max(range(len(honest_weights)), key=honest_weights.__getitem__)
    assert max(range(len(round_.weights)), key=round_.weights.__getitem__) == best
    assert wait_round(creator, task_id, 1).phase == PHASE.ROUND_PHASE_FINALIZED


def test_sidecar_killed_after_commit_reveals_after_restart(
    creator: ChainClient, sidecars: Sidecars, keys: KeysFile
) -> None:
    task_id = create_task(creator, spec(rounds=1, reveal=60))
    opt_in_on_hot_keys(keys, task_id)
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    victim = keys.nodes[0].validator.address
    creator.wait_for_phase(task_id, 1, set(PHASE.values()))  # round 1 opens a grace after the opt-ins
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        round_ = creator.round(task_id, 1)
        if any(m.address == victim and m.committed for m in round_.committee):
            break
        time.sleep(0.2)
    sidecars.kill_validator(0)
    sidecars.start_validator(0)
    round_ = wait_round(creator, task_id, 1)
    assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
    member = next(m for m in round_.committee if m.address == victim)
    assert member.committed and member.revealed, "the restarted sidecar revealed from its journal"


def test_round_finalizes_with_a_node_down_and_the_node_catches_up(
    creator: ChainClient, sidecars: Sidecars, localnet_dir: Path, keys: KeysFile
) -> None:
    task_id = create_task(creator, spec(rounds=1))
    opt_in_on_hot_keys(keys, task_id)
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_SUBMIT})
    pid = int((localnet_dir / "node3" / "sabfld.pid").read_text())
    os.killpg(pid, signal.SIGKILL)
    round_ = wait_round(creator, task_id, 1)
    assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
    down = next(m for m in round_.committee if m.address == keys.nodes[3].validator.address)
    assert not down.revealed
    restart = localnet("start", localnet_dir)
    assert restart.returncode == 0, restart.stdout + restart.stderr
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = localnet("status", localnet_dir)
        if status.returncode == 0 and "equal on 4 nodes" in status.stdout:
            break
        time.sleep(2)
    assert "equal on 4 nodes" in status.stdout, status.stdout + status.stderr


def test_wrong_aggregate_is_replaced_and_the_miner_penalised(
    creator: ChainClient, sidecars: Sidecars, keys: KeysFile
) -> None:
    task_id = create_task(creator, spec(rounds=1))
    opt_in_on_hot_keys(keys, task_id)
    first = creator.wait_for_phase(task_id, 1, {PHASE.ROUND_PHASE_SUBMIT})
    addresses = [n.validator.address for n in keys.nodes]
    cheat = addresses.index(first.committee[0].address)
    for v in range(4):
        sidecars.start_validator(v, "wrong_aggregate" if v == cheat else "none")
    sidecars.start_participants(task_id)
    round_ = wait_round(creator, task_id, 1)
    assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
    assert round_.miner_attempt >= 1 and round_.committee[round_.miner_attempt].address != addresses[cheat]
    stats = creator.fedlearn.ValidatorStats(
        query_pb2.QueryValidatorStatsRequest(address=addresses[cheat])
    ).stats
    assert stats.miner_failures >= 1 and stats.times_penalized >= 1
    staking = staking_grpc.QueryStub(creator.channel)
    validator = staking.Validator(
        staking_query.QueryValidatorRequest(validator_addr=keys.nodes[cheat].valoper)
    )
    assert validator.validator.jailed, "the cheating miner is jailed in x/staking"
    assert (
        hashlib.sha256(
            creator.fedlearn.GlobalModel(query_pb2.QueryGlobalModelRequest(task_id=task_id)).model.payload
        ).digest()
        == round_.finalized_sha256
    )
