"""The company register over HTTP: create, change, delete, search, roles, business card, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service.auth.principal import Role
from service.companies import service as companies_service
from service.companies.models import Company, CompanyContact
from tests.companies.helpers import (
    audit_entries,
    company_count,
    error_fields,
    headers_for,
)
from tests.factories import company_payload, make_company, valid_cvr

URL = "/api/v1/companies"


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    """Headers of an administrator."""
    return headers_for(session, Role.admin)


def _create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post(URL, json=company_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(response_body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in response_body["items"]]


class TestCreateCompany:
    def test_fills_sector_municipality_city_and_coordinates_from_postal_code(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        cvr = valid_cvr()
        response = client.post(
            URL,
            json=company_payload(
                cvr=cvr, name="Havnekroen Nakskov", postal_code="4900", db07_code="561010"
            ),
            headers=admin,
        )

        assert response.status_code == 201
        body = response.json()
        assert body["id"]
        assert body["cvr"] == cvr
        assert body["name"] == "Havnekroen Nakskov"
        assert body["sector"] == "hoteller_restauranter"
        assert body["municipality_code"] == "360"
        assert body["city"] == "Nakskov"
        assert (body["lat"], body["lon"]) == (pytest.approx(54.831), pytest.approx(11.135))
        assert body["coordinates_source"] == "postal_code"
        assert body["contact_owner"] == "jc_lolland"
        assert body["sector_type"] == "private"
        assert body["is_ambassador"] is False
        assert body["accepts_visits"] is False
        assert body["is_paused"] is False
        assert body["is_demo"] is False
        assert body["requirements"] == {}
        assert body["contacts"] == []
        assert client.get(f"{URL}/{body['id']}", headers=admin).json() == body

    def test_guldborgsund_postal_code_gives_376(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        body = _create(client, admin, postal_code="4990", contact_owner="jc_guldborgsund")

        assert (body["municipality_code"], body["city"]) == ("376", "Sakskøbing")
        assert (body["lat"], body["lon"]) == (pytest.approx(54.8), pytest.approx(11.65))

    def test_given_coordinates_are_kept(self, client: TestClient, admin: dict[str, str]) -> None:
        body = _create(client, admin, postal_code="4930", lat=54.7712, lon=11.4991)

        assert (body["lat"], body["lon"]) == (54.7712, 11.4991)
        assert body["coordinates_source"] == "given"
        assert body["city"] == "Maribo"

    def test_stores_all_optional_fields(self, client: TestClient, admin: dict[str, str]) -> None:
        body = _create(
            client,
            admin,
            p_number="1003388394",
            size_band="20-49",
            sector_type="municipal",
            contact_owner="blf",
            is_ambassador=True,
            accepts_visits=True,
            unskilled_tasks="many",
            recruitment_difficulty="high",
            requirements={"hygiene": "required", "danish_language": "not_important"},
            is_paused=True,
            monthly_capacity=3,
            contacts=[
                {"name": "Birthe Hansen", "title": "Butikschef", "phone": "54 12 34 56"},
                {"name": "Ole Jensen", "phone": "+4587654321", "email": "ole@example.dk"},
            ],
        )

        assert body["p_number"] == "1003388394"
        assert body["size_band"] == "20-49"
        assert body["sector_type"] == "municipal"
        assert body["contact_owner"] == "blf"
        assert body["is_ambassador"] is True
        assert body["accepts_visits"] is True
        assert body["unskilled_tasks"] == "many"
        assert body["recruitment_difficulty"] == "high"
        assert body["requirements"] == {"hygiene": "required", "danish_language": "not_important"}
        assert body["is_paused"] is True
        assert body["monthly_capacity"] == 3
        assert [(c["name"], c["phone"]) for c in body["contacts"]] == [
            ("Birthe Hansen", "+45 54 12 34 56"),
            ("Ole Jensen", "+45 87 65 43 21"),
        ]
        assert body["contacts"][1]["email"] == "ole@example.dk"
        assert all(c["id"] for c in body["contacts"])

    def test_sector_without_industry_code_is_kept(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        body = _create(client, admin, db07_code=None, sector="sociale_institutioner")

        assert body["sector"] == "sociale_institutioner"
        assert body["db07_code"] is None

    def test_db25_code_alone_gives_the_sector(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        body = _create(client, admin, db07_code=None, db25_code="87.30.00")

        assert (body["db25_code"], body["sector"]) == ("873000", "sociale_institutioner")

    def test_cvr_with_spaces_and_dotted_industry_code_are_normalised(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        # 35408002: 3*2+5*7+4*6+0*5+8*4+0*3+0*2+2*1 = 99 = 9*11.
        body = _create(client, admin, cvr=" 35 40 80 02 ", db07_code="47.11.00")

        assert body["cvr"] == "35408002"
        assert body["db07_code"] == "471100"
        stored = session.exec(select(Company).where(Company.cvr == "35408002")).one()
        assert stored.id == body["id"]

    def test_duplicate_cvr_is_409_and_stores_nothing(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        first = _create(client, admin, cvr="35408002")
        before = company_count(session)

        response = client.post(
            URL, json=company_payload(cvr="3540 8002", name="Anden ApS"), headers=admin
        )

        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "cvr_taken"
        assert first["id"] in error["message"]
        assert error_fields(response.json()) == {"cvr": "Findes allerede"}
        assert company_count(session) == before

    @pytest.mark.parametrize(
        ("overrides", "field", "message_part"),
        [
            ({"cvr": "35408003"}, "cvr", "modulus 11"),
            ({"cvr": "3540800"}, "cvr", "8 cifre"),
            ({"postal_code": "49300"}, "postal_code", "fire cifre"),
            ({"postal_code": "49a0"}, "postal_code", "fire cifre"),
            ({"size_band": "7-12"}, "size_band", "'0-5'"),
            ({"sector_type": "privat"}, "sector_type", "'municipal'"),
            ({"contact_owner": "jobcenter"}, "contact_owner", "Ukendt organisation 'jobcenter'"),
            ({"contact_owner": "Job Center"}, "contact_owner", "organisations nøgle"),
            ({"db07_code": None}, "db07_code", "branchekode"),
            ({"db07_code": "47110"}, "db07_code", "6 cifre"),
            ({"db07_code": "000000"}, "db07_code", "hovedgruppen 00"),
            ({"municipality_code": "999"}, "municipality_code", "101 og 860"),
            ({"lat": 54.8}, "lon", "lat og lon"),
            ({"p_number": "12345"}, "p_number", "10 cifre"),
            ({"name": ""}, "name", "mindst 1 tegn"),
            ({"contacts": [{"name": "Eva", "phone": "123"}]}, "contacts.0.phone", "8 cifre"),
            ({"web_site": "x"}, "web_site", "Ukendt felt"),
        ],
    )
    def test_invalid_field_is_422_naming_the_field(
        self,
        client: TestClient,
        admin: dict[str, str],
        session: Session,
        overrides: dict[str, Any],
        field: str,
        message_part: str,
    ) -> None:
        before = company_count(session)

        response = client.post(URL, json=company_payload(**overrides), headers=admin)

        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_error"
        fields = error_fields(response.json())
        assert field in fields, fields
        assert message_part.casefold() in fields[field].casefold()
        assert company_count(session) == before

    def test_missing_required_fields_are_each_named(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = client.post(URL, json={"name": "Uden CVR"}, headers=admin)

        assert response.status_code == 422
        fields = error_fields(response.json())
        assert fields["cvr"] == "Feltet skal udfyldes"
        assert fields["postal_code"] == "Feltet skal udfyldes"
        assert fields["contact_owner"] == "Feltet skal udfyldes"

    def test_messages_are_english_on_request(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = client.post(
            URL,
            json=company_payload(cvr="35408003"),
            headers={**admin, "Accept-Language": "en"},
        )

        assert response.status_code == 422
        assert "modulus-11" in error_fields(response.json())["cvr"]

    def test_postal_code_in_several_municipalities_needs_municipality_code(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        before = company_count(session)

        response = client.post(URL, json=company_payload(postal_code="4100"), headers=admin)

        assert response.status_code == 422
        fields = error_fields(response.json())
        assert list(fields) == ["municipality_code"]
        assert "4100 Ringsted dækker flere kommuner" in fields["municipality_code"]
        assert "329 Ringsted" in fields["municipality_code"]
        assert company_count(session) == before

    def test_postal_code_outside_with_municipality_code_has_no_coordinates(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        body = _create(client, admin, postal_code="2100", municipality_code="101")

        assert body["municipality_code"] == "101"
        assert body["city"] == "København Ø"
        assert (body["lat"], body["lon"], body["coordinates_source"]) == (None, None, None)


class TestUpdateCompany:
    def test_changing_db07_code_re_derives_the_sector(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, db07_code="471100")

        response = client.patch(
            f"{URL}/{company['id']}", json={"db07_code": "561010"}, headers=admin
        )

        assert response.status_code == 200
        assert response.json()["db07_code"] == "561010"
        assert response.json()["sector"] == "hoteller_restauranter"

    def test_explicit_sector_survives_a_new_db07_code(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, db07_code="471100", sector="sociale_institutioner")
        assert company["sector"] == "sociale_institutioner"

        changed = client.patch(
            f"{URL}/{company['id']}", json={"db07_code": "561010"}, headers=admin
        ).json()
        assert (changed["db07_code"], changed["sector"]) == ("561010", "sociale_institutioner")

        # Clearing the explicit sector lets the code decide again.
        cleared = client.patch(f"{URL}/{company['id']}", json={"sector": None}, headers=admin)
        assert cleared.json()["sector"] == "hoteller_restauranter"

    def test_changing_postal_code_re_derives_municipality_city_and_coordinates(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, postal_code="4930")
        assert company["municipality_code"] == "360"

        body = client.patch(
            f"{URL}/{company['id']}",
            json={"postal_code": "4800", "contact_owner": "jc_guldborgsund"},
            headers=admin,
        ).json()

        assert body["postal_code"] == "4800"
        assert body["municipality_code"] == "376"
        assert body["city"] == "Nykøbing F"
        assert (body["lat"], body["lon"]) == (pytest.approx(54.769), pytest.approx(11.874))
        assert body["coordinates_source"] == "postal_code"

    def test_given_coordinates_survive_other_changes_but_not_a_move(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, postal_code="4930", lat=54.7712, lon=11.4991)

        renamed = client.patch(
            f"{URL}/{company['id']}", json={"name": "Nyt Navn"}, headers=admin
        ).json()
        assert (renamed["lat"], renamed["lon"], renamed["coordinates_source"]) == (
            54.7712,
            11.4991,
            "given",
        )

        # Coordinates of the old address would send a bus tour to the wrong town.
        moved = client.patch(
            f"{URL}/{company['id']}",
            json={"postal_code": "4900", "address": "Havnegade 1"},
            headers=admin,
        ).json()
        assert (moved["city"], moved["coordinates_source"]) == ("Nakskov", "postal_code")
        assert (moved["lat"], moved["lon"]) == (pytest.approx(54.831), pytest.approx(11.135))

        moved_with_point = client.patch(
            f"{URL}/{company['id']}",
            json={"postal_code": "4920", "lat": 54.818, "lon": 11.29},
            headers=admin,
        ).json()
        assert (moved_with_point["lat"], moved_with_point["lon"]) == (54.818, 11.29)
        assert moved_with_point["coordinates_source"] == "given"

    def test_clearing_coordinates_falls_back_to_the_postal_code(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, postal_code="4930", lat=54.7712, lon=11.4991)

        body = client.patch(
            f"{URL}/{company['id']}", json={"lat": None, "lon": None}, headers=admin
        ).json()

        assert (body["lat"], body["lon"]) == (pytest.approx(54.777), pytest.approx(11.5))
        assert body["coordinates_source"] == "postal_code"

    def test_moving_outside_without_municipality_code_is_422_and_changes_nothing(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, postal_code="4930")

        response = client.patch(
            f"{URL}/{company['id']}", json={"postal_code": "4100"}, headers=admin
        )

        assert response.status_code == 422
        assert "municipality_code" in error_fields(response.json())
        after = client.get(f"{URL}/{company['id']}", headers=admin).json()
        assert (after["postal_code"], after["municipality_code"]) == ("4930", "360")

    def test_contacts_are_replaced_only_when_given(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        company = _create(
            client,
            admin,
            contacts=[{"name": "Anna", "is_primary": True}, {"name": "Bo", "phone": "54121212"}],
        )
        url = f"{URL}/{company['id']}"

        kept = client.patch(url, json={"name": "Samme kontakter"}, headers=admin).json()
        assert [c["name"] for c in kept["contacts"]] == ["Anna", "Bo"]

        replaced = client.patch(
            url, json={"contacts": [{"name": "Carl", "phone": "+45 22 33 44 55"}]}, headers=admin
        ).json()
        assert [(c["name"], c["phone"]) for c in replaced["contacts"]] == [
            ("Carl", "+45 22 33 44 55")
        ]
        stored = session.exec(
            select(CompanyContact).where(CompanyContact.company_id == company["id"])
        ).all()
        assert [c.name for c in stored] == ["Carl"]

        emptied = client.patch(url, json={"contacts": []}, headers=admin).json()
        assert emptied["contacts"] == []

    def test_cvr_cannot_be_changed(self, client: TestClient, admin: dict[str, str]) -> None:
        company = _create(client, admin)

        response = client.patch(f"{URL}/{company['id']}", json={"cvr": valid_cvr()}, headers=admin)

        assert response.status_code == 422
        assert error_fields(response.json()) == {"cvr": "Ukendt felt"}

    def test_removing_the_only_industry_code_is_422(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, db07_code="471100")

        response = client.patch(f"{URL}/{company['id']}", json={"db07_code": None}, headers=admin)

        assert response.status_code == 422
        assert "db07_code" in error_fields(response.json())

    def test_update_moves_updated_at_forward(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin)

        body = client.patch(
            f"{URL}/{company['id']}", json={"monthly_capacity": 2}, headers=admin
        ).json()

        assert body["monthly_capacity"] == 2
        assert body["created_at"] == company["created_at"]
        assert datetime.fromisoformat(body["updated_at"]) > datetime.fromisoformat(
            company["updated_at"]
        )


class TestDeleteAndRead:
    def test_delete_removes_company_and_contacts(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        company = _create(client, admin, contacts=[{"name": "Anna"}])

        response = client.delete(f"{URL}/{company['id']}", headers=admin)

        assert response.status_code == 204
        assert response.content == b""
        assert client.get(f"{URL}/{company['id']}", headers=admin).status_code == 404
        assert session.get(Company, company["id"]) is None
        contacts = session.exec(
            select(CompanyContact).where(CompanyContact.company_id == company["id"])
        ).all()
        assert list(contacts) == []

    def test_get_unknown_id_is_404(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(f"{URL}/findes-ikke", headers=admin)

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert "findes-ikke" in response.json()["error"]["message"]

    @pytest.mark.parametrize("method", ["PATCH", "DELETE"])
    def test_change_unknown_id_is_404(
        self, client: TestClient, admin: dict[str, str], method: str
    ) -> None:
        response = client.request(
            method, f"{URL}/findes-ikke", headers=admin, json={} if method == "PATCH" else None
        )

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestSearch:
    def test_q_matches_name_case_insensitively_with_danish_letters(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        # Maribo, so only the name (not the city) can match "Søllested".
        _create(client, admin, name="Søllested Tømrerforretning", postal_code="4930")
        _create(client, admin, name="Æblegården Frugt", postal_code="4930")
        _create(client, admin, name="Rødby Ålerøgeri", postal_code="4930")

        def search(q: str) -> list[str]:
            response = client.get(URL, params={"q": q}, headers=admin)
            assert response.status_code == 200
            return _names(response.json())

        assert search("SØLLESTED") == ["Søllested Tømrerforretning"]
        assert search("tømrer") == ["Søllested Tømrerforretning"]
        assert search("ÆBLEGÅRDEN") == ["Æblegården Frugt"]
        assert search("ålerøg") == ["Rødby Ålerøgeri"]
        assert search("Ø") == ["Rødby Ålerøgeri", "Søllested Tømrerforretning"]

    def test_q_matches_cvr_address_and_city(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        cvr = "35408002"
        _create(
            client, admin, cvr=cvr, name="Qtest Alfa", address="Kanalvej 12", postal_code="4930"
        )
        _create(
            client,
            admin,
            name="Qtest Beta",
            address="Strandvejen 7",
            postal_code="4874",
            contact_owner="jc_guldborgsund",
        )

        def search(q: str) -> list[str]:
            return _names(client.get(URL, params={"q": q}, headers=admin).json())

        assert search(cvr) == ["Qtest Alfa"]
        assert search("354080") == ["Qtest Alfa"]
        assert search("35 40 80 02") == ["Qtest Alfa"]
        assert search("3540-8002") == ["Qtest Alfa"]
        assert search("kanalvej") == ["Qtest Alfa"]
        assert search("STRANDVEJEN 7") == ["Qtest Beta"]
        assert search("gedser") == ["Qtest Beta"]
        assert search("Qtest") == ["Qtest Alfa", "Qtest Beta"]
        assert search("ingen-sådan-virksomhed") == []

    def test_like_wildcards_in_q_are_literal(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        _create(client, admin, name="Wild 100% Service")
        _create(client, admin, name="Wild 1000 Service")

        assert _names(client.get(URL, params={"q": "100%"}, headers=admin).json()) == [
            "Wild 100% Service"
        ]
        assert _names(client.get(URL, params={"q": "wild_1"}, headers=admin).json()) == []

    def test_sector_and_municipality_filters(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        _create(client, admin, name="Ftest Butik Maribo", postal_code="4930", db07_code="471100")
        _create(client, admin, name="Ftest Kro Maribo", postal_code="4930", db07_code="561010")
        _create(
            client,
            admin,
            name="Ftest Butik Nykøbing",
            postal_code="4800",
            db07_code="477100",
            contact_owner="jc_guldborgsund",
        )

        def names(**params: str) -> list[str]:
            response = client.get(URL, params={"q": "ftest", **params}, headers=admin)
            assert response.status_code == 200
            return _names(response.json())

        assert names(sector="detailhandel") == ["Ftest Butik Maribo", "Ftest Butik Nykøbing"]
        assert names(municipality_code="360") == ["Ftest Butik Maribo", "Ftest Kro Maribo"]
        assert names(municipality_code="376") == ["Ftest Butik Nykøbing"]
        assert names(sector="detailhandel", municipality_code="376") == ["Ftest Butik Nykøbing"]
        assert names(sector="landbrug") == []

    def test_unknown_sector_filter_is_422(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(URL, params={"sector": "fiskeri"}, headers=admin)

        assert response.status_code == 422
        assert "sector" in error_fields(response.json())

    def test_cursor_pagination_returns_every_row_exactly_once(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        # Two companies share a name, so the id must break the tie.
        names = ["Ptest Ø", "Ptest A", "Ptest C", "Ptest B", "Ptest B", "Ptest Æ", "Ptest D"]
        created = {_create(client, admin, name=name)["id"] for name in names}

        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"q": "ptest", "limit": 3}
            if cursor is not None:
                params["cursor"] = cursor
            body = client.get(URL, params=params, headers=admin).json()
            pages += 1
            seen.extend(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
            assert len(body["items"]) == 3

        assert pages == 3
        assert len(seen) == len(names)
        assert {item["id"] for item in seen} == created
        assert [item["name"] for item in seen][:5] == [
            "Ptest A",
            "Ptest B",
            "Ptest B",
            "Ptest C",
            "Ptest D",
        ]

    def test_limit_bounds_and_bad_cursor(self, client: TestClient, admin: dict[str, str]) -> None:
        too_big = client.get(URL, params={"limit": 501}, headers=admin)
        assert too_big.status_code == 422
        assert "limit" in error_fields(too_big.json())

        bad = client.get(URL, params={"cursor": "not-a-cursor"}, headers=admin)
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "invalid_cursor"

    def test_updated_since_returns_only_rows_changed_since_in_change_order(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        base = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)

        for offset, name in enumerate(["Utest gammel", "Utest ny 1", "Utest ny 2", "Utest ny 3"]):
            company = make_company(session, name=name)
            company.updated_at = base + timedelta(days=offset - 1)
            session.add(company)

        def sync(since: str, **params: Any) -> dict[str, Any]:
            response = client.get(
                URL, params={"q": "utest", "updated_since": since, **params}, headers=admin
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        body = sync(base.isoformat())
        assert _names(body) == ["Utest ny 1", "Utest ny 2", "Utest ny 3"]

        # The same with a naive timestamp (taken as UTC) and one in Danish summer time.
        assert _names(sync("2031-03-02T12:00:00")) == ["Utest ny 2", "Utest ny 3"]
        assert _names(sync("2031-03-02T14:00:00+02:00")) == ["Utest ny 2", "Utest ny 3"]

        first = sync(base.isoformat(), limit=2)
        assert _names(first) == ["Utest ny 1", "Utest ny 2"]
        second = sync(base.isoformat(), limit=2, cursor=first["next_cursor"])
        assert _names(second) == ["Utest ny 3"]
        assert second["next_cursor"] is None

        assert sync("2031-03-05T00:00:00Z")["items"] == []
        bad = client.get(URL, params={"updated_since": "igår"}, headers=admin)
        assert bad.status_code == 422
        assert "updated_since" in error_fields(bad.json())


class TestRoles:
    def test_anonymous_is_401(self, client: TestClient) -> None:
        response = client.get(URL)

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"

    def test_caseworker_reads_but_cannot_write(self, client: TestClient, session: Session) -> None:
        company = make_company(session, name="Læsbar ApS")
        headers = headers_for(session, Role.caseworker, "360")

        assert _names(client.get(URL, params={"q": "læsbar"}, headers=headers).json()) == [
            "Læsbar ApS"
        ]
        assert client.get(f"{URL}/{company.id}", headers=headers).json()["name"] == "Læsbar ApS"
        before = company_count(session)

        created = client.post(URL, json=company_payload(), headers=headers)
        patched = client.patch(f"{URL}/{company.id}", json={"name": "X"}, headers=headers)
        deleted = client.delete(f"{URL}/{company.id}", headers=headers)

        assert [created.status_code, patched.status_code, deleted.status_code] == [403, 403, 403]
        assert created.json()["error"]["code"] == "forbidden"
        assert company_count(session) == before
        assert session.get(Company, company.id) is not None
        assert client.get(f"{URL}/{company.id}", headers=headers).json()["name"] == "Læsbar ApS"

    def test_company_consultant_writes_only_in_own_municipality(
        self, client: TestClient, session: Session
    ) -> None:
        lolland = headers_for(session, Role.company_consultant, "360")
        guldborgsund_company = make_company(
            session, name="Gedser Havn", postal_code="4874", contact_owner="jc_guldborgsund"
        )
        before = company_count(session)

        create_other = client.post(
            URL,
            json=company_payload(postal_code="4800", contact_owner="jc_guldborgsund"),
            headers=lolland,
        )
        assert create_other.status_code == 403
        assert "376" in create_other.json()["error"]["message"]
        patch_other = client.patch(
            f"{URL}/{guldborgsund_company.id}", json={"name": "Overtaget"}, headers=lolland
        )
        assert patch_other.status_code == 403
        delete_other = client.delete(f"{URL}/{guldborgsund_company.id}", headers=lolland)
        assert delete_other.status_code == 403
        assert company_count(session) == before
        assert client.get(f"{URL}/{guldborgsund_company.id}", headers=lolland).json()["name"] == (
            "Gedser Havn"
        )

        own = _create(client, lolland, name="Maribo Egen", postal_code="4930")
        assert own["municipality_code"] == "360"
        renamed = client.patch(f"{URL}/{own['id']}", json={"name": "Maribo Ny"}, headers=lolland)
        assert renamed.json()["name"] == "Maribo Ny"

        # Moving its own company into the other municipality is a write there too.
        moved = client.patch(f"{URL}/{own['id']}", json={"postal_code": "4800"}, headers=lolland)
        assert moved.status_code == 403
        assert client.get(f"{URL}/{own['id']}", headers=lolland).json()["postal_code"] == "4930"

    def test_blf_consultant_writes_in_both_municipalities(
        self, client: TestClient, session: Session
    ) -> None:
        blf = headers_for(session, Role.blf_consultant)

        lolland = _create(client, blf, postal_code="4900", contact_owner="blf")
        guldborgsund = _create(client, blf, postal_code="4800", contact_owner="blf")
        patched = client.patch(
            f"{URL}/{guldborgsund['id']}", json={"is_ambassador": True}, headers=blf
        )

        assert (lolland["municipality_code"], guldborgsund["municipality_code"]) == ("360", "376")
        assert patched.json()["is_ambassador"] is True
        assert client.delete(f"{URL}/{lolland['id']}", headers=blf).status_code == 204

    def test_integration_is_403_everywhere_in_the_register(
        self, client: TestClient, session: Session
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, Role.integration)

        responses = [
            client.get(URL, headers=headers),
            client.get(f"{URL}/{company.id}", headers=headers),
            client.get(f"{URL}/{company.id}/contacts", headers=headers),
            client.post(URL, json=company_payload(), headers=headers),
        ]

        assert [r.status_code for r in responses] == [403, 403, 403, 403]
        assert {r.json()["error"]["code"] for r in responses} == {"forbidden"}


class TestBusinessCard:
    def test_contacts_and_contact_points_with_the_owner_first(
        self, client: TestClient, session: Session
    ) -> None:
        company = make_company(
            session,
            name="Nykøbing Auto",
            postal_code="4800",
            contact_owner="jc_guldborgsund",
            contacts=[
                {"name": "Per Holm", "title": "Værkfører", "phone": "54851234", "is_primary": True},
                {"name": "Lis Berg", "email": "lis@example.dk"},
            ],
        )
        headers = headers_for(session, Role.caseworker, "360")

        response = client.get(f"{URL}/{company.id}/contacts", headers=headers)

        assert response.status_code == 200
        card = response.json()
        assert card["company_id"] == company.id
        assert card["company_name"] == "Nykøbing Auto"
        assert card["contact_owner"] == "jc_guldborgsund"
        assert card["contact_owner_name"] == "Jobcenter Guldborgsund"
        assert [(c["name"], c["title"], c["phone"], c["is_primary"]) for c in card["contacts"]] == [
            ("Per Holm", "Værkfører", "+45 54 85 12 34", True),
            ("Lis Berg", None, None, False),
        ]
        assert [p["owner"] for p in card["contact_points"]] == [
            "jc_guldborgsund",
            "jc_lolland",
            "blf",
        ]
        assert card["contact_points"][0]["name"] == "Jobcenter Guldborgsund, virksomhedsservice"
        # The shipped numbers are not verified, so every unit carries a warning.
        assert all(p["verified"] is False and p["phone"] is None for p in card["contact_points"])
        assert len(card["warnings"]) == 3
        assert all("ikke indlæst og kontrolleret" in w for w in card["warnings"])
        assert "Jobcenter Guldborgsund" in card["warnings"][0]

    def test_verified_numbers_from_the_operators_file_carry_no_warning(
        self, client: TestClient, session: Session, app: FastAPI, tmp_path: Path
    ) -> None:
        points = tmp_path / "contact_points.csv"
        points.write_text(
            "# operators' copy\n"
            "owner;name;phone;email;hours;verified\n"
            "jc_lolland;Jobcenter Lolland, virksomhedsservice;+45 54 67 00 00;"
            "jc@lolland.example;8-15;true\n"
            "blf;Business Lolland-Falster;;;;false\n",
            encoding="utf-8",
        )
        app.state.settings = app.state.settings.model_copy(
            update={"contact_points_file": str(points)}
        )
        company = make_company(session, contact_owner="blf", postal_code="4900")

        card = client.get(
            f"{URL}/{company.id}/contacts", headers=headers_for(session, Role.blf_consultant)
        ).json()

        assert [p["owner"] for p in card["contact_points"]] == ["blf", "jc_lolland"]
        lolland = card["contact_points"][1]
        assert (lolland["phone"], lolland["email"], lolland["hours"], lolland["verified"]) == (
            "+45 54 67 00 00",
            "jc@lolland.example",
            "8-15",
            True,
        )
        assert card["contact_owner_name"] == "Business Lolland-Falster"
        assert len(card["warnings"]) == 1
        assert "Business Lolland-Falster" in card["warnings"][0]

    def test_unknown_company_is_404(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(f"{URL}/findes-ikke/contacts", headers=admin)

        assert response.status_code == 404


class TestAudit:
    def test_create_update_delete_are_audited_with_actor_and_fields(
        self, client: TestClient, session: Session
    ) -> None:
        headers = headers_for(session, Role.blf_consultant)
        company = _create(client, headers, db07_code="471100")
        client.patch(f"{URL}/{company['id']}", json={"db07_code": "561010"}, headers=headers)
        client.delete(f"{URL}/{company['id']}", headers=headers)

        entries = audit_entries(session, entity_type="company", entity_id=company["id"])

        assert [e.action for e in entries] == ["create", "update", "delete"]
        assert {e.actor_role for e in entries} == {"blf_consultant"}
        assert {e.actor_name for e in entries} == {"Test blf_consultant"}
        assert all(e.actor_user_id for e in entries)
        update_detail = json.loads(entries[1].detail or "{}")
        assert set(update_detail["fields"]) >= {"db07_code", "sector"}
        assert "name" not in update_detail["fields"]
        assert json.loads(entries[2].detail or "{}") == {"cvr": company["cvr"]}

    def test_refused_changes_are_not_audited(self, client: TestClient, session: Session) -> None:
        company = make_company(session, postal_code="4800", contact_owner="jc_guldborgsund")
        headers = headers_for(session, Role.company_consultant, "360")

        client.patch(f"{URL}/{company.id}", json={"name": "X"}, headers=headers)
        client.delete(f"{URL}/{company.id}", headers=headers)

        actions = [
            e.action for e in audit_entries(session, entity_type="company", entity_id=company.id)
        ]
        assert actions == ["create"]
        stored = session.exec(select(Company).where(col(Company.id) == company.id)).one()
        assert stored.name == "Maribo Dagligvarer"


class TestRoleBeforeLookup:
    @pytest.mark.parametrize(
        ("role", "method", "suffix"),
        [
            (Role.integration, "GET", ""),
            (Role.integration, "GET", "/contacts"),
            (Role.integration, "PATCH", ""),
            (Role.integration, "DELETE", ""),
            (Role.caseworker, "PATCH", ""),
            (Role.caseworker, "DELETE", ""),
        ],
    )
    def test_forbidden_role_gets_403_for_unknown_and_existing_ids_alike(
        self, client: TestClient, session: Session, role: Role, method: str, suffix: str
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, role, "360" if role == Role.caseworker else None)

        def call(company_id: str) -> int:
            body = {"name": "X"} if method == "PATCH" else None
            url = f"{URL}/{company_id}{suffix}"
            return client.request(method, url, headers=headers, json=body).status_code

        # A 404 for unknown ids would tell a forbidden caller which ids exist.
        assert (call("findes-ikke"), call(company.id)) == (403, 403)
        assert session.get(Company, company.id) is not None


class TestEdgeCases:
    def test_same_postal_code_in_a_patch_keeps_a_given_municipality(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        company = _create(client, admin, postal_code="2100", municipality_code="101")

        response = client.patch(
            f"{URL}/{company['id']}",
            json={"postal_code": "2100", "name": "København Filial"},
            headers=admin,
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["name"], body["postal_code"], body["municipality_code"]) == (
            "København Filial",
            "2100",
            "101",
        )

    def test_long_names_that_grow_when_case_folded_are_stored_and_found(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        # "ß" case-folds to "ss": 200 + 200 characters become 800 in the search column.
        body = _create(client, admin, name="ß" * 200, address="ß" * 200)

        found = client.get(URL, params={"q": "SSSS"}, headers=admin).json()
        assert [item["id"] for item in found["items"]] == [body["id"]]
        assert found["items"][0]["name"] == "ß" * 200

    def test_cvr_taken_by_a_concurrent_insert_is_409_not_500(
        self,
        client: TestClient,
        admin: dict[str, str],
        session: Session,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        first = _create(client, admin, cvr="35408002")
        before = company_count(session)
        # The other request inserted between our check and our insert: the check sees nothing.
        monkeypatch.setattr(companies_service, "find_company_by_cvr", lambda *_, **__: None)

        response = client.post(URL, json=company_payload(cvr="35408002"), headers=admin)

        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "cvr_taken"
        assert error_fields(response.json()) == {"cvr": "Findes allerede"}
        monkeypatch.undo()
        assert company_count(session) == before
        assert client.get(f"{URL}/{first['id']}", headers=admin).json()["cvr"] == "35408002"
