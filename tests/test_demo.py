"""`sabfl demo` (what `make demo` runs) twice in a row on the same output folder: the second run starts a new
chain, finds the first run's validator journals, sets them aside and finalizes its rounds again. A one-round
copy of the demo task keeps it short; the demo's own ports (offset 2000) are not the test session's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from sabfl.roles.tasks import DEFAULT_SPEC

FINAL_LINE = re.compile(
    r"^demo: rounds_finalized=(\d+) chain_accuracy=([\d.]+) fedavg_sim_accuracy=([\d.]+) "
    r"attacker_weight_share=([\d.]+)$",
    re.M,
)


def test_the_demo_runs_twice_in_a_row(tmp_path: Path) -> None:
    spec = yaml.safe_load(DEFAULT_SPEC.read_text())
    spec["rounds"] = 1
    spec_file = tmp_path / "one-round.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    out = tmp_path / "demo"
    for run in (1, 2):
        result = subprocess.run(
            [sys.executable, "-m", "sabfl.cli", "demo", "--spec", str(spec_file), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"run {run}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        match = FINAL_LINE.search(result.stdout)
        assert match, result.stdout[-2000:]
        rounds, chain, fedavg, share = match.groups()
        assert int(rounds) == 1 and float(share) < 0.05, match.group(0)
        assert (out / "demo.png").stat().st_size > 0
    # The second chain's sidecars met the first chain's journals and set them aside.
    assert "set aside" in (out / "logs" / "validator0.log").read_text()
