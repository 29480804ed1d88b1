"""Helpers for the reminder tests: a committed database, a consenting citizen, a clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.citizens.models import Citizen
from service.config import Settings
from service.db import make_engine
from service.migrations_runner import upgrade_database
from service.reminders import service as reminders_service
from service.reminders.models import Reminder
from service.reminders.schemas import ReminderCreate
from tests.citizens.helpers import make_citizen
from tests.conftest import fresh_database_url

# A Monday in January, 9.00 Danish time (CET, UTC+1): the reminders' appointment.
MONDAY_9 = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)
API = "/api/v1"


@dataclass
class Clock:
    """A settable clock for the worker (the only thing besides the gateway that is mocked)."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def committed_engine(backend: str, request: pytest.FixtureRequest, name: str) -> Iterator[Engine]:
    """A fresh migrated database whose data is committed, as two workers need."""
    engine = make_engine(fresh_database_url(backend, request, name))
    upgrade_database(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def gateway_settings(url: str, **overrides: Any) -> Settings:
    """Settings pointing the worker at a gateway (the fake one in tests)."""
    values: dict[str, Any] = {
        "environment": "test",
        "secret_key": "t" * 40,
        "sms_gateway_url": url,
        "sms_token": "test-token",
        "sms_sender": "JC Lolland",
        "sms_retry_base_seconds": 60.0,
        "sms_max_attempts": 3,
        "sms_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


def consenting_citizen(session: Session, **overrides: Any) -> Citizen:
    """A Lolland citizen with a mobile number and SMS consent."""
    values: dict[str, Any] = {"mobile": "20 12 34 56", "sms_consent": True}
    values.update(overrides)
    return make_citizen(session, **values)


def reminder_payload(citizen: Citizen, **overrides: Any) -> dict[str, Any]:
    """A valid reminder for the citizen's first day, Monday 11 January 2027 at 9.00."""
    payload: dict[str, Any] = {
        "citizen_id": citizen.id,
        "kind": "placement_start",
        "at": MONDAY_9.isoformat(),
        "place": "Maribo Dagligvarer, Vestergade 3, 4930 Maribo",
        "contact_name": "Mette i jobcentret",
        "contact_phone": "54 67 60 00",
    }
    payload.update(overrides)
    return payload


def queue(session: Session, citizen: Citizen, *, now: datetime, **overrides: Any) -> Reminder:
    """A queued reminder, created through the service as the API would."""
    return reminders_service.create_reminder(
        session,
        data=ReminderCreate.model_validate(reminder_payload(citizen, **overrides)),
        actor=CLI_PRINCIPAL,
        now=now,
    )
