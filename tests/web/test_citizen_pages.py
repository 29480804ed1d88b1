"""The citizen and placement pages' forms (issue 16): "foreslå forløb" from a match and the
learning-case notes, on both database backends, through the same service functions as the API."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Role
from service.auth.schemas import UserCreate
from service.citizens.models import Citizen
from service.companies.models import Company
from service.cpr import CPR_REFUSED_DA
from service.matching import service as matching_service
from service.placements.models import LearningCaseNote, Placement
from service.tasks.models import TaskOpening
from tests.citizens.helpers import make_citizen
from tests.factories import bearer, make_company, make_key
from tests.placements.helpers import days_ago, internship, make_opening, move
from tests.web.test_login import PASSWORD, csrf_of, log_in

STAFF = {
    "caseworker": (Role.caseworker, "360"),
    "consultant": (Role.company_consultant, "360"),
    "blf": (Role.blf_consultant, None),
    "admin": (Role.admin, None),
}


def email_of(role: str) -> str:
    return f"{role}@side.example"


@pytest.fixture
def staff(session: Session) -> dict[str, str]:
    """One signed-in-able user per role; their ids by role."""
    ids = {}
    for key, (role, municipality) in STAFF.items():
        user = auth_service.create_user(
            session,
            data=UserCreate(
                name=f"Bruger {key}",
                email=email_of(key),
                role=role,
                municipality_code=municipality,
                password=PASSWORD,
            ),
            actor=CLI_PRINCIPAL,
        )
        ids[key] = user.id
    return ids


@pytest.fixture
def web(app: FastAPI, staff: dict[str, str]) -> Iterator[TestClient]:
    """A browser-like client over https, not signed in."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def signed_in(web: TestClient, role: str) -> TestClient:
    status, _ = log_in(web, email_of(role), PASSWORD)
    assert status == 303
    return web


@pytest.fixture
def shop(session: Session, loaded_catalogue: Any) -> tuple[Citizen, Company, TaskOpening]:
    """A Lolland citizen and a Maribo shop with an opening for restocking shelves."""
    citizen = make_citizen(session, name="Bodil Testesen")
    company = make_company(session, name="Maribo Dagligvarer")
    return citizen, company, make_opening(session, company)


def placement_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Placement)).one()


def error_summary(page: str) -> dict[str, str]:
    """The error summary's lines: the linked field's label -> the reason."""
    found = re.findall(r'<li><a href="#[^"]*">([^<]+)</a>: ([^<]+)</li>', page)
    return {html.unescape(label): html.unescape(reason) for label, reason in found}


def propose_form(opening: TaskOpening, token: str, **fields: str) -> dict[str, str]:
    start = clock.today() + timedelta(days=7)
    form = {
        "csrf_token": token,
        "opening_id": opening.id,
        "placement_type": "virksomhedspraktik",
        "hours_per_week": "8",
        "start_date": start.isoformat(),
        "review_date": (start + timedelta(weeks=4)).isoformat(),
        "planned_step_type": "loentimer",
        "planned_step_date": (start + timedelta(weeks=13)).isoformat(),
    }
    form.update(fields)
    return form


def propose_as(
    web: TestClient, role: str, citizen: Citizen, opening: TaskOpening, **fields: str
) -> Any:
    """Sign in as ``role`` (unless signed in), open a page for its token, and propose."""
    if "km_session" not in web.cookies:
        signed_in(web, role)
    token = csrf_of(web.get("/budget").text)
    return web.post(
        f"/borgere/{citizen.id}/forloeb",
        data=propose_form(opening, token, **fields),
        follow_redirects=False,
    )


