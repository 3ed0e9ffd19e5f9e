"""The validator sidecars and the participant runner against the real localnet: attackers down-weighted,
a lying validator outvoted, a sidecar killed after its commit, a validator node killed mid-round, and a
miner that submits a wrong aggregate. Ordered so the test that jails a validator runs last."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2 as staking_query
from cosmpy.protos.cosmos.staking.v1beta1 import query_pb2_grpc as staking_grpc

from sabfl.chain import ChainClient, KeysFile
from sabfl.fedlearn.v1 import query_pb2, round_pb2
from sabfl.protocol import WEIGHT_SCALE, TemperatureRule, consensus_losses, softmax_weights
from sabfl.roles.demo import Processes
from sabfl.roles.runtime import TaskRuntime
from sabfl.roles.spec import TaskSpec
from sabfl.roles.tasks import create_task
from sabfl.sim.config import SimConfig

from .conftest import localnet

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
        phases=(10, 30, reveal, 30, 30),
        budget=600_000,
        max_updates_per_round=6,
    )


class Sidecars:
    """Validator sidecars and a participant runner as real processes, logs under tmp."""

    def __init__(self, keys_file: Path, workdir: Path) -> None:
        self.keys_file, self.workdir = keys_file, workdir
        self.processes = Processes()
        self.validators: dict[int, subprocess.Popen] = {}

    def validator_config(self, v: int, misbehave: str) -> Path:
        config = self.workdir / f"validator{v}.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "keys_file": str(self.keys_file),
                    "validator": v,
                    "misbehave": misbehave,
                    "journal": str(self.workdir / f"validator{v}" / "journal.json"),
                    "poll_seconds": 0.3,
                }
            )
        )
        return config

    def start_validator(self, v: int, misbehave: str = "none") -> None:
        config = self.validator_config(v, misbehave)
        self.validators[v] = self.processes.start(
            f"validator {v}",
            [sys.executable, "-m", "sabfl.cli", "validator", "run", "--config", str(config)],
            self.workdir / f"validator{v}.log",
        )

    def kill_validator(self, v: int) -> None:
        process = self.validators[v]
        process.kill()
        process.wait()

    def start_participants(self, task_id: int, attack: str = "none", byzantine: float = 0.0) -> Path:
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
def sidecars(localnet_dir: Path, tmp_path: Path) -> Iterator[Sidecars]:
    running = Sidecars(localnet_dir / "keys.json", tmp_path)
    yield running
    running.processes.stop()


def wait_round(client: ChainClient, task_id: int, number: int, timeout: float = 240.0) -> round_pb2.Round:
    return client.wait_for_phase(task_id, number, ENDED, timeout_s=timeout)


def test_two_rounds_attacker_gets_least_weight_and_accuracy_rises(
    creator: ChainClient, sidecars: Sidecars
) -> None:
    task_id = create_task(creator, spec(rounds=2))
    for v in range(4):
        sidecars.start_validator(v)
    roster = sidecars.start_participants(task_id, attack="sf", byzantine=1 / 6)
    task = creator.fedlearn.Task(query_pb2.QueryTaskRequest(task_id=task_id)).task
    runtime = TaskRuntime.from_model_spec(task_id, task.model_spec)
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


def test_lying_validator_is_outvoted(creator: ChainClient, sidecars: Sidecars, keys: KeysFile) -> None:
    task_id = create_task(creator, spec(rounds=1))
    liar = 1
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
    for v in range(4):
        sidecars.start_validator(v)
    sidecars.start_participants(task_id)
    victim = keys.nodes[0].validator.address
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
