#!/usr/bin/env python3
"""Validators on separate network hosts: each localnet validator — its node (sabfld and its kubo daemon) and
its sidecar — runs in its own Linux network namespace with its own address, linked to the others through a
bridge in the root namespace. Needs root, iproute2, iptables and Toxiproxy (build/bin).

    namespace sabfl-v<i>  eth0 10.77.0.1<i>/24  ── veth sabfl-v<i> ──┐
    namespace sabfl-proxy eth0 10.77.0.2/24     ── veth sabfl-proxy ─┤ bridge sabfl-br0 10.77.0.1/24
    namespace sabfl-client eth0 10.77.0.3/24    ── veth sabfl-client ┘ (root namespace)
    (the demo's driver, participants and dashboard)

Faults (this kernel has no netem qdisc):
- latency: every validator's persistent peers are Toxiproxy listeners in sabfl-proxy, one per directed
  link i→j, with a latency toxic on both streams: LATENCY ± JITTER ms each way. PEX is off, so no node
  learns another's direct address and every P2P byte crosses a proxy. (kubo's blob traffic goes direct.)
- loss: `iptables -A INPUT -i eth0 -m statistic --mode random --probability LOSS -j DROP` in each validator's
  namespace (traffic between a node and its own sidecar stays on that namespace's loopback, lossless);
- cut: `ip link set sabfl-v<i> down` (the bridge's end of its veth), restore: `up`.

Every process it starts lives in a sabfl-* namespace, so `down` finds them all (`ip netns pids`) even after a
crash, stops them, and deletes the namespaces and the bridge.

Usage:
  netns.py up      [--dir DIR] [--validators N] [--participants P] [--port-offset K]
                   [--latency MS] [--jitter MS] [--loss P]   fresh localnet in DIR, one namespace per node
  netns.py down    [--dir DIR]                               stop everything, delete namespaces and bridge
  netns.py cut     --node I                                  take validator I's link down
  netns.py restore --node I                                  bring it back up
  netns.py demo    [--dir DIR] [--out OUT] [...]             up, `sabfl demo` on that network, down
(`ip netns exec sabfl-client …` runs a client, e.g. `sabfl demo --localnet DIR`, on that network.)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import localnet  # noqa: E402  (the generator beside this file)

ROOT = localnet.ROOT
DEFAULT_DIR = ROOT / "localnet" / "run-netns"
TOXIPROXY = os.environ.get("TOXIPROXY", str(ROOT / "build" / "bin" / "toxiproxy-server"))
PREFIX = "sabfl-"
BRIDGE = "sabfl-br0"
PROXY = "sabfl-proxy"
SUBNET = "10.77.0"
BRIDGE_IP = f"{SUBNET}.1"
PROXY_IP = f"{SUBNET}.2"
CLIENT = "sabfl-client"
CLIENT_IP = f"{SUBNET}.3"
TOXIPROXY_API = f"http://{PROXY_IP}:8474"
LATENCY_MS, JITTER_MS, LOSS = 50, 10, 0.01


def namespace(index: int) -> str:
    return f"{PREFIX}v{index}"


def host_ip(index: int) -> str:
    return f"{SUBNET}.{11 + index}"


def run(*args: str) -> str:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"netns: `{' '.join(args)}` failed:\n{result.stderr or result.stdout}")
    return result.stdout


def in_namespace(name: str, *args: str) -> list[str]:
    return ["ip", "netns", "exec", name, *args]


def our_namespaces() -> list[str]:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
    return [line.split()[0] for line in listed if line.startswith(PREFIX)]


def bridge_exists() -> bool:
    return subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True).returncode == 0


def add_host(name: str, address: str) -> None:
    """A namespace `name` whose eth0 has `address`/24, cabled to the bridge by a veth named `name` at the
    bridge's end; loopback up."""
    run("ip", "netns", "add", name)
    run("ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", name)
    run("ip", "link", "set", name, "master", BRIDGE, "up")
    run(*in_namespace(name, "ip", "addr", "add", f"{address}/24", "dev", "eth0"))
    run(*in_namespace(name, "ip", "link", "set", "eth0", "up"))
    run(*in_namespace(name, "ip", "link", "set", "lo", "up"))


