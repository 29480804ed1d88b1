"""Wage-hour agreements: parties, tasks, terms, the budget snapshot, and the printed forms."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session, select

from service import clock
from service.companies.models import CompanyContact
from service.placements.models import Placement, WageHourAgreement
from service.placements.rendering import hours, kroner
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import (
    API,
    People,
    audit_rows,
    error_fields,
    move,
    people,
    propose,
)

START = date(2025, 9, 1)  # under the monthly-disregard rules (from 1 July 2025)


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


def paid_placement(session: Session, kind: str = "loentimer") -> Placement:
    """A proposed paid-hours placement for Søren Ærø Åberg at a Maribo shop."""
    citizen = make_citizen(session, name="Søren Ærø Åberg")
    company = make_company(
        session,
        name="Maribo Købmand",
        contacts=[{"name": "Åse Østergård", "phone": "00123456", "is_primary": True}],
    )
    return propose(
        session,
        citizen_id=citizen.id,
        company_id=company.id,
        placement_type=kind,
        start_date=START.isoformat(),
        proposed_date=(clock.today() - timedelta(days=3)).isoformat(),
    )


def agreement_payload(**overrides: Any) -> dict[str, Any]:
    """Ten paid hours a week at 140 kr on forhøjet sats, from 1 September 2025."""
    payload: dict[str, Any] = {
        "company_contact_name": "Åse Østergård",
        "company_contact_phone": "00123456",
        "paid_tasks": [{"text": "Fylde varer op i kølediske"}],
        "hours_per_week": 10,
        "hourly_wage": 140,
        "start_date": START.isoformat(),
        "review_date": (START + timedelta(weeks=8)).isoformat(),
        "benefit_category": "forhoejet_sats",
    }
    payload.update(overrides)
    return payload


def post(client: TestClient, placement: Placement, payload: dict[str, Any], headers: Any) -> Any:
    return client.post(f"{API}/placements/{placement.id}/agreement", json=payload, headers=headers)


class TestAgreement:
    def test_recorded_with_parties_tasks_terms_and_budget(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = paid_placement(session)

        response = post(client, placement, agreement_payload(), who.headers["consultant"])

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["citizen"] == {"id": placement.citizen_id, "name": "Søren Ærø Åberg"}
        assert body["company"]["name"] == "Maribo Købmand"
        assert (body["company"]["contact_name"], body["company"]["contact_phone"]) == (
            "Åse Østergård",
            "00123456",
        )
        assert body["consultant"]["id"] == who.principals["consultant"].user_id
        assert body["caseworker"] == {"id": None, "name": None}
        assert body["paid_tasks"] == [{"task_id": None, "name": "Fylde varer op i kølediske"}]
        assert (body["hours_per_week"], body["hourly_wage"]) == (10.0, 140.0)
        # 10 h x 52/12 weeks x 140 kr = 6,066.67 kr a month (hand-computed).
        assert body["monthly_earnings"] == 6066.67
        budget = body["budget"]
        assert [r["hours_per_week"] for r in budget["rows"]] == [0, 5, 10, 15, 20]
        ten = budget["rows"][2]
        assert (ten["earnings"], ten["am_bidrag"]) == (6066.67, 485.33)
        # Monthly disregard 2,500 kr, then 65 %: 12,326 + 1,092 - 0.65 x 3,566.67 = 11,099.66.
        assert ten["benefit"] == 11099.66
        assert budget["rules"]["regime"] == "monthly_disregard"
        assert budget["rules"]["name"].startswith("Kontanthjælpsreformen")
        assert len(budget["rules"]["warnings"]) == 1
        assert budget["rules"]["warnings"][0].startswith("Nogle tal er ikke bekræftet")
        stored = session.exec(
            select(WageHourAgreement).where(WageHourAgreement.placement_id == placement.id)
        ).one()
        assert stored.budget["rows"][2]["disposable_income"] == ten["disposable_income"]
        assert stored.budget["rules"]["warnings"] == budget["rules"]["warnings"]
        trail = audit_rows(session, "placement", placement.id)
        assert trail[-1].action == "agreement_create"

    def test_the_stored_budget_is_what_is_read_back(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = paid_placement(session)
        created = post(
            client, placement, agreement_payload(hours_per_week=7.5), who.headers["caseworker"]
        )

        read = client.get(
            f"{API}/placements/{placement.id}/agreement", headers=who.headers["caseworker"]
        )

        assert read.status_code == 200
        assert read.json()["budget"] == created.json()["budget"]
        assert [r["hours_per_week"] for r in read.json()["budget"]["rows"]] == [
            0,
            5,
            7.5,
            10,
            15,
            20,
        ]
        assert read.json()["caseworker"]["id"] == who.principals["caseworker"].user_id
        reads = [
            e.detail
            for e in audit_rows(session, "citizen", placement.citizen_id or "")
            if e.action == "read"
        ]
        assert reads == [f'{{"via": "agreement", "placement_id": "{placement.id}"}}']

    def test_posting_again_replaces_it(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = paid_placement(session)
        post(client, placement, agreement_payload(), who.headers["consultant"])

        again = post(
            client, placement, agreement_payload(hourly_wage=150), who.headers["consultant"]
        )

        assert again.status_code == 200
        assert again.json()["hourly_wage"] == 150.0
        assert len(session.exec(select(WageHourAgreement)).all()) == 1
        assert audit_rows(session, "placement", placement.id)[-1].action == "agreement_replace"

    def test_a_company_contact_is_taken_from_the_register(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = paid_placement(session)
        contact = session.exec(
            select(CompanyContact).where(CompanyContact.company_id == placement.company_id)
        ).one()
        payload = agreement_payload(company_contact_id=contact.id)
        del payload["company_contact_name"], payload["company_contact_phone"]

        response = post(client, placement, payload, who.headers["consultant"])

        assert response.status_code == 201
        assert response.json()["company"]["contact_name"] == "Åse Østergård"
        assert response.json()["company"]["contact_phone"] == "+45 00 12 34 56"

    def test_a_hybrid_job_lists_the_tasks_still_in_internship(
        self, client: TestClient, session: Session, who: People, loaded_catalogue: Any
    ) -> None:
        placement = paid_placement(session, "hybridjob")
        payload = agreement_payload(
            paid_tasks=[{"task_id": "detailhandel.varepaafyldning"}],
            internship_tasks=[{"text": "Betjene kassen"}],
        )

        response = post(client, placement, payload, who.headers["consultant"])

        assert response.status_code == 201, response.text
        assert response.json()["paid_tasks"][0]["task_id"] == "detailhandel.varepaafyldning"
        assert response.json()["internship_tasks"] == [{"task_id": None, "name": "Betjene kassen"}]

    @pytest.mark.parametrize(
        ("kind", "overrides", "expected"),
        [
            ("hybridjob", {}, {"internship_tasks"}),
            ("loentimer", {"internship_tasks": [{"text": "Kasse"}]}, {"internship_tasks"}),
            ("loentimer", {"paid_tasks": [{"task_id": "findes.ikke"}]}, {"paid_tasks.0.task_id"}),
            ("loentimer", {"review_date": "2025-08-01"}, {"review_date"}),
            (
                "loentimer",
                {"start_date": "2020-01-01", "review_date": "2020-02-01"},
                {"start_date"},
            ),
            ("loentimer", {"municipality_code": "101"}, {"municipality_code"}),
            ("loentimer", {"company_contact_name": None}, {"company_contact_name"}),
            ("loentimer", {"paid_tasks": [{"task_id": "x", "text": "y"}]}, {"paid_tasks.0"}),
            ("loentimer", {"paid_tasks": []}, {"paid_tasks"}),
            ("loentimer", {"hourly_wage": 0}, {"hourly_wage"}),
        ],
    )
    def test_refusals_name_their_field_and_store_nothing(
        self,
        client: TestClient,
        session: Session,
        who: People,
        kind: str,
        overrides: dict[str, Any],
        expected: set[str],
    ) -> None:
        placement = paid_placement(session, kind)

        response = post(
            client, placement, agreement_payload(**overrides), who.headers["consultant"]
        )

        assert response.status_code == 422, response.text
        assert set(error_fields(response.json())) == expected
        assert session.exec(select(WageHourAgreement)).all() == []

    def test_only_open_paid_placements_take_an_agreement(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = make_citizen(session), make_company(session)
        mentor = propose(session, citizen_id=citizen.id, placement_type="mentor")
        rejected = paid_placement(session)
        move(session, rejected, status="rejected")

        refused = [
            post(client, mentor, agreement_payload(), who.headers["consultant"]),
            post(client, rejected, agreement_payload(), who.headers["consultant"]),
        ]

        assert [r.status_code for r in refused] == [409, 409]
        assert {r.json()["error"]["code"] for r in refused} == {"agreement_not_allowed"}
        assert "mentorforløb (mentor)" in refused[0].json()["error"]["message"]
        assert "rejected (afvist)" in refused[1].json()["error"]["message"]
        assert company.id

    def test_no_agreement_yet_is_404(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = paid_placement(session)

        for suffix in ("", ".html", ".pdf"):
            response = client.get(
                f"{API}/placements/{placement.id}/agreement{suffix}",
                headers=who.headers["caseworker"],
            )
            assert response.status_code == 404
            assert response.json()["error"]["message"].endswith("har ingen løntimeaftale endnu")


def _saved(client: TestClient, session: Session, who: People) -> tuple[Placement, dict[str, Any]]:
    placement = paid_placement(session)
    body = post(client, placement, agreement_payload(), who.headers["consultant"]).json()
    return placement, body


class TestPrinted:
    def test_html_is_one_danish_page_with_the_budget_and_no_ids_or_code_names(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement, agreement = _saved(client, session, who)

        response = client.get(
            f"{API}/placements/{placement.id}/agreement.html", headers=who.headers["caseworker"]
        )

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="da">' in html
        assert "@page { size: A4" in html
        assert "<h1>Aftale om løntimer</h1>" in html
        assert "Søren Ærø Åberg" in html
        assert "Maribo Købmand" in html
        assert "6.066,67 kr." in html  # monthly earnings, hand-computed
        assert "140,00 kr." in html
        assert "i Lolland Kommune pr. 01-09-2025" in html
        agreed = re.search(r'<tr class="agreed">(.*?)</tr>', html)
        assert agreed is not None
        ten = agreement["budget"]["rows"][2]
        assert re.findall(r"<td>(.*?)</td>", agreed.group(1)) == [
            "10",
            "6.066,67 kr.",
            "11.099,66 kr.",
            "485,33 kr.",
            kroner(Decimal(str(ten["tax"]))) + " kr.",
            "12.134,09 kr.",  # hand-computed in tests/placements/test_budget.py
            "2.209,19 kr.",
        ]
        for row in agreement["budget"]["rows"]:
            assert kroner(Decimal(str(row["disposable_income"]))) + " kr." in html
        (warning,) = agreement["budget"]["rules"]["warnings"]
        assert warning in html
        for code in (placement.id, agreement["id"], "forhoejet_sats", "kommune 360"):
            assert code not in html

    def test_pdf_is_one_page_with_the_same_numbers_and_danish_letters(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement, agreement = _saved(client, session, who)

        response = client.get(
            f"{API}/placements/{placement.id}/agreement.pdf", headers=who.headers["caseworker"]
        )

        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        flat = " ".join(text.split())
        assert "Aftale om løntimer" in flat
        assert "Søren Ærø Åberg" in flat
        assert "Åse Østergård" in flat
        assert "Rådighedsbeløb" in flat
        assert "Lolland Kommune" in flat
        assert "10 6.066,67 kr. 11.099,66 kr. 485,33 kr." in flat
        for row in agreement["budget"]["rows"]:
            assert kroner(Decimal(str(row["disposable_income"]))) + " kr." in flat
            assert kroner(Decimal(str(row["gain"]))) + " kr." in flat
        assert "Forbehold" in flat
        assert "Nogle tal er ikke bekræftet" in flat
        for code in (placement.id, agreement["id"], "forhoejet_sats"):
            assert code not in flat
        reads = [
            e.detail
            for e in audit_rows(session, "citizen", placement.citizen_id or "")
            if e.action == "read"
        ]
        assert reads == [f'{{"via": "agreement_pdf", "placement_id": "{placement.id}"}}']


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("6066.67"), "6.066,67"), (Decimal("0"), "0,00"), (Decimal("-12.5"), "-12,50")],
)
def test_kroner_are_written_the_danish_way(value: Decimal, text: str) -> None:
    assert kroner(value) == text


@pytest.mark.parametrize(("value", "text"), [(Decimal("10"), "10"), (Decimal("7.5"), "7,5")])
def test_hours_are_written_the_danish_way(value: Decimal, text: str) -> None:
    assert hours(value) == text
