"""The fictional demo data set: size, sectors, towns, CVR numbers, reproducibility, keys."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service import cli
from service.auth.models import ApiKey, AuditEntry, User
from service.companies.models import Company, CompanyContact
from service.config import Settings, get_settings
from service.db import make_engine
from service.demo import DEMO_COMPANY_COUNT, DEMO_SEED, DEMO_USERS, demo_companies, load_demo
from service.main import create_app
from service.migrations_runner import upgrade_database
from service.places import GULDBORGSUND, LOLLAND, postal_codes
from service.sectors import SURVEY_COMPANIES_BY_SECTOR, Sector
from tests.conftest import fresh_database_url
from tests.factories import bearer

API = "/api/v1"
WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_valid(cvr: str) -> bool:
    """Modulus 11 with the weights 2, 7, 6, 5, 4, 3, 2, 1 (written here, not imported)."""
    return (
        len(cvr) == 8
        and cvr.isdigit()
        and sum(int(d) * w for d, w in zip(cvr, WEIGHTS, strict=True)) % 11 == 0
    )


def expected_sector_counts(total: int) -> dict[str, int]:
    """Table 2.4 scaled to ``total`` by the largest-remainder method, in exact fractions."""
    survey_total = sum(SURVEY_COMPANIES_BY_SECTOR.values())
    exact = {
        str(s): Fraction(n * total, survey_total) for s, n in SURVEY_COMPANIES_BY_SECTOR.items()
    }
    counts = {s: int(v) for s, v in exact.items()}
    by_remainder = sorted(exact, key=lambda s: exact[s] - counts[s], reverse=True)
    for sector in by_remainder[: total - sum(counts.values())]:
        counts[sector] += 1
    return counts


def row_counts(session: Session) -> dict[str, int]:
    """How many rows every table holds."""
    return {
        str(table.__tablename__): int(session.exec(select(func.count()).select_from(table)).one())
        for table in (User, ApiKey, AuditEntry, Company, CompanyContact)
    }


@pytest.fixture(scope="module")
def demo_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of the backend holding the demo data, loaded once for this module."""
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_demo"))
    upgrade_database(engine)
    with Session(engine) as session:
        result = load_demo(session)
        session.commit()
    assert result.companies_created == DEMO_COMPANY_COUNT
    assert not result.already_loaded
    yield engine
    engine.dispose()


@pytest.fixture
def demo_session(demo_engine: Engine) -> Iterator[Session]:
    """A session on the demo database whose changes are rolled back."""
    with Session(demo_engine) as session:
        yield session
        session.rollback()


@pytest.fixture(scope="module")
def companies(demo_engine: Engine) -> list[Company]:
    """Every stored demo company."""
    with Session(demo_engine, expire_on_commit=False) as session:
        return list(session.exec(select(Company)).all())


class TestDemoCompanies:
    def test_exactly_the_demo_count_all_marked_demo(self, companies: list[Company]) -> None:
        assert DEMO_COMPANY_COUNT == 400
        assert len(companies) == DEMO_COMPANY_COUNT
        assert all(c.is_demo for c in companies)

    def test_cvr_numbers_are_valid_unique_and_start_with_9(self, companies: list[Company]) -> None:
        cvrs = [c.cvr for c in companies]

        assert all(cvr_valid(cvr) for cvr in cvrs)
        assert all(cvr.startswith("9") for cvr in cvrs)
        assert len(set(cvrs)) == len(cvrs)

    def test_sectors_follow_table_2_4(self, companies: list[Company]) -> None:
        expected = expected_sector_counts(DEMO_COMPANY_COUNT)

        assert dict(Counter(c.sector for c in companies)) == expected
        # The numbers the table gives at 400: retail largest, agriculture smallest.
        assert expected["detailhandel"] == 97
        assert expected["landbrug"] == 17
        assert sum(expected.values()) == 400
        assert set(expected) == {str(s) for s in Sector}

    def test_both_municipalities_and_real_towns(self, companies: list[Company]) -> None:
        places = postal_codes()
        by_municipality = Counter(c.municipality_code for c in companies)

        assert set(by_municipality) == {LOLLAND, GULDBORGSUND}
        assert min(by_municipality.values()) >= 100
        for company in companies:
            place = places[company.postal_code]
            assert company.city == place.city
            assert company.municipality_code == place.municipality_code
            assert company.lat is not None
            assert place.lat is not None
            assert abs(company.lat - place.lat) < 0.02
            assert company.lon is not None
            assert place.lon is not None
            assert abs(company.lon - place.lon) < 0.03
        assert len({c.postal_code for c in companies}) >= 10

    def test_names_are_unique_and_contacts_fictional(
        self, companies: list[Company], demo_session: Session
    ) -> None:
        contacts = demo_session.exec(select(CompanyContact)).all()

        assert len({c.name for c in companies}) == len(companies)
        assert len(contacts) == len(companies)
        assert all(c.email is not None and c.email.endswith("@demo.invalid") for c in contacts)
        # 00-numbers are not issued in Denmark.
        assert all(c.phone is not None and c.phone.startswith("+45 00") for c in contacts)

    def test_every_field_the_overview_needs_is_filled(self, companies: list[Company]) -> None:
        assert {c.size_band for c in companies} == {"0-5", "6-19", "20-49", "50-99", "100+"}
        assert {c.sector_type for c in companies} == {"private", "municipal", "other"}
        assert {c.contact_owner for c in companies} == {"jc_lolland", "jc_guldborgsund", "blf"}
        assert any(c.is_ambassador for c in companies)
        assert any(c.accepts_visits for c in companies)
        assert all(len(c.requirements) == 8 for c in companies)


