"""Organisations as contact owners: 98 job centres and BLF, GET/POST /organisations."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import Role
from service.organisations.defaults import job_centre_key
from service.organisations.models import Organisation
from tests.factories import bearer, company_payload, make_key

API = "/api/v1"


def _headers(session: Session, role: Role, municipality: str | None = None) -> dict[str, str]:
    _, key = make_key(session, role, municipality)
    return bearer(key)


class TestSeeded:
    def test_every_job_centre_and_blf(self, session: Session, client: TestClient) -> None:
        body = client.get(f"{API}/organisations", headers=_headers(session, Role.admin)).json()

        keys = [o["key"] for o in body["items"]]
        assert len(keys) == 99
        assert {"jc_lolland", "jc_guldborgsund", "blf", "jc_aarhus", "jc_hoeje_taastrup"} <= set(
            keys
        )
        lolland = next(o for o in body["items"] if o["key"] == "jc_lolland")
        assert lolland == {
            "key": "jc_lolland",
            "name": "Jobcenter Lolland",
            "kind": "job_centre",
            "municipality_code": "360",
            "is_active": True,
        }
        assert keys[-1] == "blf"  # organisations without a municipality come last

    def test_filter_by_municipality(self, session: Session, client: TestClient) -> None:
        response = client.get(
            f"{API}/organisations?municipality_code=751",
            headers=_headers(session, Role.company_consultant, "360"),
        )

        assert [o["key"] for o in response.json()["items"]] == ["jc_aarhus"]

    def test_job_centre_keys(self) -> None:
        assert job_centre_key("360") == "jc_lolland"
        assert job_centre_key("376") == "jc_guldborgsund"
        assert job_centre_key("101") == "jc_koebenhavn"
        assert job_centre_key("999") is None


class TestCreate:
    def test_admin_adds_an_organisation_a_company_can_then_name(
        self, session: Session, client: TestClient
    ) -> None:
        admin = _headers(session, Role.admin)

        created = client.post(
            f"{API}/organisations",
            json={"key": "erhverv_aarhus", "name": "Erhverv Aarhus", "municipality_code": "751"},
            headers=admin,
        )
        company = client.post(
            f"{API}/companies",
            json=company_payload(
                postal_code="8000", contact_owner="erhverv_aarhus", lat=56.15, lon=10.2
            ),
            headers=admin,
        )

        assert created.status_code == 201, created.text
        assert created.json()["kind"] == "business_organisation"
        assert company.status_code == 201, company.text
        assert company.json()["contact_owner"] == "erhverv_aarhus"
        assert company.json()["municipality_code"] == "751"
        assert session.get(Organisation, "erhverv_aarhus") is not None

    def test_taken_key_is_409(self, session: Session, client: TestClient) -> None:
        response = client.post(
            f"{API}/organisations",
            json={"key": "blf", "name": "Igen"},
            headers=_headers(session, Role.admin),
        )

        assert response.status_code == 409
        assert response.json()["error"]["fields"] == [
            {"field": "key", "message": "Findes allerede"}
        ]

    def test_only_the_admin_adds(self, session: Session, client: TestClient) -> None:
        response = client.post(
            f"{API}/organisations",
            json={"key": "ny_org", "name": "Ny"},
            headers=_headers(session, Role.blf_consultant),
        )

        assert response.status_code == 403
        assert session.get(Organisation, "ny_org") is None

    def test_company_with_unknown_owner_is_422(self, session: Session, client: TestClient) -> None:
        response = client.post(
            f"{API}/companies",
            json=company_payload(contact_owner="jc_atlantis"),
            headers=_headers(session, Role.admin),
        )

        assert response.status_code == 422
        fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
        assert fields == {
            "contact_owner": "Ukendt organisation 'jc_atlantis' (fx jc_lolland, jc_aarhus, blf; "
            "se GET /api/v1/organisations)"
        }

    def test_overview_names_a_national_owner(self, session: Session, client: TestClient) -> None:
        admin = _headers(session, Role.admin)
        company = client.post(
            f"{API}/companies",
            json=company_payload(postal_code="8000", contact_owner="jc_aarhus"),
            headers=admin,
        ).json()

        card = client.get(f"{API}/companies/{company['id']}/contacts", headers=admin)

        assert card.status_code == 200, card.text
        assert card.json()["contact_owner_name"] == "Jobcenter Aarhus"
