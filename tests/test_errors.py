"""Malformed input gets the JSON error shape and a 4xx, names the field, and stores nothing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service.auth.models import ApiKey, AuditEntry, User
from service.auth.principal import Role
from service.companies.models import Company, CompanyContact
from service.config import Settings
from tests.factories import bearer, company_payload, make_company, make_key

API = "/api/v1"
JSON = {"Content-Type": "application/json"}
TABLES = (User, ApiKey, AuditEntry, Company, CompanyContact)


def row_counts(session: Session) -> dict[str, int]:
    """How many rows every table holds, as the test's transaction sees them."""
    return {
        str(table.__tablename__): int(session.exec(select(func.count()).select_from(table)).one())
        for table in TABLES
    }


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """The ``error`` object of a response, after checking status, shape and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    return error


def fields_of(error: dict[str, Any]) -> dict[str, str]:
    """The field errors as field -> message."""
    return {f["field"]: f["message"] for f in error["fields"]}


def cursor_of(values: Any) -> str:
    """A cursor as the service encodes one, holding any values."""
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    """Headers of an administrator whose key survives refused requests."""
    _, key = make_key(session, Role.admin)
    return bearer(key)


class TestBrokenJson:
    @pytest.mark.parametrize(
        "body",
        [
            b'{"name": "Ny", "role": "admin",}',
            b'{"name": "Ny", "role": "admin"',
            b"{name: 'Ny'}",
            b"\xff\xfe{\x00",
            "æøå".encode("latin-1"),
            b"[" * 20000,
        ],
        ids=["trailing-comma", "unterminated", "single-quotes", "utf16-junk", "latin1", "deep"],
    )
    def test_is_400_invalid_json_and_stores_nothing(
        self, client: TestClient, session: Session, admin: dict[str, str], body: bytes
    ) -> None:
        before = row_counts(session)

        response = client.post(f"{API}/users", content=body, headers={**admin, **JSON})

        error = error_of(response, 400, "invalid_json")
        assert error["message"].startswith("Anmodningens indhold")
        assert "JSON" in error["message"]
        assert row_counts(session) == before

    def test_english_message(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.post(
            f"{API}/companies",
            content=b'{"cvr": "12345678",}',
            headers={**admin, **JSON, "Accept-Language": "en"},
        )

        error = error_of(response, 400, "invalid_json")
        assert error["message"].startswith("The request body is not valid JSON (")

    def test_broken_company_json_stores_no_company(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        payload = json.dumps(company_payload(name="Halvfærdig ApS"))[:-1]
        before = row_counts(session)

        response = client.post(f"{API}/companies", content=payload, headers={**admin, **JSON})

        error_of(response, 400, "invalid_json")
        assert row_counts(session) == before


class TestInvalidFields:
    def test_wrong_types_and_unknown_values_name_every_field_in_danish(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        before = row_counts(session)

        response = client.post(
            f"{API}/users",
            json={
                "name": 42,
                "email": ["ikke", "tekst"],
                "role": "superuser",
                "municipality_code": 360,
                "favourite_colour": "blå",
            },
            headers=admin,
        )

        error = error_of(response, 422, "validation_error")
        assert error["message"] == "Anmodningen indeholder ugyldige felter"
        assert fields_of(error) == {
            "name": "Skal være tekst",
            "email": "Skal være tekst",
            "role": "Skal være en af: 'admin', 'caseworker', 'company_consultant', "
            "'blf_consultant' eller 'integration'",
            "municipality_code": "Skal være tekst",
            "favourite_colour": "Ukendt felt",
        }
        assert row_counts(session) == before

    def test_missing_fields_are_each_named(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        before = row_counts(session)

        response = client.post(f"{API}/users", json={}, headers=admin)

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"name": "Feltet skal udfyldes", "role": "Feltet skal udfyldes"}
        assert row_counts(session) == before

    def test_company_with_unknown_enum_values_and_wrong_types(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        payload = company_payload(
            cvr=12345678,
            size_band="enorm",
            sector_type="statslig",
            contact_owner="Nabokommunen!",
            is_ambassador="måske",
            monthly_capacity=2.5,
        )
        del payload["name"]
        before = row_counts(session)

        response = client.post(f"{API}/companies", json=payload, headers=admin)

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {
            "cvr": "Skal være tekst",
            "name": "Feltet skal udfyldes",
            "size_band": "Skal være en af: '0-5', '6-19', '20-49', '50-99' eller '100+'",
            "sector_type": "Skal være en af: 'private', 'municipal' eller 'other'",
            "contact_owner": "Skal være en organisations nøgle: små bogstaver, tal og _ "
            "(fx jc_lolland, jc_aarhus, blf); se GET /api/v1/organisations",
            "is_ambassador": "Skal være sand eller falsk (true/false)",
            "monthly_capacity": "Skal være et helt tal",
        }
        assert row_counts(session) == before

    @pytest.mark.parametrize(
        ("body", "message"),
        [(b"[1, 2]", "Skal være et objekt"), (b'"tekst"', "Skal være et objekt"), (b"", None)],
        ids=["list", "string", "empty"],
    )
    def test_body_that_is_not_an_object(
        self,
        client: TestClient,
        admin: dict[str, str],
        body: bytes,
        message: str | None,
    ) -> None:
        response = client.post(f"{API}/users", content=body, headers={**admin, **JSON})

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"body": message or "Feltet skal udfyldes"}

    def test_scoped_role_without_municipality_names_the_field(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        before = row_counts(session)

        response = client.post(
            f"{API}/users", json={"name": "Sagsbehandler", "role": "caseworker"}, headers=admin
        )

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {
            "municipality_code": "Rollen caseworker skal have en kommunekode (municipality_code)"
        }
        assert row_counts(session) == before

    def test_nul_character_in_a_field_is_422_not_a_database_error(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        before = row_counts(session)

        response = client.post(
            f"{API}/users", json={"name": "Nul\u0000bruger", "role": "admin"}, headers=admin
        )

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"name": "Må ikke indeholde NUL-tegnet (\\u0000)"}
        assert row_counts(session) == before

    def test_nul_character_in_a_path_id_is_404(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        keys = client.get(f"{API}/users/abc%00def/keys", headers=admin)
        revoke = client.delete(f"{API}/keys/abc%00def", headers=admin)

        assert error_of(keys, 404, "not_found")["message"] == "Adressen findes ikke"
        assert error_of(revoke, 404, "not_found")["message"] == "Adressen findes ikke"

    def test_nul_character_in_a_company_field_or_nested_list_is_422(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        before = row_counts(session)

        response = client.post(
            f"{API}/companies",
            json=company_payload(contacts=[{"name": "Anne\u0000Hansen"}]),
            headers={**admin, "Accept-Language": "en"},
        )

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {
            "contacts.0.name": "Must not contain the NUL character (\\u0000)"
        }
        assert row_counts(session) == before

    def test_nul_character_in_a_query_filter_is_422(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = client.get(
            f"{API}/audit", params={"entity_type": "user", "entity_id": "a\u0000"}, headers=admin
        )

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"entity_id": "Må ikke indeholde NUL-tegnet (\\u0000)"}


class TestLanguage:
    BODY: ClassVar[dict[str, Any]] = {"name": "", "role": "boss"}

    @pytest.mark.parametrize(
        ("accept_language", "expected"),
        [
            (None, "da"),
            ("en", "en"),
            ("en-GB,en;q=0.9", "en"),
            ("da, en;q=0.5", "da"),
            ("de-DE, en;q=0.7, da;q=0.3", "en"),
            ("en;q=0.2, da", "da"),
            ("fr", "da"),
        ],
    )
    def test_validation_messages_follow_accept_language(
        self,
        client: TestClient,
        admin: dict[str, str],
        accept_language: str | None,
        expected: str,
    ) -> None:
        headers = dict(admin)
        if accept_language is not None:
            headers["Accept-Language"] = accept_language

        response = client.post(f"{API}/users", json=self.BODY, headers=headers)

        error = error_of(response, 422, "validation_error")
        roles = "'admin', 'caseworker', 'company_consultant', 'blf_consultant'"
        if expected == "da":
            assert error["message"] == "Anmodningen indeholder ugyldige felter"
            assert fields_of(error) == {
                "name": "Skal være mindst 1 tegn",
                "role": f"Skal være en af: {roles} eller 'integration'",
            }
        else:
            assert error["message"] == "The request has invalid fields"
            assert fields_of(error) == {
                "name": "Must be at least 1 characters",
                "role": f"Must be one of: {roles} or 'integration'",
            }


class TestBodySize:
    def limit(self, settings: Settings) -> int:
        return settings.max_upload_bytes

    def padded_company(self, size: int, name: str) -> bytes:
        """A valid company payload padded with whitespace to exactly ``size`` bytes."""
        body = json.dumps(company_payload(name=name)).encode()
        assert len(body) < size
        return body[:-1] + b" " * (size - len(body)) + b"}"

    def test_declared_content_length_over_the_limit_is_413(
        self, client: TestClient, session: Session, admin: dict[str, str], settings: Settings
    ) -> None:
        body = self.padded_company(self.limit(settings) + 1, "For Stor ApS")
        before = row_counts(session)

        response = client.post(f"{API}/companies", content=body, headers={**admin, **JSON})

        error = error_of(response, 413, "payload_too_large")
        assert error["message"] == "Anmodningen er for stor (højst 0.25 MB)"
        assert row_counts(session) == before

    def test_body_at_the_limit_is_accepted(
        self, client: TestClient, session: Session, admin: dict[str, str], settings: Settings
    ) -> None:
        body = self.padded_company(self.limit(settings), "Lige Præcis ApS")

        response = client.post(f"{API}/companies", content=body, headers={**admin, **JSON})

        assert response.status_code == 201, response.text
        assert response.json()["name"] == "Lige Præcis ApS"

    def test_chunked_body_over_the_limit_is_413(
        self, client: TestClient, session: Session, admin: dict[str, str], settings: Settings
    ) -> None:
        body = self.padded_company(self.limit(settings) + 10_000, "Strømmet ApS")

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 16 * 1024):
                yield body[start : start + 16 * 1024]

        request = client.build_request(
            "POST",
            f"{API}/companies",
            content=chunks(),
            headers={**admin, **JSON, "Accept-Language": "en"},
        )
        # No declared length: only counting the bytes as they arrive can catch this one.
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        before = row_counts(session)

        response = client.send(request)

        error = error_of(response, 413, "payload_too_large")
        assert error["message"] == "The request is too large (at most 0.25 MB)"
        assert row_counts(session) == before

    def test_chunked_body_under_the_limit_reaches_the_route(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        body = json.dumps(company_payload(name="Små Bidder ApS")).encode()

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), 7):
                yield body[start : start + 7]

        response = client.post(f"{API}/companies", content=chunks(), headers={**admin, **JSON})

        assert response.status_code == 201, response.text
        assert response.json()["name"] == "Små Bidder ApS"

    def test_oversized_upload_is_413(
        self, client: TestClient, session: Session, admin: dict[str, str], settings: Settings
    ) -> None:
        header = "CVR;Navn;Postnr;Branchekode\n"
        csv = (header + "12345678;Firma;4900;471100\n" * 20_000).encode()
        assert len(csv) > self.limit(settings)
        before = row_counts(session)

        response = client.post(
            f"{API}/companies/import", files={"file": ("stor.csv", csv, "text/csv")}, headers=admin
        )

        error_of(response, 413, "payload_too_large")
        assert row_counts(session) == before


class TestRouting:
    def test_unknown_path_is_json_404(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(f"{API}/findes-ikke", headers=admin)

        error = error_of(response, 404, "not_found")
        assert error == {"code": "not_found", "message": "Adressen findes ikke", "fields": []}

    def test_unknown_path_in_english(self, client: TestClient) -> None:
        response = client.get("/nowhere", headers={"Accept-Language": "en"})

        assert error_of(response, 404, "not_found")["message"] == "No such address"

    def test_wrong_method_is_json_405_with_allow(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = client.put(f"{API}/companies", json={}, headers=admin)

        error = error_of(response, 405, "method_not_allowed")
        assert error["message"] == "Metoden er ikke tilladt her"
        # Starlette names the methods of the first route on the path only (here GET, not POST).
        assert "GET" in response.headers["allow"]

    def test_unknown_company_is_json_404(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(f"{API}/companies/findesikke", headers=admin)

        error = error_of(response, 404, "not_found")
        assert error["message"] == "Virksomheden findesikke findes ikke"


class TestPaging:
    @pytest.mark.parametrize("url", [f"{API}/audit", f"{API}/companies"])
    @pytest.mark.parametrize("cursor", ["!!!", "abc", cursor_of([]), cursor_of({"a": 1})])
    def test_unreadable_cursor_is_400_naming_cursor(
        self, client: TestClient, admin: dict[str, str], url: str, cursor: str
    ) -> None:
        response = client.get(url, params={"cursor": cursor}, headers=admin)

        error = error_of(response, 400, "invalid_cursor")
        assert error["message"] == "Ugyldig cursor"
        assert fields_of(error) == {"cursor": "Brug next_cursor fra forrige side uændret"}

    @pytest.mark.parametrize(
        "values",
        [["x"], [None], [True], [1.5], [[1]], [{"a": 1}], [2**40], [{"dt": "2026-01-01"}]],
        ids=["text", "null", "bool", "float", "list", "object", "huge", "datetime"],
    )
    def test_cursor_of_the_wrong_type_is_400_not_a_database_error(
        self, client: TestClient, admin: dict[str, str], values: list[Any]
    ) -> None:
        # The audit log pages by an integer id; PostgreSQL refuses to compare it with these.
        response = client.get(f"{API}/audit", params={"cursor": cursor_of(values)}, headers=admin)

        assert fields_of(error_of(response, 400, "invalid_cursor")) == {
            "cursor": "Brug next_cursor fra forrige side uændret"
        }

    @pytest.mark.parametrize(
        "values",
        [
            [1, 2],
            ["Navn", None],
            ["Navn\u0000", "id"],
            [["Navn"], "id"],
            [{"dt": "2026-01-01"}, "id"],
        ],
        ids=["numbers", "null", "nul-character", "list", "datetime"],
    )
    def test_company_cursor_of_the_wrong_type_is_400(
        self, client: TestClient, admin: dict[str, str], values: list[Any]
    ) -> None:
        response = client.get(
            f"{API}/companies", params={"cursor": cursor_of(values)}, headers=admin
        )

        error_of(response, 400, "invalid_cursor")

    @pytest.mark.parametrize(
        "values",
        [[{"dt": "0001-01-01T00:00:00+05:00"}, "id"], [{"dt": "9999-12-31T23:00:00-05:00"}, "id"]],
        ids=["year-1", "year-9999"],
    )
    def test_sync_cursor_with_an_extreme_time_is_400(
        self, client: TestClient, admin: dict[str, str], values: list[Any]
    ) -> None:
        response = client.get(
            f"{API}/companies",
            params={"cursor": cursor_of(values), "updated_since": "2020-01-01T00:00:00Z"},
            headers=admin,
        )

        error_of(response, 400, "invalid_cursor")

    def test_real_cursors_still_page_through_every_list(
        self, client: TestClient, session: Session, admin: dict[str, str]
    ) -> None:
        for name in ("Alfa Bageri", "Beta Bageri", "Gamma Bageri"):
            make_company(session, name=name, postal_code="4990")

        def walk(url: str, params: dict[str, Any]) -> list[str]:
            seen: list[str] = []
            page = client.get(url, params=params, headers=admin)
            while True:
                assert page.status_code == 200, page.text
                items = page.json()["items"]
                seen.extend(item["name"] if "name" in item else str(item["id"]) for item in items)
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    return seen
                page = client.get(url, params={**params, "cursor": cursor}, headers=admin)

        by_name = walk(f"{API}/companies", {"limit": 1, "q": "bageri"})
        by_change = walk(
            f"{API}/companies", {"limit": 2, "q": "bageri", "updated_since": "2000-01-01T00:00:00Z"}
        )
        audit = walk(f"{API}/audit", {"limit": 2, "entity_type": "company"})

        assert by_name == ["Alfa Bageri", "Beta Bageri", "Gamma Bageri"]
        assert sorted(by_change) == by_name
        assert len(audit) == 3
        assert audit == sorted(audit, key=int)

    @pytest.mark.parametrize(
        ("limit", "message"),
        [
            ("0", "Skal være mindst 1"),
            ("501", "Må højst være 500"),
            ("ti", "Skal være et helt tal"),
        ],
    )
    @pytest.mark.parametrize("url", [f"{API}/audit", f"{API}/companies"])
    def test_limit_out_of_range_is_422(
        self, client: TestClient, admin: dict[str, str], url: str, limit: str, message: str
    ) -> None:
        response = client.get(url, params={"limit": limit}, headers=admin)

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"limit": message}

    def test_limit_at_the_bounds_is_accepted(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        low = client.get(f"{API}/audit", params={"limit": 1}, headers=admin)
        high = client.get(f"{API}/audit", params={"limit": 500}, headers=admin)

        assert (low.status_code, high.status_code) == (200, 200)
        assert len(low.json()["items"]) <= 1
        assert set(high.json()) == {"items", "next_cursor"}

    def test_bad_updated_since_is_422(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.get(f"{API}/companies", params={"updated_since": "i går"}, headers=admin)

        error = error_of(response, 422, "validation_error")
        assert fields_of(error) == {"updated_since": "Skal være et tidspunkt (ISO 8601)"}
