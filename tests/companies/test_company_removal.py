"""Removing a company: refused while placements are open, archived when closed ones refer to it,
deleted when nothing does; its documents keep it, its contact persons are erased (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.companies.models import Company, CompanyContact
from service.placements.models import Placement
from service.tasks.models import TaskOpening
from tests.factories import make_company
from tests.placements.helpers import API, People, audit_rows, make_opening, people
from tests.placements.test_agreements import agreement_payload, paid_placement, post


@pytest.fixture
def who(session: Session) -> People:
    return people(session)


def _with_agreement(client: TestClient, session: Session, who: People) -> Placement:
    placement = paid_placement(session)
    created = post(client, placement, agreement_payload(), who.headers["consultant"])
    assert created.status_code == 201, created.text
    return placement


def _close(session: Session, placement: Placement, status: str = "ended") -> None:
    placement.status = status
    session.add(placement)
    session.flush()


class TestRemoval:
    def test_open_placements_refuse_removal_and_are_named(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _with_agreement(client, session, who)
        _close(session, placement, "active")

        response = client.delete(
            f"{API}/companies/{placement.company_id}", headers=who.headers["consultant"]
        )

        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "company_has_open_placements"
        assert placement.id in error["message"]
        assert "løntimer, i gang" in error["message"]
        assert error["fields"] == [
            {"field": "placements", "message": f"{placement.id}: løntimer, i gang"}
        ]
        session.refresh(placement)
        assert (placement.status, placement.company_id) == ("active", placement.company_id)
        company = session.get(Company, placement.company_id)
        assert company is not None
        assert company.archived_at is None

    def test_closed_placements_archive_the_company_and_keep_its_documents(
        self, client: TestClient, session: Session, who: People, loaded_catalogue: Any
    ) -> None:
        placement = _with_agreement(client, session, who)
        company = session.get(Company, placement.company_id)
        assert company is not None
        opening = make_opening(session, company)
        _close(session, placement)

        response = client.delete(f"{API}/companies/{company.id}", headers=who.headers["admin"])

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["outcome"], body["company_id"], body["placements_kept"]) == (
            "archived",
            company.id,
            1,
        )
        session.refresh(company)
        assert company.archived_at is not None
        # Hidden from the list, still there for history, shown as archived.
        listed = client.get(f"{API}/companies?limit=100", headers=who.headers["admin"]).json()
        assert company.id not in [c["id"] for c in listed["items"]]
        archived = client.get(
            f"{API}/companies?limit=100&include_archived=true", headers=who.headers["admin"]
        ).json()
        assert company.id in [c["id"] for c in archived["items"]]
        one = client.get(f"{API}/companies/{company.id}", headers=who.headers["admin"]).json()
        assert one["name"] == "Maribo Købmand"
        assert one["archived_at"] is not None
        # Contact persons' personal data is erased; the open opening is closed.
        contacts = session.exec(
            select(CompanyContact).where(CompanyContact.company_id == company.id)
        ).all()
        assert list(contacts) == []
        session.refresh(session.get(TaskOpening, opening.id))
        assert session.get(TaskOpening, opening.id).status == "closed"  # type: ignore[union-attr]
        # The placement and its agreement keep the company.
        session.refresh(placement)
        assert placement.company_id == company.id
        agreement = client.get(
            f"{API}/placements/{placement.id}/agreement", headers=who.headers["caseworker"]
        ).json()
        assert agreement["company"]["name"] == "Maribo Købmand"
        assert agreement["company"]["archived"] is True
        html = client.get(
            f"{API}/placements/{placement.id}/agreement.html", headers=who.headers["caseworker"]
        ).text
        assert "Maribo Købmand" in html
        assert "(arkiveret)" in html
        assert "(slettet)" not in html
        assert "Åse Østergård" in html  # the contact as signed
        assert audit_rows(session, "company", company.id)[-1].action == "archive"

    def test_an_archived_company_takes_no_new_placements(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _with_agreement(client, session, who)
        _close(session, placement, "cancelled")
        client.delete(f"{API}/companies/{placement.company_id}", headers=who.headers["admin"])

        response = client.post(
            f"{API}/placements",
            json={
                "citizen_id": placement.citizen_id,
                "company_id": placement.company_id,
                "placement_type": "loentimer",
                "proposed_date": placement.proposed_date.isoformat(),
            },
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 422, response.text
        (field,) = response.json()["error"]["fields"]
        assert field["field"] == "company_id"
        assert "arkiveret" in field["message"]

    def test_a_company_nothing_refers_to_is_deleted(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        company = make_company(session, contacts=[{"name": "Anna"}])

        response = client.delete(f"{API}/companies/{company.id}", headers=who.headers["admin"])

        assert response.status_code == 204
        assert response.content == b""
        session.expire_all()
        assert session.get(Company, company.id) is None

    def test_the_integration_may_not_remove(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        company = make_company(session)

        response = client.delete(
            f"{API}/companies/{company.id}", headers=who.headers["integration"]
        )

        assert response.status_code == 403
