"""What every long-running role shares: its `run --config` command, logging, and a polling loop that
survives a dead node or a rejected tx."""

from __future__ import annotations

import argparse
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc

from sabfl.chain import TxError

# What a chain step may raise that is worth retrying: a node down or slow, a tx rejected or not included.
CHAIN_ERRORS = (grpc.RpcError, TxError, TimeoutError)


def add_run_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    help: str,
    run_help: str,
    handler: Callable[[argparse.Namespace], int],
) -> argparse._SubParsersAction:
    """`sabfl <name> run --config FILE`; returns the role's subcommands, for more of its own."""
    parser = subparsers.add_parser(name, help=help)
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help=run_help)
    run.add_argument("--config", type=Path, required=True, help=f"{name} YAML config")
    run.set_defaults(handler=handler)
    return sub


# How often a block-driven loop asks for the latest height (a local read of a few bytes).
HEIGHT_POLL_S = 0.05


def poll(
    tick: Callable[[], None],
    stop: threading.Event,
    seconds: float,
    log: logging.Logger,
    on_error: Callable[[], None] | None = None,
    height: Callable[[], int] | None = None,
) -> None:
    """Call tick every `seconds` until stopped — and, given the chain's `height`, as soon as a new block is
    committed, so a phase that opens is acted on at once; a chain failure is logged and retried, never
    fatal."""
    while not stop.is_set():
        seen = None
        try:
            seen = height() if height else None
            tick()
        except CHAIN_ERRORS as error:
            if on_error:
                on_error()
            log.warning("chain step failed: %s", error)
        if seen is None:
            stop.wait(seconds)
        else:
            next_block(height, seen, stop, seconds)


def next_block(height: Callable[[], int], seen: int, stop: threading.Event, seconds: float) -> None:
    """Return once the chain is past height `seen`, after `seconds` at most, or when stopped."""
    deadline = time.monotonic() + seconds
    while not stop.wait(HEIGHT_POLL_S) and time.monotonic() < deadline:
        try:
            if height() > seen:
                return
        except CHAIN_ERRORS:
            return  # the tick will meet the error and back off


def serve(run: Callable[[threading.Event], int | None]) -> int:
    """Run a role in the foreground with logging until Ctrl-C or SIGTERM's KeyboardInterrupt; the exit
    code is what the role returns (None = 0)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    try:
        return run(stop) or 0
    except KeyboardInterrupt:
        stop.set()
        return 0