class TestReproducibility:
    def test_same_seed_same_payloads(self) -> None:
        assert demo_companies(DEMO_SEED) == demo_companies(DEMO_SEED)
        assert demo_companies(7, 30) == demo_companies(7, 30)

    def test_different_seed_different_payloads(self) -> None:
        first, second = demo_companies(1, 50), demo_companies(2, 50)

        assert first != second
        assert {p["cvr"] for p in first} != {p["cvr"] for p in second}

    def test_stored_data_is_the_seeded_payloads(self, companies: list[Company]) -> None:
        payloads = demo_companies(DEMO_SEED)

        assert {c.cvr: c.name for c in companies} == {p["cvr"]: p["name"] for p in payloads}


class TestLoadingTwice:
    def test_second_load_changes_nothing(self, demo_session: Session) -> None:
        before = row_counts(demo_session)
        names = sorted(demo_session.exec(select(Company.name)).all())

        result = load_demo(demo_session, seed=99)
        demo_session.flush()

        assert result.already_loaded
        assert result.companies_created == 0
        assert row_counts(demo_session) == before
        assert sorted(demo_session.exec(select(Company.name)).all()) == names

    def test_reload_after_demo_companies_were_deleted_keeps_the_users(
        self, demo_session: Session
    ) -> None:
        for company in demo_session.exec(select(Company)).all():
            demo_session.delete(company)
        demo_session.flush()
        users = row_counts(demo_session)["users"]

        result = load_demo(demo_session, count=20)
        demo_session.flush()

        assert not result.already_loaded
        assert row_counts(demo_session)["companies"] == 20
        assert row_counts(demo_session)["users"] == users


class TestDemoKeys:
    def test_demo_keys_authenticate_with_their_roles(self, demo_engine: Engine) -> None:
        app = create_app(Settings(environment="test", secret_key="d" * 40), engine=demo_engine)

        with TestClient(app) as client:
            identities = {
                key: client.get(f"{API}/me", headers=bearer(key)).json()
                for _, _, _, key in DEMO_USERS
            }

        for name, role, municipality, key in DEMO_USERS:
            assert identities[key]["name"] == name
            assert identities[key]["role"] == role
            assert identities[key]["municipality_code"] == municipality


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean KANTMATCH_ environment with the settings cache cleared before and after."""
    monkeypatch.delenv("KANTMATCH_SECRET_KEY", raising=False)
    monkeypatch.delenv("KANTMATCH_ENVIRONMENT", raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


class TestDemoCommand:
    def test_refused_in_production(self, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
        database = tmp_path / "produktion.db"
        cli_env.setenv("KANTMATCH_DATABASE_URL", f"sqlite:///{database}")
        cli_env.setenv("KANTMATCH_ENVIRONMENT", "production")
        cli_env.setenv("KANTMATCH_SECRET_KEY", "p" * 40)

        result = CliRunner().invoke(cli.app, ["demo"])

        assert result.exit_code == 1
        assert result.stdout == ""
        assert "demodata indlæses ikke i produktion" in result.stderr
        assert not database.exists()

    def test_refused_with_a_clear_message_when_the_settings_are_invalid(
        self, cli_env: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        database = tmp_path / "produktion.db"
        cli_env.setenv("KANTMATCH_DATABASE_URL", f"sqlite:///{database}")
        cli_env.setenv("KANTMATCH_ENVIRONMENT", "production")

        result = CliRunner().invoke(cli.app, ["demo"])

        assert result.exit_code == 1
        assert "KANTMATCH_SECRET_KEY" in result.stderr
        assert "Traceback" not in result.stderr
        assert not database.exists()

    def test_loads_once_in_development(self, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'udvikling.db'}"
        cli_env.setenv("KANTMATCH_DATABASE_URL", url)
        runner = CliRunner()

        init = runner.invoke(cli.app, ["init"])
        first = runner.invoke(cli.app, ["demo"])
        second = runner.invoke(cli.app, ["demo"])

        assert init.exit_code == 0, init.output
        assert first.exit_code == 0, first.output
        assert f"Demodata indlæst: {DEMO_COMPANY_COUNT} fiktive virksomheder." in first.stdout
        assert second.exit_code == 0, second.output
        assert "Demodata findes allerede; intet ændret." in second.stdout
        for _, _, _, key in DEMO_USERS:
            assert key in first.stdout
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                counts = row_counts(session)
        finally:
            engine.dispose()
        assert counts["companies"] == DEMO_COMPANY_COUNT
        assert counts["users"] == len(DEMO_USERS)
