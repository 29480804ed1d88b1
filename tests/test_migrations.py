"""The Alembic migrations build exactly the schema the SQLModel tables describe, both ways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

import service.models  # noqa: F401 - registers every table on the metadata
from service.db import NAMING_CONVENTION, make_engine, metadata
from service.migrations_runner import (
    alembic_config,
    downgrade_database,
    head_revision,
    upgrade_database,
)
from service.system import current_revision
from tests.conftest import fresh_database_url

TABLES = {"users", "api_keys", "audit_log", "companies", "company_contacts"}
# Issue 5: forecast runs, their rows and cells, and imported input tables.
TABLES |= {"forecast_runs", "forecast_rows", "forecast_cells", "forecast_inputs"}
# Issue 4: citizens, their caseworkers, fairness attributes, BIP and anonymous counts.
TABLES |= {
    "citizens",
    "citizen_caseworkers",
    "citizen_fairness_attributes",
    "bip_measurements",
    "anonymous_citizen_counts",
}
# Issue 3: the task catalogue and companies' task openings.
TABLES |= {"sector_cards", "tasks", "task_catalogue_versions", "task_openings"}
# Issue 7: placements, their transitions, learning-case notes and wage-hour agreements.
TABLES |= {"placements", "placement_transitions", "learning_case_notes", "wage_hour_agreements"}
# Issue 6: trained scorer versions.
TABLES |= {"model_versions"}
# Issue 8: saved bus tours and the citizens on them.
TABLES |= {"bus_tours", "bus_tour_citizens"}
# Issue 9: the overview's change feed (one row per company) and its counter.
TABLES |= {"overview_company_changes", "overview_change_counter"}
# Issue 18: SMS reminders, volunteer mentors and network meetings.
TABLES |= {"sms_reminders", "mentors", "mentor_matches", "network_meetings"}
TABLES |= {"network_meeting_companies"}
# Issue 16: web login sessions and the failed-login lockout.
TABLES |= {"web_sessions", "login_throttle"}
# Issue 17: answers kept for Idempotency-Key retries.
TABLES |= {"idempotency_records"}
# Issue 13: the data versions the per-process matching index compares.
TABLES |= {"data_versions"}
# Issue 13: organisations (contact owners) and postal codes imported from DAWA.
TABLES |= {"organisations", "postal_codes"}


@pytest.fixture
def fresh_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a new, empty database of the backend."""
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_migrations"))
    yield engine
    engine.dispose()


def differences(engine: Engine) -> list[object]:
    """What autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "compare_server_default": True},
        )
        return list(compare_metadata(context, metadata))


def tables(engine: Engine) -> set[str]:
    """The tables the database holds."""
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def revision(engine: Engine) -> str | None:
    """The revision the database is at."""
    with engine.connect() as connection:
        return current_revision(connection)


class TestMigrations:
    def test_one_head_and_a_linear_history(self) -> None:
        scripts = ScriptDirectory.from_config(alembic_config())

        heads = scripts.get_heads()
        history = list(scripts.walk_revisions())

        assert heads == [head_revision()]
        assert history[-1].down_revision is None
        assert all(not r.is_merge_point for r in history)

    def test_head_matches_the_models(self, fresh_engine: Engine) -> None:
        upgrade_database(fresh_engine)

        assert differences(fresh_engine) == []
        assert tables(fresh_engine) == TABLES | {"alembic_version"}
        assert revision(fresh_engine) == head_revision()

    def test_models_cover_every_migrated_table(self) -> None:
        assert set(metadata.tables) == TABLES

    def test_downgrade_to_base_and_upgrade_again(self, fresh_engine: Engine) -> None:
        upgrade_database(fresh_engine)

        downgrade_database(fresh_engine, "base")

        assert tables(fresh_engine) == {"alembic_version"}
        assert revision(fresh_engine) is None

        upgrade_database(fresh_engine)

        assert differences(fresh_engine) == []
        assert tables(fresh_engine) == TABLES | {"alembic_version"}
        assert revision(fresh_engine) == head_revision()

    def test_upgrading_twice_is_harmless(self, fresh_engine: Engine) -> None:
        upgrade_database(fresh_engine)
        with fresh_engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, role, is_active, created_at, updated_at) "
                    "VALUES ('u1', 'Bevares', 'admin', true, '2026-01-01', '2026-01-01')"
                )
            )

        upgrade_database(fresh_engine)

        with fresh_engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM users")).scalars().all()
        assert names == ["Bevares"]

    def test_constraints_follow_the_naming_convention(self, fresh_engine: Engine) -> None:
        upgrade_database(fresh_engine)

        with fresh_engine.connect() as connection:
            inspector = inspect(connection)
            unique = {u["name"] for u in inspector.get_unique_constraints("companies")}
            foreign = {f["name"] for f in inspector.get_foreign_keys("api_keys")}
            indexes = {i["name"] for i in inspector.get_indexes("companies")}

        assert NAMING_CONVENTION["uq"] == "uq_%(table_name)s_%(column_0_N_name)s"
        assert "uq_companies_cvr" in unique
        assert foreign == {"fk_api_keys_user_id_users"}
        assert {"ix_companies_name", "ix_companies_sector", "ix_companies_updated_at"} <= indexes
