"""Every registered route is authenticated, and every role gets 403 where API.md says so.

The expected matrix is data: ``RULES`` names, for every operation the app registers, the roles
API.md lets through. A new route without a rule fails ``test_every_operation_has_a_rule``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from service.auth import service as auth_service
from service.auth.models import ApiKey, User
from service.auth.principal import CLI_PRINCIPAL, Role
from service.companies.models import Company
from service.config import Settings
from service.main import create_app
from tests.factories import bearer, make_company, make_key
from tests.web.test_page_access import page_routes

API = "/api/v1"
DUMMY_ID = "0123456789abcdef0123456789abcdef"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")

# Reachable without credentials: the health check and the API documentation.
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
# Reachable without an API key but authenticated by a shared secret (tests/reminders).
SECRET_PATHS = frozenset({f"{API}/sms/status"})
# Files only: the design system's CSS and fonts, and Swagger UI's assets.
STATIC_MOUNTS = frozenset({"/static", "/docs/assets"})

# API.md, "Roles".
EVERYONE = frozenset(Role)
STAFF = frozenset({Role.admin, Role.caseworker, Role.company_consultant, Role.blf_consultant})
ADMIN_ONLY = frozenset({Role.admin})
COMPANY_WRITERS = frozenset({Role.admin, Role.company_consultant, Role.blf_consultant})
# Citizens (issue 4): caseworkers and admins see everything, company consultants a summary of
# their municipality's citizens; BLF consultants and the integration no citizen-level data.
CITIZEN_READERS = frozenset({Role.admin, Role.caseworker, Role.company_consultant})
CASEWORKER_SIDE = frozenset({Role.admin, Role.caseworker})
MENTOR_CORPS = frozenset({Role.admin, Role.blf_consultant})

# Who may call each operation. Admin: everything. Caseworker: no company writes. Consultants:
# companies and openings. Integration: only /overview/* (and its own identity). Users, keys and
# the audit log: admins only.
RULES: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", f"{API}/me"): EVERYONE,
    ("GET", f"{API}/meta"): STAFF,
    ("GET", f"{API}/users"): ADMIN_ONLY,
    ("POST", f"{API}/users"): ADMIN_ONLY,
    ("GET", f"{API}/users/{{user_id}}/keys"): ADMIN_ONLY,
    ("POST", f"{API}/users/{{user_id}}/keys"): ADMIN_ONLY,
    ("DELETE", f"{API}/keys/{{key_id}}"): ADMIN_ONLY,
    ("GET", f"{API}/audit"): ADMIN_ONLY,
    ("GET", f"{API}/companies"): STAFF,
    ("POST", f"{API}/companies"): COMPANY_WRITERS,
    ("POST", f"{API}/companies/import"): COMPANY_WRITERS,
    ("GET", f"{API}/companies/{{company_id}}"): STAFF,
    ("PATCH", f"{API}/companies/{{company_id}}"): COMPANY_WRITERS,
    ("DELETE", f"{API}/companies/{{company_id}}"): COMPANY_WRITERS,
    ("GET", f"{API}/companies/{{company_id}}/contacts"): STAFF,
    ("GET", f"{API}/forecasts"): STAFF,
    ("GET", f"{API}/forecasts/chart.svg"): STAFF,
    ("GET", f"{API}/citizens"): CITIZEN_READERS,
    ("POST", f"{API}/citizens"): CASEWORKER_SIDE,
    ("POST", f"{API}/citizens/import"): CASEWORKER_SIDE,
    ("POST", f"{API}/citizens/bip/import"): CASEWORKER_SIDE,
    ("GET", f"{API}/citizens/{{citizen_id}}"): CITIZEN_READERS,
    ("PATCH", f"{API}/citizens/{{citizen_id}}"): CASEWORKER_SIDE,
    ("DELETE", f"{API}/citizens/{{citizen_id}}"): CASEWORKER_SIDE,
    ("GET", f"{API}/citizens/{{citizen_id}}/bip"): CASEWORKER_SIDE,
    ("POST", f"{API}/citizens/{{citizen_id}}/bip"): CASEWORKER_SIDE,
    ("GET", f"{API}/citizens/{{citizen_id}}/bip/chart.svg"): CASEWORKER_SIDE,
    ("GET", f"{API}/citizens/{{citizen_id}}/audit"): ADMIN_ONLY,
    ("GET", f"{API}/citizens/{{citizen_id}}/export"): CASEWORKER_SIDE,
    # Issue 6: matches for a citizen are citizen data; candidates reach BLF only as counts.
    ("GET", f"{API}/citizens/{{citizen_id}}/matches"): CITIZEN_READERS,
    ("GET", f"{API}/openings/{{opening_id}}/candidates"): STAFF,
    ("GET", f"{API}/companies/{{company_id}}/matches"): STAFF,
    ("GET", f"{API}/budget"): STAFF,
    # Issue 7: placements are citizen-level data (caseworkers and company consultants of the
    # citizen's municipality); the learning-case summary is counts only, so BLF sees it too.
    ("GET", f"{API}/placements"): CITIZEN_READERS,
    ("POST", f"{API}/placements"): CITIZEN_READERS,
    ("GET", f"{API}/placements/learning-cases"): STAFF,
    ("GET", f"{API}/placements/{{placement_id}}"): CITIZEN_READERS,
    ("PATCH", f"{API}/placements/{{placement_id}}"): CITIZEN_READERS,
    ("GET", f"{API}/placements/{{placement_id}}/learning-case"): CITIZEN_READERS,
    ("POST", f"{API}/placements/{{placement_id}}/learning-case/notes"): CITIZEN_READERS,
    ("POST", f"{API}/placements/{{placement_id}}/agreement"): CITIZEN_READERS,
    ("GET", f"{API}/placements/{{placement_id}}/agreement"): CITIZEN_READERS,
    ("GET", f"{API}/placements/{{placement_id}}/agreement.html"): CITIZEN_READERS,
    ("GET", f"{API}/placements/{{placement_id}}/agreement.pdf"): CITIZEN_READERS,
    # Issue 8: bus tours are prepared by caseworkers (DOMAIN.md) for their own citizens.
    ("POST", f"{API}/bus-tours"): CASEWORKER_SIDE,
    ("GET", f"{API}/bus-tours"): CASEWORKER_SIDE,
    ("GET", f"{API}/bus-tours/{{tour_id}}"): CASEWORKER_SIDE,
    ("GET", f"{API}/bus-tours/{{tour_id}}.csv"): CASEWORKER_SIDE,
    ("GET", f"{API}/bus-tours/{{tour_id}}.html"): CASEWORKER_SIDE,
    ("GET", f"{API}/bus-tours/{{tour_id}}.svg"): CASEWORKER_SIDE,
    # Issue 3: the task catalogue (all staff) and task openings (written like companies).
    ("GET", f"{API}/sectors"): STAFF,
    ("GET", f"{API}/tasks"): STAFF,
    ("GET", f"{API}/tasks/{{task_id}}"): STAFF,
    ("POST", f"{API}/tasks/normalize"): STAFF,
    ("GET", f"{API}/companies/{{company_id}}/openings"): STAFF,
    ("POST", f"{API}/companies/{{company_id}}/openings"): COMPANY_WRITERS,
    ("GET", f"{API}/companies/{{company_id}}/task-suggestions"): STAFF,
    ("GET", f"{API}/openings"): STAFF,
    ("GET", f"{API}/openings/{{opening_id}}"): STAFF,
    ("PATCH", f"{API}/openings/{{opening_id}}"): COMPANY_WRITERS,
    ("DELETE", f"{API}/openings/{{opening_id}}"): COMPANY_WRITERS,
    # Issue 9: the knowledge-sharing overview, for every role; the integration reaches nothing
    # else and sees counts of 1 and 2 as "<3" (docs/overview.md), staff see exact counts.
    ("GET", f"{API}/overview/companies"): EVERYONE,
    ("GET", f"{API}/overview/summary"): EVERYONE,
    ("GET", f"{API}/overview/targets"): EVERYONE,
    ("GET", f"{API}/overview/targets/chart.svg"): EVERYONE,
    # Issue 18: reminders go from the citizen's caseworkers and company consultants; BLF runs
    # the mentor corps and sees matches by first name; meetings are company work.
    ("POST", f"{API}/reminders"): CITIZEN_READERS,
    ("GET", f"{API}/reminders"): CITIZEN_READERS,
    ("GET", f"{API}/reminders/offers"): CITIZEN_READERS,
    ("DELETE", f"{API}/reminders/{{reminder_id}}"): CITIZEN_READERS,
    ("POST", f"{API}/mentors"): MENTOR_CORPS,
    ("GET", f"{API}/mentors"): MENTOR_CORPS,
    ("GET", f"{API}/mentors/{{mentor_id}}"): MENTOR_CORPS,
    ("PATCH", f"{API}/mentors/{{mentor_id}}"): MENTOR_CORPS,
    ("GET", f"{API}/citizens/{{citizen_id}}/mentor-suggestions"): CASEWORKER_SIDE,
    ("POST", f"{API}/mentor-matches"): CASEWORKER_SIDE,
    ("GET", f"{API}/mentor-matches"): CASEWORKER_SIDE | MENTOR_CORPS,
    ("PATCH", f"{API}/mentor-matches/{{match_id}}"): CASEWORKER_SIDE | MENTOR_CORPS,
    ("POST", f"{API}/network-meetings"): COMPANY_WRITERS,
    ("GET", f"{API}/network-meetings"): STAFF,
    ("GET", f"{API}/network-meetings/{{meeting_id}}"): STAFF,
    ("PUT", f"{API}/network-meetings/{{meeting_id}}/attendance"): COMPANY_WRITERS,
    ("GET", f"{API}/companies/{{company_id}}/network-meetings"): STAFF,
    # Issue 13: organisations (contact owners); the admin adds them.
    ("GET", f"{API}/organisations"): STAFF,
    ("POST", f"{API}/organisations"): ADMIN_ONLY,
}
# Routes under these prefixes follow one rule each (API.md: the integration reads /overview/*).
PREFIX_RULES: dict[str, frozenset[Role]] = {f"{API}/overview/": EVERYONE}

# A municipality for the scoped roles.
SCOPES: dict[Role, str | None] = {
    Role.admin: None,
    Role.caseworker: "360",
    Role.company_consultant: "360",
    Role.blf_consultant: None,
    Role.integration: None,
}


@dataclass(frozen=True)
class Operation:
    """One method on one path template of the OpenAPI schema."""

    method: str
    path: str

    @property
    def url(self) -> str:
        """The path with every parameter replaced by an id that does not exist."""
        return re.sub(r"\{[^}]+\}", DUMMY_ID, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _schema_app() -> FastAPI:
    # An in-memory engine that is never connected: building the app touches no database.
    settings = Settings(environment="test", secret_key="p" * 40)
    return create_app(settings, engine=create_engine("sqlite://"))


def registered_operations(app: FastAPI) -> list[Operation]:
    """Every operation of the app's OpenAPI schema."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [
        Operation(method.upper(), path)
        for path, item in paths.items()
        for method in item
        if method in HTTP_METHODS
    ]


