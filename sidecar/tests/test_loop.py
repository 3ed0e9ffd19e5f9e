import logging
import threading
import time

import grpc

from sabfl.roles.loop import next_block, poll


def test_a_new_block_ends_the_wait_long_before_the_poll_interval() -> None:
    heights = iter([7, 7, 8])
    started = time.monotonic()
    next_block(lambda: next(heights), 7, threading.Event(), seconds=5.0)
    assert time.monotonic() - started < 1.0


def test_without_a_new_block_the_wait_ends_at_the_poll_interval() -> None:
    started = time.monotonic()
    next_block(lambda: 7, 7, threading.Event(), seconds=0.3)
    assert 0.25 <= time.monotonic() - started < 2.0


class NodeDown(grpc.RpcError):
    pass


def test_poll_ticks_once_per_block_and_survives_a_failing_tick() -> None:
    stop, ticks, height, errors, fail = threading.Event(), [], [1], [], [True]

    def tick() -> None:
        if len(ticks) == 2 and fail[0]:
            fail[0] = False
            raise NodeDown()  # no block comes: the next tick waits out the 1 s interval
        ticks.append(height[0])
        height[0] += 1  # a block per tick
        if len(ticks) == 4:
            stop.set()

    started = time.monotonic()
    poll(tick, stop, 1.0, logging.getLogger("test"), lambda: errors.append(1), lambda: height[0])
    assert ticks == [1, 2, 3, 4] and errors == [1]
    assert time.monotonic() - started < 2.5  # paced by the interval, 4 ticks would take 4 s
