"""The audit log helper every domain uses for reads and changes of sensitive data."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from service.auth.models import AuditEntry
from service.auth.principal import Principal


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
        detail=json.dumps(detail, ensure_ascii=False, default=str)[:2000] if detail else None,
    )
    session.add(entry)
    session.flush()
    return entry
