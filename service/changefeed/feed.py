"""Marking companies' overview rows as changed: the hook placements and companies call.

Imports nothing but its own tables, so the placements and companies services can call it
without an import cycle. Called inside the changing transaction; never commits.

Ordering: the counter row is locked (an UPDATE) before a number is taken and stays locked until
the transaction ends, so two transactions that change overview rows take their numbers one
after the other and commit in that order. On PostgreSQL this is the row lock; on SQLite the
database's single writer lock. A reader therefore never sees number N without every number
below it, which is what lets a sync resume after the last number it saw without gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from service import clock
from service.changefeed.models import COUNTER_ID, OverviewChangeCounter, OverviewCompanyChange

# changed_at moves forward by at least this much per change, even if the clock stands still
# or steps back (several workers, NTP corrections).
TICK = timedelta(microseconds=1)


def _lock_counter(session: Session) -> None:
    # A no-op UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until commit.
    session.execute(
        update(OverviewChangeCounter)
        .where(col(OverviewChangeCounter.id) == COUNTER_ID)
        .values(last_seq=OverviewChangeCounter.last_seq)
    )


def record_company_changes(
    session: Session, *, company_ids: Iterable[str | None], only_tracked: bool = False
) -> list[int]:
    """Give each company's overview row the next change number; returns the numbers.

    With ``only_tracked`` (a change to the company itself), only companies that already have an
    overview row (ever had a placement) are marked: the rest are not in the overview.
    """
    ids = sorted({company_id for company_id in company_ids if company_id})
    if not ids:
        return []
    session.flush()
    _lock_counter(session)
    if only_tracked:
        tracked = set(
            session.exec(
                select(OverviewCompanyChange.company_id).where(
                    col(OverviewCompanyChange.company_id).in_(ids)
                )
            )
        )
        ids = [company_id for company_id in ids if company_id in tracked]
        if not ids:
            return []
    counter = session.get(OverviewChangeCounter, COUNTER_ID, populate_existing=True)
    if counter is None:  # the migration inserts it; a hand-built database may lack it
        counter = OverviewChangeCounter(id=COUNTER_ID, last_seq=0)
        session.add(counter)
    existing = {
        row.company_id: row
        for row in session.exec(
            select(OverviewCompanyChange)
            .where(col(OverviewCompanyChange.company_id).in_(ids))
            .execution_options(populate_existing=True)
        )
    }
    first_at = _next_time(counter.last_changed_at)
    seq = counter.last_seq
    at = first_at
    for offset, company_id in enumerate(ids):
        seq = counter.last_seq + offset + 1
        at = first_at + offset * TICK
        row = existing.get(company_id)
        if row is None:
            row = OverviewCompanyChange(company_id=company_id, change_seq=seq, changed_at=at)
        row.change_seq = seq
        row.changed_at = at
        session.add(row)
    numbers = list(range(counter.last_seq + 1, seq + 1))
    counter.last_seq = seq
    counter.last_changed_at = at
    session.add(counter)
    session.flush()
    return numbers


def _next_time(previous: datetime | None) -> datetime:
    now = clock.now()
    if previous is None:
        return now
    return max(now, previous + TICK)
