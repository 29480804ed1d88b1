"""Login, sessions, CSRF, lockout and security headers of the web pages (issue 16), on both
database backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth import service as auth_service
from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Role
from service.auth.schemas import UserCreate
from service.web import sessions
from service.web.models import WebSession
from tests.factories import bearer, make_key

PASSWORD = "rigtig-hemmelig-42"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client over https (the session cookie is Secure outside development)."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def caseworker(session: Session) -> str:
    user = auth_service.create_user(
        session,
        data=UserCreate(
            name="Sanne Sagsbehandler",
            email="sanne@kommune.example",
            role=Role.caseworker,
            municipality_code="360",
            password=PASSWORD,
        ),
        actor=CLI_PRINCIPAL,
    )
    return user.id


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has no csrf_token field"
    return match.group(1)


def add_user(session: Session, *, email: str, role: Role, municipality: str | None) -> None:
    """A user of the role who can sign in with PASSWORD (committed, so a server sees it)."""
    auth_service.create_user(
        session,
        data=UserCreate(
            name=f"Bruger {role.value}",
            email=email,
            role=role,
            municipality_code=municipality,
            password=PASSWORD,
        ),
        actor=CLI_PRINCIPAL,
    )
    session.commit()


def log_in(web: TestClient, email: str, password: str) -> tuple[int, str]:
    token = csrf_of(web.get("/login").text)
    response = web.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/borgere"},
        follow_redirects=False,
    )
    return response.status_code, response.headers.get("set-cookie", "")


def test_login_sets_a_signed_httponly_samesite_secure_cookie(
    web: TestClient, caseworker: str, session: Session
) -> None:
    status, cookie = log_in(web, "sanne@kommune.example", PASSWORD)
    assert status == 303
    assert cookie.startswith("km_session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite"} <= attributes
    assert "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1].strip('"')
    token, _, signature = value.rpartition(".")
    assert len(signature) == 64
    assert len(token) >= 40
    # Only the token's hash is stored, never the token itself.
    stored = session.exec(select(WebSession).where(WebSession.user_id == caseworker)).one()
    assert stored.token_hash != token
    assert len(stored.token_hash) == 64
    page = web.get("/")
    assert page.status_code == 200
    assert "Sanne Sagsbehandler, Sagsbehandler" in page.text
    assert '<html lang="da">' in page.text
    logins = session.exec(select(AuditEntry).where(AuditEntry.action == "login")).all()
    assert [e.actor_user_id for e in logins] == [caseworker]


def test_a_tampered_cookie_opens_nothing(web: TestClient, caseworker: str) -> None:
    log_in(web, "sanne@kommune.example", PASSWORD)
    value = web.cookies.get("km_session") or ""
    web.cookies.clear()
    web.cookies.set("km_session", value[:-1] + ("0" if value[-1] != "0" else "1"))
    response = web.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_wrong_password_is_refused_without_saying_which_part(
    web: TestClient, caseworker: str
) -> None:
    status, cookie = log_in(web, "sanne@kommune.example", "forkert-forkert")
    assert (status, cookie.startswith("km_session=")) == (401, False)
    unknown_status, _ = log_in(web, "ingen@kommune.example", "forkert-forkert")
    assert unknown_status == 401
    page = web.post(
        "/login",
        data={
            "email": "sanne@kommune.example",
            "password": "x",
            "csrf_token": csrf_of(web.get("/login").text),
        },
    )
    assert "Forkert e-mail eller adgangskode." in page.text


def test_five_failures_lock_the_address_even_for_the_right_password(
    web: TestClient, caseworker: str
) -> None:
    with clock.frozen_at(START):
        statuses = [log_in(web, "Sanne@Kommune.example", f"forkert-{i}")[0] for i in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
        status, cookie = log_in(web, "sanne@kommune.example", PASSWORD)
        assert (status, cookie) == (429, "")
        token = csrf_of(web.get("/login").text)
        page = web.post(
            "/login",
            data={"email": "sanne@kommune.example", "password": PASSWORD, "csrf_token": token},
        )
        assert "spærret for login i 15 minutter" in page.text
    with clock.frozen_at(START + sessions.LOCKOUT + timedelta(seconds=1)):
        assert log_in(web, "sanne@kommune.example", PASSWORD)[0] == 303


def test_failures_spread_over_more_than_the_window_do_not_lock(
    web: TestClient, caseworker: str
) -> None:
    for i in range(6):
        with clock.frozen_at(START + i * timedelta(minutes=4)):
            # four failures per 15-minute window at most
            if i % 4 == 3:
                continue
            assert log_in(web, "sanne@kommune.example", "forkert")[0] == 401
    with clock.frozen_at(START + timedelta(minutes=40)):
        assert log_in(web, "sanne@kommune.example", PASSWORD)[0] == 303


def test_a_post_without_the_csrf_token_is_refused(web: TestClient, caseworker: str) -> None:
    response = web.post("/login", data={"email": "sanne@kommune.example", "password": PASSWORD})
    assert response.status_code == 403
    assert "csrf_token" in response.text
    assert "km_session" not in web.cookies
    log_in(web, "sanne@kommune.example", PASSWORD)
    assert web.post("/logout", follow_redirects=False).status_code == 403
    wrong = web.post("/logout", data={"csrf_token": "x" * 64}, follow_redirects=False)
    assert wrong.status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_logout_ends_the_session_on_the_server(web: TestClient, caseworker: str) -> None:
    log_in(web, "sanne@kommune.example", PASSWORD)
    cookie = web.cookies.get("km_session")
    token = csrf_of(web.get("/").text)
    response = web.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    web.cookies.clear()
    web.cookies.set("km_session", cookie or "")
    assert web.get("/", follow_redirects=False).status_code == 303


def test_the_session_ends_after_the_idle_timeout(web: TestClient, caseworker: str) -> None:
    with clock.frozen_at(START):
        log_in(web, "sanne@kommune.example", PASSWORD)
    with clock.frozen_at(START + sessions.IDLE_TIMEOUT - timedelta(minutes=1)):
        assert web.get("/", follow_redirects=False).status_code == 200
    # Each request moves the idle clock on; a longer pause ends the session.
    later = START + 2 * sessions.IDLE_TIMEOUT - timedelta(minutes=1) + timedelta(seconds=61)
    with clock.frozen_at(later):
        response = web.get("/borgere", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/borgere")


def test_login_redirects_only_to_paths_on_this_site(web: TestClient, caseworker: str) -> None:
    token = csrf_of(web.get("/login").text)
    response = web.post(
        "/login",
        data={
            "email": "sanne@kommune.example",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_every_response_has_the_security_headers(web: TestClient, session: Session) -> None:
    _, key = make_key(session, role=Role.admin)
    for response in (web.get("/login"), web.get("/api/v1/me", headers=bearer(key))):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    # API keys keep working beside the sessions.
    assert web.get("/api/v1/me", headers=bearer(key)).json()["role"] == "admin"


def test_pages_carry_no_inline_script(web: TestClient, caseworker: str) -> None:
    log_in(web, "sanne@kommune.example", PASSWORD)
    for path in ("/login", "/", "/borgere", "/virksomheder", "/budget", "/docs"):
        html = web.get(path).text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
        assert scripts, path
        assert all('src="/' in attrs and not body.strip() for attrs, body in scripts), path
        assert " style=" not in html, path
        assert "<style" not in html, path