class TestProposePlacement:
    def test_each_match_has_a_form_prefilled_with_its_proposal(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, _, opening = shop
        matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=2000, seed=5)
        page = signed_in(web, "caseworker").get(f"/borgere/{citizen.id}").text

        form = re.search(rf'<form[^>]+id="p{opening.id}-form".*?</form>', page, re.S)
        assert form, "the match has no propose form"
        body = form.group(0)
        assert f'action="/borgere/{citizen.id}/forloeb"' in body
        assert f'name="opening_id" value="{opening.id}"' in body
        assert 'name="csrf_token"' in body
        # The proposal of the matcher, as the API's match item gives it.
        selected = re.search(r'<option value="(\w+)" selected>', body)
        assert selected
        assert selected.group(1) in opening.placement_types
        assert "Foreslå forløb: Varepåfyldning på hylder hos Maribo Dagligvarer" in html.unescape(
            page
        )

    def test_proposing_stores_the_placement_and_shows_it_with_its_next_steps(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, company, opening = shop

        response = propose_as(web, "caseworker", citizen, opening)

        assert response.status_code == 303
        placement_id = response.headers["location"].removeprefix("/forloeb/")
        stored = session.get(Placement, placement_id)
        assert stored is not None
        assert (stored.citizen_id, stored.company_id, stored.opening_id) == (
            citizen.id,
            company.id,
            opening.id,
        )
        assert stored.task_id == "detailhandel.varepaafyldning"
        assert (stored.status, stored.placement_type, stored.hours_per_week) == (
            "proposed",
            "virksomhedspraktik",
            8,
        )
        assert stored.planned_step_type == "loentimer"
        page = html.unescape(web.get(response.headers["location"]).text)
        assert re.search(r'id="placement-status" data-status="proposed">Foreslået<', page)
        assert re.search(r'id="placement-company"><a [^>]+>Maribo Dagligvarer</a>', page)
        assert 'id="placement-task">Varepåfyldning på hylder<' in page
        steps = re.findall(r'data-step="(\w+)"', page)
        assert steps == ["agreed", "rejected", "cancelled"]

    @pytest.mark.parametrize(
        ("fields", "label", "reason"),
        [
            (
                {"review_date": ""},
                "Opfølgningsdato",
                "En virksomhedspraktik skal have en opfølgningsdato",
            ),
            ({"hours_per_week": "99"}, "Timer om ugen", "37"),
            ({"placement_type": "ordinary"}, "Opgaven", "tilbydes ikke som ordinary"),
            ({"start_date": "i morgen"}, "Startdato", "dato"),
        ],
    )
    def test_bad_input_names_the_field_and_stores_nothing(
        self,
        web: TestClient,
        session: Session,
        shop: tuple[Citizen, Company, TaskOpening],
        fields: dict[str, str],
        label: str,
        reason: str,
    ) -> None:
        citizen, _, opening = shop
        before = placement_count(session)

        response = propose_as(web, "caseworker", citizen, opening, **fields)

        assert response.status_code == 422
        summary = error_summary(response.text)
        assert label in summary, summary
        assert reason.lower() in summary[label].lower()
        assert f'href="#p{opening.id}-' in response.text
        assert placement_count(session) == before

    def test_a_post_without_the_csrf_field_is_refused(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, _, opening = shop
        signed_in(web, "caseworker")
        form = propose_form(opening, "")
        del form["csrf_token"]

        response = web.post(f"/borgere/{citizen.id}/forloeb", data=form)

        assert response.status_code == 403
        assert "csrf_token" in response.text
        assert placement_count(session) == 0

    def test_the_roles_the_api_refuses_are_refused(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, _, opening = shop

        response = propose_as(web, "blf", citizen, opening)

        assert response.status_code == 403
        assert placement_count(session) == 0

    def test_a_consultant_proposes_as_the_api_lets_them(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, _, opening = shop

        response = propose_as(
            web, "consultant", citizen, opening, placement_type="loentimer", planned_step_type=""
        )

        assert response.status_code == 422  # only an internship has a step to paid hours
        assert "Dato for skridtet" in error_summary(response.text)
        response = propose_as(
            web,
            "consultant",
            citizen,
            opening,
            placement_type="loentimer",
            planned_step_type="",
            planned_step_date="",
        )
        assert response.status_code == 303
        rows = session.exec(select(Placement).where(col(Placement.citizen_id) == citizen.id))
        assert [(p.placement_type, p.status) for p in rows] == [("loentimer", "proposed")]


def ended_early(
    session: Session, shop: tuple[Citizen, Company, TaskOpening], reason: str = "health"
) -> Placement:
    """The shop's internship, active for 30 days and ended early yesterday (a learning case)."""
    citizen, company, _ = shop
    placement = internship(session, citizen, company, started=days_ago(30))
    return move(
        session,
        placement,
        status="ended",
        effective_date=days_ago(1),
        assessment="ended_early",
        end_reason=reason,
        outcome_category=7,
    )


def add_note_as(web: TestClient, role: str, placement: Placement, **fields: str) -> Any:
    """Sign in as ``role`` (unless signed in) and post a note to the learning case."""
    if "km_session" not in web.cookies:
        signed_in(web, role)
    token = csrf_of(web.get("/budget").text)
    return web.post(
        f"/forloeb/{placement.id}/laeringscase",
        data={"csrf_token": token, **fields},
        follow_redirects=False,
    )


def notes_of(session: Session, placement: Placement) -> list[tuple[str, str]]:
    rows = session.exec(
        select(LearningCaseNote)
        .where(LearningCaseNote.placement_id == placement.id)
        .order_by(col(LearningCaseNote.created_at), col(LearningCaseNote.id))
    )
    return [(n.perspective, n.text) for n in rows]


class TestLearningCaseNotes:
    def test_a_caseworker_adds_a_note_and_sees_every_note(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        placement = ended_early(session, shop)
        text = "Bodil fik ondt i ryggen efter to uger ved hylderne"

        response = add_note_as(web, "caseworker", placement, perspective="citizen", text=text)

        assert response.status_code == 303
        assert response.headers["location"] == f"/forloeb/{placement.id}?notat=1#laeringscase"
        assert notes_of(session, placement) == [("citizen", text)]
        page = html.unescape(web.get(response.headers["location"]).text)
        assert "Notatet er gemt." in page
        assert re.search(r'id="case-reason">Helbred<', page)
        assert f"Borgerens beretning, {clock.today():%d.%m.%Y}</h3><p>{text}</p>" in page
        missing = re.search(r'id="case-missing">Mangler stadig: ([^<]+)\.<', page)
        assert missing
        assert missing.group(1) == (
            "virksomhedens beretning, sagsbehandlerens beretning, virksomhedskonsulentens beretning"
        )

    def test_a_cpr_like_note_is_refused_naming_the_field_and_nothing_is_stored(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        placement = ended_early(session, shop)

        response = add_note_as(
            web, "caseworker", placement, perspective="caseworker", text="Ring om 210270-1092"
        )

        assert response.status_code == 422
        summary = error_summary(response.text)
        assert summary == {"Hvad skete der": CPR_REFUSED_DA}
        assert 'href="#note-text"' in response.text
        # The typed text is kept in the form for correcting (it is not stored).
        assert ">Ring om 210270-1092</textarea>" in response.text
        assert notes_of(session, placement) == []

    def test_a_missing_perspective_is_named(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        placement = ended_early(session, shop)

        response = add_note_as(web, "caseworker", placement, text="Mødte ikke op i uge tre")

        assert response.status_code == 422
        assert list(error_summary(response.text)) == ["Hvis beretning"]
        assert notes_of(session, placement) == []

    def test_a_consultant_sees_what_the_api_shows_them(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        placement = ended_early(session, shop)
        add_note_as(web, "caseworker", placement, perspective="citizen", text="Ondt i ryggen")
        add_note_as(web, "caseworker", placement, perspective="company", text="Travl december")
        web.cookies.clear()

        response = add_note_as(
            web, "consultant", placement, perspective="consultant", text="Aftalt nyt møde"
        )

        assert response.status_code == 303
        page = html.unescape(web.get(f"/forloeb/{placement.id}").text)
        shown = re.findall(r"beretning, [0-9.]+</h3><p>([^<]+)</p>", page)
        assert shown == ["Travl december", "Aftalt nyt møde"]
        assert "Ondt i ryggen" not in page
        # A health reason reads "other" to all but caseworkers (policy.end_reason_for).
        assert re.search(r'id="case-reason">Andet<', page)

    def test_a_placement_without_a_case_has_no_note_form_and_refuses_a_note(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, company, _ = shop
        placement = internship(session, citizen, company)

        response = add_note_as(web, "caseworker", placement, perspective="citizen", text="Hej")

        assert response.status_code == 409
        assert "note-form" not in web.get(f"/forloeb/{placement.id}").text
        assert notes_of(session, placement) == []


class TestCitizenSearch:
    """``q`` of ``citizens_service.list_citizens``: one clause for the API and /borgere."""

    @pytest.fixture
    def towns(self, session: Session) -> dict[str, str]:
        people = {
            "Anna Nakskov-Hansen": "4930",  # her name holds a town: found by name, not by town
            "Bent Rødbyborg": "4970",
            "Carla Fisker": "4942",  # Askø og Lilleø
            "Dorte Dam": "4900",
        }
        return {
            name: make_citizen(session, name=name, postal_code=code).id
            for name, code in people.items()
        }

    @pytest.mark.parametrize(
        ("q", "found"),
        [
            ("Nakskov", ["Anna Nakskov-Hansen", "Dorte Dam"]),
            ("nak", ["Anna Nakskov-Hansen", "Dorte Dam"]),
            ("4900", ["Dorte Dam"]),
            ("4970", ["Bent Rødbyborg"]),
            ("roedby", ["Bent Rødbyborg"]),
            ("RØDBY", ["Bent Rødbyborg"]),
            ("lilleoe", ["Carla Fisker"]),
            ("Askø", ["Carla Fisker"]),
            ("askoe og lilleø", ["Carla Fisker"]),
            ("maribo", ["Anna Nakskov-Hansen"]),
            ("skov", ["Anna Nakskov-Hansen"]),  # a name's part; a town only by its start
            ("49", []),  # a postal code is matched whole
        ],
    )
    def test_the_page_and_the_api_find_by_town_and_postal_code(
        self,
        web: TestClient,
        session: Session,
        towns: dict[str, str],
        q: str,
        found: list[str],
    ) -> None:
        _, key = make_key(session, Role.company_consultant, "360")

        api = web.get("/api/v1/citizens", params={"q": q}, headers=bearer(key))
        page = signed_in(web, "caseworker").get("/borgere", params={"q": q}).text

        assert [item["name"] for item in api.json()["items"]] == found
        names = re.findall(r'<td><a href="/borgere/\w+">([^<]+)</a></td>', page)
        assert [html.unescape(n) for n in names] == found

    def test_the_case_number_stays_a_caseworkers_search(
        self, web: TestClient, session: Session
    ) -> None:
        make_citizen(session, name="Erik Prøvesen", external_ref="J-4900")
        _, key = make_key(session, Role.company_consultant, "360")

        consultant = web.get("/api/v1/citizens", params={"q": "j-4900"}, headers=bearer(key))
        page = signed_in(web, "caseworker").get("/borgere", params={"q": "j-4900"}).text

        assert consultant.json()["items"] == []
        assert "Erik Prøvesen" in html.unescape(page)


class TestPlacementSteps:
    def test_the_agreed_step_asks_for_a_start_date_the_proposal_lacked(
        self, web: TestClient, session: Session, shop: tuple[Citizen, Company, TaskOpening]
    ) -> None:
        citizen, _, opening = shop
        proposed = propose_as(web, "caseworker", citizen, opening, start_date="")
        placement_id = proposed.headers["location"].removeprefix("/forloeb/")
        page = web.get(f"/forloeb/{placement_id}").text
        assert f'id="step-{placement_id}-start_date" name="start_date"' in page
        token = csrf_of(page)

        refused = web.post(
            f"/forloeb/{placement_id}/status", data={"csrf_token": token, "status": "agreed"}
        )

        assert refused.status_code == 422
        assert error_summary(refused.text) == {
            "Startdato": "Et aftalt forløb skal have en startdato"
        }
        assert f'href="#step-{placement_id}-start_date"' in refused.text
        stored = session.get(Placement, placement_id)
        assert stored is not None
        assert (stored.status, stored.start_date) == ("proposed", None)

        start = clock.today() + timedelta(days=3)
        agreed = web.post(
            f"/forloeb/{placement_id}/status",
            data={"csrf_token": token, "status": "agreed", "start_date": start.isoformat()},
            follow_redirects=False,
        )

        assert agreed.status_code == 303
        session.refresh(stored)
        assert (stored.status, stored.start_date) == ("agreed", start)
        page = html.unescape(web.get(f"/forloeb/{placement_id}").text)
        assert re.search(r'id="placement-status" data-status="agreed">Aftalt<', page)
        assert f'id="placement-start">{start:%d.%m.%Y}<' in page
