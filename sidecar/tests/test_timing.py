from sabfl.roles.timing import (
    RoundTiming,
    format_round_timings,
    format_timings,
    phase_spans,
    timing_summary,
)


def test_blocks_per_phase_count_a_miners_retry_in_aggregate_and_attest() -> None:
    timeline = [("SUBMIT", 10), ("UPDATE_REVEAL", 13), ("COMMIT", 14), ("REVEAL", 16), ("AGGREGATE", 17)]
    timeline += [("ATTEST", 18), ("AGGREGATE", 20), ("ATTEST", 21), ("FINALIZED", 22)]
    spans = phase_spans(timeline)
    assert spans == {"SUBMIT": 3, "UPDATE_REVEAL": 1, "COMMIT": 2, "REVEAL": 1, "AGGREGATE": 2, "ATTEST": 3}
    assert sum(spans.values()) == 22 - 10


def test_the_summary_averages_rounds_and_names_the_overhead_range() -> None:
    blocks = {"SUBMIT": 2, "UPDATE_REVEAL": 1, "COMMIT": 1, "REVEAL": 1, "AGGREGATE": 1, "ATTEST": 1}
    summary = timing_summary(
        [RoundTiming(1, blocks, 4, 3.0), RoundTiming(2, {**blocks, "COMMIT": 3}, 6, 5.0)]
    )
    assert summary["phase_blocks"]["COMMIT"] == 2 and summary["overhead_blocks"] == 5
    assert summary["overhead_blocks_min_max"] == [4, 6] and summary["overhead_seconds"] == 4.0
    assert "SUBMIT close to FINALIZED: 5.0 blocks (4–6), 4.0 s" in format_timings(summary)


def test_the_round_table_gives_blocks_and_seconds_per_phase_and_in_all() -> None:
    timeline = [
        ("SUBMIT", 10),
        ("UPDATE_REVEAL", 12),
        ("COMMIT", 13),
        ("REVEAL", 15),
        ("AGGREGATE", 16),
        ("ATTEST", 17),
        ("FINALIZED", 18),
    ]
    clock = {10: 100.0, 12: 102.0, 13: 103.5, 15: 105.0, 16: 106.25, 17: 107.0, 18: 108.0}
    seconds = phase_spans([(phase, clock[height]) for phase, height in timeline])
    table = format_round_timings([RoundTiming(7, phase_spans(timeline), 5, 4.5, seconds)])
    header, row = table.splitlines()
    assert header.split() == [
        "round",
        "SUBMIT",
        "UPDATE_REVEAL",
        "COMMIT",
        "REVEAL",
        "AGGREGATE",
        "ATTEST",
        "total",
    ]
    assert row.split()[0] == "7"
    assert "2 b   2.0 s" in row and "1 b   1.5 s" in row and "1 b   1.2 s" in row
    assert "8 b   8.0 s" in row
