"""In a real browser (issue 16): a caseworker proposes a placement from a match on the citizen
page and moves it to active; the values shown are checked against the stored placement, and
axe-core checks each page (as tests/web/test_browser.py does)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from service import clock
from service.db import make_engine
from service.placements.models import Placement
from tests.web.conftest import DemoSite, Visitor
from tests.web.test_browser import _accessible, _citizen_of


def _stored(site: DemoSite, placement_id: str) -> Placement:
    engine = make_engine(site.database_url)
    try:
        with Session(engine) as session:
            placement = session.get(Placement, placement_id)
            assert placement is not None
            return placement
    finally:
        engine.dispose()


def test_caseworker_proposes_a_placement_from_a_match_and_makes_it_active(
    visitor: Visitor, demo_site: DemoSite
) -> None:
    page = visitor.page
    visitor.log_in("caseworker")
    citizen = _citizen_of(demo_site, "360")
    visitor.go(f"/borgere/{citizen.id}")
    first = page.locator("#matches > li").first
    task = first.locator("strong").first.inner_text()
    company = first.locator("a").first.inner_text()
    form = first.locator("form[action$='/forloeb']")
    first.locator("summary").click()
    _accessible(visitor, "borger-foreslaa")

    # A refused proposal first: an internship without its review date.
    form.locator("input[name=review_date]").fill("")
    form.locator("select[name=placement_type]").select_option("virksomhedspraktik")
    form.locator("input[name=start_date]").fill(clock.today().isoformat())
    form.locator("button[type=submit]").click()
    summary = page.locator(".alert-error").first
    assert "Opfølgningsdato" in summary.inner_text()
    assert "opfølgningsdato" in summary.locator("li").first.inner_text()
    _accessible(visitor, "borger-foreslaa-fejl")

    # The form keeps what was typed; give the review date and propose.
    form = page.locator("details[open] form[action$='/forloeb']")
    assert form.locator("input[name=start_date]").input_value() == clock.today().isoformat()
    review = clock.today() + timedelta(weeks=4)
    form.locator("input[name=review_date]").fill(review.isoformat())
    form.locator("select[name=planned_step_type]").select_option("loentimer")
    form.locator("input[name=planned_step_date]").fill((review + timedelta(weeks=4)).isoformat())
    form.locator("input[name=hours_per_week]").fill("6")
    form.locator("button[type=submit]").click()

    assert "/forloeb/" in page.url, page.locator("main").inner_text()
    placement_id = page.url.rsplit("/", 1)[1]
    assert page.locator("#placement-company").inner_text() == company
    assert page.locator("#placement-task").inner_text() == task
    assert page.locator("#placement-status").inner_text() == "Foreslået"
    assert page.locator("#placement-hours").inner_text() == "6.0"
    _accessible(visitor, "forloeb-foreslaaet")

    page.click("button[data-step=agreed]")
    assert page.locator("#placement-status").inner_text() == "Aftalt"
    page.click("button[data-step=active]")
    status = page.locator("#placement-status")
    assert status.inner_text() == "I gang"
    assert status.get_attribute("data-status") == "active"
    assert page.locator("#placement-company").inner_text() == company
    assert page.locator("#placement-task").inner_text() == task
    assert page.locator("button[data-step]").evaluate_all("bs => bs.map(b => b.dataset.step)") == [
        "ended"
    ]
    _accessible(visitor, "forloeb-i-gang")

    stored = _stored(demo_site, placement_id)
    assert (stored.status, stored.citizen_id, stored.hours_per_week) == ("active", citizen.id, 6)
    assert stored.start_date == clock.today()
