"""Network meetings over HTTP: invitations, attendance, a company's meetings and the reach."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.factories import make_company
from tests.placements.helpers import error_fields, people

API = "/api/v1"


def _meeting(client: TestClient, headers: dict[str, str], **fields: object) -> dict[str, object]:
    response = client.post(f"{API}/network-meetings", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


class TestMeetings:
    def test_attendance_per_company_and_the_company_card(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        blf = team.headers["blf"]
        host = make_company(session, name="Ambassadøren A/S", is_ambassador=True)
        guest = make_company(session, name="Gæsten ApS")
        absent = make_company(session, name="Fraværende ApS")
        walk_in = make_company(session, name="Uanmeldt ApS")
        first = _meeting(
            client,
            blf,
            meeting_date="2026-03-10",
            place="Business Lolland-Falster, Maribo",
            theme="Spot et job: opgaver frem for stillinger",
            host_company_id=host.id,
            invited_company_ids=[host.id, guest.id, absent.id],
        )
        assert (first["invited"], first["attended"], first["host_company_name"]) == (
            3,
            None,
            "Ambassadøren A/S",
        )

        recorded = client.put(
            f"{API}/network-meetings/{first['id']}/attendance",
            json={"attended_company_ids": [host.id, guest.id, walk_in.id]},
            headers=blf,
        ).json()
        _meeting(
            client,
            blf,
            meeting_date="2026-06-02",
            place="Nakskov",
            theme="Den gode historie",
            invited_company_ids=[host.id],
        )

        attended = {c["name"]: c["attended"] for c in recorded["companies"]}
        assert attended == {
            "Ambassadøren A/S": True,
            "Fraværende ApS": False,
            "Gæsten ApS": True,
            "Uanmeldt ApS": True,
        }
        assert (recorded["invited"], recorded["attended"]) == (4, 3)
        card = client.get(
            f"{API}/companies/{host.id}/network-meetings", headers=team.headers["caseworker"]
        ).json()
        assert card == {
            "company_id": host.id,
            "name": "Ambassadøren A/S",
            "is_ambassador": True,
            "invited": 2,
            "attended": 1,
            "hosted": 1,
            "last_attended_date": "2026-03-10",
            "last_hosted_date": "2026-03-10",
        }

        reach = client.get(f"{API}/overview/network-meetings", headers=team.headers["integration"])
        body = reach.json()
        assert reach.status_code == 200
        assert (body["meetings_held"], body["companies_attended"]) == (2, 3)
        assert body["ambassador_companies_attended"] == 1
        assert [c["name"] for c in body["companies"]][:1] == ["Ambassadøren A/S"]

    def test_unknown_companies_are_named_and_nothing_is_stored(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        known = make_company(session)

        response = client.post(
            f"{API}/network-meetings",
            json={
                "meeting_date": "2026-03-10",
                "place": "Maribo",
                "theme": "Onboarding",
                "invited_company_ids": [known.id, "nope"],
            },
            headers=team.headers["consultant"],
        )
        listed = client.get(f"{API}/network-meetings", headers=team.headers["blf"]).json()

        assert response.status_code == 422
        assert error_fields(response.json())["invited_company_ids"].endswith("nope")
        assert listed["items"] == []

    def test_caseworkers_read_but_do_not_plan_meetings(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)

        response = client.post(
            f"{API}/network-meetings",
            json={"meeting_date": "2026-03-10", "place": "Maribo", "theme": "Onboarding"},
            headers=team.headers["caseworker"],
        )

        assert response.status_code == 403
