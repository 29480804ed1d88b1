"""The matching index is per process, and data versions in the database keep it correct.

Two app instances with engines of their own stand for two workers over one database: a change
committed through one is in the other's next answer. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service import clock, dataversion
from service.auth.principal import CLI_PRINCIPAL, Role
from service.citizens.models import Citizen
from service.companies.models import Company
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.matching import service as matching_service
from service.matching import synthetic
from service.matching.cache import cache_for
from service.matching.model import train
from service.migrations_runner import upgrade_database
from service.tasks import catalogue
from service.tasks.cards import CardSet
from tests.citizens.helpers import add_bip, make_citizen
from tests.conftest import fresh_database_url
from tests.factories import bearer, make_company, make_key, valid_cvr
from tests.matching.test_matching_api import READY, _opening

API = "/api/v1"


class TestDataVersions:
    def test_a_change_to_an_opening_gives_its_scope_a_new_token(
        self, session: Session, loaded_catalogue: object
    ) -> None:
        before = dataversion.read_tokens(session)
        company = make_company(session, cvr=valid_cvr(), postal_code="4900")
        after_company = dataversion.read_tokens(session)
        assert after_company["openings"] != before["openings"]
        assert after_company["citizens"] == before["citizens"]
        _opening(session, company, "detailhandel.varepaafyldning")
        assert dataversion.read_tokens(session)["openings"] != after_company["openings"]

    def test_reading_a_citizen_writes_an_audit_row_but_keeps_every_token(
        self, client: TestClient, session: Session, loaded_catalogue: object
    ) -> None:
        citizen = make_citizen(session, postal_code="4900")
        before = dataversion.read_tokens(session)
        _, key = make_key(session, Role.caseworker, "360")
        response = client.get(f"{API}/citizens/{citizen.id}", headers=bearer(key))
        assert response.status_code == 200, response.text
        assert dataversion.read_tokens(session) == before

    def test_the_index_is_rebuilt_only_when_its_data_changed(
        self, session: Session, loaded_catalogue: object
    ) -> None:
        company = make_company(session, cvr=valid_cvr(), postal_code="4900")
        _opening(session, company, "detailhandel.varepaafyldning")
        cache = cache_for(session)
        first = cache.view(session, today=synthetic_today())
        again = cache.view(session, today=synthetic_today())
        assert again.index is first.index
        company.is_paused = True
        session.add(company)
        session.flush()
        changed = cache.view(session, today=synthetic_today())
        assert changed.index is not first.index
        paused = changed.index.columns.company_paused
        assert bool(paused[list(changed.index.columns.company_id).index(company.id)])


def synthetic_today() -> date:
    return clock.today()


@dataclass
class TwoWorkers:
    """Two app instances over one database, and the committed ids the test needs."""

    first: TestClient
    second: TestClient
    engines: tuple[Engine, Engine]
    key: str
    citizen_id: str
    company_id: str
    opening_id: str
    admin_key: str


@pytest.fixture
def two_workers(
    backend: str, request: pytest.FixtureRequest, card_set: CardSet
) -> Iterator[TwoWorkers]:
    url = fresh_database_url(backend, request, "kantmatch_two_workers")
    first_engine, second_engine = make_engine(url), make_engine(url)
    upgrade_database(first_engine)
    with Session(first_engine, expire_on_commit=False) as session, session.begin():
        catalogue.sync_catalogue(session, card_set=card_set, source="tests", actor=CLI_PRINCIPAL)
        company: Company = make_company(
            session, cvr=valid_cvr(), name="Nakskov Dagligvarer", postal_code="4900"
        )
        opening_id = _opening(session, company, "detailhandel.varepaafyldning")
        citizen: Citizen = make_citizen(
            session, postal_code="4900", max_commute_km=30, excluded_sectors=[]
        )
        add_bip(session, citizen, "2026-01-10", READY)
        data = synthetic.generate(3000, seed=11)
        result = train(data.frame, data.frame["label"], source="SYNTHETIC (test)")
        matching_service.store_model(session, result=result, actor=CLI_PRINCIPAL)
        _, key = make_key(session, Role.caseworker, "360")
        _, admin_key = make_key(session, Role.admin)
        ids = (citizen.id, company.id, opening_id)
    settings = Settings(environment="test", secret_key="t" * 40)
    with (
        TestClient(create_app(settings, engine=first_engine)) as first,
        TestClient(create_app(settings, engine=second_engine)) as second,
    ):
        yield TwoWorkers(first, second, (first_engine, second_engine), key, *ids, admin_key)
    first_engine.dispose()
    second_engine.dispose()


def _opening_ids(client: TestClient, key: str, citizen_id: str) -> list[str]:
    response = client.get(f"{API}/citizens/{citizen_id}/matches", headers=bearer(key))
    assert response.status_code == 200, response.text
    return [item["opening_id"] for item in response.json()["items"]]


class TestTwoWorkers:
    def test_a_change_through_one_instance_is_in_the_others_next_answer(
        self, two_workers: TwoWorkers
    ) -> None:
        w = two_workers
        # Both instances build their own index (the caches are per engine: per process).
        assert _opening_ids(w.second, w.key, w.citizen_id) == [w.opening_id]
        assert _opening_ids(w.first, w.key, w.citizen_id) == [w.opening_id]
        # A new opening, through the first instance...
        response = w.first.post(
            f"{API}/companies/{w.company_id}/openings",
            headers=bearer(w.admin_key),
            json={
                "task_id": "detailhandel.kasse",
                "hours_per_week": 10,
                "placement_types": ["virksomhedspraktik"],
            },
        )
        assert response.status_code in (200, 201), response.text
        body = response.json()
        new_id = body["id"] if isinstance(body, dict) else body[0]["id"]
        # ... is in the second instance's next answer.
        assert set(_opening_ids(w.second, w.key, w.citizen_id)) == {w.opening_id, new_id}
        # Closing the first opening through the second is seen by the first.
        response = w.second.patch(
            f"{API}/openings/{w.opening_id}", headers=bearer(w.admin_key), json={"status": "closed"}
        )
        assert response.status_code == 200, response.text
        assert _opening_ids(w.first, w.key, w.citizen_id) == [new_id]

    def test_candidates_follow_a_citizen_changed_through_the_other_instance(
        self, two_workers: TwoWorkers
    ) -> None:
        w = two_workers

        def candidates(client: TestClient) -> list[str]:
            response = client.get(
                f"{API}/openings/{w.opening_id}/candidates", headers=bearer(w.key)
            )
            assert response.status_code == 200, response.text
            return [item["citizen_id"] for item in response.json()["items"]]

        assert candidates(w.second) == [w.citizen_id]
        response = w.first.patch(
            f"{API}/citizens/{w.citizen_id}",
            headers=bearer(w.key),
            json={"preferred_sectors": [], "excluded_sectors": ["detailhandel"]},
        )
        assert response.status_code == 200, response.text
        assert candidates(w.second) == []
