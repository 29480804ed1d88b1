"""Many caseworkers and consultants at once against a real uvicorn server (issue 13, point 1).

Every citizen read writes an audit row, so on SQLite a transaction that began as a read used to
have to upgrade to a write; when two overlapped, SQLite refused with "database is locked" and the
caller got a 500 (237 of 263 requests in the issue's measurement). Then every request began with
BEGIN IMMEDIATE and held SQLite's one writer turn while it computed (32 clients reading matches at
national volume: 61 of 256 answered 503). Now a GET reads in a read-only transaction and writes its
audit rows after it, in one short write transaction, before the answer is sent (``service/db.py``).
The tests count answers and rows, not time: every request must get its own expected status, every
write and audit row must be there, and a GET that writes anything else fails loudly.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from service.auth.audit import record_audit
from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Role
from service.citizens.bip import INDICATORS
from service.citizens.models import Citizen
from service.companies.models import Company
from service.config import Settings
from service.db import READ_ONLY, SessionDep, WriteInReadOnlyRequestError, make_engine
from service.main import create_app
from service.matching import service as matching_service
from service.matching import synthetic
from service.matching.cache import cache_for
from service.matching.model import train
from service.migrations_runner import upgrade_database
from service.tasks import catalogue
from service.tasks import openings as openings_service
from service.tasks.cards import default_cards_dir, read_cards
from service.tasks.schemas import OpeningCreate
from tests.citizens.helpers import add_bip, make_citizen
from tests.conftest import fresh_database_url
from tests.factories import bearer, company_payload, make_company, make_key
from tests.liveserver import Call, Client, run_clients, running_server

API = "/api/v1"
CLIENTS = 16
ROUNDS = 2  # each client sends the eight-call mix twice: 256 requests in all


@dataclass
class World:
    """A committed database with staff, citizens and companies, and the engine to inspect it."""

    url: str
    engine: Engine
    caseworker: str
    consultant: str
    citizen_ids: list[str]
    company_ids: list[str]


@pytest.fixture
def world(backend: str, request: pytest.FixtureRequest) -> Iterator[World]:
    url = fresh_database_url(backend, request, "kantmatch_concurrency")
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        _, caseworker = make_key(session, Role.caseworker, "360")
        _, consultant = make_key(session, Role.company_consultant, "360")
        citizens = [make_citizen(session, name=f"Borger {i}") for i in range(8)]
        companies = [make_company(session, name=f"Firma {i}") for i in range(4)]
    yield World(
        url, engine, caseworker, consultant, [c.id for c in citizens], [c.id for c in companies]
    )
    engine.dispose()


def mix(world: World, client: int) -> list[Call]:
    """What one client sends: reads that audit, plain reads and writes, interleaved."""
    cw = bearer(world.caseworker)
    co = bearer(world.consultant)
    calls: list[Call] = []
    for round_ in range(ROUNDS):
        citizen = world.citizen_ids[(client + round_) % len(world.citizen_ids)]
        company = world.company_ids[client % len(world.company_ids)]
        calls += [
            Call("citizen", "GET", f"{API}/citizens/{citizen}", cw),
            Call("company_create", "POST", f"{API}/companies", co, company_payload()),
            Call("citizen_list", "GET", f"{API}/citizens?limit=5", cw),
            Call("companies", "GET", f"{API}/companies?limit=5", co),
            Call("bip", "GET", f"{API}/citizens/{citizen}/bip", cw),
            Call(
                "company_update",
                "PATCH",
                f"{API}/companies/{company}",
                co,
                {"address": f"Havnegade {client * ROUNDS + round_ + 1}"},
            ),
            Call("citizen", "GET", f"{API}/citizens/{citizen}", cw),
            Call("company", "GET", f"{API}/companies/{company}", co),
        ]
    return calls


EXPECTED = {
    "citizen": 200,
    "company_create": 201,
    "citizen_list": 200,
    "companies": 200,
    "bip": 200,
    "company_update": 200,
    "company": 200,
}


def test_sixteen_concurrent_clients_get_no_server_errors(world: World) -> None:
    settings = Settings(environment="test", secret_key="t" * 40, database_url=world.url)
    app = create_app(settings)
    with running_server(app) as base_url:
        result = run_clients(base_url, [mix(world, i) for i in range(CLIENTS)])

    calls_per_kind = Counter(call.kind for i in range(CLIENTS) for call in mix(world, i))
    assert len(result.outcomes) == CLIENTS * ROUNDS * 8 == 256
    got = Counter((o.kind, o.status) for o in result.outcomes)
    expected = Counter({(kind, EXPECTED[kind]): n for kind, n in calls_per_kind.items()})
    assert got == expected, (result.statuses(), [o.body[:120] for o in result.server_errors()[:2]])
    assert result.server_errors() == []

    # Every write is stored once and every read was audited, in the same transaction.
    created = {json.loads(o.body)["id"] for o in result.by_kind("company_create")}
    assert len(created) == CLIENTS * ROUNDS
    with Session(world.engine) as session:
        stored = session.exec(select(func.count()).select_from(Company)).one()
        assert stored == len(world.company_ids) + CLIENTS * ROUNDS
        reads = session.exec(
            select(AuditEntry.detail).where(
                AuditEntry.entity_type == "citizen", col(AuditEntry.action) == "read"
            )
        ).all()
    vias = Counter(json.loads(detail or "{}").get("via") for detail in reads)
    assert vias["item"] == calls_per_kind["citizen"] == CLIENTS * ROUNDS * 2
    # Each list page shows five of the eight citizens, each read audited.
    assert vias["list"] == calls_per_kind["citizen_list"] * 5


# --- reads that compute (matches) do not hold the writer's turn --------------------------------

MATCH_CLIENTS = 32
MATCH_ROUNDS = 4  # 128 match reads
READY = dict.fromkeys(INDICATORS, 4)


@pytest.fixture
def matching_world(world: World) -> World:
    """The world with the task catalogue, open openings, BIP answers and a trained model."""
    with Session(world.engine, expire_on_commit=False) as session, session.begin():
        catalogue.sync_catalogue(
            session, card_set=read_cards(default_cards_dir()), source="tests", actor=CLI_PRINCIPAL
        )
        for company_id in world.company_ids:
            company = session.get(Company, company_id)
            assert company is not None
            item = OpeningCreate.model_validate(
                {
                    "task_id": "detailhandel.varepaafyldning",
                    "hours_per_week": 10,
                    "placement_types": ["virksomhedspraktik"],
                }
            )
            openings_service.create_openings(
                session, company=company, items=[item], actor=CLI_PRINCIPAL, as_list=False
            )
        for citizen_id in world.citizen_ids:
            citizen = session.get(Citizen, citizen_id)
            assert citizen is not None
            add_bip(session, citizen, "2026-01-10", READY)
        data = synthetic.generate(2000, seed=11)
        result = train(data.frame, data.frame["label"], source="SYNTHETIC (test)")
        matching_service.store_model(session, result=result, actor=CLI_PRINCIPAL)
    return world


def _audit_rows(engine: Engine, action: str) -> Counter[str | None]:
    """How many audit rows of a citizen action each citizen has."""
    with Session(engine) as session:
        ids = session.exec(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity_type == "citizen", col(AuditEntry.action) == action
            )
        ).all()
    return Counter(ids)


def _get(base_url: str, path: str, key: str) -> tuple[int, bytes]:
    """One GET on a connection of its own, closed afterwards."""
    client = Client(base_url)
    try:
        status, _, body = client.request("GET", path, headers=bearer(key))
        return status, body
    finally:
        client.close()


def _settings(world: World) -> Settings:
    return Settings(environment="test", secret_key="t" * 40, database_url=world.url)


def test_thirty_two_clients_reading_matches_get_no_server_errors_and_all_are_audited(
    matching_world: World,
) -> None:
    world = matching_world
    plans = [
        [
            Call(
                "matches",
                "GET",
                f"{API}/citizens/{world.citizen_ids[(c + r) % len(world.citizen_ids)]}/matches",
                bearer(world.caseworker),
            )
            for r in range(MATCH_ROUNDS)
        ]
        for c in range(MATCH_CLIENTS)
    ]
    app = create_app(_settings(world))
    with running_server(app) as base_url:
        result = run_clients(base_url, plans)
    with Session(app.state.engine) as session:
        builds = cache_for(session).builds

    # One matching index for the process: the GETs' read-only engine shares its engine's cache.
    assert builds == {"openings": 1, "overlay": 1, "citizens": 0, "profiles": 1, "kernel": 1}
    assert result.statuses() == Counter({200: MATCH_CLIENTS * MATCH_ROUNDS}), [
        o.body[:160] for o in result.server_errors()[:2]
    ]
    assert all(json.loads(o.body)["items"] for o in result.outcomes)  # real answers, not empty
    # Every answered read has its audit row, once, on the citizen it read.
    asked = Counter(call.path.split("/")[4] for plan in plans for call in plan)
    assert _audit_rows(world.engine, "read_matches") == asked
    assert sum(asked.values()) == 128


def test_a_get_reads_read_only_and_writes_its_audit_row_after(world: World) -> None:
    """The citizen is read on a read-only connection; its audit row is written afterwards on a
    writer's connection (on SQLite one that began IMMEDIATE), before the answer arrives."""
    engine = make_engine(world.url)
    statements: list[tuple[str, bool]] = []

    def spy(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread().name != "MainThread":  # the server's, not the test's
            statements.append((statement, bool(connection.get_execution_options().get(READ_ONLY))))

    event.listen(engine, "before_cursor_execute", spy)
    citizen = world.citizen_ids[0]
    try:
        with running_server(create_app(_settings(world), engine=engine)) as base_url:
            status, body = _get(base_url, f"{API}/citizens/{citizen}", world.caseworker)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
        engine.dispose()

    assert status == 200
    assert json.loads(body)["name"] == "Borger 0"
    assert _audit_rows(world.engine, "read") == Counter({citizen: 1})
    reads = [ro for sql, ro in statements if "FROM citizens" in sql]
    writes = [(sql, ro) for sql, ro in statements if sql.startswith("INSERT INTO audit_log")]
    assert reads
    assert all(reads)  # every read of the citizen ran read-only
    assert len(writes) == 1
    assert writes[0][1] is False
    first_write = statements.index(writes[0])
    assert all("FROM citizens" not in sql for sql, _ in statements[first_write:])
    if world.url.startswith("sqlite"):
        begins = [sql for sql, _ in statements if sql.startswith("BEGIN")]
        assert begins == ["BEGIN", "BEGIN IMMEDIATE"]  # the read, then the short write
    else:
        assert ("SET TRANSACTION READ ONLY", True) in statements


def _refuse_audit_inserts(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit refused by the test'); END"
            )
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit refused by the test'; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"
            )


