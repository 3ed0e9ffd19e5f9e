"""Rounds whose model and updates travel by reference through the localnet's kubo daemons: a 151k-parameter
model (0.6 MB, above the chain's max_inline_bytes) finalizes with every update, the initial and every global
model stored off chain, and a participant-side fetch verifies the new model. Blobs that are unavailable,
that hash to something else or that hold more bytes than declared get weight 0 while their rounds finalize,
and a round finalizes with one kubo daemon stopped. Two validators' memory budgets do not hold a round: they
score and aggregate it in batches, and their losses and attestations agree with the others'. Its own
localnet: a validator that cannot fetch may miss its miner window and be penalised."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from google.protobuf.message import Message

from sabfl.blobs import BlobRef, IpfsStore
from sabfl.chain import ChainClient, KeysFile, load_keys, messages
from sabfl.fedlearn.v1 import round_pb2
from sabfl.protocol import UNAVAILABLE
from sabfl.roles.spec import SpecLimits, TaskSpec
from sabfl.roles.tasks import create_task
from sabfl.sim.config import SimConfig

from .conftest import client_for, running_localnet
from .test_sidecars import Sidecars, wait_round

PHASE = round_pb2.RoundPhase
PORT_OFFSET = os.environ.get("SABFL_TEST_BLOB_PORT_OFFSET", "5000")
# Under a round's 8 updates of 0.6 MB beside scoring's working set (sabfl.roles.stream.plan_round): batches
# of 6 and 2.
STREAMING_VALIDATORS = {1: 20 << 20, 2: 20 << 20}
MODELS = ("logreg", "mlp", "cnn-large")
SPEC = TaskSpec(
    experiment=SimConfig(
        dataset="digits",
        model="cnn-large",
        participants=6,
        alpha=1.0,
        validators=4,
        holdout=50,
        epochs=1,
        batch_size=32,
        lr=0.05,
        seed=5,
    ),
    rounds=2,
    committee_size=4,
    # SUBMIT ends once every allowlisted account committed (the test allows its own): six CNN trainings on
    # a loaded machine may take most of a minute; UPDATE_REVEAL once every commitment is revealed.
    phases=(90, 20, 30, 30, 30, 30),
    budget=600_000,
    max_updates_per_round=8,
)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("blob-localnet") / "net"
    # Seven participants: six train, the seventh and the creator submit broken references.
    with running_localnet(directory, PORT_OFFSET, participants=7):
        yield directory


def kubo(keys: KeysFile, node: int) -> IpfsStore:
    return IpfsStore(keys.nodes[node].ipfs_api, timeout=30.0)


def broken_reference(store: IpfsStore, kind: str, size: int = 600_000) -> tuple[bytes, int, str]:
    """(sha256, size, locator) of a reference validators cannot use: its bytes nowhere, bytes that hash to
    something else, or more bytes than it declares."""
    data = os.urandom(size)
    if kind == "unavailable":  # a well-formed CID of bytes no daemon has
        ref = store.put(data)
        store.unpin(ref)
        requests.post(f"{store.api_url}/api/v0/repo/gc", timeout=30).raise_for_status()
        return ref.sha256, size, ref.locator
    if kind == "mismatching":
        return hashlib.sha256(os.urandom(size)).digest(), size, store.put(data).locator
    if kind == "larger":
        return hashlib.sha256(data[: size // 2]).digest(), size // 2, store.put(data).locator
    raise ValueError(kind)


def commit_reference(
    client: ChainClient, task_id: int, round_number: int, ref: tuple[bytes, int, str]
) -> Message:
    """Commits to a reference in SUBMIT; returns its reveal, to send in UPDATE_REVEAL."""
    sha256, size, locator = ref
    salt = os.urandom(32)
    client.submit(messages.submit_update(client.address, task_id, round_number, sha256, 50, salt))
    reveal = messages.reveal_update(client.address, task_id, round_number, b"", 50, salt)
    reveal.sha256, reveal.size_bytes, reveal.locator = sha256, size, locator
    return reveal


def stop_kubo(net: Path, keys: KeysFile, node: int) -> None:
    """SIGTERM the kubo daemon whose API is node `node`'s."""
    port = keys.nodes[node].ipfs_api.rsplit(":", 1)[1]
    for repo in net.glob("*/ipfs"):
        if f"/tcp/{port}" in (repo / "config").read_text():
            os.kill(int((repo / "daemon.pid").read_text()), signal.SIGTERM)
            return
    raise AssertionError(f"no kubo repo with API port {port}")


