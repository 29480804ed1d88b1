"""Erasing a citizen with placements: no personal data remains, anonymous counts do."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import Role
from service.placements.models import (
    LearningCaseNote,
    Placement,
    PlacementTransition,
    WageHourAgreement,
)
from tests.citizens.helpers import make_citizen
from tests.citizens.test_erasure import mentions
from tests.factories import bearer, make_company, make_key
from tests.placements.helpers import API, days_ago, internship, move, propose

NAME = "Zacharias Quistgaard-Ølby"


def test_placements_are_anonymised_and_counted(client: TestClient, session: Session) -> None:
    _, key = make_key(session, Role.caseworker, "360")
    headers = bearer(key)
    citizen = make_citizen(session, name=NAME)
    company = make_company(session, name="Holeby Bageri", db07_code="107100")
    early = internship(
        session, citizen, company, started=days_ago(40), notes=f"{NAME} kører med bus 802"
    )
    move(
        session,
        early,
        status="ended",
        effective_date=days_ago(5),
        assessment="ended_early",
        end_reason="other",
        end_reason_text=f"{NAME} flyttede",
        outcome_category=7,
    )
    client.post(
        f"{API}/placements/{early.id}/learning-case/notes",
        json={"perspective": "citizen", "text": f"{NAME}: for lang transporttid"},
        headers=headers,
    )
    paid = propose(
        session,
        citizen_id=citizen.id,
        company_id=company.id,
        placement_type="loentimer",
        start_date=clock.today().isoformat(),
    )
    created = client.post(
        f"{API}/placements/{paid.id}/agreement",
        json={
            "company_contact_name": "Bent Bager",
            "paid_tasks": [{"text": f"Pakke brød sammen med {NAME}s makker"}],
            "hours_per_week": 8,
            "hourly_wage": 150,
            "start_date": "2025-10-01",
            "review_date": "2025-11-01",
            "benefit_category": "grundsats",
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    # JSON columns may store "Ø" escaped, so the ASCII part of the name is searched too.
    assert {t for t, _ in mentions(session, NAME, "Quistgaard")} >= {
        "placements",
        "learning_case_notes",
        "wage_hour_agreements",
    }

    response = client.delete(f"{API}/citizens/{citizen.id}", headers=headers)

    assert response.status_code == 204
    assert mentions(session, NAME, "Quistgaard") == []
    # The citizen id survives only in the audit log (who did what, by opaque id).
    assert {table for table, _ in mentions(session, citizen.id)} == {"audit_log"}
    rows = session.exec(select(Placement).order_by(col(Placement.proposed_date))).all()
    assert [
        (p.citizen_id, p.company_id, p.sector, p.placement_type, p.status, p.outcome_category)
        for p in rows
    ] == [
        (None, company.id, "industri", "virksomhedspraktik", "ended", 7),
        (None, company.id, "industri", "loentimer", "proposed", None),
    ]
    assert rows[0].end_reason == "other"
    assert (rows[0].notes, rows[0].end_reason_text, rows[0].anonymised_at is not None) == (
        None,
        None,
        True,
    )
    assert session.exec(select(LearningCaseNote)).all() == []
    assert session.exec(select(WageHourAgreement)).all() == []
    assert len(session.exec(select(PlacementTransition)).all()) == 5

    _, admin = make_key(session, Role.admin)
    read = client.get(f"{API}/placements/{early.id}", headers=bearer(admin))
    assert read.status_code == 200
    assert (read.json()["citizen_id"], read.json()["citizen_name"], read.json()["anonymised"]) == (
        None,
        None,
        True,
    )


def test_the_citizen_export_includes_placements_agreements_and_learning_cases(
    client: TestClient, session: Session
) -> None:
    _, key = make_key(session, Role.caseworker, "360")
    headers = bearer(key)
    citizen = make_citizen(session, name="Ida Indsigt")
    company = make_company(session, name="Maribo Bageri", db07_code="107100")
    early = internship(session, citizen, company, started=days_ago(30))
    move(
        session,
        early,
        status="ended",
        effective_date=days_ago(2),
        assessment="did_not_show",
        outcome_category=7,
    )
    client.post(
        f"{API}/placements/{early.id}/learning-case/notes",
        json={"perspective": "caseworker", "text": "Mødte ikke op; bus 802 kører ikke tidligt"},
        headers=headers,
    )
    paid = propose(
        session,
        citizen_id=citizen.id,
        company_id=company.id,
        placement_type="loentimer",
        start_date=clock.today().isoformat(),
    )
    agreement = client.post(
        f"{API}/placements/{paid.id}/agreement",
        json={
            "company_contact_name": "Bent Bager",
            "paid_tasks": [{"text": "Pakke brød"}],
            "hours_per_week": 8,
            "hourly_wage": 150,
            "start_date": "2025-10-01",
            "review_date": "2025-12-01",
            "benefit_category": "forhoejet_sats",
        },
        headers=headers,
    )
    assert agreement.status_code in (200, 201), agreement.text

    export = client.get(f"{API}/citizens/{citizen.id}/export", headers=headers).json()

    record = export["placements"]
    assert sorted(p["id"] for p in record["placements"]) == sorted([early.id, paid.id])
    assert [a["hours_per_week"] for a in record["agreements"]] == [8]
    (case,) = record["learning_cases"]
    assert [n["text"] for n in case["notes"]] == ["Mødte ikke op; bus 802 kører ikke tidligt"]
    assert export["bus_tour_ids"] == []


def test_placements_follow_a_citizen_who_moves_to_the_other_municipality(
    client: TestClient, session: Session
) -> None:
    _, admin_key = make_key(session, Role.admin)
    _, lolland_key = make_key(session, Role.company_consultant, "360")
    _, guldborgsund_key = make_key(session, Role.caseworker, "376")
    citizen = make_citizen(session, name="Mads Flytter")
    company = make_company(session, name="Sakskøbing Lager", postal_code="4990")
    placement = internship(session, citizen, company, started=days_ago(10))

    moved = client.patch(
        f"{API}/citizens/{citizen.id}", json={"postal_code": "4800"}, headers=bearer(admin_key)
    )
    assert moved.json()["municipality_code"] == "376"

    old_side = client.get(
        f"{API}/placements", params={"citizen_id": citizen.id}, headers=bearer(lolland_key)
    )
    new_side = client.get(
        f"{API}/placements", params={"citizen_id": citizen.id}, headers=bearer(guldborgsund_key)
    )
    assert old_side.json()["items"] == []
    assert [p["id"] for p in new_side.json()["items"]] == [placement.id]


def test_consultants_never_see_health_reasons_or_the_citizen_s_and_caseworker_s_words(
    client: TestClient, session: Session
) -> None:
    _, caseworker_key = make_key(session, Role.caseworker, "360")
    _, consultant_key = make_key(session, Role.company_consultant, "360")
    citizen = make_citizen(session, name="Hanne Helbred")
    company = make_company(session, name="Maribo Kantine", db07_code="562100")
    placement = internship(session, citizen, company, started=days_ago(20), notes="Ondt i ryggen")
    move(
        session,
        placement,
        status="ended",
        effective_date=days_ago(1),
        assessment="ended_early",
        end_reason="health",
        outcome_category=7,
    )
    for perspective, text in (("caseworker", "Ryggen holdt ikke"), ("company", "Gik tidligt")):
        client.post(
            f"{API}/placements/{placement.id}/learning-case/notes",
            json={"perspective": perspective, "text": text},
            headers=bearer(caseworker_key),
        )

    full = client.get(f"{API}/placements/{placement.id}", headers=bearer(caseworker_key)).json()
    shown = client.get(f"{API}/placements/{placement.id}", headers=bearer(consultant_key)).json()
    case = client.get(
        f"{API}/placements/{placement.id}/learning-case", headers=bearer(consultant_key)
    ).json()

    assert (full["end_reason"], full["notes"]) == ("health", "Ondt i ryggen")
    assert (shown["end_reason"], shown["notes"]) == ("other", None)
    assert case["reason"] == "other"
    assert [n["text"] for n in case["notes"]] == ["Gik tidligt"]


def test_the_learning_case_summary_shows_health_only_to_caseworkers(
    client: TestClient, session: Session
) -> None:
    _, caseworker_key = make_key(session, Role.caseworker, "360")
    _, blf_key = make_key(session, Role.blf_consultant)
    citizen = make_citizen(session, name="Helle Sundhed")
    company = make_company(session, name="Rødby Service", db07_code="812100", postal_code="4970")
    placement = internship(session, citizen, company, started=days_ago(20))
    move(
        session,
        placement,
        status="ended",
        effective_date=days_ago(1),
        assessment="ended_early",
        end_reason="health",
        outcome_category=7,
    )

    def reasons(key: str) -> dict[str, int]:
        body = client.get(f"{API}/placements/learning-cases", headers=bearer(key)).json()
        (row,) = [c for c in body["by_company"] if c["company_name"] == "Rødby Service"]
        return dict(row["reasons"])

    assert reasons(caseworker_key) == {"health": 1}
    assert reasons(blf_key) == {"other": 1}
