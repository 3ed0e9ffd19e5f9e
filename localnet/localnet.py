#!/usr/bin/env python3
"""Generate, start, stop and inspect an N-validator sabfl chain.

Beside each validator node runs a kubo (IPFS) daemon, the localnet's blob store: its repo in
`<node>/ipfs`, its ports derived from the node's, peered with every other node's daemon; its RPC API
(`ipfs_api` in keys.json) listens on 127.0.0.1 only, for the node's sidecar.

One generator serves both layouts: a single-host localnet (every node on 127.0.0.1 with its own port
block) and a multi-host network (`--hosts a,b,c,d`: node i listens on host i; copy `DIR/node<i>` to that
host and run `sabfld start --home <that dir>` there). Standard library only, so it runs before any
virtualenv exists.

Usage:
  localnet.py init   [--validators N] [--participants P] [--hosts H1,H2,...] [--port-offset K] [--dir DIR]
  localnet.py start  [--dir DIR]      start every node of DIR whose host is local (kubo daemon first), wait
                     [--node NAME]    for blocks; with --node, only that node, wherever its host (run it on
                                      that host, or in its network namespace: localnet/netns.py)
  localnet.py stop   [--dir DIR]      stop the nodes and their kubo daemons
  localnet.py status [--dir DIR]      height, peers, kubo peers, app hash per node; app hashes compared at one
                                      height
  localnet.py reset  [--dir DIR]      stop and delete DIR
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "localnet" / "run"
SABFLD = os.environ.get("SABFLD", str(ROOT / "build" / "bin" / "sabfld"))
IPFS = os.environ.get("IPFS", str(ROOT / "build" / "bin" / "ipfs"))
CHAIN_ID = "sabfl-localnet"
DENOM = "stake"
VALIDATOR_BALANCE = 10**13
VALIDATOR_STAKE = 10**12
PARTICIPANT_BALANCE = 10**12
# A validator sidecar signs with its hot account, never with the operator key; the account pays its own
# fees from this balance (and may also name its operator as fee granter, up to the same amount).
HOT_BALANCE = 10**11
# What the operator lets its hot account do (x/authz GenericAuthorization per message type, in genesis).
HOT_KEY_MSG_TYPES = [
    "/sabfl.fedlearn.v1.MsgCommitLosses",
    "/sabfl.fedlearn.v1.MsgRevealLosses",
    "/sabfl.fedlearn.v1.MsgSubmitAggregate",
    "/sabfl.fedlearn.v1.MsgAttestAggregate",
    "/sabfl.fedlearn.v1.MsgOptIn",
]
HOT_GRANT_DAYS = 365
# Minimum gas price of every node, in DENOM per gas unit: a tx pays fee = ceil(gas limit × GAS_PRICE).
# keys.json carries it for the clients.
GAS_PRICE = "0.01"
# Block gas limit. The largest tx a block must admit is a 16 MiB one (MAX_TX_BYTES, also x/fedlearn's
# hard bound on a payload): 16 MiB × 10 gas/byte of tx size = 168 M gas, plus its payload written to
# the store once at 30 gas/byte (max_inline_bytes, 256 KiB by default = 8 M; 16 MiB, the most params may
# allow inline = 503 M; larger payloads travel by reference),
# plus signature, reads and bookkeeping (< 1 M): at most ≈ 672 M. Measured: a MsgCreateTask with a
# 4 MiB model simulates at 167.9 M gas (40 gas per byte). 10^9 admits the largest tx with room to spare
# and still bounds a block's work.
BLOCK_MAX_GAS = 1_000_000_000
# x/gov on a localnet: proposals decided within seconds, for cheap deposits.
GOV_VOTING_PERIOD = "15s"
GOV_EXPEDITED_VOTING_PERIOD = "10s"  # gov requires it shorter than the voting period
GOV_MIN_DEPOSIT = 1000
PORT_STRIDE = 10  # node i uses base port + PORT_STRIDE * i
BASE_PORTS = {
    "p2p": 26656,
    "rpc": 26657,
    "abci": 26658,
    "grpc": 9090,
    "api": 1317,
    # Not 6060: its last three digits would meet gRPC's (9090) in a localnet 3,000 ports away.
    "pprof": 6161,
    # kubo's own defaults (4001, 5001, 8080) would meet other services' ports of a localnet 1,000 or 2,000
    # ports away (swarm at offset 2000 = API at offset 1000): every port here has its own last three digits
    # (for the 4 nodes' +0 … +30), so localnets whose offsets differ by thousands never share a port.
    "ipfs_swarm": 4201,
    "ipfs_api": 5251,
    "ipfs_gateway": 8401,
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "0.0.0.0"}

# Block timing: fast blocks for interactive rounds, but a propose timeout long enough for a loaded
# 2-core machine running 4 nodes plus sidecars.
CONSENSUS_TIMEOUTS = {"timeout_propose": '"2s"', "timeout_commit": '"500ms"'}
# Model payloads travel inline in txs.
MAX_TX_BYTES = 16 << 20
GRPC_MAX_MSG_BYTES = 64 << 20


def sabfld(*args: str, home: Path | None = None, capture: bool = True) -> str:
    cmd = [SABFLD, *args] + (["--home", str(home)] if home else [])
    result = subprocess.run(cmd, capture_output=capture, text=True)
    if result.returncode != 0:
        sys.exit(f"localnet: `{' '.join(cmd)}` failed:\n{result.stderr or result.stdout}")
    return (result.stdout or "") + (result.stderr or "")


def ports(index: int, offset: int) -> dict[str, int]:
    return {name: base + offset + PORT_STRIDE * index for name, base in BASE_PORTS.items()}


def set_toml(path: Path, section: str, key: str, value: str) -> None:
    """Set `key = value` inside `[section]` ("" = before the first section) of a TOML file."""
    lines = path.read_text().splitlines()
    current = ""
    for i, line in enumerate(lines):
        header = re.match(r"^\[([^\]]+)\]\s*$", line)
        if header:
            current = header.group(1)
            continue
        if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            lines[i] = f"{key} = {value}"
            path.write_text("\n".join(lines) + "\n")
            return
    raise KeyError(f"{key} not found in [{section}] of {path}")


def add_key(name: str, keyring_home: Path) -> dict[str, str]:
    out = sabfld("keys", "add", name, "--keyring-backend", "test", "--output", "json", home=keyring_home)
    info = json.loads(out[out.index("{") :])
    return {"name": name, "address": info["address"], "mnemonic": info["mnemonic"]}


def init(args: argparse.Namespace) -> None:
    out: Path = args.dir
    if out.exists():
        sys.exit(f"localnet: {out} exists; run `localnet.py reset` first")
    hosts = args.hosts.split(",") if args.hosts else ["127.0.0.1"] * args.validators
    if len(hosts) != args.validators:
        sys.exit(f"localnet: {len(hosts)} hosts given for {args.validators} validators")
    require_ipfs()
    out.mkdir(parents=True)
    homes = [out / f"node{i}" for i in range(args.validators)]
    accounts = out / "accounts"

    nodes = []
    for i, home in enumerate(homes):
        sabfld("init", f"node{i}", "--chain-id", CHAIN_ID, "--default-denom", DENOM, home=home)
        validator = add_key(f"validator{i}", home)
        validator["valoper"] = sabfld(
            "keys", "show", validator["name"], "--bech", "val", "-a", "--keyring-backend", "test", home=home
        ).strip()
        hot = add_key(f"hot{i}", home)
        node_id = sabfld("comet", "show-node-id", home=home).strip()
        node_ports = ports(i, args.port_offset)
        nodes.append(
            {
                "name": f"node{i}",
                "host": hosts[i],
                "node_id": node_id,
                "ports": node_ports,
                "home": str(home),
                "validator": validator,
                "hot": hot,
                "ipfs_peer_id": kubo_init(home / "ipfs", node_ports, hosts[i]),
            }
        )
    creator = add_key("creator", accounts)
    participants = [add_key(f"participant{j}", accounts) for j in range(args.participants)]

    genesis_home = homes[0]
    for node in nodes:
        sabfld(
            "genesis",
            "add-genesis-account",
            node["validator"]["address"],
            f"{VALIDATOR_BALANCE}{DENOM}",
            home=genesis_home,
        )
        sabfld(
            "genesis",
            "add-genesis-account",
            node["hot"]["address"],
            f"{HOT_BALANCE}{DENOM}",
            home=genesis_home,
        )
    for account in [creator, *participants]:
        sabfld(
            "genesis",
            "add-genesis-account",
            account["address"],
            f"{PARTICIPANT_BALANCE}{DENOM}",
            home=genesis_home,
        )
    tune_genesis(genesis_home / "config" / "genesis.json", nodes)

    gentx_dir = genesis_home / "config" / "gentx"
    gentx_dir.mkdir(exist_ok=True)
    for i, (node, home) in enumerate(zip(nodes, homes, strict=True)):
        if i:
            shutil.copy(genesis_home / "config" / "genesis.json", home / "config" / "genesis.json")
        target = gentx_dir / f"gentx-node{i}.json"
        sabfld(
            "genesis",
            "gentx",
            node["validator"]["name"],
            f"{VALIDATOR_STAKE}{DENOM}",
            "--chain-id",
            CHAIN_ID,
            "--keyring-backend",
            "test",
            "--moniker",
            node["name"],
            "--ip",
            node["host"],
            "--p2p-port",
            str(node["ports"]["p2p"]),
            "--output-document",
            str(target),
            home=home,
        )
    sabfld("genesis", "collect-gentxs", home=genesis_home)
    sabfld("genesis", "validate", home=genesis_home)
    for home in homes[1:]:
        shutil.copy(genesis_home / "config" / "genesis.json", home / "config" / "genesis.json")

    for node, home in zip(nodes, homes, strict=True):
        peers = ",".join(f"{p['node_id']}@{p['host']}:{p['ports']['p2p']}" for p in nodes if p is not node)
        configure_node(home, node, peers)
        kubo_peer(home / "ipfs", [kubo_address(p) for p in nodes if p is not node])

    (out / "keys.json").write_text(
        json.dumps(
            {
                "chain_id": CHAIN_ID,
                "denom": DENOM,
                "gas_price": GAS_PRICE,
                "address_prefix": "sabfl",
                "nodes": [
                    {
                        **node,
                        "rpc": f"http://{node['host']}:{node['ports']['rpc']}",
                        "grpc": f"{node['host']}:{node['ports']['grpc']}",
                        "api": f"http://{node['host']}:{node['ports']['api']}",
                        "ipfs_api": f"http://127.0.0.1:{node['ports']['ipfs_api']}",
                    }
                    for node in nodes
                ],
                "creator": creator,
                "participants": participants,
            },
            indent=2,
        )
        + "\n"
    )
    os.chmod(out / "keys.json", 0o600)
    print(
        f"localnet: {args.validators} validators, {args.participants} participants in {out}; "
        f"keys in {out}/keys.json"
    )


def tune_genesis(path: Path, nodes: list[dict]) -> None:
    genesis = json.loads(path.read_text())
    state = genesis["app_state"]
    # Downtime slashing gentle enough for a loaded 2-core machine: a node must miss 95% of a long window.
    state["slashing"]["params"].update(
        {
            "signed_blocks_window": "2000",
            "min_signed_per_window": "0.050000000000000000",
            "downtime_jail_duration": "60s",
            "slash_fraction_downtime": "0.000100000000000000",
        }
    )
    # x/fedlearn fails a round that lasts half the unbonding time (its slashes must still reach stake that
    # began unbonding during it): 30 min leaves 15 min, more than an idle SUBMIT's 600 blocks (~8 min).
    state["staking"]["params"]["unbonding_time"] = "1800s"
    genesis["consensus"]["params"]["block"]["max_bytes"] = str(64 << 20)
    genesis["consensus"]["params"]["block"]["max_gas"] = str(BLOCK_MAX_GAS)
    gov = state["gov"]["params"]
    gov["voting_period"] = GOV_VOTING_PERIOD
    gov["expedited_voting_period"] = GOV_EXPEDITED_VOTING_PERIOD
    gov["min_deposit"] = [{"denom": DENOM, "amount": str(GOV_MIN_DEPOSIT)}]
    gov["expedited_min_deposit"] = [{"denom": DENOM, "amount": str(2 * GOV_MIN_DEPOSIT)}]
    grant_hot_keys(state, nodes)
    path.write_text(json.dumps(genesis, indent=2) + "\n")


def grant_hot_keys(state: dict, nodes: list[dict]) -> None:
    """Each validator operator authorises its hot account (x/authz) to send the sidecar's messages on its
    behalf, and offers to pay its fees (x/feegrant), for HOT_GRANT_DAYS."""
    expiration = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=HOT_GRANT_DAYS)
    expires = expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    for node in nodes:
        granter, grantee = node["validator"]["address"], node["hot"]["address"]
        state["authz"]["authorization"] += [
            {
                "granter": granter,
                "grantee": grantee,
                "authorization": {"@type": "/cosmos.authz.v1beta1.GenericAuthorization", "msg": msg_type},
                "expiration": expires,
            }
            for msg_type in HOT_KEY_MSG_TYPES
        ]
        state["feegrant"]["allowances"].append(
            {
                "granter": granter,
                "grantee": grantee,
                "allowance": {
                    "@type": "/cosmos.feegrant.v1beta1.BasicAllowance",
                    "spend_limit": [{"denom": DENOM, "amount": str(HOT_BALANCE)}],
                    "expiration": expires,
                },
            }
        )


def configure_node(home: Path, node: dict, peers: str) -> None:
    host, p = node["host"], node["ports"]
    listen = host if host in LOCAL_HOSTS else "0.0.0.0"
    config = home / "config" / "config.toml"
    set_toml(config, "", "proxy_app", f'"tcp://127.0.0.1:{p["abci"]}"')
    set_toml(config, "rpc", "pprof_laddr", f'"127.0.0.1:{p["pprof"]}"')
    set_toml(config, "rpc", "laddr", f'"tcp://{listen}:{p["rpc"]}"')
    set_toml(config, "rpc", "max_body_bytes", str(2 * MAX_TX_BYTES))
    set_toml(config, "p2p", "laddr", f'"tcp://{listen}:{p["p2p"]}"')
    set_toml(config, "p2p", "external_address", f'"{host}:{p["p2p"]}"')
    set_toml(config, "p2p", "persistent_peers", f'"{peers}"')
    set_toml(config, "p2p", "allow_duplicate_ip", "true")
    set_toml(config, "p2p", "addr_book_strict", "false")
    set_toml(config, "p2p", "max_packet_msg_payload_size", "65536")
    set_toml(config, "mempool", "max_tx_bytes", str(MAX_TX_BYTES))
    set_toml(config, "mempool", "max_txs_bytes", str(16 * MAX_TX_BYTES))
    for key, value in CONSENSUS_TIMEOUTS.items():
        set_toml(config, "consensus", key, value)
    app = home / "config" / "app.toml"
    set_toml(app, "", "minimum-gas-prices", f'"{GAS_PRICE}{DENOM}"')
    set_toml(app, "api", "enable", "true")
    set_toml(app, "api", "address", f'"tcp://{listen}:{p["api"]}"')
    set_toml(app, "grpc", "address", f'"{listen}:{p["grpc"]}"')
    set_toml(app, "grpc", "max-recv-msg-size", f'"{GRPC_MAX_MSG_BYTES}"')
    client = home / "config" / "client.toml"
    set_toml(client, "", "chain-id", f'"{CHAIN_ID}"')
    set_toml(client, "", "keyring-backend", '"test"')
    set_toml(client, "", "node", f'"tcp://{host}:{p["rpc"]}"')


def require_ipfs() -> None:
    if not os.access(IPFS, os.X_OK):
        sys.exit(f"localnet: no kubo binary at {IPFS}; run `make install` (or `make build/bin/ipfs`)")


def kubo_init(repo: Path, node_ports: dict[str, int], host: str) -> str:
    """Create a kubo repo for a node (`ipfs init --profile=test`: no public bootstrap, no mDNS) listening on
    the node's ipfs ports, with no routing beyond its peers; return its peer id."""
    env = {**os.environ, "IPFS_PATH": str(repo)}
    result = subprocess.run([IPFS, "init", "--profile=test"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"localnet: `ipfs init` in {repo} failed:\n{result.stderr or result.stdout}")
    listen = host if host in LOCAL_HOSTS else "0.0.0.0"
    path = repo / "config"
    config = json.loads(path.read_text())
    config["Addresses"].update(
        {
            "API": f"/ip4/127.0.0.1/tcp/{node_ports['ipfs_api']}",
            "Gateway": f"/ip4/127.0.0.1/tcp/{node_ports['ipfs_gateway']}",
            "Swarm": [f"/ip4/{listen}/tcp/{node_ports['ipfs_swarm']}"],
            "Announce": [f"/ip4/{host}/tcp/{node_ports['ipfs_swarm']}"],
        }
    )
    config["Bootstrap"] = []
    # Blocks come from the peered daemons over bitswap; no DHT, no delegated routers (no internet here).
    config["Routing"] = {**config.get("Routing", {}), "Type": "none"}
    config.setdefault("AutoConf", {})["Enabled"] = False
    path.write_text(json.dumps(config, indent=2) + "\n")
    return config["Identity"]["PeerID"]


def kubo_address(node: dict) -> dict:
    """How another daemon reaches this node's kubo: its peer id and swarm address."""
    return {"ID": node["ipfs_peer_id"], "Addrs": [f"/ip4/{node['host']}/tcp/{node['ports']['ipfs_swarm']}"]}


def kubo_peer(repo: Path, peers: list[dict]) -> None:
    """Keep the daemon connected to `peers` (kubo's Peering: reconnects after either side restarts)."""
    path = repo / "config"
    config = json.loads(path.read_text())
    config.setdefault("Peering", {})["Peers"] = peers
    path.write_text(json.dumps(config, indent=2) + "\n")


def kubo_connect(repo: Path) -> None:
    """Connect the running daemon to its Peering peers now (Peering alone takes seconds to dial); a peer that
    is not up yet is left to Peering."""
    api = kubo_api(repo)
    for peer in json.loads((repo / "config").read_text())["Peering"]["Peers"]:
        for address in peer["Addrs"]:
            target = urllib.parse.quote(f"{address}/p2p/{peer['ID']}", safe="")
            with contextlib.suppress(OSError):
                kubo_call(api, f"swarm/connect?arg={target}", timeout=5.0)


def kubo_pid(repo: Path) -> int | None:
    return live_pid(repo / "daemon.pid")


def kubo_start(repo: Path) -> None:
    """Start the repo's daemon (log in `<repo>/daemon.log`) unless it runs already."""
    if kubo_pid(repo):
        return
    log = open(repo / "daemon.log", "ab")
    process = subprocess.Popen(
        [IPFS, "daemon", "--migrate=false"],
        env={**os.environ, "IPFS_PATH": str(repo)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (repo / "daemon.pid").write_text(str(process.pid))


def kubo_api(repo: Path) -> str:
    """The RPC API URL of the repo's daemon."""
    address = json.loads((repo / "config").read_text())["Addresses"]["API"]
    _, _, ip, _, port = address.split("/")
    return f"http://{ip}:{port}"


def kubo_call(api: str, command: str, timeout: float = 2.0) -> dict:
    request = urllib.request.Request(f"{api}/api/v0/{command}", method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def kubo_wait(repo: Path, timeout: float) -> None:
    """Wait until the repo's daemon answers on its API; exit if it dies or stays silent."""
    deadline = time.time() + timeout
    api = kubo_api(repo)
    while time.time() < deadline:
        try:
            kubo_call(api, "id")
            return
        except OSError:
            if not kubo_pid(repo):
                sys.exit(f"localnet: kubo daemon of {repo} exited; see {repo}/daemon.log")
            time.sleep(0.2)
    sys.exit(f"localnet: kubo daemon of {repo} did not answer within {timeout}s; see {repo}/daemon.log")


def kubo_stop(repo: Path) -> None:
    pid = kubo_pid(repo)
    if pid is not None:
        terminate(pid, repo / "daemon.pid")


def kubo_peers(api: str) -> int:
    return len(kubo_call(api, "swarm/peers").get("Peers") or [])


@contextlib.contextmanager
def kubo_daemons(directory: Path, count: int, port_base: int) -> Iterator[list[str]]:
    """`count` peered kubo daemons outside any localnet (tests, benchmarks): repos in `directory/kubo<i>`,
    ports from `port_base` (swarm, API, gateway; the next daemon 10 above). Yields their RPC API URLs and
    stops them afterwards."""
    repos = [directory / f"kubo{i}" for i in range(count)]
    nodes = []
    for i, repo in enumerate(repos):
        start = port_base + PORT_STRIDE * i
        node_ports = {"ipfs_swarm": start, "ipfs_api": start + 1, "ipfs_gateway": start + 2}
        nodes.append(
            {
                "ipfs_peer_id": kubo_init(repo, node_ports, "127.0.0.1"),
                "host": "127.0.0.1",
                "ports": node_ports,
            }
        )
    for repo, node in zip(repos, nodes, strict=True):
        kubo_peer(repo, [kubo_address(p) for p in nodes if p is not node])
    try:
        for repo in repos:
            kubo_start(repo)
        for repo in repos:
            kubo_wait(repo, 60.0)
        for repo in repos:
            kubo_connect(repo)
        yield [kubo_api(repo) for repo in repos]
    finally:
        for repo in repos:
            kubo_stop(repo)


def load_keys(out: Path) -> dict:
    path = out / "keys.json"
    if not path.exists():
        sys.exit(f"localnet: no localnet in {out}; run `localnet.py init` first")
    return json.loads(path.read_text())


def pid_of(home: Path) -> int | None:
    return live_pid(home / "sabfld.pid")


def live_pid(pid_file: Path) -> int | None:
    """The process id in pid_file, if that process still runs."""
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def rpc_get(node: dict, path: str, timeout: float = 2.0) -> dict:
    with urllib.request.urlopen(f"{node['rpc']}{path}", timeout=timeout) as response:
        return json.loads(response.read())["result"]


def start(args: argparse.Namespace) -> None:
    keys = load_keys(args.dir)
    if args.node:
        local = [n for n in keys["nodes"] if n["name"] == args.node]
        if not local:
            sys.exit(f"localnet: no node named {args.node} in {args.dir}")
    else:
        local = [n for n in keys["nodes"] if n["host"] in LOCAL_HOSTS]
    require_ipfs()
    for node in local:
        kubo_start(Path(node["home"]) / "ipfs")
    for node in local:
        kubo_wait(Path(node["home"]) / "ipfs", args.timeout)
    for node in local:
        kubo_connect(Path(node["home"]) / "ipfs")
    for node in local:
        home = Path(node["home"])
        if pid_of(home):
            continue
        log = open(home / "sabfld.log", "ab")
        process = subprocess.Popen(
            [SABFLD, "start", "--home", str(home)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        (home / "sabfld.pid").write_text(str(process.pid))
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        heights = [height_of(node) for node in local]
        if all(h is not None and h >= 2 for h in heights):
            print(f"localnet: {len(local)} nodes producing blocks (heights {heights})")
            return
        for node in local:
            if not pid_of(Path(node["home"])):
                sys.exit(f"localnet: {node['name']} exited; see {node['home']}/sabfld.log")
        time.sleep(0.5)
    sys.exit(
        f"localnet: nodes did not produce blocks within {args.timeout}s; see {args.dir}/node*/sabfld.log"
    )


def height_of(node: dict) -> int | None:
    try:
        return int(rpc_get(node, "/status")["sync_info"]["latest_block_height"])
    except (OSError, ValueError, KeyError):
        return None


def stop(args: argparse.Namespace) -> None:
    if not (args.dir / "keys.json").exists():
        return
    for node in load_keys(args.dir)["nodes"]:
        home = Path(node["home"])
        pid = pid_of(home)
        if pid is not None:
            terminate(pid, home / "sabfld.pid")
        kubo_stop(home / "ipfs")
    print("localnet: stopped")


def terminate(pid: int, pid_file: Path) -> None:
    """SIGTERM the process group of pid, SIGKILL it after 10 s, and remove its pid file."""
    os.killpg(pid, signal.SIGTERM)
    for _ in range(100):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if this process started it (tests, benchmarks)
        if live_pid(pid_file) is None:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def status(args: argparse.Namespace) -> None:
    keys = load_keys(args.dir)
    rows, heights = [], []
    for node in keys["nodes"]:
        try:
            info = rpc_get(node, "/status")
            peers = rpc_get(node, "/net_info")["n_peers"]
            height = int(info["sync_info"]["latest_block_height"])
            heights.append(height)
            rows.append((node["name"], str(height), str(peers), info["sync_info"]["latest_app_hash"][:16]))
        except OSError as error:
            rows.append((node["name"], "down", "-", str(error)[:40]))
        try:
            rows[-1] += (str(kubo_peers(node["ipfs_api"])),)
        except (OSError, KeyError):
            rows[-1] += ("down",)
    print(f"{'node':8} {'height':>8} {'peers':>5} {'ipfs':>5}  app hash (latest)")
    for row in rows:
        print(f"{row[0]:8} {row[1]:>8} {row[2]:>5} {row[4]:>5}  {row[3]}")
    if not heights:
        sys.exit("localnet: no node answers")
    common = min(heights)
    hashes = {}
    for node in keys["nodes"]:
        try:
            hashes[node["name"]] = rpc_get(node, f"/block?height={common}")["block"]["header"]["app_hash"]
        except OSError:
            continue
    agreed = len(set(hashes.values())) == 1
    print(
        f"at height {common}: app hash {'equal on ' + str(len(hashes)) + ' nodes' if agreed else 'DIFFERS'}: "
        + ", ".join(sorted({h[:16] for h in hashes.values()}))
    )
    first = keys["nodes"][0]
    span = min(20, common - 1)
    if span >= 1:
        times = [
            rpc_get(first, f"/block?height={h}")["block"]["header"]["time"] for h in (common - span, common)
        ]
        seconds = (parse_time(times[1]) - parse_time(times[0])) / span
        print(f"block interval (last {span} blocks): {seconds:.2f} s")
    if not agreed or len(hashes) != len(keys["nodes"]):
        sys.exit(1)


def parse_time(stamp: str) -> float:
    """RFC 3339 with nanoseconds → seconds since the epoch."""
    from datetime import datetime

    main, _, rest = stamp.rstrip("Z").partition(".")
    fraction = float("0." + rest) if rest else 0.0
    return datetime.fromisoformat(main + "+00:00").timestamp() + fraction


def reset(args: argparse.Namespace) -> None:
    stop(args)
    shutil.rmtree(args.dir, ignore_errors=True)
    print(f"localnet: removed {args.dir}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["init", "start", "stop", "status", "reset"])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("LOCALNET_DIR", DEFAULT_DIR)))
    parser.add_argument("--validators", "-n", type=int, default=4)
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--hosts", default="", help="comma-separated host of each validator (multi-host)")
    parser.add_argument(
        "--port-offset",
        type=int,
        default=int(os.environ.get("LOCALNET_PORT_OFFSET", "0")),
        help="added to every port, so two localnets can run side by side",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds `start` waits for blocks")
    parser.add_argument("--node", default="", help="`start`: only this node (e.g. node2), wherever its host")
    args = parser.parse_args()
    args.dir = args.dir.resolve()
    {"init": init, "start": start, "stop": stop, "status": status, "reset": reset}[args.command](args)


if __name__ == "__main__":
    main()