def test_rounds_by_reference_finalize_and_broken_blobs_get_no_weight(net: Path, tmp_path: Path) -> None:
    keys = load_keys(net / "keys.json")
    creator = client_for(keys, keys.creator)
    spare = client_for(keys, keys.participants[6])
    sidecars = Sidecars(keys, net / "keys.json", tmp_path)
    try:
        # The six training participants, and the two accounts that submit broken references.
        allowed = (*(a.address for a in keys.participants[:7]), creator.address)
        task_id = create_task(creator, dataclasses.replace(SPEC, allowed_participants=allowed), keys)
        initial = creator.global_model(task_id)
        assert initial.locator.startswith("ipfs://") and not initial.payload
        assert initial.size_bytes > creator.params().max_inline_bytes
        for v in range(4):
            budget = {"blob_memory_bytes": STREAMING_VALIDATORS[v]} if v in STREAMING_VALIDATORS else {}
            sidecars.start_validator(v, limits=SpecLimits(models=MODELS), blob_timeout_s=5.0, **budget)
        sidecars.start_participants(task_id, limits={"models": list(MODELS)})

        store = kubo(keys, 0)
        broken: dict[int, set[bytes]] = {1: set(), 2: set()}
        # Both broken-reference accounts submit every round: SUBMIT then closes once the six have trained.
        for number, kinds in ((1, ("unavailable", "mismatching")), (2, ("larger", "unavailable"))):
            creator.wait_for_phase(task_id, number, {PHASE.ROUND_PHASE_SUBMIT}, timeout_s=300)
            if number == 2:
                stop_kubo(net, keys, 3)  # a round finalizes from the other daemons' copies
            reveals = [
                (client, commit_reference(client, task_id, number, broken_reference(store, kind)))
                for client, kind in zip((creator, spare), kinds, strict=True)
            ]
            creator.wait_for_phase(task_id, number, {PHASE.ROUND_PHASE_UPDATE_REVEAL}, timeout_s=300)
            for client, reveal in reveals:
                client.submit(reveal)
                broken[number].add(reveal.sha256)
            round_ = wait_round(creator, task_id, number, timeout=600)
            assert round_.phase == PHASE.ROUND_PHASE_FINALIZED, round_.failure_reason
            honest = [u for u in round_.updates if u.sha256 not in broken[number]]
            assert len(honest) == 6 and all(u.locator.startswith("ipfs://") for u in honest)
            for u, loss, weight in zip(round_.updates, round_.consensus_losses, round_.weights, strict=True):
                if u.sha256 in broken[number]:
                    assert weight == 0, (u.locator, loss)
            unavailable = [
                u
                for u, loss in zip(round_.updates, round_.consensus_losses, strict=True)
                if loss == UNAVAILABLE
            ]
            assert {u.sha256 for u in unavailable} == broken[number]

        for v in STREAMING_VALIDATORS:
            assert "do not fit" in (tmp_path / f"validator{v}.log").read_text()
        model = creator.global_model(task_id)
        assert model.round == 2 and model.locator and not model.payload
        ref = BlobRef(model.sha256, model.size_bytes, model.locator)
        assert len(kubo(keys, 1).get(ref, model.size_bytes, 30.0)) == model.size_bytes  # verified by get
    finally:
        sidecars.processes.stop()
        creator.close()
        spare.close()
