"""localnet/bench_go.py reads `go test -bench -benchmem` output into BENCHMARKS.md's Go sections."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LOCALNET = Path(__file__).resolve().parent.parent / "localnet"
spec = importlib.util.spec_from_file_location("bench_go", LOCALNET / "bench_go.py")
bench_go = importlib.util.module_from_spec(spec)
sys.modules["bench_go"] = bench_go  # its dataclasses look their module up
spec.loader.exec_module(bench_go)

# Captured from `go test -run '^$' -bench BenchmarkEndBlocker -benchmem ./x/fedlearn/keeper/` (Go 1.26),
# cut to three cases and their padding to single spaces: a custom metric (steps/op) sits between ns/op
# and B/op.
OUTPUT = """goos: linux
goarch: amd64
pkg: github.com/sabfl/sabfl/chain/x/fedlearn/keeper
cpu: AMD EPYC
BenchmarkEndBlocker/completed=10000-2 72679 23443 ns/op 0 steps/op 7416 B/op 75 allocs/op
BenchmarkEndBlocker/idle=1-2 95728 22610 ns/op 0 steps/op 7416 B/op 75 allocs/op
BenchmarkEndBlocker/due=10000-2 405 7717177 ns/op 200.0 steps/op 2087996 B/op 26178 allocs/op
PASS
ok  	github.com/sabfl/sabfl/chain/x/fedlearn/keeper	84.886s
"""


def test_parse_reads_every_result_line_with_its_metrics() -> None:
    results = bench_go.parse(OUTPUT)
    assert [r.name for r in results] == [
        "EndBlocker/completed=10000",
        "EndBlocker/idle=1",
        "EndBlocker/due=10000",
    ]
    due = results[2]
    assert due.iterations == 405
    assert due.metrics == {"ns/op": 7717177, "steps/op": 200.0, "B/op": 2087996, "allocs/op": 26178}


def test_endblocker_section_rows_and_cost_per_step() -> None:
    text = bench_go.endblocker_section(bench_go.parse(OUTPUT), "header")
    assert "| 10,000 completed | 23.4 µs | 0 | 7.4 KB, 75 allocs |" in text
    assert "| 1 active, idle in SUBMIT (deadline 10,000 blocks ahead) | 22.6 µs | 0 |" in text
    assert "| 10,000 active, all due in this block | 7.72 ms | 200 | 2.1 MB, 26,178 allocs |" in text
    assert "run no step, 22.6 µs–23.4 µs and 75 allocations" in text
    assert "cost 38.6 µs a step" in text  # 7,717,177 ns ÷ 200 steps
