"""`sabfl dashboard --grpc H:P --rpc URL [--metrics H:P]... [--roster FILE]... --port 8780`."""

from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path

import uvicorn

from sabfl.dashboard.chain import ChainReader
from sabfl.dashboard.collector import Collector
from sabfl.dashboard.events import EventReader
from sabfl.dashboard.metrics import read_accuracy
from sabfl.dashboard.server import create_app

DEFAULT_PORT = 8780


def arguments(grpc: str, rpc: str, metrics: list[str], rosters: list[Path], port: int) -> list[str]:
    """The `sabfl dashboard …` arguments (after `sabfl`) that serve these sources on this port."""
    args = ["dashboard", "--grpc", grpc, "--rpc", rpc, "--port", str(port)]
    for address in metrics:
        args += ["--metrics", address]
    for roster in rosters:
        args += ["--roster", str(roster)]
    return args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dashboard", help="serve a live web page of the chain's tasks and rounds")
    parser.add_argument("--grpc", required=True, help="a node's gRPC endpoint, host:port")
    parser.add_argument("--rpc", required=True, help="the same node's CometBFT RPC URL, http://host:port")
    parser.add_argument(
        "--metrics", action="append", default=[], help="a validator sidecar's metrics endpoint, host:port"
    )
    parser.add_argument(
        "--roster", action="append", default=[], type=Path, help="a participant runner's roster JSON"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--prefix", default="sabfl", help="the chain's bech32 account prefix")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    parser.set_defaults(handler=run_dashboard)


def run_dashboard(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    chain = ChainReader(args.grpc, args.prefix)
    collector = Collector(
        chain.read,
        EventReader(args.rpc).poll,
        functools.partial(read_accuracy, args.metrics),
        args.roster,
        args.prefix,
    )
    logging.getLogger("sabfl.dashboard").info("dashboard on http://%s:%d", args.host, args.port)
    try:
        uvicorn.run(create_app(collector, args.interval), host=args.host, port=args.port, log_level="warning")
    finally:
        chain.close()
    return 0
