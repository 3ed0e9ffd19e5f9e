"""Each task's work on its own thread, so one slow or hostile task never delays the others. The
validator's main loop only dispatches: at most `max_running` steps run at once, least recently served
task first; a step that overruns its time budget, or fails other than on the chain, gets its task declined
for good. A thread cannot be killed: an overrunning step is abandoned (its task is never dispatched
again) and finishes on its own — the spec limits bound how long that takes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sabfl.roles.loop import CHAIN_ERRORS
from sabfl.roles.spec import SpecRefused

Step = Callable[[], None]


@dataclass(frozen=True)
class Running:
    thread: threading.Thread
    started: float


class TaskScheduler:
    def __init__(
        self,
        max_running: int,
        budget_s: float,
        log: logging.Logger,
        on_chain_error: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_running = max_running
        self.budget_s = budget_s
        self.log = log
        self.on_chain_error = on_chain_error
        self.clock = clock
        self.running: dict[int, Running] = {}
        self.last_started: dict[int, float] = {}
        self._declined: dict[int, str] = {}
        self._lock = threading.Lock()

    def declined(self, task_id: int) -> bool:
        with self._lock:
            return task_id in self._declined

    def decline(self, task_id: int, reason: str) -> None:
        """Never serve the task again; the reason is logged once."""
        with self._lock:
            if task_id in self._declined:
                return
            self._declined[task_id] = reason
        self.log.warning("task %d: declined: %s", task_id, reason)

    def dispatch(self, steps: Mapping[int, Step]) -> list[int]:
        """Start the step of every task in `steps` that is neither running nor declined, while slots are
        free, least recently started first; returns the tasks started."""
        self.reap()
        self.last_started = {t: s for t, s in self.last_started.items() if t in steps}
        started = []
        for task_id in sorted(steps, key=lambda t: self.last_started.get(t, float("-inf"))):
            if len(self.running) >= self.max_running:
                break
            if task_id in self.running or self.declined(task_id):
                continue
            thread = threading.Thread(
                target=self._run, args=(task_id, steps[task_id]), name=f"task-{task_id}", daemon=True
            )
            now = self.clock()
            self.running[task_id] = Running(thread, now)
            self.last_started[task_id] = now
            thread.start()
            started.append(task_id)
        return started

    def reap(self) -> None:
        """Forget finished steps; decline the task of a step past its budget and free its slot."""
        now = self.clock()
        for task_id, running in list(self.running.items()):
            if not running.thread.is_alive():
                del self.running[task_id]
            elif now - running.started > self.budget_s:
                self.decline(task_id, f"a step ran past its time budget of {self.budget_s:g} s")
                del self.running[task_id]

    def _run(self, task_id: int, step: Step) -> None:
        try:
            step()
        except CHAIN_ERRORS as error:
            self.on_chain_error()
            self.log.warning("task %d: chain step failed: %s", task_id, error)
        except SpecRefused as error:
            self.decline(task_id, str(error))
        except Exception as error:  # a hostile spec can make the ML code fail in any way
            self.log.exception("task %d: step failed", task_id)
            self.decline(task_id, f"its step failed: {error!r}")
