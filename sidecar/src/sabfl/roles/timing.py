"""Where a round's blocks go: when each phase began (the chain's RoundStarted and PhaseAdvanced events),
how many blocks each lasted, and the protocol's overhead — from SUBMIT's close to FINALIZED — in blocks and
seconds. What a participant waits for is SUBMIT; everything after it is the protocol's cost."""

from __future__ import annotations

from dataclasses import dataclass, field

from sabfl.chain import ChainClient
from sabfl.dashboard.events import EventLog, EventReader
from sabfl.roles.tasks import block_seconds

PHASES = ("SUBMIT", "UPDATE_REVEAL", "COMMIT", "REVEAL", "AGGREGATE", "ATTEST")


@dataclass(frozen=True)
class RoundTiming:
    round: int
    blocks: dict[str, int]  # phase → blocks spent in it (a miner's retry adds to AGGREGATE and ATTEST)
    overhead_blocks: int  # from the block that closed SUBMIT to the one that finalized the round
    overhead_seconds: float
    seconds: dict[str, float] = field(default_factory=dict)  # phase → seconds of block time spent in it


def phase_spans(timeline: list[tuple[str, float]]) -> dict[str, float]:
    """Span per phase from (phase, where it began) in order, up to the round's end (its last entry): blocks
    when it began at a height, seconds when at a block time."""
    spans: dict[str, float] = dict.fromkeys(PHASES, 0)
    for (phase, began), (_, following) in zip(timeline, timeline[1:], strict=False):
        spans[phase] = spans.get(phase, 0) + following - began
    return spans


def round_timings(client: ChainClient, rpc_url: str, task_id: int, from_height: int) -> list[RoundTiming]:
    """The timing of every finalized round of a task, from the node's block events since from_height."""
    reader = EventReader(rpc_url, max_blocks=1 << 30, start=from_height)
    events = EventLog()
    for event in reader.poll():
        events.add(event)
    timings = []
    for (task, number), entry in sorted(events.rounds.items()):
        timeline = [(phase, height) for phase, height, _ in entry.timeline]
        phases = [phase for phase, _ in timeline]
        if task != task_id or "FINALIZED" not in phases or "UPDATE_REVEAL" not in phases:
            continue
        closed = timeline[phases.index("UPDATE_REVEAL")][1]
        finalized = timeline[phases.index("FINALIZED")][1]
        times = {height: block_seconds(client, height) for _, height in timeline}
        seconds = phase_spans([(phase, times[height]) for phase, height in timeline])
        overhead = times[finalized] - times[closed]
        timings.append(RoundTiming(number, phase_spans(timeline), finalized - closed, overhead, seconds))
    return timings


def timing_summary(timings: list[RoundTiming]) -> dict:
    """Mean blocks per phase, and the overhead's mean and range, over the finalized rounds."""
    n = max(len(timings), 1)
    overhead = [t.overhead_blocks for t in timings] or [0]
    return {
        "phase_blocks": {phase: sum(t.blocks[phase] for t in timings) / n for phase in PHASES},
        "overhead_blocks": sum(overhead) / n,
        "overhead_blocks_min_max": [min(overhead), max(overhead)],
        "overhead_seconds": sum(t.overhead_seconds for t in timings) / n,
    }


def format_timings(summary: dict) -> str:
    """One line: blocks per phase and the overhead, from `timing_summary`."""
    phases = ", ".join(f"{phase} {blocks:.1f}" for phase, blocks in summary["phase_blocks"].items())
    low, high = summary["overhead_blocks_min_max"]
    return (
        f"blocks per phase: {phases}; SUBMIT close to FINALIZED: {summary['overhead_blocks']:.1f} blocks "
        f"({low}–{high}), {summary['overhead_seconds']:.1f} s"
    )


def format_round_timings(timings: list[RoundTiming]) -> str:
    """A row per finalized round: blocks and seconds in each phase and in all, e.g. `9 b 7.9 s`."""
    lines = [f"{'round':>5} " + " ".join(f"{name:>12}" for name in (*PHASES, "total"))]
    for timing in timings:
        cells = [(timing.blocks[phase], timing.seconds.get(phase, 0.0)) for phase in PHASES]
        cells.append((sum(b for b, _ in cells), sum(s for _, s in cells)))
        lines.append(f"{timing.round:5d} " + " ".join(f"{b:4.0f} b {s:5.1f} s" for b, s in cells))
    return "\n".join(lines)
