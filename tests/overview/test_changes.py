"""The change marker: which changes move a company's overview row, and how they are numbered."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from service import clock, erasure
from service.auth.principal import CLI_PRINCIPAL
from service.changefeed import feed as changes
from service.changefeed.models import COUNTER_ID, OverviewChangeCounter, OverviewCompanyChange
from service.companies import service as companies_service
from service.companies.schemas import CompanyUpdate
from service.placements.states import PlacementStatus
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.overview.helpers import place
from tests.placements.helpers import days_ago, move


def change_of(session: Session, company_id: str) -> OverviewCompanyChange | None:
    """The change row of a company, fresh from the database."""
    return session.exec(
        select(OverviewCompanyChange)
        .where(col(OverviewCompanyChange.company_id) == company_id)
        .execution_options(populate_existing=True)
    ).first()


def counter(session: Session) -> OverviewChangeCounter:
    """The counter row, fresh from the database."""
    row = session.get(OverviewChangeCounter, COUNTER_ID, populate_existing=True)
    assert row is not None
    return row


class TestRecordCompanyChanges:
    def test_numbers_follow_each_other_and_times_rise_strictly(self, session: Session) -> None:
        start = counter(session).last_seq

        numbers = changes.record_company_changes(session, company_ids=["b", "a", None, "b"])
        again = changes.record_company_changes(session, company_ids=["a"])

        assert numbers == [start + 1, start + 2]  # each company once, in id order
        assert again == [start + 3]
        a, b = change_of(session, "a"), change_of(session, "b")
        assert a is not None
        assert b is not None
        assert (b.change_seq, a.change_seq) == (start + 2, start + 3)
        assert b.changed_at < a.changed_at
        assert counter(session).last_seq == start + 3
        assert counter(session).last_changed_at == a.changed_at

    def test_time_never_goes_back_even_if_the_clock_does(self, session: Session) -> None:
        future = clock.now().replace(year=2999)
        ahead = counter(session)
        ahead.last_changed_at = future  # a worker whose clock ran far ahead
        session.add(ahead)
        session.flush()

        changes.record_company_changes(session, company_ids=["x"])

        row = change_of(session, "x")
        assert row is not None
        assert row.changed_at == future + changes.TICK

    def test_only_tracked_skips_companies_without_a_row(self, session: Session) -> None:
        changes.record_company_changes(session, company_ids=["tracked"])
        before = counter(session).last_seq

        numbers = changes.record_company_changes(
            session, company_ids=["tracked", "untracked"], only_tracked=True
        )

        assert numbers == [before + 1]
        assert change_of(session, "untracked") is None


class TestHooks:
    def test_a_new_company_is_not_in_the_feed_until_it_has_a_placement(
        self, session: Session
    ) -> None:
        company = make_company(session, name="Ny Virksomhed")
        companies_service.update_company(
            session, company=company, data=CompanyUpdate(size_band="0-5"), actor=CLI_PRINCIPAL
        )

        assert change_of(session, company.id) is None

        placement = place(
            session, make_citizen(session), company, "virksomhedspraktik", PlacementStatus.proposed
        )
        proposed = change_of(session, company.id)
        assert proposed is not None
        first = proposed.change_seq
        move(session, placement, status="agreed", effective_date=days_ago(0))

        agreed = change_of(session, company.id)
        assert agreed is not None
        assert agreed.change_seq > first

    @pytest.mark.parametrize("action", ["update", "delete"])
    def test_a_tracked_company_changes_with_its_own_changes(
        self, session: Session, action: str
    ) -> None:
        company = make_company(session)
        place(session, make_citizen(session), company, "loentimer", PlacementStatus.active)
        before = change_of(session, company.id)
        assert before is not None
        seq = before.change_seq

        if action == "update":
            companies_service.update_company(
                session,
                company=company,
                data=CompanyUpdate(contacts=[{"name": "Ny Kontakt"}]),
                actor=CLI_PRINCIPAL,
            )
        else:
            companies_service.delete_company(session, company=company, actor=CLI_PRINCIPAL)

        after = change_of(session, company.id)
        assert after is not None
        assert after.change_seq > seq

    def test_erasing_a_citizen_changes_the_rows_of_their_companies(self, session: Session) -> None:
        citizen = make_citizen(session)
        first, second = make_company(session), make_company(session)
        place(session, citizen, first, "virksomhedspraktik", PlacementStatus.active)
        place(session, citizen, second, "hybridjob", PlacementStatus.active)
        seqs = {c.id: change_of(session, c.id).change_seq for c in (first, second)}  # type: ignore[union-attr]

        erasure.erase_citizen(session, citizen=citizen, actor=CLI_PRINCIPAL)

        for company in (first, second):
            row = change_of(session, company.id)
            assert row is not None
            assert row.change_seq > seqs[company.id]
