"""One clock: the service reads time only through service.clock, and tests can move it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from service import clock

SERVICE = Path(__file__).resolve().parents[2] / "service"
BARE_CLOCK = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|time\.time)\(")


def test_frozen_clock_is_read_and_restored() -> None:
    before = clock.today()
    with clock.frozen_at(datetime(2027, 1, 11, 8, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 1, 11)
        assert clock.now().hour == 8
    assert clock.today() == before


def test_no_module_reads_the_wall_clock_itself() -> None:
    offenders = [
        f"{path.relative_to(SERVICE.parent)}:{number}: {line.strip()}"
        for path in SERVICE.rglob("*.py")
        if path.name != "clock.py" and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BARE_CLOCK.search(line)
    ]
    assert offenders == []
