"""BENCHMARKS.md is regenerated piece by piece: each benchmark owns the section between its
`<!-- bench-NAME:start -->` and `<!-- bench-NAME:end -->` markers and rewrites only that."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, name: str, body: str) -> None:
    """Replace benchmark `name`'s section of the file at `path` with `body` (appended when absent)."""
    start, end = f"<!-- bench-{name}:start -->", f"<!-- bench-{name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text()
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
