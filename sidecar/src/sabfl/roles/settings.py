"""Role settings read from and written to YAML: unknown keys refused, values made YAML-safe."""

from __future__ import annotations

import dataclasses
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
