"""Helpers shared by the task tests."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, func, select

from service.auth.principal import Role
from service.tasks.models import TaskOpening
from tests.factories import bearer, make_key

API = "/api/v1"


def headers_for(
    session: Session, role: Role, municipality_code: str | None = None
) -> dict[str, str]:
    """Request headers with the API key of a new user with the role."""
    _, key = make_key(session, role, municipality_code)
    return bearer(key)


def opening_count(session: Session, company_id: str | None = None) -> int:
    """How many openings are stored (for one company, or in all)."""
    statement = select(func.count()).select_from(TaskOpening)
    if company_id is not None:
        statement = statement.where(TaskOpening.company_id == company_id)
    return int(session.exec(statement).one())


def opening_payload(**overrides: Any) -> dict[str, Any]:
    """A valid opening: two hours of toilet cleaning three mornings a week, paid hours."""
    payload: dict[str, Any] = {
        "task_id": "rengoering.toiletter",
        "hours_per_week": 6,
        "schedule": {"slots": [{"days": ["mon", "wed", "fri"], "start": "07:00", "end": "09:00"}]},
        "placement_types": ["virksomhedspraktik", "loentimer"],
        "hourly_wage": 152.5,
        "positions": 1,
        "start_date": "2026-02-02",
    }
    payload.update(overrides)
    return payload


def field_messages(body: dict[str, Any]) -> dict[str, str]:
    """The `fields` of an error response as field -> message."""
    return {f["field"]: f["message"] for f in body["error"]["fields"]}
