"""Idempotency-Key on POST: a retried create returns the first answer and creates nothing new.

Against a real uvicorn server with real client threads on a committed database of the backend
(issue 17, point 4), and the reservation rules (lost answer, dead process) on the store itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from service import clock, idempotency
from service.auth.principal import Role
from service.companies.models import Company
from service.config import Settings
from service.db import make_engine
from service.errors import ConflictError
from service.idempotency import Busy, IdempotencyRecord, Reserved, Stored
from service.main import create_app
from service.migrations_runner import upgrade_database
from tests.conftest import fresh_database_url
from tests.factories import bearer, company_payload, make_key
from tests.liveserver import Call, Client, run_clients, running_server

COMPANIES = "/api/v1/companies"


@dataclass
class Live:
    """A running server on a committed database, two consultants' keys and the engine."""

    base_url: str
    engine: Engine
    key: str
    other_key: str

    def companies(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.count()).select_from(Company)).one()


@pytest.fixture
def live(backend: str, request: pytest.FixtureRequest) -> Iterator[Live]:
    url = fresh_database_url(backend, request, "kantmatch_idempotency")
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        _, key = make_key(session, Role.company_consultant, "360")
        _, other_key = make_key(session, Role.company_consultant, "360")
    settings = Settings(environment="test", secret_key="t" * 40, database_url=url)
    with running_server(create_app(settings)) as base_url:
        yield Live(base_url, engine, key, other_key)
    engine.dispose()


def post(
    live: Live, payload: dict[str, object], key: str | None, api_key: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = bearer(api_key or live.key)
    if key is not None:
        headers["Idempotency-Key"] = key
    client = Client(live.base_url)
    try:
        return client.request("POST", COMPANIES, body=payload, headers=headers)
    finally:
        client.close()


def test_copies_sent_at_once_create_one_company(live: Live) -> None:
    payload = company_payload(name="Rødby Tømrer")
    headers = bearer(live.key, **{"Idempotency-Key": "opret-roedby-1"})
    plans = [[Call("create", "POST", COMPANIES, headers, payload)] for _ in range(8)]
    result = run_clients(live.base_url, plans)

    assert sorted(o.status for o in result.outcomes) == [201] * 8, [o.body for o in result.outcomes]
    bodies = {o.body for o in result.outcomes}
    assert len(bodies) == 1  # every copy got the first answer, byte for byte
    assert json.loads(bodies.pop())["name"] == "Rødby Tømrer"
    replayed = [o.headers.get("idempotency-replayed") for o in result.outcomes]
    assert replayed.count(None) == 1
    assert replayed.count("true") == 7
    assert live.companies() == 1

    # A retry long after (the client never saw the 201) gets the same answer, nothing new.
    status, headers_back, body = post(live, payload, "opret-roedby-1")
    assert (status, headers_back["idempotency-replayed"]) == (201, "true")
    assert json.loads(body)["id"] == json.loads(result.outcomes[0].body)["id"]
    assert live.companies() == 1


def test_the_key_is_bound_to_its_request_and_its_caller(live: Live) -> None:
    first = company_payload(name="Maribo Bageri")
    assert post(live, first, "k-1")[0] == 201

    status, _, body = post(live, company_payload(name="Noget andet"), "k-1")
    assert status == 422
    assert json.loads(body)["error"]["fields"] == [
        {
            "field": "Idempotency-Key",
            "message": "Nøglen er allerede brugt til en anden anmodning; brug en ny nøgle",
        }
    ]
    # Another caller's key of the same name is another key: their request runs.
    status, headers, _ = post(live, company_payload(name="Nysted Is"), "k-1", live.other_key)
    assert (status, headers.get("idempotency-replayed")) == (201, None)
    assert live.companies() == 2


def test_a_failed_request_frees_its_key(live: Live) -> None:
    status, _, body = post(live, company_payload(cvr="12345678"), "k-2")  # bad check digit
    assert status == 422
    assert json.loads(body)["error"]["fields"][0]["field"] == "cvr"
    assert live.companies() == 0
    status, headers, _ = post(live, company_payload(), "k-2")
    assert (status, headers.get("idempotency-replayed")) == (201, None)
    assert live.companies() == 1


def test_without_the_header_every_post_creates(live: Live) -> None:
    assert post(live, company_payload(), None)[0] == 201
    assert post(live, company_payload(), None)[0] == 201
    assert live.companies() == 2


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "Skal være 1-255 tegn"),
        ("x" * 256, "Skal være 1-255 tegn"),
        ("med mellemrum", "Må kun indeholde synlige ASCII-tegn (ingen mellemrum)"),
    ],
)
def test_a_malformed_key_is_refused(live: Live, key: str, message: str) -> None:
    status, _, body = post(live, company_payload(), key)
    assert status == 422
    assert json.loads(body)["error"]["fields"] == [{"field": "Idempotency-Key", "message": message}]
    assert live.companies() == 0


def _claim(engine: Engine, request_hash: str = "r" * 64) -> object:
    return idempotency.claim(
        engine, scope_hash="s" * 64, key="k", request_hash=request_hash, method="POST", path="/x"
    )


def test_lost_answer_and_dead_holder(backend: str, request: pytest.FixtureRequest) -> None:
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_idempotency_store"))
    upgrade_database(engine)
    reserved = _claim(engine)
    assert isinstance(reserved, Reserved)
    assert isinstance(_claim(engine), Busy)  # still running

    # The holder's process died before its request committed: after the lease, a retry runs.
    with clock.frozen_at(clock.now() + idempotency.LEASE + timedelta(seconds=1)):
        taken = _claim(engine)
    assert taken == Reserved(reserved.record_id)

    # It committed (the mark is written in the request's transaction) but died before storing
    # the answer: nothing may run again, and the caller is told to look the result up.
    with Session(engine) as session, session.begin():
        idempotency._marker(reserved.record_id)(session)
    assert isinstance(_claim(engine), Busy)  # committed, storing its answer: wait for it
    with (
        clock.frozen_at(clock.now() + 2 * idempotency.LEASE + timedelta(seconds=2)),
        pytest.raises(ConflictError) as raised,
    ):
        _claim(engine)
    assert raised.value.code == "idempotency_answer_lost"

    idempotency.finish(engine, reserved.record_id, 201, "application/json", b'{"id": "abc"}')
    assert _claim(engine) == Stored(201, "application/json", b'{"id": "abc"}')

    # Erasing a citizen deletes stored answers that name them.
    with Session(engine) as session, session.begin():
        assert idempotency.erase_citizen_data(session, citizen_id="abc") == 1
        assert session.exec(select(func.count()).select_from(IdempotencyRecord)).one() == 0
    engine.dispose()
