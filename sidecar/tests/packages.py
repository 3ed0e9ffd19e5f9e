"""A real installed distribution for the entry-point tests, without pip: a module and its `.dist-info`
(METADATA, entry_points.txt, RECORD) in a folder put on sys.path, where importlib.metadata finds it."""

from __future__ import annotations

import hashlib
import itertools
import textwrap
from pathlib import Path

import pytest

_counter = itertools.count()


def install_distribution(
    monkeypatch: pytest.MonkeyPatch,
    root: Path,
    name: str,
    version: str,
    source: str,
    entry_points: dict[str, dict[str, str]],
) -> str:
    """Install distribution `name` at `version` into `root` with one module holding `source`; each entry
    point's value is `function` and becomes `<module>:function`. Returns the module's (unique) name."""
    module = f"byo_{name.replace('-', '_')}_{next(_counter)}"
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    lines = []
    for group, points in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{point} = {module}:{function}" for point, function in points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    files = [f"{module}.py", f"{info.name}/METADATA", f"{info.name}/entry_points.txt"]
    record = [f"{f},sha256={hashlib.sha256((root / f).read_bytes()).hexdigest()}," for f in files]
    (info / "RECORD").write_text("\n".join([*record, f"{info.name}/RECORD,,"]) + "\n")
    monkeypatch.syspath_prepend(str(root))
    return module
