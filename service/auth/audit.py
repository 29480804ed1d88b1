"""The audit log helper every domain uses for reads and changes of sensitive data.

An entry is written in the caller's transaction and commits or rolls back with it. In a request
that only reads (a GET, ``service.db.reads_only``) the transaction refuses writes, so the entry
is kept and written when the read has ended, in the request's one short write transaction,
before the answer is sent (``service.db.defer_write``): a read is never answered unaudited, and
on SQLite a read never holds the single writer's turn while it computes (issue 13).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.auth.models import AuditEntry
from service.auth.principal import Principal
from service.db import defer_write

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
    """Write one audit entry in the caller's transaction (it commits or rolls back with it), or
    at the end of a request that only reads (then it has no id yet)."""
    entry = AuditEntry(
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        actor_role=str(actor.role),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        detail=_detail_text(detail) if detail else None,
    )

    def write(target: Session) -> None:
        target.add(entry)
        target.flush()

    defer_write(session, write)
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
    rows = [
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
    ]
    table = SQLModel.metadata.tables[str(AuditEntry.__tablename__)]
    defer_write(session, lambda target: target.execute(insert(table), rows))


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