def allowed_roles(operation: Operation) -> frozenset[Role] | None:
    """The roles API.md lets through, or None when no rule covers the operation."""
    rule = RULES.get((operation.method, operation.path))
    if rule is not None:
        return rule
    for prefix, roles in PREFIX_RULES.items():
        if operation.path.startswith(prefix):
            return roles
    return None


OPERATIONS = [
    op for op in registered_operations(_schema_app()) if op.path not in PUBLIC_PATHS | SECRET_PATHS
]


def _role_cases() -> list[Any]:
    return [
        pytest.param(role, operation, id=f"{role}-{operation}")
        for operation in OPERATIONS
        for role in Role
    ]


def _call(client: TestClient, operation: Operation, headers: dict[str, str]) -> Any:
    return client.request(operation.method, operation.url, headers=headers)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["fields"] == []
    return body


class TestMatrix:
    def test_every_operation_has_a_rule(self) -> None:
        missing = [str(op) for op in OPERATIONS if allowed_roles(op) is None]

        assert missing == [], f"routes without a permission rule in RULES: {missing}"

    def test_rules_name_only_registered_operations(self) -> None:
        registered = {(op.method, op.path) for op in OPERATIONS}

        assert set(RULES) - registered == set()

    def test_the_walk_sees_every_route(self) -> None:
        routes = list(iter_route_contexts(_schema_app().routes))
        hidden = {
            route.path
            for route in routes
            if not (isinstance(route.original_route, APIRoute) and route.include_in_schema)
        }

        # Routes missing from the OpenAPI schema escape the walk: only the docs, the static
        # files and the web pages may be hidden; tests/web/test_page_access.py walks the pages.
        pages = {route.path for route in page_routes(_schema_app())}
        assert hidden <= PUBLIC_PATHS | STATIC_MOUNTS | pages
        assert {route.path for route in routes} - hidden == {op.path for op in OPERATIONS} | {
            "/health",
            *SECRET_PATHS,
        }

    def test_rules_follow_api_md(self) -> None:
        for (method, path), roles in RULES.items():
            assert Role.admin in roles, path
            integration_allowed = path.startswith(f"{API}/overview/") or path == f"{API}/me"
            assert (Role.integration in roles) == integration_allowed, (method, path)
            # The audit log, a citizen's audit trail and adding a contact-owner organisation
            # (docs/permissions.md) are for admins only.
            admin_only = (
                re.match(rf"{API}/(users|keys|audit)\b", path) is not None
                or path == f"{API}/citizens/{{citizen_id}}/audit"
                or (method == "POST" and path == f"{API}/organisations")
            )
            assert (roles == ADMIN_ONLY) == admin_only, (method, path)
            company_write = (
                path.startswith((f"{API}/companies", f"{API}/openings", f"{API}/network-meetings"))
                and method != "GET"
            ) or path.startswith(f"{API}/mentors")  # BLF's mentor corps (issue 18)
            assert (Role.caseworker not in roles) == (company_write or admin_only), (method, path)
            if path.startswith(f"{API}/citizens"):  # no citizen-level data for BLF
                assert Role.blf_consultant not in roles, (method, path)
            placement_level = path.startswith(f"{API}/placements") and not path.endswith(
                "/learning-cases"
            )
            if placement_level:  # placements are citizen-level data too
                assert Role.blf_consultant not in roles, (method, path)


