"""Each task's step on its own thread: a slow task never delays another, a step past its budget gets its
task declined and frees its slot, slots go to the least recently served task, and failures are told
apart (chain errors retried, refused specs and crashes declined). Ordering is shown with events and a
fake clock, not with wall-clock thresholds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import grpc
import pytest

from sabfl.chain import TxError
from sabfl.roles.scheduler import TaskScheduler
from sabfl.roles.spec import SpecRefused

LOG = logging.getLogger("test.scheduler")
WAIT = 30.0  # generous: only a hang would reach it


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def scheduler(max_running: int = 4, budget_s: float = 10.0) -> tuple[TaskScheduler, Clock]:
    clock = Clock()
    return TaskScheduler(max_running, budget_s, LOG, clock=clock), clock


def blocked(until: threading.Event, started: threading.Event) -> Callable[[], None]:
    def step() -> None:
        started.set()
        until.wait(WAIT)

    return step


def join_all(tasks: TaskScheduler) -> None:
    for running in list(tasks.running.values()):
        running.thread.join(WAIT)
    tasks.reap()


def test_a_slow_task_does_not_delay_another_task() -> None:
    tasks, _ = scheduler()
    release, slow_started, fast_done = threading.Event(), threading.Event(), threading.Event()
    assert tasks.dispatch({1: blocked(release, slow_started), 2: fast_done.set}) == [1, 2]
    assert fast_done.wait(WAIT), "task 2's step ran while task 1's was still blocked"
    assert slow_started.is_set() and tasks.running[1].thread.is_alive()
    tasks.running[2].thread.join(WAIT)
    assert tasks.dispatch({1: blocked(release, slow_started), 2: fast_done.set}) == [2]
    release.set()
    join_all(tasks)


def test_a_step_past_its_budget_declines_its_task_and_frees_the_slot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks, clock = scheduler(max_running=1, budget_s=5.0)
    release, started, other = threading.Event(), threading.Event(), threading.Event()
    assert tasks.dispatch({1: blocked(release, started)}) == [1]
    assert started.wait(WAIT)
    assert tasks.dispatch({1: blocked(release, started), 2: other.set}) == [], "the only slot is busy"
    clock.now = 5.0
    assert tasks.dispatch({2: other.set}) == [], "within budget: still running"
    clock.now = 5.1
    with caplog.at_level(logging.WARNING):
        assert tasks.dispatch({1: blocked(release, started), 2: other.set}) == [2]
    assert tasks.declined(1) and not tasks.declined(2)
    assert "task 1: declined: a step ran past its time budget of 5 s" in caplog.text
    assert other.wait(WAIT)
    release.set()
    join_all(tasks)
    assert tasks.dispatch({1: other.set}) == [], "a declined task is never served again"


def test_slots_go_to_the_least_recently_served_task() -> None:
    tasks, clock = scheduler(max_running=1)
    order = []
    for _ in range(4):
        clock.now += 1
        started = tasks.dispatch({3: lambda: order.append(3), 1: lambda: order.append(1)})
        assert len(started) == 1
        join_all(tasks)
    assert order == [3, 1, 3, 1]


@pytest.mark.parametrize(
    ("error", "declined"),
    [
        (TxError("account sequence mismatch"), False),
        (TimeoutError("not included"), False),
        (grpc.RpcError(), False),
        (SpecRefused("epochs=1000000000 is beyond this validator's limits"), True),
        (RuntimeError("shape mismatch in a hostile model"), True),
    ],
)
def test_chain_failures_are_retried_and_other_failures_decline(error: Exception, declined: bool) -> None:
    tasks, _ = scheduler()
    chain_errors = []
    tasks.on_chain_error = lambda: chain_errors.append(1)

    def fail() -> None:
        raise error

    tasks.dispatch({7: fail})
    join_all(tasks)
    assert tasks.declined(7) == declined
    assert len(chain_errors) == (0 if declined else 1)
    assert tasks.dispatch({7: fail}) == ([] if declined else [7])
    join_all(tasks)
