"""The chain's typed fedlearn events (docs/protocol.md, "Events"), read block by block over CometBFT's
RPC `block_results`, and what the dashboard keeps of them per round: the phase timeline, the miners'
aggregates, the rewards and the penalties.

The SDK emits a typed event as type = the message's full name and one attribute per field whose value is
the field's protobuf JSON (`"7"` for a uint64, `"ROUND_PHASE_COMMIT"` for an enum, an object for a coin)."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from typing import Any

EVENT_PREFIX = "sabfl.fedlearn.v1.Event"
PHASE_PREFIX = "ROUND_PHASE_"


@dataclass(frozen=True)
class ChainEvent:
    height: int
    kind: str  # the event's name without the prefix, e.g. "PhaseAdvanced"
    attributes: dict[str, Any]

    @property
    def task_round(self) -> tuple[int, int]:
        return int(self.attributes.get("task_id", 0)), int(self.attributes.get("round", 0))


def _value(raw: str) -> Any:
    """An attribute's value decoded from its protobuf JSON; text that is not JSON stays as it is."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_event(raw: dict, height: int) -> ChainEvent | None:
    """A fedlearn event from an ABCI event in block_results' JSON, or None for any other event."""
    kind = raw.get("type", "")
    if not kind.startswith(EVENT_PREFIX):
        return None
    attributes = {a["key"]: _value(a.get("value", "")) for a in raw.get("attributes", []) if "key" in a}
    attributes.pop("msg_index", None)  # added by the SDK to events of a tx's messages
    return ChainEvent(height, kind[len(EVENT_PREFIX) :], attributes)


def block_events(results: dict) -> list[ChainEvent]:
    """The fedlearn events of one block_results answer (`result`): its txs' events in order, then the
    block's own (FinalizeBlock: BeginBlock and EndBlock) events."""
    height = int(results["height"])
    raw = [e for tx in results.get("txs_results") or [] for e in tx.get("events") or []]
    raw += results.get("finalize_block_events") or []
    return [event for event in (parse_event(e, height) for e in raw) if event is not None]


def phase_name(value: str) -> str:
    """`ROUND_PHASE_COMMIT` → `COMMIT`."""
    return value.removeprefix(PHASE_PREFIX)


@dataclass
class RoundEvents:
    """What a round's events said: `timeline` holds (phase, first height, early) in order; `aggregates`
    (miner, sha256 base64) in order of acceptance; `rewards` (recipient, role, amount, denom);
    `penalties` (validator, reason, slash fraction, jailed until, unix seconds)."""

    timeline: list[tuple[str, int, bool]] = field(default_factory=list)
    aggregates: list[tuple[str, str]] = field(default_factory=list)
    rewards: list[tuple[str, str, int, str]] = field(default_factory=list)
    penalties: list[tuple[str, str, str, int]] = field(default_factory=list)


class EventLog:
    """Accumulates every fedlearn event into RoundEvents keyed by (task id, round)."""

    def __init__(self) -> None:
        self.rounds: dict[tuple[int, int], RoundEvents] = {}

    def add(self, event: ChainEvent) -> None:
        a = event.attributes
        entry = self.rounds.setdefault(event.task_round, RoundEvents())
        if event.kind == "RoundStarted":
            entry.timeline.append(("SUBMIT", event.height, False))
        elif event.kind == "PhaseAdvanced":
            entry.timeline.append((phase_name(a.get("to", "")), event.height, bool(a.get("early", False))))
        elif event.kind == "AggregateAccepted":
            entry.aggregates.append((a.get("miner", ""), a.get("sha256", "")))
        elif event.kind == "RewardPaid":
            amount = a.get("amount") or {}
            entry.rewards.append(
                (
                    a.get("recipient", ""),
                    a.get("role", ""),
                    int(amount.get("amount", 0)),
                    amount.get("denom", ""),
                )
            )
        elif event.kind == "ValidatorPenalized":
            entry.penalties.append(
                (
                    a.get("validator", ""),
                    a.get("reason", ""),
                    a.get("slash_fraction", ""),
                    int(a.get("jailed_until_unix", 0)),
                )
            )


class EventReader:
    """Follows a node's CometBFT RPC (e.g. http://127.0.0.1:26657) from block `start`: each `poll` reads the
    blocks it has not read yet, at most `max_blocks` of them (a long chain is caught up over several polls,
    so the page stays responsive)."""

    def __init__(self, rpc_url: str, max_blocks: int = 200, timeout: float = 5.0, start: int = 1) -> None:
        if max_blocks < 1:
            raise ValueError(f"max_blocks must be at least 1, got {max_blocks}")
        self.rpc_url = rpc_url.rstrip("/")
        self.next_height = max(start, 1)
        self.max_blocks = max_blocks
        self.timeout = timeout

    def _get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.rpc_url}/{path}", timeout=self.timeout) as response:
            return json.loads(response.read())["result"]

    def latest_height(self) -> int:
        return int(self._get("status")["sync_info"]["latest_block_height"])

    def poll(self) -> list[ChainEvent]:
        """The fedlearn events of the next unread blocks up to the latest, oldest first."""
        last = min(self.latest_height(), self.next_height + self.max_blocks - 1)
        events: list[ChainEvent] = []
        while self.next_height <= last:
            events += block_events(self._get(f"block_results?height={self.next_height}"))
            self.next_height += 1
        return events
