"""`kantmatch backup FILE` and `kantmatch restore FILE`: a consistent copy of the whole database.

- SQLite: SQLite's online backup API copies the database page by page inside one read
  transaction, so the copy is the state of one moment even while the server writes (WAL lets the
  writers go on). Restoring copies the file back the same way, in one write transaction.
- PostgreSQL: ``pg_dump --format=custom`` (one snapshot) and, to restore, the dump turned into SQL
  by ``pg_restore`` and run by ``psql`` in a single transaction that first empties the schema:
  the database afterwards is the backup's, or unchanged if anything failed.

A backup carries its schema revision (the ``alembic_version`` table inside it). Restore refuses a
file whose revision this version of Kantmatch does not know (made by a newer version), restores
an older one and then migrates it to the newest schema.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from service.errors import ConflictError, KantmatchError, ValidationFailedError
from service.migrations_runner import alembic_config, head_revision

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(KantmatchError):
    """A backup or restore that could not be done; nothing was changed."""

    status_code = 422
    code = "backup_failed"


@dataclass(frozen=True)
class BackupResult:
    """What a backup or restore did."""

    backend: str
    path: Path
    revision: str | None
    migrated_to: str | None = None


# --- PostgreSQL's programs -------------------------------------------------------------------


def pg_program(name: str) -> str:
    """The newest installed pg_dump, pg_restore or psql (pg_dump must be as new as the server)."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
        reverse=True,
    )
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(str(Path(result.stdout.strip()) / name))
    found = shutil.which(name)
    if found:
        candidates.append(found)
    for candidate in candidates:
        if Path(candidate).exists():
            return candidate
    raise BackupError(
        f"Programmet {name} findes ikke; installer PostgreSQL-klientprogrammerne",
        f"The program {name} was not found; install the PostgreSQL client programs",
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], *, stdin: bytes | None = None) -> bytes:
    result = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BackupError(
            f"{Path(command[0]).name} fejlede: {' / '.join(detail)}",
            f"{Path(command[0]).name} failed: {' / '.join(detail)}",
        )
    return result.stdout


# --- revisions -------------------------------------------------------------------------------


def check_revision(revision: str | None) -> None:
    """Refuse a backup from a newer (unknown) schema revision or without one."""
    if revision is None:
        raise BackupError(
            "Filen har ingen skemaversion (alembic_version); den er ikke en Kantmatch-"
            "sikkerhedskopi",
            "The file has no schema revision (alembic_version); it is not a Kantmatch backup",
        )
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if revision not in known:
        raise ConflictError(
            f"Sikkerhedskopien er fra en nyere version af Kantmatch (skema {revision}; denne "
            f"version kender op til {head_revision()}). Opgrader Kantmatch, før du gendanner",
            f"The backup is from a newer version of Kantmatch (schema {revision}; this version "
            f"knows up to {head_revision()}). Upgrade Kantmatch before restoring",
            code="backup_from_newer_schema",
        )


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


_COPY_VERSION = re.compile(
    r"^COPY public\.alembic_version \(version_num\) FROM stdin;\n(?P<rows>.*?)^\\\.$",
    re.M | re.S,
)


def _pg_dump_revision(path: Path) -> str | None:
    script = _run(
        [pg_program("pg_restore"), "--data-only", "--table=alembic_version", "-f", "-", str(path)],
        dict(os.environ),
    ).decode("utf-8")
    match = _COPY_VERSION.search(script)
    if match is None:
        return None
    rows = [line for line in match.group("rows").splitlines() if line]
    return rows[0] if rows else None


def file_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' from the file's first bytes; refused otherwise."""
    with path.open("rb") as handle:
        start = handle.read(16)
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    raise BackupError(
        "Filen er hverken en SQLite-database eller en pg_dump-fil i custom-format",
        "The file is neither a SQLite database nor a pg_dump custom-format file",
    )


def backup_revision(path: Path) -> str | None:
    """The schema revision recorded inside a backup file."""
    return _sqlite_revision(path) if file_kind(path) == "sqlite" else _pg_dump_revision(path)


# --- backup and restore ----------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError(
            "En SQLite-database i hukommelsen kan ikke sikkerhedskopieres",
            "An in-memory SQLite database cannot be backed up",
        )
    return Path(url.database)


def backup(database_url: str, target: Path) -> BackupResult:
    """Write a consistent copy of the database to ``target`` (replaced only when complete)."""
    url = make_url(database_url)
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=".kantmatch-backup-", dir=target.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        if url.get_backend_name() == "sqlite":
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise BackupError(
                    f"Databasen {source_path} findes ikke",
                    f"The database {source_path} does not exist",
                )
            source = sqlite3.connect(source_path)
            copy = sqlite3.connect(temporary)
            try:
                source.execute("PRAGMA busy_timeout=30000")
                source.backup(copy)  # one step: one read transaction, one moment
                copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            finally:
                copy.close()
                source.close()
            revision = _sqlite_revision(temporary)
        else:
            connection, env = _libpq(url)
            _run(
                [
                    pg_program("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    "--file",
                    str(temporary),
                    connection,
                ],
                env,
            )
            revision = _pg_dump_revision(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return BackupResult(url.get_backend_name(), target, revision)


def restore(database_url: str, source: Path) -> BackupResult:
    """Replace the database's content with a backup's, then migrate it to the newest schema.

    Refused (nothing changed) for a file of the other backend, without a schema revision, or
    from a newer schema revision.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    kind = file_kind(source)
    if kind != backend:
        raise ValidationFailedError(
            f"Filen er en {kind}-sikkerhedskopi, men databasen er {backend}",
            f"The file is a {kind} backup, but the database is {backend}",
            code="backup_wrong_backend",
        )
    revision = backup_revision(source)
    check_revision(revision)
    if backend == "sqlite":
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(target_path)
        try:
            live.execute("PRAGMA busy_timeout=30000")
            copy.backup(live)  # one write transaction on the live database
            live.execute("PRAGMA journal_mode=WAL")
        finally:
            live.close()
            copy.close()
    else:
        connection, env = _libpq(url)
        script = _run(
            [pg_program("pg_restore"), "--no-owner", "--no-privileges", "-f", "-", str(source)],
            env,
        )
        # Empty the schema and load the backup in one transaction: all of it, or nothing.
        prologue = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
        _run(
            [
                pg_program("psql"),
                "--no-psqlrc",
                "--quiet",
                "--single-transaction",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                connection,
                "-f",
                "-",
            ],
            env,
            stdin=prologue + script,
        )
    migrated_to = None
    if revision != head_revision():
        from service.db import make_engine
        from service.migrations_runner import upgrade_database

        engine = make_engine(database_url)
        try:
            upgrade_database(engine)
        finally:
            engine.dispose()
        migrated_to = head_revision()
    return BackupResult(backend, source, revision, migrated_to)
