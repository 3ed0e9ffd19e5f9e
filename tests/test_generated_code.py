"""Generated protobuf code is committed: regenerating it from proto/ must change nothing."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path

from .conftest import ROOT


def test_generated_code_matches_proto_files(tmp_path: Path) -> None:
    go_out, py_out = tmp_path / "go", tmp_path / "py"
    subprocess.run(["bash", str(ROOT / "proto" / "protocgen.sh"), str(go_out), str(py_out)], check=True)
    pairs = [
        (go_out, ROOT / "chain" / "x" / "fedlearn" / "types"),
        (py_out / "sabfl" / "fedlearn" / "v1", ROOT / "sidecar" / "src" / "sabfl" / "fedlearn" / "v1"),
    ]
    for fresh_dir, committed_dir in pairs:
        fresh = sorted(p.name for p in fresh_dir.iterdir())
        assert fresh, f"nothing generated into {fresh_dir}"
        match, mismatch, errors = filecmp.cmpfiles(fresh_dir, committed_dir, fresh, shallow=False)
        assert not mismatch and not errors, f"out of date: {mismatch + errors}; run `make proto`"
