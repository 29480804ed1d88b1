"""Fixtures: every database test runs on SQLite and on a real PostgreSQL server.

The schema is built by running the Alembic migrations; each test runs inside a transaction
that is rolled back, and the app's session dependency is pointed at that transaction.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import Engine
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.config import Settings, get_settings
from service.db import get_session, make_engine, reads_only, reads_only_request, run_writes
from service.main import create_app
from service.migrations_runner import upgrade_database
from service.tasks import catalogue
from service.tasks.cards import CardSet, default_cards_dir, read_cards
from service.tasks.schemas import CatalogueStatus
from tests.pgserver import PostgresServer, find_bindir, start_postgres

BACKENDS = ["sqlite", "postgresql"]
REQUIRE_POSTGRES = os.environ.get("KANTMATCH_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole test run."""
    bindir = find_bindir()
    if bindir is None:
        message = (
            "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin)"
        )
        if REQUIRE_POSTGRES:
            pytest.fail(message + " and KANTMATCH_REQUIRE_POSTGRES=1")
        pytest.skip(message)
    server = start_postgres(bindir)
    yield server
    server.stop()


def fresh_database_url(backend: str, request: pytest.FixtureRequest, name: str) -> str:
    """The URL of a new, empty database on the given backend."""
    if backend == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix="kantmatch-sqlite-"))
        return f"sqlite:///{directory / (name + '.db')}"
    server: PostgresServer = request.getfixturevalue("pg_server")
    # pytest-postgresql's janitor creates the database and, afterwards, drops it (ending any
    # connection left open); the server itself is ours, as its executor cannot leave root.
    janitor = DatabaseJanitor(user="postgres", host="127.0.0.1", port=server.port, dbname=name)
    janitor.drop()
    janitor.init()
    request.addfinalizer(janitor.drop)
    return server.url(name)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of this test run: sqlite or postgresql."""
    return str(request.param)


@pytest.fixture(scope="session")
def engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated database on the backend, shared by the tests of the session."""
    url = fresh_database_url(backend, request, "kantmatch_test")
    test_engine = make_engine(url)
    upgrade_database(test_engine)
    yield test_engine
    test_engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    test_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield test_session
    finally:
        test_session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings() -> Settings:
    """Settings for a test app (the database comes from the engine fixture)."""
    return Settings(environment="test", secret_key="t" * 40, max_upload_bytes=256 * 1024)


@pytest.fixture
def app(engine: Engine, session: Session, settings: Settings) -> FastAPI:
    """The real application, its requests running in the test's transaction."""
    application = create_app(settings, engine=engine)

    def override_session(request: Request) -> Iterator[Session]:
        # Same contract as the real dependency, inside a savepoint of its own: a failed request
        # undoes its own work only, never the test's set-up.
        # A GET refuses writes while it reads and writes what it kept (audit rows) afterwards,
        # as the real dependency does, so a route that writes in a GET fails here too.
        savepoint = session.begin_nested()
        try:
            if reads_only_request(request):
                with reads_only(session) as writes:
                    yield session
                run_writes(session, writes, request)
            else:
                yield session
            savepoint.commit()
        except BaseException:
            savepoint.rollback()
            raise

    application.dependency_overrides[get_session] = override_session
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client for the app."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def card_set() -> CardSet:
    """The shipped sector cards, read and checked."""
    return read_cards(default_cards_dir())


@pytest.fixture(scope="session")
def loaded_catalogue(engine: Engine, card_set: CardSet) -> CatalogueStatus:
    """The shipped cards loaded (and committed) into the test database of the backend.

    Loading is idempotent, so the other tests sharing this database see the same schema; each
    test that changes the catalogue does so inside its own rolled-back transaction.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return catalogue.sync_catalogue(
            session, card_set=card_set, source="tests", actor=CLI_PRINCIPAL
        )


@pytest.fixture
def cli_database(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh migrated database that the command line reaches through KANTMATCH_DATABASE_URL."""
    url = fresh_database_url(backend, request, "kantmatch_cli")
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    monkeypatch.setenv("KANTMATCH_DATABASE_URL", url)
    monkeypatch.setenv("KANTMATCH_ENVIRONMENT", "development")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
