"""Health and meta endpoints, settings, the SQLite engine and an import without side effects."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from service import __version__
from service.auth.models import ApiKey
from service.auth.principal import Role
from service.config import DEFAULT_SECRET_KEY, Settings, get_settings
from service.db import make_engine
from service.main import create_app
from service.migrations_runner import head_revision, upgrade_database
from tests.conftest import fresh_database_url
from tests.factories import bearer, make_company, make_key

API = "/api/v1"
REPO = Path(__file__).resolve().parent.parent
SETTINGS_ENV = (
    "KANTMATCH_ENVIRONMENT",
    "KANTMATCH_DATABASE_URL",
    "KANTMATCH_SECRET_KEY",
    "KANTMATCH_LOG_LEVEL",
    "KANTMATCH_MAX_UPLOAD_BYTES",
    "KANTMATCH_SQLITE_BUSY_TIMEOUT_MS",
    "KANTMATCH_CONTACT_POINTS_FILE",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No KANTMATCH_ settings from the developer's shell."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _test_settings() -> Settings:
    return Settings(environment="test", secret_key="s" * 40)


class TestHealth:
    def test_reports_backend_revision_and_up_to_date(
        self, client: TestClient, backend: str
    ) -> None:
        response = client.get("/health")

        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "version": __version__,
            "database": {
                "ok": True,
                "backend": backend,
                "revision": head_revision(),
                "up_to_date": True,
            },
        }

    def test_unmigrated_database_is_503(self, backend: str, request: pytest.FixtureRequest) -> None:
        engine = make_engine(fresh_database_url(backend, request, "kantmatch_unmigrated"))
        try:
            with TestClient(create_app(_test_settings(), engine=engine)) as client:
                response = client.get("/health")
        finally:
            engine.dispose()

        assert response.status_code == 503
        assert response.json()["status"] == "error"
        assert response.json()["database"] == {
            "ok": True,
            "backend": backend,
            "revision": None,
            "up_to_date": False,
        }

    def test_unreachable_database_is_503(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        # Nothing listens on the port once the socket is closed.
        engine = make_engine(f"postgresql://nobody@127.0.0.1:{port}/none?connect_timeout=2")
        try:
            with TestClient(create_app(_test_settings(), engine=engine)) as client:
                response = client.get("/health")
        finally:
            engine.dispose()

        assert response.status_code == 503
        assert response.json()["status"] == "error"
        assert response.json()["database"] == {
            "ok": False,
            "backend": "postgresql",
            "error": "OperationalError",
        }


class TestMeta:
    def test_version_schema_and_backend(
        self, client: TestClient, session: Session, backend: str
    ) -> None:
        _, key = make_key(session, Role.caseworker, "376")

        response = client.get(f"{API}/meta", headers=bearer(key))

        assert response.status_code == 200
        body = response.json()
        assert body["version"] == __version__
        assert body["schema_revision"] == head_revision()
        assert body["schema_head"] == head_revision()
        assert body["database_backend"] == backend
        assert set(body["counts"]) == {"companies", "demo_companies", "users"}

    def test_counts_follow_the_data(self, client: TestClient, session: Session) -> None:
        _, key = make_key(session, Role.blf_consultant)
        before = client.get(f"{API}/meta", headers=bearer(key)).json()["counts"]

        make_company(session, name="Tællekorps ApS")
        make_key(session, Role.integration)
        after = client.get(f"{API}/meta", headers=bearer(key)).json()["counts"]

        assert after["companies"] == before["companies"] + 1
        assert after["users"] == before["users"] + 1
        assert after["demo_companies"] == before["demo_companies"]

    def test_counts_through_the_api(self, client: TestClient, session: Session) -> None:
        _, key = make_key(session, Role.admin)
        headers = bearer(key)
        before = client.get(f"{API}/meta", headers=headers).json()["counts"]["companies"]

        created = client.post(
            f"{API}/companies",
            json={
                "cvr": "35408002",
                "name": "Meta Målerværk",
                "postal_code": "4800",
                "db07_code": "251100",
                "contact_owner": "blf",
            },
            headers=headers,
        )
        after = client.get(f"{API}/meta", headers=headers).json()["counts"]["companies"]

        assert created.status_code == 201, created.text
        assert after == before + 1


class TestSettings:
    @pytest.mark.parametrize("environment", ["production", "test"])
    def test_default_secret_is_refused_outside_development(
        self, clean_env: pytest.MonkeyPatch, environment: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            Settings(environment=environment)

        assert "KANTMATCH_SECRET_KEY" in str(caught.value)
        assert f"KANTMATCH_ENVIRONMENT={environment}" in str(caught.value)

    def test_default_secret_is_accepted_in_development(self, clean_env: pytest.MonkeyPatch) -> None:
        settings = Settings()

        assert settings.environment == "development"
        assert settings.secret_key == DEFAULT_SECRET_KEY

    def test_short_secret_is_refused_in_production(self, clean_env: pytest.MonkeyPatch) -> None:
        with pytest.raises(ValidationError, match="KANTMATCH_SECRET_KEY must be at least 32"):
            Settings(environment="production", secret_key="kort-men-ikke-standard")

        assert Settings(environment="production", secret_key="x" * 32).secret_key == "x" * 32

    def test_default_secret_from_the_environment_is_refused(
        self, clean_env: pytest.MonkeyPatch
    ) -> None:
        clean_env.setenv("KANTMATCH_ENVIRONMENT", "production")

        with pytest.raises(ValidationError, match="KANTMATCH_SECRET_KEY"):
            Settings()

    def test_env_prefix(self, clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'fra-miljoeet.db'}"
        clean_env.setenv("KANTMATCH_ENVIRONMENT", "production")
        clean_env.setenv("KANTMATCH_SECRET_KEY", "z" * 48)
        clean_env.setenv("KANTMATCH_DATABASE_URL", url)
        clean_env.setenv("KANTMATCH_LOG_LEVEL", "WARNING")
        clean_env.setenv("KANTMATCH_MAX_UPLOAD_BYTES", "12345")
        clean_env.setenv("KANTMATCH_SQLITE_BUSY_TIMEOUT_MS", "750")
        clean_env.setenv("DATABASE_URL", "sqlite:///uden-praefiks.db")

        settings = Settings()

        assert settings.environment == "production"
        assert settings.secret_key == "z" * 48
        assert settings.database_url == url
        assert settings.log_level == "WARNING"
        assert settings.max_upload_bytes == 12345
        assert settings.sqlite_busy_timeout_ms == 750
        assert settings.is_sqlite

    def test_defaults(self, clean_env: pytest.MonkeyPatch) -> None:
        settings = Settings()

        assert settings.database_url == "sqlite:///var/kantmatch.db"
        assert settings.max_upload_bytes == 10 * 1024 * 1024
        assert settings.log_level == "INFO"

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("KANTMATCH_MAX_UPLOAD_BYTES", "0"),
            ("KANTMATCH_LOG_LEVEL", "CHATTY"),
            ("KANTMATCH_ENVIRONMENT", "staging"),
        ],
    )
    def test_invalid_values_are_refused(
        self, clean_env: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        clean_env.setenv(name, value)

        with pytest.raises(ValidationError) as caught:
            Settings()

        assert name.removeprefix("KANTMATCH_").lower() in str(caught.value)

    def test_get_settings_reads_the_environment_once(self, clean_env: pytest.MonkeyPatch) -> None:
        get_settings.cache_clear()
        try:
            clean_env.setenv("KANTMATCH_LOG_LEVEL", "DEBUG")
            first = get_settings()
            clean_env.setenv("KANTMATCH_LOG_LEVEL", "ERROR")
            second = get_settings()
        finally:
            get_settings.cache_clear()

        assert first is second
        assert second.log_level == "DEBUG"


class TestDatabaseUrls:
    @pytest.mark.parametrize(
        "url",
        [
            "postgresql://u@db.example/kantmatch",
            "postgres://u@db.example/kantmatch",
            "postgresql+psycopg://u@db.example/kantmatch",
        ],
    )
    def test_postgresql_urls_use_psycopg_3(self, url: str) -> None:
        engine = make_engine(url)
        try:
            assert engine.url.drivername == "postgresql+psycopg"
            assert engine.url.database == "kantmatch"
            assert engine.dialect.name == "postgresql"
        finally:
            engine.dispose()


class TestSqliteEngine:
    def test_pragmas_on_a_file_database(self, tmp_path: Path) -> None:
        engine = make_engine(
            f"sqlite:///{tmp_path / 'sub' / 'pragmas.db'}", sqlite_busy_timeout_ms=1234
        )
        try:
            with engine.connect() as connection:
                journal = connection.execute(text("PRAGMA journal_mode")).scalar()
                foreign_keys = connection.execute(text("PRAGMA foreign_keys")).scalar()
                busy = connection.execute(text("PRAGMA busy_timeout")).scalar()
        finally:
            engine.dispose()

        assert (journal, foreign_keys, busy) == ("wal", 1, 1234)
        assert (tmp_path / "sub" / "pragmas.db").exists()

    def test_foreign_keys_are_enforced(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
        upgrade_database(engine)
        try:
            with Session(engine) as session:
                session.add(
                    ApiKey(user_id="ingen", name="forældreløs", key_prefix="km_", key_hash="0" * 64)
                )
                with pytest.raises(IntegrityError, match="FOREIGN KEY"):
                    session.flush()
        finally:
            engine.dispose()

    def test_savepoints_roll_back_like_postgresql(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'savepoint.db'}")
        try:
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE t (x INTEGER)"))
                connection.execute(text("INSERT INTO t VALUES (1)"))
                savepoint = connection.begin_nested()
                connection.execute(text("INSERT INTO t VALUES (2)"))
                savepoint.rollback()
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT x FROM t")).scalars().all()
        finally:
            engine.dispose()

        assert rows == [1]


class TestNoImportSideEffects:
    def test_importing_the_app_touches_nothing(self, tmp_path: Path) -> None:
        missing = tmp_path / "findes-ikke" / "kantmatch.db"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KANTMATCH_")},
            "KANTMATCH_DATABASE_URL": f"sqlite:///{missing}",
            # Settings read at import time would fail on this (default secret in production).
            "KANTMATCH_ENVIRONMENT": "production",
            "PYTHONPATH": str(REPO),
        }
        workdir = tmp_path / "cwd"
        workdir.mkdir()
        code = (
            "import service.main, service.cli, service.system, service.demo\n"
            "app = service.main.create_app\n"
            "import sys; print(sorted(m for m in sys.modules if m.startswith('service')))"
        )

        result = subprocess.run(
            [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True
        )

        assert result.returncode == 0, result.stderr
        assert "service.main" in result.stdout
        assert not missing.parent.exists()
        assert list(workdir.iterdir()) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd"]

    def test_create_app_with_an_engine_reads_no_environment(
        self, clean_env: pytest.MonkeyPatch, engine: Engine
    ) -> None:
        clean_env.setenv("KANTMATCH_ENVIRONMENT", "production")  # would refuse the default secret
        get_settings.cache_clear()

        app = create_app(_test_settings(), engine=engine)

        assert app.state.settings.environment == "test"
        assert app.state.engine is engine
