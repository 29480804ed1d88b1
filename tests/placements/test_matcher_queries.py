"""The two aggregates the matcher reads, on hand-made placements; each is one SQL statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from service import clock
from service.companies.models import Company
from service.placements import service as placements_service
from service.placements.models import Placement
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import days_ago, internship, make_opening, move, propose


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session runs inside the block."""
    seen: list[str] = []
    connection = session.connection()

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _end(session: Session, placement: Placement, outcome: int) -> Placement:
    return move(
        session,
        placement,
        status="ended",
        effective_date=days_ago(2),
        assessment="completed",
        outcome_category=outcome,
    )


def _paid(session: Session, placement: Placement, company: Company, status: str) -> None:
    paid = propose(
        session,
        citizen_id=placement.citizen_id,
        company_id=company.id,
        placement_type="loentimer",
        start_date=clock.today().isoformat(),
    )
    if status != "proposed":
        move(session, paid, status=status)


class TestProposalsThisMonth:
    def test_counts_open_placements_proposed_this_month_per_opening(
        self, session: Session, loaded_catalogue: Any
    ) -> None:
        company = make_company(session)
        first, second = make_opening(session, company), make_opening(session, company)
        last_month = (clock.today().replace(day=1) - timedelta(days=1)).isoformat()

        def on(opening_id: str | None, **extra: Any) -> Placement:
            return internship(
                session, make_citizen(session), company, opening_id=opening_id, **extra
            )

        on(first.id)
        on(first.id)
        move(session, on(first.id), status="agreed")
        move(session, on(first.id), status="rejected")
        on(first.id, proposed_date=last_month)
        move(session, move(session, on(second.id), status="agreed"), status="active")
        on(None)

        with statements(session) as seen:
            counts = placements_service.proposals_this_month_by_opening(
                session, today=clock.today()
            )

        assert counts == {first.id: 3, second.id: 1}
        assert len(seen) == 1
        assert "GROUP BY" in seen[0]


class TestConversionRate:
    def test_share_of_ended_internships_followed_by_paid_hours(self, session: Session) -> None:
        converting = make_company(session, name="Konverterer")
        stuck = make_company(session, name="Fastlåst")
        running = make_company(session, name="I gang")
        started = days_ago(120)
        # Converting: outcome 2, a later agreed loentimer, the step marked done, and one that
        # ended without paid hours: 3 of 4.
        _end(session, internship(session, make_citizen(session), converting, started=started), 2)
        followed = _end(
            session, internship(session, make_citizen(session), converting, started=started), 7
        )
        _paid(session, followed, converting, "agreed")
        marked = internship(session, make_citizen(session), converting, started=started)
        move(session, marked, planned_step_done=True)
        _end(session, marked, 7)
        _end(session, internship(session, make_citizen(session), converting, started=started), 7)
        # Stuck: the only follow-up is a proposal nobody agreed to: 0 of 1.
        proposed_only = _end(
            session, internship(session, make_citizen(session), stuck, started=started), 7
        )
        _paid(session, proposed_only, stuck, "proposed")
        # Running: no ended internship, so no rate at all.
        internship(session, make_citizen(session), running, started=started)

        with statements(session) as seen:
            rates = placements_service.conversion_rate_by_company(session)

        assert rates == {converting.id: 0.75, stuck.id: 0.0}
        assert len(seen) == 1
