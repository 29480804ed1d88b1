"""Learning cases: opened by an early end, notes from four perspectives, counted summaries."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.companies.models import Company
from service.placements.models import Placement
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import (
    API,
    People,
    audit_rows,
    days_ago,
    internship,
    move,
    people,
)


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


def ended(
    session: Session, company: Company, assessment: str, reason: str | None, **citizen: Any
) -> Placement:
    """An internship active for 30 days, ended yesterday with an assessment."""
    placement = internship(session, make_citizen(session, **citizen), company, started=days_ago(30))
    fields: dict[str, Any] = {"assessment": assessment, "outcome_category": 7}
    if reason is not None:
        fields["end_reason"] = reason
    if reason == "other":
        fields["end_reason_text"] = "Bussen blev nedlagt"
    return move(session, placement, status="ended", effective_date=days_ago(1), **fields)


class TestLearningCase:
    def test_an_early_end_opens_a_case_that_each_party_adds_to(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = ended(session, make_company(session), "ended_early", "transport")
        url = f"{API}/placements/{placement.id}/learning-case"
        assert placement.learning_case_opened_date == days_ago(1)

        added = [
            client.post(
                f"{url}/notes",
                json={"perspective": perspective, "text": text},
                headers=who.headers[role],
            )
            for perspective, text, role in (
                ("citizen", "Bussen kørte ikke tidligt nok", "caseworker"),
                ("company", "Vi kunne ikke flytte mødetiden", "consultant"),
            )
        ]
        case = client.get(url, headers=who.headers["caseworker"])

        assert [r.status_code for r in added] == [201, 201], added[0].text
        assert added[1].json()["perspectives_missing"] == ["caseworker", "consultant"]
        body = case.json()
        assert (body["assessment"], body["reason"], body["reason_label"]) == (
            "ended_early",
            "transport",
            "Transport",
        )
        assert [(n["perspective"], n["text"]) for n in body["notes"]] == [
            ("citizen", "Bussen kørte ikke tidligt nok"),
            ("company", "Vi kunne ikke flytte mødetiden"),
        ]
        assert body["notes"][1]["author_user_id"] == who.principals["consultant"].user_id
        actions = [e.action for e in audit_rows(session, "placement", placement.id)]
        assert actions[-2:] == ["learning_note", "learning_note"]

    def test_a_consultants_note_answers_with_what_a_consultant_may_read(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = ended(session, make_company(session), "ended_early", "health")
        url = f"{API}/placements/{placement.id}/learning-case/notes"
        client.post(
            url,
            json={"perspective": "citizen", "text": "Ondt i ryggen"},
            headers=who.headers["caseworker"],
        )

        added = client.post(
            url,
            json={"perspective": "consultant", "text": "Nyt møde aftalt"},
            headers=who.headers["consultant"],
        )

        assert added.status_code == 201
        body = added.json()
        assert [(n["perspective"], n["text"]) for n in body["notes"]] == [
            ("consultant", "Nyt møde aftalt")
        ]
        assert (body["reason"], body["reason_label"]) == ("other", "Andet")

    def test_a_no_show_opens_a_case_too(self, session: Session) -> None:
        placement = ended(session, make_company(session), "did_not_show", None)

        assert placement.learning_case_opened_date == days_ago(1)

    def test_a_completed_placement_has_no_case(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = ended(session, make_company(session), "completed", None)
        url = f"{API}/placements/{placement.id}/learning-case"

        note = client.post(
            f"{url}/notes",
            json={"perspective": "citizen", "text": "x"},
            headers=who.headers["caseworker"],
        )
        read = client.get(url, headers=who.headers["caseworker"])

        assert [note.status_code, read.status_code] == [409, 409]
        assert note.json()["error"]["code"] == "no_learning_case"

    def test_notes_keep_the_case_open(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = ended(session, make_company(session), "ended_early", "health")
        client.post(
            f"{API}/placements/{placement.id}/learning-case/notes",
            json={"perspective": "caseworker", "text": "Sygemeldt efter to uger"},
            headers=who.headers["caseworker"],
        )

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"assessment": "completed", "end_reason": None},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "placement_closed"

    def test_a_bad_perspective_is_named(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = ended(session, make_company(session), "ended_early", "health")

        response = client.post(
            f"{API}/placements/{placement.id}/learning-case/notes",
            json={"perspective": "mentor", "text": ""},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 422
        assert {f["field"] for f in response.json()["error"]["fields"]} == {"perspective", "text"}


class TestSummary:
    def test_reasons_are_counted_by_sector_and_company(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        shop = make_company(session, name="Nakskov Netto")
        kitchen = make_company(session, name="Sakskøbing Kro", db07_code="561010")
        ended(session, shop, "ended_early", "transport")
        ended(session, shop, "ended_early", "transport")
        ended(session, shop, "did_not_show", None)
        ended(session, kitchen, "ended_early", "health")
        ended(session, kitchen, "completed", None)
        ended(session, kitchen, "ended_early", "other", postal_code="4800")  # Guldborgsund

        summary = client.get(f"{API}/placements/learning-cases", headers=who.headers["blf"])
        lolland = client.get(f"{API}/placements/learning-cases", headers=who.headers["caseworker"])
        only_376 = client.get(
            f"{API}/placements/learning-cases?municipality_code=376", headers=who.headers["admin"]
        )

        assert summary.status_code == 200, summary.text
        body = summary.json()
        assert body["total"] == 5
        # BLF consultants see a health reason counted as "other" (only caseworkers see health).
        assert [(r["reason"], r["count"]) for r in body["by_reason"]] == [
            ("other", 2),
            ("transport", 2),
            ("did_not_show", 1),
        ]
        assert body["by_reason"][2]["label"] == "Mødte ikke op (årsag ikke angivet)"
        assert [(g["sector"], g["total"], g["reasons"]) for g in body["by_sector"]] == [
            ("detailhandel", 3, {"transport": 2, "did_not_show": 1}),
            ("hoteller_restauranter", 2, {"other": 2}),
        ]
        assert {r["reason"]: r["count"] for r in lolland.json()["by_reason"]}["health"] == 1
        assert [(g["company_name"], g["total"]) for g in body["by_company"]] == [
            ("Nakskov Netto", 3),
            ("Sakskøbing Kro", 2),
        ]
        assert body["notes_by_perspective"] == {
            "citizen": 0,
            "company": 0,
            "caseworker": 0,
            "consultant": 0,
        }
        assert "citizen_id" not in summary.text
        assert lolland.json()["total"] == 4
        assert only_376.json()["by_reason"] == [{"reason": "other", "label": "Andet", "count": 1}]

    def test_integration_and_other_municipalities_are_refused(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        refused = [
            client.get(f"{API}/placements/learning-cases", headers=who.headers["integration"]),
            client.get(
                f"{API}/placements/learning-cases?municipality_code=376",
                headers=who.headers["caseworker"],
            ),
        ]

        assert [r.status_code for r in refused] == [403, 403]
