"""Role settings read from and written to YAML: unknown keys refused, values made YAML-safe."""

from __future__ import annotations

import dataclasses
import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any


def settings_from(cls: Any, values: dict, where: str) -> Any:
    """A settings dataclass from a YAML mapping: unknown keys are refused, lists become tuples."""
    unknown = sorted(set(values) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise ValueError(f"{where}: unknown settings {unknown}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def plain(value: Any) -> Any:
    """Settings as YAML-safe values: decimals and paths as strings, tuples as lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return str(value) if isinstance(value, Decimal | Path) else value


def private_seed(configured: int | None, keep: Path | None) -> int:
    """A party's private data seed (which rows are its data; never on chain): the configured one, else the
    one kept at `keep`, else a fresh random one, kept there (owner-only) when `keep` is given."""
    if configured is not None:
        return configured
    if keep is not None and keep.is_file():
        return int(keep.read_text())
    seed = secrets.randbits(63)
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(keep, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{seed}\n")
    return seed
