"""The demo's task with each validator on its own network host (localnet/netns.py: a network namespace per
node and sidecar, P2P through Toxiproxy at 50 ± 10 ms each way, 1 % inbound loss on every validator host).
Three rounds: round 1 under latency and loss alone; validator 3's link is cut as round 2 opens and restored
once round 2 has finalized without it; validator 3's node then catches up (the time it took is reported)
while round 3 runs, and ends with the others' app hash. The demo (driver, participants) runs in the
namespace sabfl-client; its output, with the per-round table, is kept in out/netns-test/demo.txt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from sabfl.chain import ChainClient, load_keys
from sabfl.fedlearn.v1 import query_pb2, round_pb2
from sabfl.roles.tasks import DEFAULT_SPEC

from .conftest import PORT_OFFSET, ROOT

NETNS = [sys.executable, str(ROOT / "localnet" / "netns.py")]
CLIENT = ["ip", "netns", "exec", "sabfl-client"]  # the demo's driver, participants and dashboard run there
CUT = 3  # the validator whose link is cut
OUT = ROOT / "out" / "netns-test"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces and iptables need root")


def netns(command: str, *extra: str) -> None:
    result = subprocess.run([*NETNS, command, *extra], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"netns.py {command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def rpc(url: str, path: str) -> dict:
    with urllib.request.urlopen(f"{url}{path}", timeout=5) as response:
        return json.loads(response.read())["result"]


def height(url: str) -> int:
    return int(rpc(url, "/status")["sync_info"]["latest_block_height"])


def caught_up(reference: str, behind: str, timeout: float = 90.0) -> str:
    """Wait until node `behind` reaches the height `reference` has now; say how far behind it was and how long
    it took."""
    started, target = time.monotonic(), height(reference)
    first = None
    while time.monotonic() < started + timeout:
        try:
            current = height(behind)
        except OSError:  # its RPC may refuse for a moment after the link comes back
            current = None
        first = current if first is None else first
        if current is not None and current >= target:
            return f"it caught up from height {first} to {target} in {time.monotonic() - started:.1f} s"
        time.sleep(0.5)
    raise AssertionError(f"node at {behind} did not reach height {target} within {timeout:.0f} s")


def round_of(client: ChainClient, number: int) -> round_pb2.Round | None:
    rounds = client.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=1)).rounds
    return next((r for r in rounds if r.round == number), None)


def test_rounds_finalize_across_hosts_and_a_cut_validator_catches_up(tmp_path: Path) -> None:
    spec = yaml.safe_load(DEFAULT_SPEC.read_text())
    spec["rounds"] = 3
    spec["experiment"]["participants"] = 5
    spec["phases"] = [15, 10, 10, 10, 10, 10]  # a phase missing validator 3 closes at its deadline
    spec_file = tmp_path / "netns.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    net, offset = tmp_path / "net", str(int(PORT_OFFSET) + 500)
    OUT.mkdir(parents=True, exist_ok=True)
    netns("down", "--dir", str(net))  # whatever a killed earlier run left
    try:
        netns("up", "--dir", str(net), "--participants", "5", "--port-offset", offset)
        keys = load_keys(net / "keys.json")
        demo_args = ["--localnet", str(net), "--validator-exec", "ip netns exec sabfl-v{index}"]
        with open(OUT / "demo.txt", "w") as log:
            demo = subprocess.Popen(
                [*CLIENT, *(sys.executable, "-m", "sabfl.cli", "demo", "--spec", str(spec_file)), *demo_args]
                + ["--out", str(tmp_path / "demo"), "--port-offset", offset, "--timeout", "300"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        with ChainClient(keys.chain_config(0), keys.creator.wallet(keys.address_prefix)) as client:
            deadline = time.monotonic() + 300
            while round_of(client, 2) is None and demo.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            netns("cut", "--node", str(CUT))
            while demo.poll() is None and time.monotonic() < deadline:
                cut_round = round_of(client, 2)
                if cut_round.phase in (round_pb2.ROUND_PHASE_FINALIZED, round_pb2.ROUND_PHASE_FAILED):
                    break
                time.sleep(0.5)
            netns("restore", "--node", str(CUT))
            catch_up = caught_up(keys.nodes[0].rpc, keys.nodes[CUT].rpc)
            code = demo.wait(timeout=max(deadline - time.monotonic(), 1))
            with open(OUT / "demo.txt", "a") as log:
                log.write(
                    f"\nvalidator {CUT}'s link cut as round 2 opened, restored after it ended; {catch_up}\n"
                )
            output = (OUT / "demo.txt").read_text()
            print(output)
            assert code == 0, output[-4000:]
            rounds = client.fedlearn.Rounds(query_pb2.QueryRoundsRequest(task_id=1)).rounds
        assert [r.phase for r in rounds] == [round_pb2.ROUND_PHASE_FINALIZED] * 3, output[-4000:]
        members = {m.address: m for m in rounds[1].committee}
        absent = members[keys.nodes[CUT].validator.address]
        assert not (absent.committed and absent.revealed), (
            "validator 3 took part in the round it was cut from"
        )
        assert sum(m.committed and m.revealed for m in members.values()) >= 3
        # Validator 3 keeps up with the others, with their app hash.
        urls = [node.rpc for node in keys.nodes]
        caught_up(urls[0], urls[CUT])
        common = min(height(url) for url in urls)
        hashes = {rpc(url, f"/block?height={common}")["block"]["header"]["app_hash"] for url in urls}
        assert len(hashes) == 1, hashes
    finally:
        netns("down", "--dir", str(net))
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "sabfl-" not in listed, listed
