"""First come, first served turns (service/turns.py) with real threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from service.turns import Turns


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_turns_admit_at_most_their_slots_in_arrival_order() -> None:
    turns = Turns(timeout_s=10, slots=2)
    assert turns.acquire()
    assert turns.acquire()  # both slots held by the test until every thread queues
    entered: list[int] = []
    most = 0
    lock = threading.Lock()

    def work(n: int) -> None:
        nonlocal most
        assert turns.acquire()
        with lock:
            entered.append(n)
            most = max(most, turns.holders)
        time.sleep(0.02)
        turns.release()

    threads = []
    for n in range(6):
        thread = threading.Thread(target=work, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_for(lambda: turns.waiting == len(threads))  # arrival order is start order
    turns.release()
    turns.release()
    for thread in threads:
        thread.join(10)

    assert entered == [0, 1, 2, 3, 4, 5]
    assert most == 2
    assert turns.holders == 0


def test_a_turn_not_free_in_time_is_refused_and_leaves_the_queue() -> None:
    turns = Turns(timeout_s=0.05, slots=1)
    assert turns.acquire()

    assert turns.acquire() is False
    assert turns.waiting == 0
    turns.release()
    assert turns.acquire() is True
