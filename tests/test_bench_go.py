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
cpu: AMD EPYC 7B13
BenchmarkEndBlocker/completed=10000-2 87254 13512 ns/op 0 steps/op 7432 B/op 75 allocs/op
BenchmarkEndBlocker/idle=1-2 92866 12907 ns/op 0 steps/op 7432 B/op 75 allocs/op
BenchmarkEndBlocker/due=10000-2 187 6412345 ns/op 200.0 steps/op 2112345 B/op 26179 allocs/op
PASS
ok  	github.com/sabfl/sabfl/chain/x/fedlearn/keeper	250.123s
"""


def test_parse_reads_every_result_line_with_its_metrics() -> None:
    results = bench_go.parse(OUTPUT)
    assert [r.name for r in results] == [
        "EndBlocker/completed=10000",
        "EndBlocker/idle=1",
        "EndBlocker/due=10000",
    ]
    due = results[2]
    assert due.iterations == 187
    assert due.metrics == {"ns/op": 6412345, "steps/op": 200.0, "B/op": 2112345, "allocs/op": 26179}


def test_endblocker_section_rows_and_cost_per_step() -> None:
    text = bench_go.endblocker_section(bench_go.parse(OUTPUT), "header")
    assert "| 10,000 completed | 13.5 µs | 0 | 7.4 KB, 75 allocs |" in text
    assert "| 1 active, idle in SUBMIT (deadline 10,000 blocks ahead) | 12.9 µs | 0 |" in text
    assert "| 10,000 active, all due in this block | 6.41 ms | 200 | 2.1 MB, 26,179 allocs |" in text
    assert "cost 32.1 µs–32.1 µs a step" in text  # 6,412,345 ns ÷ 200 steps