def test_a_failing_audit_write_answers_an_error_and_no_body(world: World) -> None:
    _refuse_audit_inserts(world.engine)
    citizen = world.citizen_ids[0]
    with running_server(create_app(_settings(world))) as base_url:
        status, body = _get(base_url, f"{API}/citizens/{citizen}", world.caseworker)
        # A read that writes no audit row is answered as before.
        company_status, company_body = _get(
            base_url, f"{API}/companies/{world.company_ids[0]}", world.consultant
        )

    assert status == 500
    assert b"Borger 0" not in body
    assert citizen.encode() not in body
    assert json.loads(body)["error"]["code"] == "internal_error"
    assert _audit_rows(world.engine, "read") == Counter()
    assert company_status == 200
    assert json.loads(company_body)["name"] == "Firma 0"


def _tiny_app(engine: Engine) -> FastAPI:
    """Routes that write in a GET three ways: by the ORM, by raw SQL, and through the audit."""
    app = FastAPI()
    app.state.engine = engine

    @app.get("/orm")
    def orm_write(session: SessionDep) -> dict[str, str]:
        session.add(AuditEntry(actor_name="t", actor_role="admin", action="orm", entity_type="t"))
        return {"written": "orm"}

    @app.get("/raw")
    def raw_write(session: SessionDep) -> dict[str, str]:
        session.connection().exec_driver_sql(
            "INSERT INTO audit_log (occurred_at, actor_name, actor_role, action, entity_type) "
            "VALUES (CURRENT_TIMESTAMP, 't', 'admin', 'raw', 't')"
        )
        return {"written": "raw"}

    @app.get("/audited")
    def audited_read(session: SessionDep) -> dict[str, int]:
        count = session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.entity_type) == "t")
        ).one()
        record_audit(session, actor=CLI_PRINCIPAL, action="audited", entity_type="t")
        return {"count": count}

    @app.post("/orm")
    def orm_post(session: SessionDep) -> dict[str, str]:
        session.add(AuditEntry(actor_name="t", actor_role="admin", action="post", entity_type="t"))
        return {"written": "post"}

    return app


