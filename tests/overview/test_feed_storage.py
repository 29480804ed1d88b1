"""The change feed with real commits: ordering under concurrent writers, and the upgrade backfill.

Each test gets a fresh database of the backend, since it commits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.changefeed import feed as changes
from service.changefeed.models import COUNTER_ID, OverviewChangeCounter, OverviewCompanyChange
from service.db import make_engine, read_only
from service.migrations_runner import downgrade_database, upgrade_database
from service.placements.states import PlacementStatus
from tests.citizens.helpers import make_citizen
from tests.conftest import fresh_database_url
from tests.factories import make_company
from tests.overview.helpers import place


@pytest.fixture
def committed_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty database of the backend that tests may commit to."""
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_overview_feed"))
    upgrade_database(engine)
    yield engine
    engine.dispose()


def committed_changes(engine: Engine) -> list[tuple[str, int]]:
    """The committed change rows as (company, number), in number order (a reader, no lock)."""
    with Session(read_only(engine)) as reader:
        rows = reader.exec(
            select(OverviewCompanyChange).order_by(col(OverviewCompanyChange.change_seq))
        ).all()
        return [(row.company_id, row.change_seq) for row in rows]


def test_a_second_writer_takes_its_number_after_the_first_commits(
    committed_engine: Engine,
) -> None:
    events: list[str] = []
    second_numbers: list[int] = []
    first = Session(committed_engine)
    first_numbers = changes.record_company_changes(first, company_ids=["first"])
    ready = threading.Event()

    def second_writer() -> None:
        with Session(committed_engine) as second:
            ready.set()
            second_numbers.extend(changes.record_company_changes(second, company_ids=["second"]))
            second.commit()
            events.append("second committed")

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert ready.wait(5)
    time.sleep(0.3)

    # The first holds number 1 uncommitted: the second waits, and a reader sees neither.
    assert events == []
    assert committed_changes(committed_engine) == []
    events.append("first commits")
    first.commit()
    first.close()
    thread.join(10)

    assert events == ["first commits", "second committed"]
    assert (first_numbers, second_numbers) == ([1], [2])
    assert committed_changes(committed_engine) == [("first", 1), ("second", 2)]


def test_a_rolled_back_change_leaves_no_number_behind(committed_engine: Engine) -> None:
    with Session(committed_engine) as abandoned:
        changes.record_company_changes(abandoned, company_ids=["abandoned"])
        abandoned.rollback()
    with Session(committed_engine) as kept:
        numbers = changes.record_company_changes(kept, company_ids=["kept"])
        kept.commit()

    assert numbers == [1]
    assert committed_changes(committed_engine) == [("kept", 1)]


def test_the_upgrade_numbers_companies_that_already_have_placements(
    committed_engine: Engine,
) -> None:
    with Session(committed_engine, expire_on_commit=False) as session:
        busy = make_company(session, name="Travl Virksomhed")
        quiet = make_company(session, name="Stille Virksomhed")
        place(session, make_citizen(session), busy, "virksomhedspraktik", PlacementStatus.active)
        session.commit()
    downgrade_database(committed_engine, "0007_bustours")

    upgrade_database(committed_engine)

    assert committed_changes(committed_engine) == [(busy.id, 1)]
    assert quiet.id not in dict(committed_changes(committed_engine))
    with Session(committed_engine) as session:
        counter = session.get(OverviewChangeCounter, COUNTER_ID)
        row = session.get(OverviewCompanyChange, busy.id)
        assert counter is not None
        assert row is not None
        assert (counter.last_seq, counter.last_changed_at) == (1, row.changed_at)
