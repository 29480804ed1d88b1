"""In a real browser (issue 16): an admin checks an import file (the rejected rows and reasons
shown, nothing stored), confirms it, and opens the model's audit; a caseworker adds a note to a
learning case. axe-core checks each page, as tests/web/test_browser.py does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from service import clock
from service.auth import service as auth_service
from service.auth.models import User
from service.auth.principal import CLI_PRINCIPAL, Role
from service.auth.schemas import UserCreate
from service.companies.models import Company
from service.db import make_engine
from service.placements.models import LearningCaseNote, Placement
from tests.citizens.helpers import make_citizen
from tests.factories import valid_cvr
from tests.placements.helpers import internship, move
from tests.web.conftest import DemoSite, Visitor
from tests.web.test_browser import _accessible

SECOND_ADMIN = "admin2@web-test.example"


@pytest.fixture
def site_session(demo_site: DemoSite) -> Iterator[Session]:
    """A session on the served site's database; the test commits what the pages should see."""
    engine = make_engine(demo_site.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def second_admin(demo_site: DemoSite, site_session: Session) -> str:
    """An admin of its own: test_browser.py locks the first admin's login out."""
    if site_session.exec(select(User).where(User.email == SECOND_ADMIN)).first() is None:
        auth_service.create_user(
            site_session,
            data=UserCreate(
                name="Arne Admin", email=SECOND_ADMIN, role=Role.admin, password=demo_site.password
            ),
            actor=CLI_PRINCIPAL,
        )
        site_session.commit()
    demo_site.emails["admin2"] = SECOND_ADMIN
    return "admin2"


def _cvrs_stored(site: DemoSite, cvrs: list[str]) -> list[str]:
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            return sorted(session.exec(select(Company.cvr).where(col(Company.cvr).in_(cvrs))))
    finally:
        engine.dispose()


def test_admin_checks_an_import_then_confirms_it_and_reads_the_audit(
    visitor: Visitor, demo_site: DemoSite, second_admin: str
) -> None:
    page = visitor.page
    visitor.log_in(second_admin)
    visitor.go("/admin")
    assert page.locator("#model-version").count() == 1
    _accessible(visitor, "admin-import")

    good = valid_cvr()
    bad = good[:7] + str((int(good[7]) + 1) % 10)
    content = (
        "CVR;Navn;Adresse;Postnr;Branchekode\r\n"
        f"{good};Holeby Cykler;Vej 1;4960;475410\r\n"
        f"{bad};Fejlfirma;Vej 2;4960;475410\r\n"
    ).encode()
    page.select_option("#import-kind", "companies")
    page.set_input_files(
        "#import-file", files=[{"name": "liste.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("#import-form button[type=submit]")

    assert "Intet er gemt endnu" in page.locator("#import-dry-run").inner_text()
    assert page.locator("#import-created").inner_text() == "1"
    cells = page.locator("#rejected-table tbody tr").first.locator("th, td").all_inner_texts()
    assert cells[:3] == ["3", bad, "CVR"]
    assert "modulus 11" in cells[3]
    assert _cvrs_stored(demo_site, [good, bad]) == []
    _accessible(visitor, "admin-import-kontrol")

    page.click("#confirm-form button[type=submit]")
    assert "1 oprettet" in page.locator("#import-done").inner_text()
    assert _cvrs_stored(demo_site, [good, bad]) == [good]

    visitor.go("/admin/model")
    assert page.locator("#audit-signs tbody tr").count() >= 5
    assert page.locator("#audit-calibration tbody tr").count() >= 1
    _accessible(visitor, "admin-model")


def test_caseworker_adds_a_note_to_a_learning_case(
    visitor: Visitor, demo_site: DemoSite, site_session: Session
) -> None:
    shop = site_session.exec(select(Company).where(Company.name == "Maribo Dagligvarer")).one()
    citizen = make_citizen(site_session, name="Gitte Læring")
    started = clock.today() - timedelta(days=30)
    placement = move(
        site_session,
        internship(site_session, citizen, shop, started=started),
        status="ended",
        effective_date=clock.today() - timedelta(days=1),
        assessment="ended_early",
        end_reason="transport",
        outcome_category=7,
    )
    site_session.commit()
    page = visitor.page
    visitor.log_in("caseworker")
    visitor.go(f"/forloeb/{placement.id}")
    assert page.locator("#case-reason").inner_text() == "Transport"
    _accessible(visitor, "laeringscase")

    page.fill("#note-text", "Ring til mig på 210270-1092")
    page.click("#note-form button[type=submit]")
    assert "CPR-nummer" in page.locator("#note-error").inner_text()
    _accessible(visitor, "laeringscase-fejl")

    page.select_option("#note-perspective", "citizen")
    page.fill("#note-text", "Bussen gik ikke tidligt nok til vagten kl. 6")
    page.click("#note-form button[type=submit]")
    assert page.locator("#note-saved").is_visible()
    note = page.locator("#case-notes li")
    assert note.count() == 1
    assert note.locator("h3").inner_text() == f"Borgerens beretning, {clock.today():%d.%m.%Y}"
    assert note.locator("p").inner_text() == "Bussen gik ikke tidligt nok til vagten kl. 6"
    engine = make_engine(demo_site.database_url)
    try:
        with Session(engine) as session:
            notes = session.exec(
                select(LearningCaseNote.text).where(LearningCaseNote.placement_id == placement.id)
            ).all()
            assert session.get(Placement, placement.id) is not None
    finally:
        engine.dispose()
    assert notes == ["Bussen gik ikke tidligt nok til vagten kl. 6"]