def test_a_get_that_writes_anything_but_its_audit_rows_fails_loudly(world: World) -> None:
    with TestClient(_tiny_app(world.engine)) as client:
        with pytest.raises(WriteInReadOnlyRequestError, match="AuditEntry"):
            client.get("/orm")
        with pytest.raises(DBAPIError, match=r"(?i)read-?only"):
            client.get("/raw")  # below the ORM, the database itself refuses
        assert client.get("/audited").json() == {"count": 0}
        # The refusal ended with its transaction: the pooled connections write again.
        assert client.post("/orm").json() == {"written": "post"}

    with Session(world.engine) as session:
        actions = session.exec(
            select(AuditEntry.action).where(col(AuditEntry.entity_type) == "t")
        ).all()
    assert sorted(actions) == ["audited", "post"]


def test_a_get_does_not_wait_for_the_writer_unless_it_audits(world: World) -> None:
    """While another connection holds SQLite's write lock, a plain read is answered at once and
    a citizen read (which audits) is answered only after the lock is released, with its row."""
    if not world.url.startswith("sqlite"):
        pytest.skip("SQLite's single writer lock; PostgreSQL locks rows")
    answers: dict[str, int] = {}
    with running_server(create_app(_settings(world))) as base_url:
        # Another engine than the server's (outside its writer queue), like a CLI import.
        holder = world.engine.connect()
        holder.begin()  # BEGIN IMMEDIATE: SQLite's write lock, held until the commit below
        try:
            company, _ = _get(base_url, f"{API}/companies/{world.company_ids[0]}", world.consultant)
            answers["company, lock held"] = company

            def read_citizen() -> None:
                status, _ = _get(
                    base_url, f"{API}/citizens/{world.citizen_ids[0]}", world.caseworker
                )
                answers["citizen"] = status

            reader = threading.Thread(target=read_citizen)
            reader.start()
            reader.join(timeout=1.0)
            answers["citizen answered while lock held"] = int("citizen" in answers)
        finally:
            holder.commit()
            holder.close()
        reader.join(timeout=30)

    assert answers == {
        "company, lock held": 200,
        "citizen answered while lock held": 0,
        "citizen": 200,
    }
    assert _audit_rows(world.engine, "read") == Counter({world.citizen_ids[0]: 1})
