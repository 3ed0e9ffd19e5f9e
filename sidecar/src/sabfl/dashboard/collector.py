"""Polls the chain, its events, the metrics endpoints and the roster files into one JSON view that the
server hands out; a failed source is logged and read again at the next poll."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sabfl.dashboard.chain import ChainState
from sabfl.dashboard.events import ChainEvent, EventLog
from sabfl.dashboard.metrics import Accuracy
from sabfl.dashboard.views import dashboard_view

log = logging.getLogger("sabfl.dashboard")


def read_rosters(paths: list[Path]) -> dict[int, set[str]]:
    """Task id → attacker addresses, from the participant runners' roster files (JSON with `task_id` and
    `attackers`); a file not written yet is skipped."""
    rosters: dict[int, set[str]] = {}
    for path in paths:
        try:
            roster = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        rosters.setdefault(int(roster["task_id"]), set()).update(roster["attackers"])
    return rosters


class Collector:
    """Each `poll` reads every source once and replaces the view; `view()` is the latest one."""

    def __init__(
        self,
        read_chain: Callable[[], ChainState],
        read_events: Callable[[], list[ChainEvent]],
        read_accuracy: Callable[[], dict[str, Accuracy | None]],
        rosters: list[Path],
        address_prefix: str = "sabfl",
    ) -> None:
        self.read_chain = read_chain
        self.read_events = read_events
        self.read_accuracy = read_accuracy
        self.rosters = rosters
        self.prefix = address_prefix
        self.events = EventLog()
        self.polls = 0
        self._view: dict[str, Any] = {"height": 0, "validators": [], "metrics": {}, "tasks": [], "polls": 0}
        self._lock = threading.Lock()

    def view(self) -> dict[str, Any]:
        with self._lock:
            return self._view

    def poll(self) -> None:
        # Events first: a round the chain query shows then has at least the events up to its height.
        for event in self.read_events():
            self.events.add(event)
        state = self.read_chain()
        view = dashboard_view(
            state, self.events, self.read_accuracy(), read_rosters(self.rosters), self.prefix
        )
        self.polls += 1
        view["polls"] = self.polls
        view["updated_unix"] = time.time()
        with self._lock:
            self._view = view

    def run(self, stop: threading.Event, interval: float) -> None:
        """Poll every `interval` seconds until stopped; a failed poll is logged and retried."""
        while not stop.is_set():
            try:
                self.poll()
            except Exception as error:  # a node restarting, a sidecar not up yet: try again
                log.warning("dashboard poll failed: %s", error)
            stop.wait(interval)
