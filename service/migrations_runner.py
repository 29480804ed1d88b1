"""Run Alembic migrations from code: the only way the schema changes, in tests too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("service") / "migrations"))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """One connection in one transaction for a schema change.

    On SQLite, foreign-key actions are switched off while the schema changes, as SQLite's own
    ALTER TABLE procedure asks (sqlite.org/lang_altertable.html): a batch migration recreates a
    table, and with them on, dropping the old copy would fire ``ON DELETE SET NULL`` on every row
    that points at it (a downgrade emptied every placement's company_id). The pragma only takes
    effect outside a transaction, so it is set on the driver connection before the transaction.
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection if _is_sqlite(connection) else None
        if driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
        finally:
            if driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


def _is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind an engine up to a revision."""
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade_database(engine: Engine, revision: str) -> None:
    """Migrate the database behind an engine down to a revision (tests, and undoing a release)."""
    config = alembic_config()
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