class TestPublicRoutes:
    def test_health_answers_without_credentials(self, client: TestClient) -> None:
        response = client.get("/health")

        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    @pytest.mark.parametrize(
        ("path", "marker"),
        [("/openapi.json", '"openapi"'), ("/docs", "swagger-ui"), ("/redoc", "redoc")],
    )
    def test_docs_answer_without_credentials(
        self, client: TestClient, path: str, marker: str
    ) -> None:
        response = client.get(path)

        assert response.status_code == 200
        assert marker in response.text


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
class TestAnonymous:
    def test_no_credentials_get_401(self, client: TestClient, operation: Operation) -> None:
        response = _call(client, operation, {})

        body = _assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
        assert "API-nøgle" in body["error"]["message"]

    def test_malformed_authorization_gets_401(
        self, client: TestClient, session: Session, operation: Operation
    ) -> None:
        _, key = make_key(session, Role.admin)
        # A valid key in the wrong scheme or without one does not count either.
        for authorization in (
            "Basic YWRtaW46YWRtaW4=",
            "Bearer",
            "Bearer    ",
            key,
            f"Token {key}",
        ):
            response = _call(client, operation, {"Authorization": authorization})

            _assert_error(response, 401, "unauthorized")

    def test_unknown_key_gets_401(self, client: TestClient, operation: Operation) -> None:
        response = _call(client, operation, bearer("km_" + "x" * 43))

        _assert_error(response, 401, "unauthorized")

    def test_revoked_key_gets_401(
        self, client: TestClient, session: Session, operation: Operation
    ) -> None:
        principal, key = make_key(session, Role.admin)
        api_key = session.exec(select(ApiKey).where(ApiKey.user_id == principal.user_id)).one()
        assert client.get(f"{API}/me", headers=bearer(key)).status_code == 200
        auth_service.revoke_api_key(session, key_id=api_key.id, actor=CLI_PRINCIPAL)

        response = _call(client, operation, bearer(key))

        _assert_error(response, 401, "unauthorized")

    def test_inactive_user_gets_401(
        self, client: TestClient, session: Session, operation: Operation
    ) -> None:
        principal, key = make_key(session, Role.admin)
        user = session.get(User, principal.user_id)
        assert user is not None
        user.is_active = False
        session.add(user)
        session.flush()

        response = _call(client, operation, bearer(key))

        _assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("role", "operation"), _role_cases())
