"""`kantmatch backup` and `kantmatch restore` on both backends (issue 17, point 5).

Round trip: every table's rows after a restore equal those at the backup. A backup taken while a
writer commits is one moment's state. A file from a newer schema revision, of the other backend
or not a backup at all is refused and changes nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, select, text
from sqlmodel import Session
from typer.testing import CliRunner

from service.auth.audit import record_audit
from service.auth.principal import CLI_PRINCIPAL, Role
from service.backup import backup_revision
from service.cli import app as cli
from service.db import make_engine
from service.migrations_runner import alembic_config, head_revision, upgrade_database
from tests.citizens.helpers import add_bip, make_citizen
from tests.factories import make_company, make_key


def all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database holds (reflected, so none is missed), sorted."""
    reflected = MetaData()
    reflected.reflect(bind=engine)
    with engine.connect() as connection:
        return {
            name: sorted(
                (tuple(row) for row in connection.execute(select(table))),
                key=lambda row: tuple(str(v) for v in row),
            )
            for name, table in reflected.tables.items()
        }


def seed(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        make_key(session, Role.caseworker, "360")
        make_company(session, name="Nakskov Havn")
        make_company(session, name="Sakskøbing Sukker")
        citizen = make_citizen(session, name="Karen Gendannet")
        add_bip(session, citizen, "2025-02-01", {"job_goal": 3})


def invoke(*arguments: str) -> Any:
    return CliRunner().invoke(cli, list(arguments), catch_exceptions=False)


def test_round_trip_restores_every_row(cli_database: str, tmp_path: Path) -> None:
    engine = make_engine(cli_database)
    seed(engine)
    before = all_rows(engine)
    assert sum(1 for rows in before.values() if rows) >= 8  # users, keys, companies, citizens...
    file = tmp_path / "kantmatch.backup"

    result = invoke("backup", str(file))
    assert result.exit_code == 0, result.output
    assert f"skema {head_revision()}" in result.output
    assert backup_revision(file) == head_revision()

    # Change things after the backup: a new company, a renamed one, a deleted API key.
    with Session(engine) as session, session.begin():
        make_company(session, name="Efter Backup ApS")
        session.execute(text("UPDATE companies SET name = 'Omdøbt' WHERE name = 'Nakskov Havn'"))
        session.execute(text("DELETE FROM api_keys"))
    assert all_rows(engine) != before
    engine.dispose()

    result = invoke("restore", "--yes", str(file))
    assert result.exit_code == 0, result.output
    assert "Gendannet fra" in result.output
    engine = make_engine(cli_database)
    assert all_rows(engine) == before
    engine.dispose()


def test_backup_while_a_writer_commits_is_one_moment(cli_database: str, tmp_path: Path) -> None:
    engine = make_engine(cli_database)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        # Audit entries in pairs, one transaction each: a consistent copy holds whole pairs.
        while not stop.is_set():
            with Session(engine) as session, session.begin():
                for _ in range(2):
                    record_audit(session, actor=CLI_PRINCIPAL, action="pair", entity_type="test")
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 5:
            stop.wait(0.01)
        file = tmp_path / "moment.backup"
        result = invoke("backup", str(file))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    engine.dispose()

    assert invoke("restore", "--yes", str(file)).exit_code == 0
    engine = make_engine(cli_database)
    with engine.connect() as connection:
        pairs = connection.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'pair'")
        ).scalar_one()
    engine.dispose()
    assert pairs >= 10
    assert pairs % 2 == 0
    assert pairs < 2 * written[0]  # the writer went on after the backup's moment


def test_a_backup_from_a_newer_schema_is_refused(cli_database: str, tmp_path: Path) -> None:
    engine = make_engine(cli_database)
    seed(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    file = tmp_path / "future.backup"
    assert invoke("backup", str(file)).exit_code == 0
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE alembic_version SET version_num = '{head_revision()}'"))
        connection.execute(text("DELETE FROM companies WHERE name = 'Nakskov Havn'"))
    before = all_rows(engine)

    result = CliRunner().invoke(cli, ["restore", "--yes", str(file)])
    assert result.exit_code == 1
    assert (
        "Fejl: Sikkerhedskopien er fra en nyere version af Kantmatch (skema 0099_future; denne "
        f"version kender op til {head_revision()}). Opgrader Kantmatch, før du gendanner"
    ) in result.output
    assert all_rows(engine) == before
    engine.dispose()


def test_an_older_backup_is_restored_and_migrated(
    backend: str, request: pytest.FixtureRequest, cli_database: str, tmp_path: Path
) -> None:
    from alembic.script import ScriptDirectory

    from tests.conftest import fresh_database_url

    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision())
    assert previous is not None
    older_revision = str(previous.down_revision)
    older_url = fresh_database_url(backend, request, "kantmatch_older")
    older = make_engine(older_url)
    upgrade_database(older, older_revision)
    with older.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, name, role, is_active, created_at, updated_at) VALUES "
                "('u1', 'Gammel Bruger', 'admin', true, '2025-01-01', '2025-01-01')"
            )
        )
    older.dispose()
    file = tmp_path / "older.backup"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KANTMATCH_DATABASE_URL", older_url)
        from service.config import get_settings

        get_settings.cache_clear()
        assert invoke("backup", str(file)).exit_code == 0
    from service.config import get_settings

    get_settings.cache_clear()
    assert backup_revision(file) == older_revision

    result = invoke("restore", "--yes", str(file))
    assert result.exit_code == 0, result.output
    assert f"migreret til {head_revision()}" in result.output
    engine = make_engine(cli_database)
    rows = all_rows(engine)
    engine.dispose()
    assert rows["alembic_version"] == [(head_revision(),)]
    assert [row[1] for row in rows["users"]] == ["Gammel Bruger"]


def test_a_file_that_is_no_backup_is_refused(cli_database: str, tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("ikke en sikkerhedskopi\n")
    result = CliRunner().invoke(cli, ["restore", "--yes", str(file)])
    assert result.exit_code == 1
    assert (
        "Fejl: Filen er hverken en SQLite-database eller en pg_dump-fil i custom-format"
        in result.output
    )
