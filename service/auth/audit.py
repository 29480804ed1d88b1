"""The audit log helper every domain uses for reads and changes of sensitive data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.auth.models import AuditEntry
from service.auth.principal import Principal

# The column's width; the API parses the stored text back into an object.
DETAIL_MAX_CHARS = 2000


def _detail_text(detail: dict[str, Any]) -> str:
    text = json.dumps(detail, ensure_ascii=False, default=str)
    if len(text) <= DETAIL_MAX_CHARS:
        return text
    # Cutting the JSON text would leave it unreadable; keep a valid object with a preview.
    preview_chars = DETAIL_MAX_CHARS - 100
    while True:
        shortened = json.dumps(
            {"truncated": True, "preview": text[:preview_chars]}, ensure_ascii=False
        )
        if len(shortened) <= DETAIL_MAX_CHARS:
            return shortened
        preview_chars = max(0, preview_chars - (len(shortened) - DETAIL_MAX_CHARS))


def record_audit(
    session: Session,
    *,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one audit entry in the caller's transaction (it commits or rolls back with it)."""
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        actor_role=str(actor.role),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=_detail_text(detail) if detail else None,
    )
    session.add(entry)
    session.flush()
    return entry


def record_audits(
    session: Session,
    *,
    actor: Principal,
    action: str,
    entity_type: str,
    entity_ids: list[str],
    details: list[dict[str, Any]] | None = None,
) -> None:
    """One audit entry per entity in a single bulk insert (the bulk imports, issue 13).

    ``details``, when given, holds each entity's detail (ids, field names and counts only).
    """
    if not entity_ids:
        return
    from sqlalchemy import insert
    from sqlmodel import SQLModel

    from service import clock

    now = clock.now()
    each: list[dict[str, Any] | None] = [*details] if details else [None] * len(entity_ids)
    session.execute(
        insert(SQLModel.metadata.tables[str(AuditEntry.__tablename__)]),
        [
            {
                "occurred_at": now,
                "actor_user_id": actor.user_id,
                "actor_name": actor.name,
                "actor_role": str(actor.role),
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "detail": _detail_text(detail) if detail else None,
            }
            for entity_id, detail in zip(entity_ids, each, strict=True)
        ],
    )


@dataclass(frozen=True)
class EntityAudit:
    """``record_audit`` bound to one entity type: a domain's own audit writer."""

    entity_type: str

    def __call__(
        self,
        session: Session,
        actor: Principal,
        action: str,
        entity_id: str | None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        return record_audit(
            session,
            actor=actor,
            action=action,
            entity_type=self.entity_type,
            entity_id=entity_id,
            detail=detail,
        )
