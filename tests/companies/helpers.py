"""Helpers shared by the company tests."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from service.auth.models import AuditEntry
from service.auth.principal import Role
from service.companies.models import Company
from tests.factories import bearer, make_key


def headers_for(
    session: Session, role: Role, municipality_code: str | None = None
) -> dict[str, str]:
    """Request headers with the API key of a new user with the role."""
    _, key = make_key(session, role, municipality_code)
    return bearer(key)


def company_count(session: Session) -> int:
    """How many companies are stored (as the test's transaction sees them)."""
    return int(session.exec(select(func.count()).select_from(Company)).one())


def audit_entries(session: Session, *, entity_type: str, entity_id: str | None) -> list[AuditEntry]:
    """The audit entries for one entity, oldest first."""
    statement = select(AuditEntry).where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    return list(session.exec(statement.order_by(col(AuditEntry.id))).all())


def error_fields(body: dict[str, Any]) -> dict[str, str]:
    """The `fields` of an error response as field -> message."""
    return {f["field"]: f["message"] for f in body["error"]["fields"]}
