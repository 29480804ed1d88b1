"""When the database cannot answer, every route says 503 with Retry-After, and recovers by itself.

PostgreSQL: a server of the test's own is stopped and started again under a running app (issue 17,
point 4). SQLite: another connection holds the write lock longer than the busy timeout.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import func
from sqlmodel import Session, select

from service.auth.principal import Role
from service.companies.models import Company
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.migrations_runner import upgrade_database
from tests.conftest import fresh_database_url
from tests.factories import bearer, company_payload, make_key
from tests.pgserver import PostgresServer, find_bindir, start_postgres

API = "/api/v1"
DANISH = "Databasen svarer ikke lige nu. Prøv igen om lidt"
ENGLISH = "The database is not answering right now. Try again shortly"
PLACEHOLDER_ID = "0" * 32


@dataclass
class Down:
    """An app on a database of its own, and the admin key to call it with."""

    url: str
    key: str
    client: TestClient


def _settings(url: str, *, busy_timeout_ms: int = 5000) -> Settings:
    return Settings(
        environment="test",
        secret_key="t" * 40,
        database_url=url,
        sqlite_busy_timeout_ms=busy_timeout_ms,
    )


def _prepare(url: str) -> str:
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        _, key = make_key(session, Role.admin)
    engine.dispose()
    return key


def _all_routes(app: FastAPI, client: TestClient, key: str) -> dict[str, tuple[int, str]]:
    """Call every API route once (ids are placeholders, bodies empty): status and error code."""
    seen: dict[str, tuple[int, str]] = {}
    for template, operations in app.openapi()["paths"].items():
        if not template.startswith(API):
            continue
        path = re.sub(r"\{[^}]+\}", PLACEHOLDER_ID, template)
        for method in operations:
            response = client.request(method.upper(), path, headers=bearer(key), json={})
            code = response.json().get("error", {}).get("code", "")
            seen[f"{method.upper()} {template}"] = (response.status_code, code)
            if response.status_code == 503:
                assert response.headers["retry-after"] == "5"
                assert response.json()["error"]["message"] == DANISH
    return seen


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, so stopping it disturbs no other test."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("KANTMATCH_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL server binaries not found and KANTMATCH_REQUIRE_POSTGRES=1")
        pytest.skip("PostgreSQL server binaries not found")
    server = start_postgres(bindir)
    yield server
    server.stop()


def test_postgresql_stopped_then_started(own_postgres: PostgresServer) -> None:
    janitor = DatabaseJanitor(
        user="postgres", host="127.0.0.1", port=own_postgres.port, dbname="kantmatch_down"
    )
    janitor.init()
    url = own_postgres.url("kantmatch_down")
    key = _prepare(url)
    app = create_app(_settings(url))
    with TestClient(app) as client:
        assert client.get(f"{API}/companies", headers=bearer(key)).status_code == 200
        created = client.post(f"{API}/companies", headers=bearer(key), json=company_payload())
        assert created.status_code == 201

        own_postgres.halt()
        seen = _all_routes(app, client, key)
        # Every API route reaches the database (the API key is checked there) and says so,
        # except the SMS delivery webhook, which refuses a malformed report before any query.
        answers = Counter(seen.values())
        assert len(seen) > 80
        assert answers[(503, "database_unavailable")] == len(seen) - 1
        assert {route for route, answer in seen.items() if answer[0] != 503} == {
            f"POST {API}/sms/status"
        }
        english = client.get(f"{API}/companies", headers=bearer(key, **{"Accept-Language": "en"}))
        assert english.status_code == 503
        assert english.json() == {
            "error": {"code": "database_unavailable", "message": ENGLISH, "fields": []}
        }
        lost = client.post(f"{API}/companies", headers=bearer(key), json=company_payload())
        assert lost.status_code == 503
        health = client.get("/health")
        assert health.status_code == 503

        own_postgres.resume()
        # The same app, not restarted: stale pooled connections are replaced on checkout.
        listed = client.get(f"{API}/companies", headers=bearer(key))
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["items"]] == [created.json()["id"]]
        assert client.get("/health").status_code == 200
        again = client.post(f"{API}/companies", headers=bearer(key), json=company_payload())
        assert again.status_code == 201


def test_sqlite_write_lock_held_too_long(request: pytest.FixtureRequest) -> None:
    url = fresh_database_url("sqlite", request, "kantmatch_locked")
    key = _prepare(url)
    app = create_app(_settings(url, busy_timeout_ms=200))
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    with TestClient(app) as client:
        assert client.get(f"{API}/companies", headers=bearer(key)).status_code == 200
        holder.execute("BEGIN IMMEDIATE")  # e.g. a long import from the command line
        try:
            refused = client.post(f"{API}/companies", headers=bearer(key), json=company_payload())
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "2"
            assert refused.json() == {
                "error": {"code": "database_unavailable", "message": DANISH, "fields": []}
            }
            # Reads beside the writer still work: /health only reads.
            assert client.get("/health").status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        created = client.post(f"{API}/companies", headers=bearer(key), json=company_payload())
        assert created.status_code == 201
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Company)).one() == 1
    engine.dispose()
