"""Journeys in a real browser (issue 16): each role's main pages with values asserted against
the service functions, axe-core on every page, and the denials."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlmodel import Session, select

from service import clock
from service.auth.principal import Principal, Role
from service.citizens.models import Citizen
from service.db import make_engine
from service.overview import progress as overview_progress
from service.overview import summary as overview_summary
from service.overview.schemas import OverviewFilters
from service.placements import service as placements_service
from service.placements.budget import BenefitCategory
from tests.web.conftest import DemoSite, Visitor


def _accessible(visitor: Visitor, name: str) -> None:
    visitor.screenshot(name)
    assert visitor.check_accessibility() == [], name


def _citizen_of(site: DemoSite, municipality: str) -> Citizen:
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            statement = (
                select(Citizen)
                .where(Citizen.municipality_code == municipality)
                .order_by(Citizen.name)
            )
            return session.exec(statement).first()  # type: ignore[return-value]
    finally:
        engine.dispose()


def _measurements_in_chart(svg: str) -> int:
    """The number of measurements the BIP chart says it draws ("3 målinger; ...")."""
    found = re.search(r"(\d+) målinger;", svg)
    return int(found.group(1)) if found else 0


def test_caseworker_records_a_bip_and_sees_matches(visitor: Visitor, demo_site: DemoSite) -> None:
    page = visitor.page
    visitor.go("/")
    assert "/login" in page.url
    _accessible(visitor, "login")
    visitor.log_in("caseworker")
    assert page.locator("h1").inner_text() == "Goddag, Sofie Sagsbehandler"
    assert page.locator("#home-citizens li").all_inner_texts()[0].startswith("Bodil Testesen")
    assert "Maribo Dagligvarer" in page.locator("#home-placements").inner_text()
    _accessible(visitor, "forside-sagsbehandler")

    # Search by name finds the citizen, live (htmx) and by the plain form.
    citizen = _citizen_of(demo_site, "360")
    visitor.go("/borgere")
    page.fill("#q", citizen.name)
    page.wait_for_function(
        "n => [...document.querySelectorAll('#citizen-table tbody tr')].length >= 1 && "
        "[...document.querySelectorAll('#citizen-table tbody a')].every(a => a.textContent === n)",
        arg=citizen.name,
    )
    _accessible(visitor, "borgere")
    page.click(f"#citizen-table a[href='/borgere/{citizen.id}']")
    assert page.locator("#citizen-name").inner_text() == citizen.name
    assert page.locator("#citizen-limits").count() == 1
    assert page.locator("#matches li").count() >= 1
    _accessible(visitor, "borger")

    # The BIP form asks the ten questions as the questionnaire words them.
    visitor.go(f"/borgere/{citizen.id}/bip")
    legends = page.locator("#bip-form legend").all_inner_texts()
    assert len(legends) == 10
    assert legends[0] == "1. Har en idé om, hvilket arbejde du gerne vil have?"
    assert legends[4] == "5. Hvor god er du til at samarbejde med andre?"
    chart = visitor.url(f"/borgere/{citizen.id}/bip.svg")
    before = _measurements_in_chart(page.request.get(chart).text())
    page.fill("#measured_on", clock.today().isoformat())
    for key, value in (("job_goal", 4), ("cooperation", 5), ("health", 2)):
        page.check(f"#{key}-{value}")
    page.click("#bip-form button[type=submit]")
    assert page.locator("#bip-saved").is_visible()
    rows = {
        r.locator("th").inner_text(): r.locator("td").all_inner_texts()
        for r in page.locator("#bip-history tbody tr").all()
    }
    assert rows["Idé om job"][-2] == "4"
    assert rows["Samarbejde"][-2] == "5"
    assert rows["Helbred ift. arbejde"][-2] == "2"
    assert rows["Overskud i hverdagen"][-2] == "–"
    # The progression chart beside the table has the new measurement too.
    assert _measurements_in_chart(page.request.get(chart).text()) == before + 1
    _accessible(visitor, "bip")


def test_consultant_spots_a_job_and_sees_candidates(visitor: Visitor, demo_site: DemoSite) -> None:
    page = visitor.page
    visitor.log_in("consultant")
    visitor.go("/virksomheder")
    page.fill("#q", "møbel")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#company-table tbody a')]"
        ".map(a => a.textContent).join('|') === 'Nakskov Møbelfabrik'"
    )
    _accessible(visitor, "virksomheder")
    visitor.go("/virksomheder?q=dagligvarer")
    assert page.locator("#company-table tbody a").all_inner_texts() == ["Maribo Dagligvarer"]
    page.locator("#company-table tbody a").first.click()
    company_url = page.url
    assert page.locator("#company-name").inner_text() == "Maribo Dagligvarer"
    assert "Bodil Testesen" in page.locator("#candidates").inner_text()
    _accessible(visitor, "virksomhed")

    # Live normalisation: what the typed task is understood as.
    page.fill("#task_text", "vaske op efter frokost")
    understood = page.locator("#understood-result")
    understood.wait_for()
    assert "Forstås som:" in understood.inner_text() or "Tæt på" in understood.inner_text()
    page.fill("#hours_per_week", "8")
    page.click("#spot-form button[type=submit]")
    assert page.url.startswith(company_url.split("#")[0])
    last = page.locator("#openings tbody tr").last.locator("td").all_inner_texts()
    assert last[1] == "vaske op efter frokost"
    assert last[2] == "8.0" or last[2] == "8"
    assert last[3] == "åben"
    assert last[0] != "–"  # resolved to a catalogue task

    # The visit checklist lists the company's own sector's tasks first.
    visitor.go(page.url.split("#")[0].replace(demo_site.base_url, "") + "/besoeg")
    assert page.locator("#checklist tbody tr").count() >= 5
    _accessible(visitor, "besoeg")

    # A consultant's citizen page has no BIP answers or limits, and the BIP page is refused.
    citizen = _citizen_of(demo_site, "360")
    visitor.go(f"/borgere/{citizen.id}")
    assert page.locator("#citizen-name").inner_text() == citizen.name
    assert page.locator("#citizen-limits").count() == 0
    assert page.locator("text=Sagsnummer").count() == 0
    response = visitor.go(f"/borgere/{citizen.id}/bip")
    assert response.status == 403
    assert "Din rolle har ikke adgang til denne side" in page.locator("main").inner_text()


def test_budget_page_shows_the_service_figures(visitor: Visitor) -> None:
    page = visitor.page
    visitor.log_in("blf")
    assert page.locator("nav a", has_text="Borgere").count() == 0
    visitor.go("/budget")
    page.fill("#hourly_wage", "140")
    page.select_option("#benefit_category", "forhoejet_sats")
    page.click("form.km-form button[type=submit]")
    expected = placements_service.budget_example(
        hourly_wage=Decimal(140),
        category=BenefitCategory.forhoejet_sats,
        on=clock.today(),
        municipality_code="360",
        hours_per_week=None,
    )
    shown = [
        r.locator("td").all_inner_texts() for r in page.locator("#budget-table tbody tr").all()
    ]
    assert [cells[5] for cells in shown] == [str(r.disposable_income) for r in expected.rows]
    assert [cells[0] for cells in shown] == [str(r.hours_per_week) for r in expected.rows]
    _accessible(visitor, "budget")
    # BLF gets no citizen pages.
    assert visitor.go("/borgere").status == 403
    assert visitor.go("/admin").status == 403


def test_a_post_without_csrf_token_fails_in_the_browser(visitor: Visitor) -> None:
    visitor.log_in("caseworker")
    response = visitor.page.request.post(visitor.url("/logout"), form={"x": "1"})
    assert response.status == 403
    assert "csrf_token" in response.text()
    visitor.go("/")
    assert visitor.page.locator("h1").inner_text().startswith("Goddag")


def test_admin_page_lists_users_and_keys(visitor: Visitor, demo_site: DemoSite) -> None:
    # Before test_a_locked_out_login, which locks the admin's login for 15 minutes.
    page = visitor.page
    visitor.log_in("admin")
    visitor.go("/admin")
    rows = {
        r.locator("th").inner_text(): r.locator("td").all_inner_texts()
        for r in page.locator("#users-table tbody tr").all()
    }
    assert rows["Sofie Sagsbehandler"][:4] == [
        demo_site.emails["caseworker"],
        "Sagsbehandler",
        "360",
        "ja",
    ]
    assert rows["Bente BLF"][1:3] == ["BLF-konsulent", "Alle"]
    _accessible(visitor, "admin")


def test_a_locked_out_login(visitor: Visitor) -> None:
    page = visitor.page
    for attempt in range(5):
        visitor.log_in("admin", password=f"forkert-{attempt}")
    assert "spærret for login" in page.locator("#login-error").inner_text()
    visitor.log_in("admin")
    assert "/login" in page.url
    assert "spærret for login" in page.locator("#login-error").inner_text()
    _accessible(visitor, "login-spaerret")


def test_api_docs_load_without_any_outside_address(visitor: Visitor) -> None:
    page = visitor.page
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(visitor.site.base_url) else outside.append(r.url),
    )
    visitor.go("/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
    assert page.get_by_text("/api/v1/companies/{company_id}/openings", exact=True).count() >= 1
    assert outside == []
    assert re.search(r"Kantmatch", page.title())


def test_overview_page_shows_targets_summary_and_exports(visitor: Visitor) -> None:
    page = visitor.page
    visitor.log_in("blf")
    assert page.locator("nav a", has_text="Overblik").count() == 1
    visitor.go("/overblik")
    engine = make_engine(visitor.site.database_url)
    try:
        with Session(engine) as session:
            blf = Principal(user_id=None, name="BLF", role=Role.blf_consultant)
            targets = overview_progress.targets_progress(session, actor=blf, today=clock.today())
            summary = overview_summary.summary(session, actor=blf, filters=OverviewFilters())
    finally:
        engine.dispose()
    rows = [
        r.locator("td").all_inner_texts() for r in page.locator("#targets-table tbody tr").all()
    ]
    assert [cells[0] for cells in rows] == [str(t.target) for t in targets.targets]
    assert page.locator("#targets-table tbody th").all_inner_texts() == [
        t.label for t in targets.targets
    ]
    total = page.locator("#summary-table tfoot td").all_inner_texts()
    assert total[0] == str(summary.totals.companies)
    assert page.locator("#summary-table tbody tr").count() == max(1, len(summary.groups))
    assert page.locator("img[src='/overblik/maal.svg']").evaluate("i => i.naturalWidth") > 0
    assert "/api/v1/overview/companies?format=csv" in page.locator(
        "#overview-exports a"
    ).evaluate_all("as => as.map(a => a.getAttribute('href'))")
    _accessible(visitor, "overblik")
