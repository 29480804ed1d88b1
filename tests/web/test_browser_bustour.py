"""A bus tour is planned and printed, in a real browser (issue 16): the caseworker chooses the
group with the town filter, plans, reads the timetable the bus-tours service computed and
opens the print view; axe-core finds no serious or critical violation on any of the pages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from service.bustours import views
from service.bustours.models import BusTour
from service.bustours.schemas import BusTourPublic
from tests.bustours.helpers import company, person
from tests.web.conftest import DemoSite, Visitor
from tests.web.test_browser import _accessible

# Companies that take visits round Maribo's job centre (54.777, 11.500). Names and citizens
# sort after the seeded ones, so the other browser tests see the same first citizen.
SAWMILL, INN, NURSERY = "Sørup Savværk", "Søllested Kro", "Holeby Planteskole"


@dataclass(frozen=True)
class TourWorld:
    """The citizens ticked for the tour (Maribo) and one of Nakskov the filter hides."""

    maribo: list[str]
    nakskov: str


@pytest.fixture(scope="module")
def tour_world(demo_site: DemoSite) -> TourWorld:
    with demo_site.session() as session, session.begin():
        contact = [{"name": "Hanne Skov", "phone": "54 78 90 12"}]
        company(session, SAWMILL, "industri", (54.80, 11.56), contacts=contact)
        company(session, INN, "hoteller_restauranter", (54.83, 11.45))
        company(session, NURSERY, "landbrug", (54.70, 11.57))
        group = [
            person(session, "Tove Hansen", ["industri"], postal_code="4930"),
            person(session, "Ulla Jensen", ["hoteller_restauranter"], postal_code="4930"),
            person(session, "Viggo Nielsen", ["industri", "landbrug"], postal_code="4930"),
        ]
        other = person(session, "Yrsa Olsen", ["industri"], postal_code="4900")
        return TourWorld(maribo=[c.id for c in group], nakskov=other.id)


def _tour(site: DemoSite, tour_id: str) -> BusTourPublic:
    with site.session() as session:
        tour = session.get(BusTour, tour_id)
        assert tour is not None
        return views.tour_public(session, tour=tour)


def test_a_bus_tour_is_planned_and_printed(
    visitor: Visitor, demo_site: DemoSite, tour_world: TourWorld
) -> None:
    page = visitor.page
    visitor.log_in("caseworker")
    page.click("nav a:has-text('Busture')")
    assert page.locator("h1").inner_text() == "Busture"
    _accessible(visitor, "busture")

    page.click("#new-tour")
    assert page.locator("h1").inner_text() == "Planlæg en bustur"
    _accessible(visitor, "bustur-ny")
    # Fresh, because axe-core leaves empty style attributes behind, which htmx's settling would
    # copy onto the swapped elements (a CSP report that no person's browser would make).
    visitor.go("/busture/ny")
    # The town filter: live (htmx swaps the list of citizens), and by the form's own button,
    # which is what works without JavaScript.
    hidden = f"#citizen-{tour_world.nakskov}"
    assert page.locator(hidden).count() == 1
    page.check(f"#citizen-{tour_world.maribo[0]}")
    page.select_option("#by", "Maribo")
    page.wait_for_selector(hidden, state="detached")
    assert page.is_checked(f"#citizen-{tour_world.maribo[0]}")
    page.click("#filter-button")
    page.wait_for_load_state()
    assert page.locator("#by").input_value() == "Maribo"
    assert page.locator(hidden).count() == 0
    assert page.is_checked(f"#citizen-{tour_world.maribo[0]}")
    labels = page.locator("#citizen-choices label").all_inner_texts()
    assert "Tove Hansen, 4930 Maribo" in labels
    assert all(label.endswith("4930 Maribo") for label in labels)
    for citizen_id in tour_world.maribo[1:]:
        page.check(f"#citizen-{citizen_id}")
    page.select_option("#start", "maribo")
    page.fill("#date", "2026-06-09")
    page.fill("#start_time", "09:30")
    page.fill("#latest_return", "14:30")
    page.fill("#stops", "2")
    page.fill("#visit_minutes", "45")
    # A return before the start is refused by field, in Danish, and the choices are kept.
    page.fill("#latest_return", "09:00")
    page.click("#plan-button")
    assert page.locator("#tour-error li").all_inner_texts() == [
        "Seneste hjemkomst: Seneste hjemkomst skal ligge efter afgangstidspunktet (start_time) "
        "samme dag"
    ]
    summary = page.locator("#tour-error a")
    assert summary.get_attribute("href") == "#latest_return"
    assert all(page.is_checked(f"#citizen-{c}") for c in tour_world.maribo)
    _accessible(visitor, "bustur-ny-fejl")
    summary.click()
    assert page.evaluate("() => document.activeElement.id") == "latest_return"
    page.fill("#latest_return", "14:30")
    page.click("#plan-button")

    tour_id = page.url.rsplit("/", 1)[1]
    assert page.url == visitor.url(f"/busture/{tour_id}")
    tour = _tour(demo_site, tour_id)
    assert page.locator("#tour-title").inner_text() == (
        "Bustur 09.06.2026 fra Jobcenter Lolland, Maribo"
    )
    rows = page.locator("#timetable tbody tr")
    assert rows.count() == len(tour.stops) + 2
    assert rows.first.locator("td").first.inner_text() == "09:30"
    stops = page.locator("#timetable tr.km-tour-stop")
    assert stops.count() == len(tour.stops) == 2
    for index, stop in enumerate(tour.stops):
        cells = stops.nth(index).locator("td").all_inner_texts()
        assert cells[0] == f"{stop.arrive_at}–{stop.leave_at}"
        assert cells[1].splitlines()[0] == stop.company_name
        assert cells[4] == ", ".join(p.label for p in stop.for_citizens)
    # The service chose two of the three companies that fit the group, and every one of the
    # three citizens has a stop chosen for them.
    assert {s.company_name for s in tour.stops} <= {SAWMILL, INN, NURSERY}
    assert [m.label for m in tour.citizens] == ["Tove", "Ulla", "Viggo"]
    assert all(m.covered for m in tour.citizens)
    assert rows.last.locator("td").first.inner_text() == tour.return_at
    assert tour.return_at <= "14:30"
    assert page.locator("#tour-members a").all_inner_texts() == ["Tove", "Ulla", "Viggo"]
    sketch = page.locator("#tour-sketch img")
    assert sketch.evaluate("i => i.complete && i.naturalWidth") == 760
    _accessible(visitor, "bustur")

    # The list of tours now has it.
    visitor.go("/busture")
    assert page.locator(f"#tours-table a[href='/busture/{tour_id}']").inner_text() == ("09.06.2026")
    visitor.go(f"/busture/{tour_id}")

    # The printable list for the bus, with its own style linked (no inline style).
    page.click("#print-link")
    assert page.url == visitor.url(f"/busture/{tour_id}/udskrift")
    assert page.locator("h1").inner_text() == "Bustur 09-06-2026 fra Jobcenter Lolland, Maribo"
    times = page.locator("tr.stop td.time").all_inner_texts()
    assert times == [f"{s.arrive_at}–{s.leave_at}" for s in tour.stops]
    assert page.locator("tr.stop strong").all_inner_texts() == [s.company_name for s in tour.stops]
    assert page.locator("tr.home td.time").inner_text() == tour.return_at
    assert page.evaluate("() => getComputedStyle(document.body).fontSize") == "12px"  # 9pt
    page.emulate_media(media="print")
    assert not page.locator("p.noprint a").is_visible()
    page.emulate_media(media="screen")
    _accessible(visitor, "bustur-udskrift")


def test_a_consultant_gets_no_bus_tour_pages(visitor: Visitor) -> None:
    visitor.log_in("consultant")
    assert visitor.page.locator("nav a", has_text="Busture").count() == 0
    response = visitor.go("/busture/ny")
    assert response.status == 403
    assert "Din rolle har ikke adgang til denne side" in visitor.page.locator("main").inner_text()
