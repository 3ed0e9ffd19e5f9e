"""The ``sabfl`` command. Each subcommand module registers itself with ``add_parser(subparsers)``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sabfl.dashboard import cli as dashboard_cli
from sabfl.roles import demo, packages, participant, tasks, validator
from sabfl.sim import cli as sim_cli

SUBCOMMANDS = (sim_cli, validator, participant, tasks, demo, dashboard_cli, packages)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sabfl", description="Softmax-aggregation blockchain federated learning"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
