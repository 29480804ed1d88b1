"""Mentors over HTTP: the corps, suggestions with capacity and reasons, matches and views."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.mentors import erasure as mentors_erasure
from service.mentors import service as mentors_service
from service.mentors.models import Mentor, MentorMatch
from service.mentors.schemas import MentorCreate, MentorMatchCreate
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import audit_rows, error_fields, internship, people

API = "/api/v1"


def mentor(session: Session, **overrides: Any) -> Mentor:
    values: dict[str, Any] = {
        "name": "Hanne Mentor",
        "postal_code": "4930",
        "sectors": ["detailhandel"],
        "max_mentees": 1,
    }
    values.update(overrides)
    return mentors_service.create_mentor(
        session, data=MentorCreate.model_validate(values), actor=CLI_PRINCIPAL
    )


def match(session: Session, citizen_id: str, mentor_id: str, **overrides: Any) -> MentorMatch:
    values: dict[str, Any] = {
        "citizen_id": citizen_id,
        "mentor_id": mentor_id,
        "start_date": "2026-09-01",
    }
    values.update(overrides)
    return mentors_service.create_match(
        session, data=MentorMatchCreate.model_validate(values), actor=CLI_PRINCIPAL
    )


class TestCorps:
    def test_blf_registers_a_mentor_with_normalised_mobile_and_town(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        payload = {
            "name": "Jens Erhverv",
            "mobile": "+45 30 11 22 33",
            "email": "jens@example.dk",
            "postal_code": "4900",
            "sectors": ["industri", "bygge_anlaeg"],
            "background": "Tidligere værkfører på et maskinværksted",
            "max_mentees": 2,
        }

        body = client.post(f"{API}/mentors", json=payload, headers=team.headers["blf"]).json()

        assert (body["mobile"], body["city"], body["available"]) == ("+4530112233", "Nakskov", True)
        assert (body["active_matches"], body["total_matches"]) == (0, 0)

    def test_caseworkers_do_not_manage_the_corps(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)

        response = client.get(f"{API}/mentors", headers=team.headers["caseworker"])

        assert response.status_code == 403

    def test_pausing_a_mentor(self, client: TestClient, session: Session) -> None:
        team = people(session)
        volunteer = mentor(session)

        body = client.patch(
            f"{API}/mentors/{volunteer.id}", json={"available": False}, headers=team.headers["blf"]
        ).json()

        assert body["available"] is False


class TestSuggestions:
    def test_mentors_are_ranked_by_sector_distance_and_experience_with_reasons(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = make_citizen(session, preferred_sectors=["industri"])
        internship(session, citizen, make_company(session))  # retail, Maribo
        retail_near = mentor(session, name="A Butik Maribo", postal_code="4930")
        retail_far = mentor(session, name="B Butik Gedser", postal_code="4874")
        industry = mentor(session, name="C Fabrik Maribo", sectors=["industri"])
        mentor(session, name="D Landbrug", sectors=["landbrug"], postal_code="4930")

        body = client.get(
            f"{API}/citizens/{citizen.id}/mentor-suggestions", headers=team.headers["caseworker"]
        ).json()

        names = [s["name"] for s in body]
        assert names == ["A Butik Maribo", "C Fabrik Maribo", "B Butik Gedser", "D Landbrug"]
        first = body[0]
        assert first["mentor_id"] == retail_near.id
        assert first["parts"] == {"sector": 0.5, "distance": 0.3, "experience": 0.0}
        assert first["reasons"][0] == "Kender branchen for borgerens praktik: " + (
            "Detailhandel og reparationsvirksomhed undtagen med biler"
        )
        assert "Bor 0,0 km fra borgeren (Maribo)" in first["reasons"]
        assert body[1]["mentor_id"] == industry.id
        assert body[1]["reasons"][0] == "Kender en branche, borgeren ønsker: Industri"
        assert body[2]["mentor_id"] == retail_far.id
        assert body[2]["distance_km"] > 30
        assert audit_rows(session, "citizen", citizen.id)[-1].action == "mentor_suggestions"

    def test_a_mentor_at_their_maximum_or_paused_is_not_suggested(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        full = mentor(session, name="Fuld", max_mentees=1)
        match(session, make_citizen(session).id, full.id)
        mentor(session, name="Pause", available=False)
        room = mentor(session, name="Plads", max_mentees=2)
        match(session, make_citizen(session).id, room.id)
        citizen = make_citizen(session)

        body = client.get(
            f"{API}/citizens/{citizen.id}/mentor-suggestions", headers=team.headers["caseworker"]
        ).json()

        assert [(s["name"], s["free_places"]) for s in body] == [("Plads", 1)]
        assert "Har plads til 1 borger mere" in body[0]["reasons"]

    def test_a_citizen_of_another_municipality_is_404(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = make_citizen(session)

        response = client.get(
            f"{API}/citizens/{citizen.id}/mentor-suggestions",
            headers=team.headers["caseworker_376"],
        )

        assert response.status_code == 404


class TestMatches:
    def test_a_full_mentor_cannot_take_another_citizen(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        volunteer = mentor(session, max_mentees=1)
        match(session, make_citizen(session).id, volunteer.id)
        citizen = make_citizen(session)

        response = client.post(
            f"{API}/mentor-matches",
            json={"citizen_id": citizen.id, "mentor_id": volunteer.id, "start_date": "2026-10-01"},
            headers=team.headers["caseworker"],
        )

        assert (response.status_code, response.json()["error"]["code"]) == (409, "mentor_full")

    def test_blf_sees_the_first_name_only_and_caseworkers_the_ids(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = make_citizen(session, name="Bodil Marie Testesen")
        volunteer = mentor(session)
        created = client.post(
            f"{API}/mentor-matches",
            json={"citizen_id": citizen.id, "mentor_id": volunteer.id, "start_date": "2026-10-01"},
            headers=team.headers["caseworker"],
        ).json()

        blf = client.get(f"{API}/mentor-matches", headers=team.headers["blf"]).json()["items"]
        caseworker = client.get(
            f"{API}/mentor-matches",
            params={"citizen_id": citizen.id},
            headers=team.headers["caseworker"],
        ).json()["items"]
        other = client.get(f"{API}/mentor-matches", headers=team.headers["caseworker_376"]).json()

        assert created["view"] == "caseworker"
        assert created["citizen_id"] == citizen.id
        [seen] = [m for m in blf if m["id"] == created["id"]]
        assert seen["view"] == "blf"
        assert seen["citizen_first_name"] == "Bodil"
        assert "citizen_id" not in seen
        assert "placement_id" not in seen
        assert [m["mentor_name"] for m in caseworker] == ["Hanne Mentor"]
        assert other["items"] == []

    def test_ending_a_match_with_an_assessment_frees_the_place(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        volunteer = mentor(session)
        first = match(session, make_citizen(session).id, volunteer.id)

        ended = client.patch(
            f"{API}/mentor-matches/{first.id}",
            json={"end_date": "2026-12-01", "assessment": "Godt forløb, borgeren fik løntimer"},
            headers=team.headers["blf"],
        ).json()
        early = client.patch(
            f"{API}/mentor-matches/{first.id}",
            json={"end_date": "2026-12-02"},
            headers=team.headers["blf"],
        )

        assert (ended["active"], ended["end_date"]) == (False, "2026-12-01")
        assert early.status_code == 409
        assert mentors_service.match_counts(session, [volunteer.id])[volunteer.id] == (0, 1)

    def test_an_end_before_the_start_names_the_field(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        first = match(session, make_citizen(session).id, mentor(session).id)

        response = client.patch(
            f"{API}/mentor-matches/{first.id}",
            json={"end_date": "2026-01-01"},
            headers=team.headers["caseworker"],
        )

        assert response.status_code == 422
        assert "end_date" in error_fields(response.json())

    def test_erasure_keeps_an_anonymous_match(self, session: Session) -> None:
        citizen = make_citizen(session)
        kept = match(session, citizen.id, mentor(session).id)

        assert mentors_erasure.erase_citizen_data(session, citizen.id) == 1

        session.refresh(kept)
        assert (kept.citizen_id, kept.citizen_first_name, kept.assessment) == (None, None, None)
        assert kept.end_date is not None
