"""The one clock of the service: every "now" and "today" comes from here.

Tests (and nothing else) move it with `frozen_at`; the rest of the code calls `now()` or
`today()` and never `datetime.now()` or `date.today()` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current time in UTC (timestamp columns store and return aware UTC)."""
    return _source()


def today() -> date:
    """Today's date in UTC: the date due dates, lock-in and suggestions are counted from."""
    return now().date()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """For tests: the clock reads ``moment`` (aware UTC) until the block ends."""
    global _source
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    previous = _source
    _source = lambda: moment  # noqa: E731
    try:
        yield
    finally:
        _source = previous
