"""`sabfl packages`: what a sidecar's `packages` trust, as installed here — each distribution's version,
the sha256 of its installed files (to pin a build instead of a version) and the model factories and data
loaders it declares; a pin the installation does not satisfy fails the command."""

from __future__ import annotations

import argparse
from importlib import metadata
from pathlib import Path

import yaml

from sabfl.ml.entrypoints import AllowedPackage, EntryPointError, installed_files_sha256, verify_package
from sabfl.ml.loaders import LOADER_GROUP
from sabfl.ml.models import MODEL_GROUP


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    sub = subparsers.add_parser(
        "packages", help="show and check the distributions a sidecar trusts to build models and load data"
    )
    sub.add_argument("--config", type=Path, help="a validator's or participant's config: check its packages")
    sub.add_argument("names", nargs="*", help="installed distributions to show (e.g. to pin their sha256)")
    sub.set_defaults(handler=show_packages)


def show_packages(args: argparse.Namespace) -> int:
    """Print the config's packages with their pins' verdicts, then the named ones; 1 if a pin fails or a
    named distribution is not installed."""
    failed = 0
    for pin in AllowedPackage.from_config(_config_packages(args.config)) if args.config else ():
        try:
            _show(verify_package(pin), "pin ok")
        except EntryPointError as error:
            print(f"{pin.name}: FAILS: {error}")
            failed += 1
    for name in args.names:
        try:
            _show(metadata.distribution(name), "")
        except metadata.PackageNotFoundError:
            print(f"{name}: not installed")
            failed += 1
    return 1 if failed else 0


def _show(dist: metadata.Distribution, verdict: str) -> None:
    name = dist.metadata["Name"]
    print(f"{name} {dist.version} sha256={installed_files_sha256(name)} {verdict}".rstrip())
    for ep in dist.entry_points:
        if ep.group in (MODEL_GROUP, LOADER_GROUP):
            print(f"  {ep.group}: {ep.name} = {ep.value}")


def _config_packages(path: Path) -> list:
    data = yaml.safe_load(path.read_text()) or {}
    return data.get("packages") or []
