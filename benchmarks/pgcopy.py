"""Copy a Kantmatch SQLite database into a freshly migrated PostgreSQL one (benchmarks only).

``bench_national.py`` measures PostgreSQL with 2 workers on the same SYNTHETIC rows it measures
SQLite on: the PostgreSQL schema is built by the Alembic migrations, emptied, and every table
of the models is copied with ``COPY ... FROM STDIN`` in one transaction, in foreign-key order.
Values go over as SQLite stores them (JSON as text, booleans as 0/1, timestamps as UTC text),
which PostgreSQL's text input reads back as the same values.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import SQLModel

import service.main  # noqa: F401  (imports every domain, so the metadata holds every table)
from service.migrations_runner import upgrade_database


def copy_database(sqlite_path: Path, target: Engine) -> dict[str, int]:
    """Migrate ``target``, replace its rows with the SQLite file's; rows copied per table."""
    upgrade_database(target)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    present = {name for (name,) in source.execute("SELECT name FROM sqlite_master")}
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name in present]
    copied: dict[str, int] = {}
    with target.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.execute("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " CASCADE")
            for table in tables:
                names = ", ".join(f'"{c.name}"' for c in table.columns)
                rows = source.execute(f'SELECT {names} FROM "{table.name}"')
                count = 0
                with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
                copied[table.name] = count
                keys = list(table.primary_key.columns)
                if len(keys) == 1 and keys[0].autoincrement is not False:
                    key = keys[0]
                    if key.type.python_type is int:
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', "
                            f"'{key.name}'), COALESCE(MAX(\"{key.name}\"), 0) + 1, false) "
                            f'FROM "{table.name}"'
                        )
        raw.commit()
    source.close()
    with target.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return copied


def timed_copy(sqlite_path: Path, target: Engine) -> tuple[dict[str, int], float]:
    """``copy_database`` and the seconds it took."""
    started = time.perf_counter()
    copied = copy_database(sqlite_path, target)
    return copied, time.perf_counter() - started
