"""The bus-tour pages (issue 16) on both database backends: the plan shows what the bus-tours
service computed, the form refuses bad input by field and stores nothing, and only the roles
the policy lets plan tours get the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service.auth.models import AuditEntry
from service.auth.principal import Role
from service.bustours import render, views
from service.bustours.models import BusTour
from service.bustours.schemas import BusTourPublic
from tests.bustours.helpers import FACTORY, INN, SHOP, World, build_world, person
from tests.web.test_login import PASSWORD, add_user, csrf_of, log_in

# The group of tests.bustours.helpers from Maribo's job centre, 45-minute visits.
FORM = {
    "start": "maribo",
    "date": "2026-05-12",
    "start_time": "09:00",
    "latest_return": "15:00",
    "stops": "3",
    "visit_minutes": "45",
}


class _Tables(HTMLParser):
    """The text of each cell of the table with a given id, row by row."""

    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and (dict(attrs).get("id") == self.table_id or self.depth):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.depth and tag in ("br", "li") and self.cell is not None:
            self.cell.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            text = re.sub(r"\s+", " ", "".join(self.cell)).strip(" |")
            self.rows[-1].append(text)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table(html: str, table_id: str) -> list[list[str]]:
    """The rows of the table ``table_id`` as lists of cell texts (header row first)."""
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.rows


def table_rows_of_print(html: str) -> list[list[str]]:
    """The printable list's start, stop and home rows (its table has no id)."""
    rows = re.findall(r'<tr class="(?:start|stop|home)">(.*?)</tr>', html, flags=re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)
        ]
        for r in rows
    ]


def user(session: Session, key: str, role: Role, municipality: str | None) -> str:
    email = f"{key}@busture.example"
    add_user(session, email=email, role=role, municipality=municipality)
    return email


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def caseworker(app: Any, session: Session, world: World) -> Iterator[TestClient]:
    """A signed-in caseworker of Lolland (the group's municipality)."""
    email = user(session, "sagsbehandler", Role.caseworker, "360")
    with TestClient(app, base_url="https://testserver") as web:
        assert log_in(web, email, PASSWORD)[0] == 303
        yield web


@pytest.fixture
def planned(caseworker: TestClient, session: Session, world: World) -> tuple[str, BusTourPublic]:
    """A tour planned through the form, and the service's shape of it."""
    tour_id = _plan(caseworker, world)
    return tour_id, _public(session, tour_id)


def _tours(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(BusTour)).one())


def _submit(web: TestClient, data: dict[str, Any]) -> Any:
    token = csrf_of(web.get("/busture/ny").text)
    return web.post("/busture/ny", data={"csrf_token": token, **data}, follow_redirects=False)


def _plan(web: TestClient, world: World, **changes: Any) -> str:
    response = _submit(web, {**FORM, "citizen_ids": [c.id for c in world.group], **changes})
    assert response.status_code == 303, response.text
    location = str(response.headers["location"])
    assert re.fullmatch(r"/busture/[0-9a-f]{32}", location)
    return location.rsplit("/", 1)[1]


def _public(session: Session, tour_id: str) -> BusTourPublic:
    tour = session.get(BusTour, tour_id)
    assert tour is not None
    return views.tour_public(session, tour=tour)


