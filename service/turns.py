"""First come, first served turns at a limited resource, within one process.

Used for SQLite's single write lock (``service.db.WriterQueue``, one turn) and for the CPU of
the matcher (``service.matching.service``, one turn per core): threads queue in arrival order,
so under many threads the wait is the sum of the work ahead, not a lottery, and no more work
runs at once than the resource serves well.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class Turns:
    """At most ``slots`` holders at a time; waiting threads are let in in arrival order."""

    def __init__(self, timeout_s: float, slots: int = 1) -> None:
        self.timeout_s = timeout_s
        self.slots = max(1, slots)
        self._condition = threading.Condition()
        self._waiting: deque[object] = deque()
        self._taken = 0

    def acquire(self) -> bool:
        """Wait for this thread's turn; False when the timeout passed first."""
        ticket = object()
        deadline = time.monotonic() + self.timeout_s
        with self._condition:
            self._waiting.append(ticket)
            while self._taken >= self.slots or self._waiting[0] is not ticket:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._waiting.remove(ticket)
                    self._condition.notify_all()
                    return False
                self._condition.wait(remaining)
            self._waiting.popleft()
            self._taken += 1
            self._condition.notify_all()  # the next in line may fit in another slot
            return True

    def release(self) -> None:
        """End a turn and wake the next in line."""
        with self._condition:
            self._taken = max(0, self._taken - 1)
            self._condition.notify_all()

    @property
    def waiting(self) -> int:
        """How many threads wait for a turn now."""
        with self._condition:
            return len(self._waiting)

    @property
    def holders(self) -> int:
        """How many turns are taken now."""
        with self._condition:
            return self._taken
