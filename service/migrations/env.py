"""Alembic environment: uses the connection handed over by service.migrations_runner,
or the database of KANTMATCH_DATABASE_URL when run as the alembic command."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import service.models  # noqa: F401 - registers every table on the metadata
from service.config import get_settings
from service.db import make_engine, metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on the given connection, or on one opened from the settings."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(get_settings().database_url)
    with engine.begin() as own_connection:
        _run(own_connection)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run against a database.")
run_migrations_online()
