"""End-to-end fixtures: a real 4-validator localnet started once per test session on its own ports."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sabfl.chain import Account, ChainClient, KeysFile, load_keys, messages

ROOT = Path(__file__).resolve().parent.parent
LOCALNET = [sys.executable, str(ROOT / "localnet" / "localnet.py")]
# A port block apart from `make localnet`'s, so the tests and a developer's localnet can run together.
PORT_OFFSET = os.environ.get("SABFL_TEST_PORT_OFFSET", "1000")


def localnet(command: str, directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOCALNET, command, "--dir", str(directory), *extra], capture_output=True, text=True, check=False
    )


@contextmanager
def running_localnet(directory: Path, port_offset: str, participants: int) -> Iterator[Path]:
    """A 4-validator localnet in directory, started, and stopped and deleted afterwards (kept with
    KEEP_LOCALNET set)."""
    sizes = ("--validators", "4", "--participants", str(participants), "--port-offset", port_offset)
    init = localnet("init", directory, *sizes)
    assert init.returncode == 0, init.stdout + init.stderr
    start = localnet("start", directory)
    try:
        assert start.returncode == 0, start.stdout + start.stderr
        yield directory
    finally:
        localnet("stop", directory)
        if os.environ.get("KEEP_LOCALNET") is None:
            localnet("reset", directory)


@pytest.fixture(scope="session")
def localnet_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("localnet") / "net"
    with running_localnet(directory, PORT_OFFSET, participants=6):
        yield directory


@pytest.fixture(scope="session")
def keys(localnet_dir: Path) -> KeysFile:
    return load_keys(localnet_dir / "keys.json")


def client_for(keys: KeysFile, account: Account, node: int = 0) -> ChainClient:
    return ChainClient(keys.chain_config(node), account.wallet(keys.address_prefix))


@pytest.fixture(scope="session")
def creator(keys: KeysFile) -> Iterator[ChainClient]:
    with client_for(keys, keys.creator) as client:
        yield client


@pytest.fixture(scope="session")
def validators(keys: KeysFile) -> Iterator[dict[str, ChainClient]]:
    """A client per validator operator account, keyed by its address. All talk to node 0, the node the
    tests poll for phases: a node one block behind would still simulate a message in the old phase."""
    clients = {n.validator.address: client_for(keys, n.validator) for n in keys.nodes}
    yield clients
    for client in clients.values():
        client.close()


def opt_in_all(validators: dict[str, ChainClient], task_id: int) -> None:
    """Every validator opts in to the task (broadcast together: the opt-in quorum is reached in one block and
    the first round opens opt_in_grace_blocks later)."""
    sent = [(c, c.broadcast(messages.opt_in(a, task_id))) for a, c in validators.items()]
    for client, txhash in sent:
        client.wait(txhash)
