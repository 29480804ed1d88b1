"""The worker against a fake GatewayAPI on loopback: sending, exactly once, retries, reports."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.auth.models import AuditEntry
from service.db import get_session
from service.main import create_app
from service.reminders.models import Reminder
from service.reminders.worker import send_due
from tests.reminders.fake_gateway import FakeGateway, fake_gateway
from tests.reminders.helpers import (
    MONDAY_9,
    Clock,
    committed_engine,
    consenting_citizen,
    gateway_settings,
    queue,
)

CREATED = MONDAY_9 - timedelta(days=5)
DUE = MONDAY_9 - timedelta(hours=12)  # after the default send time (16.00 the day before)


@pytest.fixture
def sms_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    yield from committed_engine(backend, request, "kantmatch_sms")


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with fake_gateway() as state:
        yield state


def _queue_committed(engine: Engine, count: int = 1, **overrides: object) -> list[str]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        citizen = consenting_citizen(session)
        return [queue(session, citizen, now=CREATED, **overrides).id for _ in range(count)]


def _rows(engine: Engine, ids: list[str]) -> list[Reminder]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(select(Reminder).where(col(Reminder.id).in_(ids))).all()
        return sorted(rows, key=lambda r: ids.index(r.id))


class TestSending:
    def test_a_due_message_goes_to_gatewayapi_once_with_its_id_recorded(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        settings = gateway_settings(gateway.url)

        first = send_due(sms_engine, settings, now=Clock(DUE))
        again = send_due(sms_engine, settings, now=Clock(DUE + timedelta(minutes=5)))

        assert (first.sent, again.sent) == (1, 0)
        [request] = gateway.requests
        assert request.path == "/rest/mtsms"
        assert request.headers["Authorization"] == "Token test-token"
        assert request.body["sender"] == "JC Lolland"
        assert request.body["recipients"] == [{"msisdn": 4520123456}]
        assert request.body["message"] == (
            "Husk din første dag mandag den 11. januar kl. 9.00, Maribo Dagligvarer, "
            "Vestergade 3, 4930 Maribo. Forhindret? Ring til Mette i jobcentret på 54 67 60 00."
        )
        [row] = _rows(sms_engine, [reminder_id])
        assert (row.status, row.gateway_message_id, row.attempts) == ("sent", "421332672", 1)

    def test_nothing_is_sent_before_send_at(self, sms_engine: Engine, gateway: FakeGateway) -> None:
        [reminder_id] = _queue_committed(sms_engine)

        run = send_due(sms_engine, gateway_settings(gateway.url), now=Clock(CREATED))

        assert (run.sent, run.still_queued, gateway.requests) == (0, 1, [])
        assert _rows(sms_engine, [reminder_id])[0].status == "queued"

    def test_without_a_gateway_messages_stay_queued(self, sms_engine: Engine) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        settings = gateway_settings("", sms_token=None)

        run = send_due(sms_engine, settings, now=Clock(DUE))

        assert (run.gateway_configured, run.claimed, run.still_queued) == (False, 0, 1)
        assert _rows(sms_engine, [reminder_id])[0].status == "queued"

    def test_sending_is_audited_on_the_citizens_trail_without_number_or_text(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        [reminder_id] = _queue_committed(sms_engine)

        send_due(sms_engine, gateway_settings(gateway.url), now=Clock(DUE))

        with Session(sms_engine) as session:
            row = session.get(Reminder, reminder_id)
            assert row is not None
            entries = session.exec(
                select(AuditEntry)
                .where(AuditEntry.entity_id == row.citizen_id)
                .order_by(col(AuditEntry.id))
            ).all()
        actions = [e.action for e in entries]
        assert actions[-2:] == ["sms_queued", "sms_sent"]
        details = " ".join(e.detail or "" for e in entries)
        assert "20123456" not in details
        assert "Maribo" not in details


class TestExactlyOnce:
    def test_two_workers_racing_send_every_message_exactly_once(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        ids = _queue_committed(sms_engine, count=30)
        gateway.delay_seconds = 0.01
        settings = gateway_settings(gateway.url)
        barrier = threading.Barrier(2)
        runs = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                barrier.wait()
                runs.append(send_due(sms_engine, settings, now=Clock(DUE), batch=5))
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert errors == []
        refs = [r.body["userref"] for r in gateway.requests]
        assert sorted(refs) == sorted(ids)  # each message once, none twice, none missing
        assert sum(run.sent for run in runs) == 30
        assert all(run.sent > 0 for run in runs), "both workers took a share"
        assert {r.status for r in _rows(sms_engine, ids)} == {"sent"}


class TestRetries:
    def test_a_transient_error_is_retried_with_doubling_backoff(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        gateway.script = [(503, {"message": "busy"}), (500, {"message": "oops"})]
        settings = gateway_settings(gateway.url)
        clock = Clock(DUE)

        first = send_due(sms_engine, settings, now=clock)
        [row] = _rows(sms_engine, [reminder_id])
        assert (first.retrying, row.status, row.attempts) == (1, "queued", 1)
        assert row.next_attempt_at is not None
        assert _utc(row.next_attempt_at) == DUE + timedelta(seconds=60)
        assert row.last_error == "HTTP 503: busy"

        clock.advance(seconds=30)  # before the backoff: not tried
        assert send_due(sms_engine, settings, now=clock).claimed == 0
        clock.advance(seconds=30)
        send_due(sms_engine, settings, now=clock)
        [row] = _rows(sms_engine, [reminder_id])
        assert row.attempts == 2
        assert _utc(row.next_attempt_at) == clock.now + timedelta(seconds=120)

        clock.advance(seconds=120)
        third = send_due(sms_engine, settings, now=clock)
        [row] = _rows(sms_engine, [reminder_id])
        assert (third.sent, row.status, row.attempts, len(gateway.requests)) == (1, "sent", 3, 3)

    def test_after_the_last_attempt_the_message_fails(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        gateway.script = [(502, {})] * 3
        settings = gateway_settings(gateway.url, sms_retry_base_seconds=0)
        for _ in range(4):
            send_due(sms_engine, settings, now=Clock(DUE))

        [row] = _rows(sms_engine, [reminder_id])
        assert (row.status, row.attempts, len(gateway.requests)) == ("failed", 3, 3)

    def test_a_refused_message_fails_at_once_and_is_not_retried(
        self, sms_engine: Engine, gateway: FakeGateway
    ) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        gateway.script = [(422, {"code": "0x0203", "message": "Invalid recipient"})]
        settings = gateway_settings(gateway.url, sms_retry_base_seconds=0)

        send_due(sms_engine, settings, now=Clock(DUE))
        send_due(sms_engine, settings, now=Clock(DUE))

        [row] = _rows(sms_engine, [reminder_id])
        assert (row.status, row.last_error) == ("failed", "HTTP 422: Invalid recipient")
        assert len(gateway.requests) == 1

    def test_a_gateway_that_cannot_be_reached_is_retried(self, sms_engine: Engine) -> None:
        [reminder_id] = _queue_committed(sms_engine)
        with fake_gateway() as closed:
            url = closed.url  # the port is closed once the block ends
        run = send_due(sms_engine, gateway_settings(url), now=Clock(DUE))

        [row] = _rows(sms_engine, [reminder_id])
        assert (run.retrying, row.status) == (1, "queued")
        assert row.last_error is not None
        assert row.last_error.startswith("no connection")


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=MONDAY_9.tzinfo)


def _jwt(payload: dict[str, object], secret: str) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(payload).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


class TestDeliveryReports:
    @pytest.fixture
    def status_client(self, sms_engine: Engine, gateway: FakeGateway) -> Iterator[TestClient]:
        settings = gateway_settings(gateway.url, sms_status_secret="s" * 32)
        app = create_app(settings, engine=sms_engine)

        def committed_session() -> Iterator[Session]:
            with Session(sms_engine, expire_on_commit=False) as session:
                yield session
                session.commit()

        app.dependency_overrides[get_session] = committed_session
        with TestClient(app) as client:
            yield client

    def _sent(self, sms_engine: Engine, gateway: FakeGateway) -> Reminder:
        [reminder_id] = _queue_committed(sms_engine)
        send_due(sms_engine, gateway_settings(gateway.url), now=Clock(DUE))
        return _rows(sms_engine, [reminder_id])[0]

    def test_a_signed_report_marks_the_message_delivered(
        self, sms_engine: Engine, gateway: FakeGateway, status_client: TestClient
    ) -> None:
        row = self._sent(sms_engine, gateway)
        report = {
            "id": int(row.gateway_message_id or 0),
            "msisdn": 4520123456,
            "status": "DELIVERED",
            "time": 1_799_000_000,
        }

        response = status_client.post(
            "/api/v1/sms/status",
            json=report,
            headers={"X-Gwapi-Signature": _jwt(report, "s" * 32)},
        )

        assert response.status_code == 200, response.text
        assert response.json() == {"reminder_id": row.id, "status": "delivered", "matched": True}
        assert _rows(sms_engine, [row.id])[0].status == "delivered"

    def test_an_undeliverable_report_marks_it_failed(
        self, sms_engine: Engine, gateway: FakeGateway, status_client: TestClient
    ) -> None:
        row = self._sent(sms_engine, gateway)

        response = status_client.post(
            "/api/v1/sms/status",
            json={"id": row.gateway_message_id, "status": "UNDELIVERABLE", "code": "0x02"},
            headers={"X-Kantmatch-Sms-Secret": "s" * 32},
        )

        assert response.json()["status"] == "failed"
        stored = _rows(sms_engine, [row.id])[0]
        assert (stored.status, stored.last_error) == ("failed", "Gatewayen: UNDELIVERABLE 0x02")

    @pytest.mark.parametrize(
        "headers",
        [{}, {"X-Kantmatch-Sms-Secret": "wrong"}, {"X-Gwapi-Signature": "a.b.c"}],
        ids=["none", "wrong-secret", "bad-signature"],
    )
    def test_a_report_without_the_secret_is_refused_and_changes_nothing(
        self,
        sms_engine: Engine,
        gateway: FakeGateway,
        status_client: TestClient,
        headers: dict[str, str],
    ) -> None:
        row = self._sent(sms_engine, gateway)

        response = status_client.post(
            "/api/v1/sms/status",
            json={"id": row.gateway_message_id, "status": "DELIVERED"},
            headers=headers,
        )

        assert response.status_code == 401
        assert _rows(sms_engine, [row.id])[0].status == "sent"


class TestCommand:
    def test_worker_once_sends_what_is_due_and_says_so(
        self, cli_database: str, monkeypatch: pytest.MonkeyPatch, gateway: FakeGateway
    ) -> None:
        from typer.testing import CliRunner

        from service import cli, clock
        from service.config import get_settings
        from service.db import make_engine

        engine = make_engine(cli_database)
        now = clock.now()
        with Session(engine, expire_on_commit=False) as session, session.begin():
            citizen = consenting_citizen(session)
            queue(
                session,
                citizen,
                now=now,
                at=(now + timedelta(days=1)).isoformat(),
                send_at=now.isoformat(),
            )
        engine.dispose()
        monkeypatch.setenv("KANTMATCH_SMS_GATEWAY_URL", gateway.url)
        monkeypatch.setenv("KANTMATCH_SMS_TOKEN", "cli-token")
        get_settings.cache_clear()

        result = CliRunner().invoke(cli.app, ["worker", "--once"])

        assert result.exit_code == 0, result.output
        assert "SMS: 1 sendt, 0 prøves igen, 0 fejlet" in result.output
        assert [r.headers["Authorization"] for r in gateway.requests] == ["Token cli-token"]