class TestForm:
    def test_the_form_lists_the_caseworkers_citizens_and_the_job_centres(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        html = caseworker.get("/busture/ny").text

        labels = re.findall(r'<label for="citizen-[0-9a-f]+">([^<]+)</label>', html)
        assert [label.split(",")[0] for label in labels] == sorted(c.name for c in world.group)
        assert labels[0] == "Anne Hansen, 4930 Maribo"
        assert re.findall(r'<option value="(nakskov|maribo|nykoebing_f)"', html) == [
            "nakskov",
            "maribo",
            "nykoebing_f",
        ]
        assert 'name="csrf_token"' in html
        # Every citizen the form lists is audited as a read.
        listed = session.exec(
            select(AuditEntry.entity_id).where(
                col(AuditEntry.action) == "read", col(AuditEntry.entity_type) == "citizen"
            )
        ).all()
        assert sorted(str(c) for c in listed) == sorted(c.id for c in world.group)
        assert 'value="09:00"' in html
        assert 'value="15:00"' in html

    def test_the_town_filter_shows_one_town_and_keeps_the_chosen(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        frida = person(session, "Frida Mark", ["landbrug"], postal_code="4900")

        html = caseworker.get("/busture/ny?by=Nakskov").text
        assert re.findall(r'<option value="(\w+)"(?: selected)?>\1</option>', html) == [
            "Maribo",
            "Nakskov",
        ]
        assert re.findall(r'<label for="citizen-[0-9a-f]+">([^<]+)</label>', html) == [
            "Frida Mark, 4900 Nakskov"
        ]
        # Filtering by the form's own button keeps who was ticked in another town.
        token = csrf_of(html)
        chosen = world.group[0]
        response = caseworker.post(
            "/busture/ny",
            data={
                "csrf_token": token,
                "handling": "filter",
                "by": "Nakskov",
                "citizen_ids": [chosen.id],
                **FORM,
            },
        )
        assert response.status_code == 200
        ticked = re.findall(r'value="([0-9a-f]{32})" checked', response.text)
        assert ticked == [chosen.id]
        shown = re.findall(r'<label for="citizen-([0-9a-f]+)">', response.text)
        assert shown == [chosen.id, frida.id]
        assert 'value="2026-05-12"' in response.text  # the other fields are kept
        assert _tours(session) == 0

    def test_submit_plans_the_tour_and_redirects_to_it(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        tour_id = _plan(caseworker, world)

        public = _public(session, tour_id)
        assert sorted(s.company_name for s in public.stops) == sorted([SHOP, FACTORY, INN])
        assert public.start.name == "Jobcenter Lolland, Maribo"
        assert public.visit_minutes == 45
        assert [m.citizen_id for m in public.citizens] == [c.id for c in world.group]
        planned = session.exec(
            select(AuditEntry.entity_id).where(col(AuditEntry.action) == "plan_bus_tour")
        ).all()
        assert sorted(str(p) for p in planned) == sorted(c.id for c in world.group)


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field", "expected"),
        [
            (
                {"latest_return": "08:30"},
                "latest_return",
                "Seneste hjemkomst: Seneste hjemkomst skal ligge efter afgangstidspunktet "
                "(start_time) samme dag",
            ),
            ({"date": ""}, "date", "Dato: Feltet skal udfyldes"),
            ({"date": "12-05-2026"}, "date", "Dato: Skal være en dato (ÅÅÅÅ-MM-DD)"),
            ({"stops": "9"}, "stops", "Antal stop: Må højst være 6"),
            ({"start": "rodby"}, "start", "Start: Skal være en af:"),
            # The service's own refusal: three stops do not fit before 11:00.
            ({"latest_return": "11:00"}, "latest_return", "Seneste hjemkomst: 3 stop kan ikke"),
        ],
    )
    def test_a_bad_field_is_named_in_danish_and_nothing_is_stored(
        self,
        caseworker: TestClient,
        session: Session,
        world: World,
        changes: dict[str, str],
        field: str,
        expected: str,
    ) -> None:
        chosen = [c.id for c in world.group]

        response = _submit(caseworker, {**FORM, "citizen_ids": chosen, **changes})

        assert response.status_code == 422
        summary = re.findall(r'<li><a href="#(\w+)">([^<]+)</a>: ([^<]+)</li>', response.text)
        assert [f for f, _, _ in summary] == [field]
        assert f"{summary[0][1]}: {summary[0][2]}".replace("&#39;", "'").startswith(expected)
        assert f'id="{field}-error"' in response.text  # the message also stands at the field
        assert re.findall(r'value="([0-9a-f]{32})" checked', response.text) == [
            c.id for c in sorted(world.group, key=lambda c: c.name)
        ]
        assert _tours(session) == 0
        assert (
            session.exec(
                select(func.count())
                .select_from(AuditEntry)
                .where(col(AuditEntry.action) == "plan_bus_tour")
            ).one()
            == 0
        )

    def test_one_citizen_is_too_few(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        response = _submit(caseworker, {**FORM, "citizen_ids": [world.group[0].id]})

        assert response.status_code == 422
        assert '<a href="#citizen_ids">Borgere</a>: Skal have mindst 2 elementer' in response.text
        assert _tours(session) == 0

    def test_a_post_without_csrf_token_is_refused(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        response = caseworker.post(
            "/busture/ny", data={**FORM, "citizen_ids": [c.id for c in world.group]}
        )

        assert response.status_code == 403
        assert "csrf_token" in response.text
        assert _tours(session) == 0


class TestPlan:
    def test_the_plan_shows_the_timetable_the_service_computed(
        self, caseworker: TestClient, planned: tuple[str, BusTourPublic]
    ) -> None:
        tour_id, public = planned

        response = caseworker.get(f"/busture/{tour_id}")

        assert response.status_code == 200
        rows = table(response.text, "timetable")
        assert rows[0][:3] == ["Stop", "Tid", "Virksomhed og adresse"]
        assert rows[1][:3] == ["Start", "09:00", "Jobcenter Lolland, Maribo"]
        stops = rows[2:-1]
        assert [r[0] for r in stops] == ["1", "2", "3"]
        assert [r[1] for r in stops] == [f"{s.arrive_at}–{s.leave_at}" for s in public.stops]
        assert [r[2].split(" | ")[0] for r in stops] == [s.company_name for s in public.stops]
        assert [r[5] for r in stops] == [
            ", ".join(p.label for p in s.for_citizens) for s in public.stops
        ]
        # Who each stop is for, as the bus-tour tests work out by hand.
        by_company = {r[2].split(" | ")[0]: r[5] for r in stops}
        assert by_company == {
            SHOP: "Anne H., Bo, Carla, Anne K.",
            FACTORY: "Anne H., Bo, Dennis",
            INN: "Carla, Anne K., Eva",
        }
        shop = next(r for r in stops if r[2].startswith(SHOP))
        assert shop[3] == "Kirsten Holm | tlf. +45 54 12 34 56"
        assert rows[-1][:2] == ["Hjem", public.return_at]
        # Every leg's minutes add up to the total the service stored.
        assert sum(s.drive_minutes for s in public.stops) + public.home.drive_minutes == (
            public.driving_minutes
        )
        assert f"hjemme ca. kl. {public.return_at}" in response.text
        assert f'<img src="/busture/{tour_id}/skitse.svg"' in response.text
        assert f'href="/busture/{tour_id}/udskrift"' in response.text
        assert f'href="/busture/{tour_id}/tidsplan.csv"' in response.text
        members = re.findall(r'<a href="/borgere/([0-9a-f]{32})">([^<]+)</a>', response.text)
        assert members == [(m.citizen_id, m.label) for m in public.citizens]
        assert "Ingen matchmodel er trænet endnu" in response.text
        assert '<a href="/busture" class="mainmenu-item-link"' in response.text

    def test_print_view_sketch_and_csv_are_the_services_renderings(
        self, caseworker: TestClient, planned: tuple[str, BusTourPublic]
    ) -> None:
        tour_id, public = planned

        printed = caseworker.get(f"/busture/{tour_id}/udskrift")
        assert printed.status_code == 200
        assert "<style" not in printed.text  # the page's CSP allows no inline style
        assert '<link rel="stylesheet" href="/busture/udskrift.css">' in printed.text
        assert "'unsafe-inline'" not in printed.headers["content-security-policy"]
        cells = [r[1] for r in table_rows_of_print(printed.text)]
        assert cells == [
            "09:00",
            *[f"{s.arrive_at}&ndash;{s.leave_at}" for s in public.stops],
            public.return_at,
        ]
        for stop in public.stops:
            assert stop.company_name in printed.text
        style = caseworker.get("/busture/udskrift.css")
        assert style.text == render.PRINT_STYLE
        assert style.headers["content-type"].startswith("text/css")

        sketch = caseworker.get(f"/busture/{tour_id}/skitse.svg")
        assert sketch.headers["content-type"] == "image/svg+xml"
        assert sketch.text == render.tour_svg(public)

        csv = caseworker.get(f"/busture/{tour_id}/tidsplan.csv")
        assert csv.headers["content-type"].startswith("text/csv")
        assert f'filename="bustur-{tour_id}.csv"' in csv.headers["content-disposition"]
        assert csv.content.decode("utf-8-sig") == render.tour_csv(public).lstrip("\ufeff")

    def test_the_list_shows_the_saved_tours(
        self, caseworker: TestClient, session: Session, world: World
    ) -> None:
        assert table(caseworker.get("/busture").text, "tours-table")[1] == [
            "Ingen planlagte busture."
        ]
        tour_id = _plan(caseworker, world)
        public = _public(session, tour_id)

        html = caseworker.get("/busture").text

        rows = table(html, "tours-table")
        assert rows[1] == [
            "12.05.2026",
            "Jobcenter Lolland, Maribo",
            "09:00",
            public.return_at,
            "3",
            "6",
            f"{public.total_km:.1f}".replace(".", ","),
        ]
        assert f'href="/busture/{tour_id}"' in html
        later = caseworker.get("/busture?fra=2026-06-01").text
        assert table(later, "tours-table")[1] == ["Ingen planlagte busture fra den dato."]
        bad = caseworker.get("/busture?fra=1.6.2026").text
        assert "Fra dato skal være en dato (ÅÅÅÅ-MM-DD)." in bad


class TestWhoMay:
    @pytest.mark.parametrize(
        ("role", "municipality"),
        [(Role.company_consultant, "360"), (Role.blf_consultant, None)],
    )
    def test_a_role_that_may_not_plan_gets_the_denial(
        self,
        app: Any,
        session: Session,
        world: World,
        role: Role,
        municipality: str | None,
    ) -> None:
        email = user(session, "anden", role, municipality)
        with TestClient(app, base_url="https://testserver") as web:
            assert log_in(web, email, PASSWORD)[0] == 303
            home = web.get("/").text
            token = csrf_of(home)
            assert 'href="/busture"' not in home  # no menu entry

            for path in ("/busture", "/busture/ny"):
                response = web.get(path)
                assert response.status_code == 403, path
                assert "Din rolle har ikke adgang til denne side" in response.text
            posted = web.post(
                "/busture/ny",
                data={"csrf_token": token, **FORM, "citizen_ids": [c.id for c in world.group]},
            )

        assert posted.status_code == 403
        assert "Din rolle har ikke adgang til denne side" in posted.text
        assert _tours(session) == 0

    def test_another_municipalitys_caseworker_neither_sees_nor_opens_the_tour(
        self, app: Any, caseworker: TestClient, session: Session, world: World
    ) -> None:
        tour_id = _plan(caseworker, world)
        email = user(session, "guldborgsund", Role.caseworker, "376")
        with TestClient(app, base_url="https://testserver") as web:
            assert log_in(web, email, PASSWORD)[0] == 303

            assert web.get(f"/busture/{tour_id}").status_code == 404
            assert web.get(f"/busture/{tour_id}/udskrift").status_code == 404
            assert table(web.get("/busture").text, "tours-table")[1] == ["Ingen planlagte busture."]
            form = web.get("/busture/ny").text
            # Lolland's citizens are not offered, and naming them anyway plans nothing.
            assert re.findall(r'<label for="citizen-', form) == []
            response = _submit(web, {**FORM, "citizen_ids": [c.id for c in world.group]})
            assert response.status_code == 422
            assert '<a href="#citizen_ids">Borgere</a>: Disse borgere findes ikke' in response.text
        assert _tours(session) == 1