def up(args: argparse.Namespace) -> None:
    if os.geteuid() != 0:
        sys.exit("netns: needs root (ip netns, iptables)")
    if our_namespaces() or bridge_exists():
        sys.exit(f"netns: {our_namespaces() or BRIDGE} exist(s); run `netns.py down` first")
    if not 1 <= args.validators <= 9:
        sys.exit("netns: 1 to 9 validators (a node's port block holds its proxies' ports)")
    for tool in (TOXIPROXY, localnet.SABFLD, localnet.IPFS):
        if not os.access(tool, os.X_OK):
            sys.exit(f"netns: no {tool}; run `make install`")
    run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "add", f"{BRIDGE_IP}/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    add_host(PROXY, PROXY_IP)
    add_host(CLIENT, CLIENT_IP)
    for i in range(args.validators):
        add_host(namespace(i), host_ip(i))
        if args.loss > 0:
            drop = ["-m", "statistic", "--mode", "random", "--probability", str(args.loss), "-j", "DROP"]
            run(*in_namespace(namespace(i), "iptables", "-A", "INPUT", "-i", "eth0", *drop))
    generate(args)
    start_toxiproxy(args)
    starts = [
        subprocess.Popen(
            in_namespace(
                namespace(i),
                sys.executable,
                str(Path(localnet.__file__)),
                "start",
                "--dir",
                str(args.dir),
                "--node",
                f"node{i}",
            ),
        )
        for i in range(args.validators)
    ]
    if [process.wait() for process in starts] != [0] * len(starts):
        sys.exit("netns: a node did not start; see its sabfld.log, then run `netns.py down`")
    print(
        f"netns: {args.validators} validators in namespaces {namespace(0)}…{namespace(args.validators - 1)} "
        f"({host_ip(0)}…), P2P through Toxiproxy at {args.latency} ± {args.jitter} ms each way, "
        f"{args.loss:.1%} inbound loss"
    )


def generate(args: argparse.Namespace) -> None:
    """A fresh multi-host localnet in args.dir (node i on host_ip(i)) whose persistent peers are the
    Toxiproxy listeners: node i reaches node j at PROXY_IP:proxy_port(i, j); PEX off."""
    subprocess.run([sys.executable, localnet.__file__, "reset", "--dir", str(args.dir)], check=True)
    hosts = ",".join(host_ip(i) for i in range(args.validators))
    init = [
        *("init", "--dir", str(args.dir), "--validators", str(args.validators)),
        *("--participants", str(args.participants), "--hosts", hosts, "--port-offset", str(args.port_offset)),
    ]
    subprocess.run([sys.executable, localnet.__file__, *init], check=True)
    nodes = localnet.load_keys(args.dir)["nodes"]
    for i, node in enumerate(nodes):
        peers = ",".join(
            f"{peer['node_id']}@{PROXY_IP}:{proxy_port(i, j, nodes)}"
            for j, peer in enumerate(nodes)
            if j != i
        )
        config = Path(node["home"]) / "config" / "config.toml"
        localnet.set_toml(config, "p2p", "persistent_peers", f'"{peers}"')
        localnet.set_toml(config, "p2p", "pex", "false")


def proxy_port(i: int, j: int, nodes: list[dict]) -> int:
    """The Toxiproxy listener of link i→j: node j's P2P port + 1 + i (free: only the proxy's namespace
    listens on PROXY_IP, and a node's port block is 10 wide)."""
    return nodes[j]["ports"]["p2p"] + 1 + i


