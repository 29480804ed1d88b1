"""The contract findings of the outside fuzz run (issue 17), each fixed and pinned by value."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import Role
from service.openapi import error_codes
from tests.factories import bearer, make_key

API = "/api/v1"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/companies/abc", "DELETE, GET, HEAD, PATCH"),
        ("PUT", "/companies", "GET, HEAD, POST"),
        ("DELETE", "/citizens", "GET, HEAD, POST"),
        ("PATCH", "/bus-tours", "GET, HEAD, POST"),
    ],
)
def test_405_lists_every_method_of_the_path(
    client: TestClient, session: Session, method: str, path: str, allow: str
) -> None:
    _, key = make_key(session, Role.admin)

    response = client.request(method, API + path, headers=bearer(key))

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_405_on_health(client: TestClient) -> None:
    response = client.post("/health")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/overview/companies?active_to=0", "active_to"),
        ("/overview/companies?active_from=0", "active_from"),
        ("/placements/learning-cases?opened_since=0", "opened_since"),
    ],
)
def test_a_number_is_not_a_date(
    client: TestClient, session: Session, path: str, field: str
) -> None:
    _, key = make_key(session, Role.admin)

    response = client.get(API + path, headers=bearer(key))

    assert response.status_code == 422, response.text
    assert response.json()["error"]["fields"] == [
        {"field": field, "message": "Skal være en dato (ÅÅÅÅ-MM-DD)"}
    ]
    dated = client.get(API + path.replace("=0", "=2026-01-01"), headers=bearer(key))
    assert dated.status_code == 200


def test_threshold_false_is_refused(client: TestClient, session: Session) -> None:
    _, key = make_key(session, Role.admin)

    response = client.post(
        f"{API}/tasks/normalize",
        json={"text": "fylde varer op", "threshold": False},
        headers=bearer(key, **{"Accept-Language": "en"}),
    )

    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["threshold"]


def test_every_operation_documents_its_error_answers(app: FastAPI) -> None:
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = {int(code) for code in operation["responses"] if code.isdigit()}
            assert set(error_codes(path, method, operation)) <= documented, (method, path)
            error = operation["responses"]["422" if path != "/health" else "503"]
            assert error["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_every_post_documents_the_idempotency_key(app: FastAPI) -> None:
    posts = {
        path: operations["post"]
        for path, operations in app.openapi()["paths"].items()
        if "post" in operations
    }
    creates = [path for path, operation in posts.items() if "201" in operation["responses"]]

    for path, operation in posts.items():
        headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
        key = headers["Idempotency-Key"]
        assert (key["required"], key["schema"]["maxLength"]) == (False, 255), path
        assert "creates nothing new" in key["description"]
        success = [r for code, r in operation["responses"].items() if code.startswith("2")]
        assert all(
            r["headers"]["Idempotency-Replayed"]["schema"]["enum"] == ["true"] for r in success
        )
    assert len(creates) >= 15
    assert {"/api/v1/companies", "/api/v1/citizens", "/api/v1/placements"} <= set(creates)
    # Only POST: a PATCH or DELETE is not replayed by the middleware.
    for operations in app.openapi()["paths"].values():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert ("Idempotency-Key" in names) == (method == "post")


def test_400_is_documented_where_a_body_or_cursor_can_be_unreadable(app: FastAPI) -> None:
    paths = app.openapi()["paths"]

    def documents_400(method: str, path: str) -> bool:
        return "400" in paths[f"{API}{path}"][method]["responses"]

    assert documents_400("post", "/companies")  # a JSON body
    assert documents_400("post", "/companies/import")  # a file
    assert documents_400("get", "/citizens")  # a cursor
    assert not documents_400("get", "/sectors")
    assert not documents_400("get", "/companies/{company_id}")
    assert not documents_400("delete", "/openings/{opening_id}")