def test_role_matrix(
    client: TestClient, session: Session, role: Role, operation: Operation
) -> None:
    _, key = make_key(session, role, SCOPES[role])
    allowed = allowed_roles(operation)
    assert allowed is not None, f"no permission rule for {operation}"

    response = _call(client, operation, bearer(key))

    if role in allowed:
        # Past authorisation: the dummy id or the empty body may still be refused, never as 401/403.
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "fields"}
    else:
        body = _assert_error(response, 403, "forbidden")
        assert body["error"]["message"] == f"Rollen {role} har ikke adgang til dette"


class TestForbiddenChangesNothing:
    def test_forbidden_roles_cannot_touch_an_existing_company(
        self, client: TestClient, session: Session
    ) -> None:
        company = make_company(session, name="Rødby Tømrer")
        _, integration = make_key(session, Role.integration)
        _, caseworker = make_key(session, Role.caseworker, "360")
        url = f"{API}/companies/{company.id}"

        refused = [
            client.get(url, headers=bearer(integration)),
            client.get(f"{url}/contacts", headers=bearer(integration)),
            client.patch(url, json={"name": "Ændret"}, headers=bearer(integration)),
            client.delete(url, headers=bearer(integration)),
            client.patch(url, json={"name": "Ændret"}, headers=bearer(caseworker)),
            client.delete(url, headers=bearer(caseworker)),
        ]

        assert [r.status_code for r in refused] == [403] * 6
        assert {r.json()["error"]["code"] for r in refused} == {"forbidden"}
        stored = session.exec(select(Company).where(col(Company.id) == company.id)).one()
        assert stored.name == "Rødby Tømrer"

    def test_non_admins_cannot_create_users_or_keys(
        self, client: TestClient, session: Session
    ) -> None:
        admin, _ = make_key(session, Role.admin)
        users_before = len(session.exec(select(User)).all())
        keys_before = len(session.exec(select(ApiKey)).all())

        for role in (Role.caseworker, Role.company_consultant, Role.blf_consultant):
            _, key = make_key(session, role, SCOPES[role])
            users_before += 1
            keys_before += 1
            created_user = client.post(
                f"{API}/users", json={"name": "Snydt", "role": "admin"}, headers=bearer(key)
            )
            created_key = client.post(
                f"{API}/users/{admin.user_id}/keys", json={"name": "bagdør"}, headers=bearer(key)
            )
            assert (created_user.status_code, created_key.status_code) == (403, 403)

        assert len(session.exec(select(User)).all()) == users_before
        assert len(session.exec(select(ApiKey)).all()) == keys_before

    def test_forbidden_message_in_english(self, client: TestClient, session: Session) -> None:
        _, key = make_key(session, Role.integration)

        response = client.get(f"{API}/companies", headers=bearer(key, **{"Accept-Language": "en"}))

        assert response.status_code == 403
        assert response.json()["error"]["message"] == "The role integration has no access to this"