def toxiproxy(path: str, body: dict) -> None:
    """POST body to Toxiproxy's API."""
    request = urllib.request.Request(
        f"{TOXIPROXY_API}{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(request, timeout=5).read()


def start_toxiproxy(args: argparse.Namespace) -> None:
    """Toxiproxy in the proxy namespace, with a proxy per directed link and a latency toxic on each of its
    streams."""
    log = open(args.dir / "toxiproxy.log", "ab")
    subprocess.Popen(
        in_namespace(PROXY, TOXIPROXY, "-host", PROXY_IP, "-port", "8474"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "LOG_LEVEL": "warn"},
    )
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(f"{TOXIPROXY_API}/version", timeout=1).read()
            break
        except OSError:
            if time.time() > deadline:
                sys.exit(f"netns: Toxiproxy did not answer; see {args.dir}/toxiproxy.log")
            time.sleep(0.2)
    nodes = localnet.load_keys(args.dir)["nodes"]
    for i in range(len(nodes)):
        for j, peer in enumerate(nodes):
            if i == j:
                continue
            name = f"node{i}-node{j}"
            listen = f"{PROXY_IP}:{proxy_port(i, j, nodes)}"
            upstream = f"{peer['host']}:{peer['ports']['p2p']}"
            toxiproxy("/proxies", {"name": name, "listen": listen, "upstream": upstream, "enabled": True})
            for stream in ("upstream", "downstream"):
                toxic = {"latency": args.latency, "jitter": args.jitter}
                toxiproxy(
                    f"/proxies/{name}/toxics",
                    {"name": f"latency-{stream}", "type": "latency", "stream": stream, "attributes": toxic},
                )


def down(args: argparse.Namespace) -> None:
    """Stop every process in a sabfl-* namespace (SIGTERM, SIGKILL after 10 s), delete the namespaces (their
    veths go with them) and the bridge; forget the nodes' pid files."""
    names = our_namespaces()
    pids = {
        int(p)
        for name in names
        for p in subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
    }
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _ in range(100):
            pids = {pid for pid in pids if alive(pid)}
            if not pids:
                break
            time.sleep(0.1)
    for name in names:
        run("ip", "netns", "del", name)
    if bridge_exists():
        run("ip", "link", "del", BRIDGE)
    for pid_file in [*args.dir.glob("node*/sabfld.pid"), *args.dir.glob("node*/ipfs/daemon.pid")]:
        pid_file.unlink()
    print(f"netns: removed {len(names)} namespaces and the bridge")


def alive(pid: int) -> bool:
    """Whether pid still runs (and is not a zombie left for its parent to reap)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(") ", 1)[1][0] != "Z"


def set_link(args: argparse.Namespace, state: str) -> None:
    run("ip", "link", "set", namespace(args.node), state)
    print(f"netns: link of {namespace(args.node)} {state}")


def demo(args: argparse.Namespace) -> None:
    """`sabfl demo` on the namespaced network: its validator sidecars run in their nodes' namespaces, its
    driver, participants and dashboard in the client's."""
    try:
        up(args)
        command = [
            *in_namespace(CLIENT),
            *(sys.executable, "-m", "sabfl.cli", "demo", "--localnet", str(args.dir), "--out", str(args.out)),
            *(
                "--validator-exec",
                f"ip netns exec {PREFIX}v{{index}}",
                "--port-offset",
                str(args.port_offset),
            ),
            *(["--spec", args.spec] if args.spec else []),
        ]
        print(f"netns: the demo runs in namespace {CLIENT} (its dashboard too: `ip netns exec {CLIENT} …`)")
        code = subprocess.run(command).returncode
    finally:
        down(args)
    sys.exit(code)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up", "down", "cut", "restore", "demo"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--validators", "-n", type=int, default=4)
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--port-offset", type=int, default=5000)
    parser.add_argument("--latency", type=int, default=LATENCY_MS, help="ms each way on every P2P link")
    parser.add_argument("--jitter", type=int, default=JITTER_MS, help="± ms around --latency")
    parser.add_argument("--loss", type=float, default=LOSS, help="inbound packet loss of each validator host")
    parser.add_argument("--node", type=int, default=0, help="cut/restore: the validator's index")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "netns", help="demo: its output folder")
    parser.add_argument("--spec", default="", help="demo: task spec YAML or preset (the demo's default)")
    args = parser.parse_args()
    args.dir = args.dir.resolve()
    handlers = {
        "up": up,
        "down": down,
        "cut": lambda a: set_link(a, "down"),
        "restore": lambda a: set_link(a, "up"),
        "demo": demo,
    }
    handlers[args.command](args)


if __name__ == "__main__":
    main()
