"""A citizen's audit trail, and the citizens domain's part of the right of access.

The export itself gathers from other domains too: ``service/citizen_record.py``.
"""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from service.auth.models import AuditEntry
from service.auth.principal import Principal
from service.auth.schemas import AuditEntryPublic
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.citizens.schemas import CprNote
from service.pagination import paginate


def _audit_public(entry: AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        **entry.model_dump(exclude={"detail"}),
        detail=json.loads(entry.detail) if entry.detail else None,
    )


def audit_trail(
    session: Session, *, citizen: Citizen, actor: Principal, limit: int, cursor: str | None
) -> tuple[list[AuditEntryPublic], str | None]:
    """One page of a citizen's audit trail, oldest first (admins); this read is audited too."""
    statement = select(AuditEntry).where(
        AuditEntry.entity_type == citizens_service.ENTITY, AuditEntry.entity_id == citizen.id
    )
    rows, next_cursor = paginate(
        session, statement, order_by=[AuditEntry.id], limit=limit, cursor=cursor
    )
    entries = [_audit_public(r) for r in rows]
    citizens_service.audit_citizen(
        session, actor, "audit_read", citizen.id, {"entries": len(entries)}
    )
    return entries, next_cursor


CPR_EXPLANATION = (
    "Kantmatch gemmer aldrig CPR-numre. Kom et CPR-nummer med i en importfil, gemmes kun en "
    "nøglet hash (HMAC-SHA256 med serverens hemmelige nøgle), som alene bruges til at opdage, "
    "at samme person er oprettet to gange; nummeret kan ikke genskabes af hashen uden nøglen."
)
EXPORT_NOTICE = (
    "Indsigt (databeskyttelsesforordningen art. 15): alt, hvad Kantmatch har om borgeren. "
    "Køn og fødselsår (fairness) bruges kun til at efterprøve, at forslagene er rimelige for "
    "alle grupper, aldrig til at matche."
)


def cpr_note(citizen: Citizen) -> CprNote:
    """What the export says about CPR numbers: never stored, a keyed hash at most."""
    return CprNote(
        number_stored=False,
        hash_stored=citizen.cpr_hmac is not None,
        explanation=CPR_EXPLANATION,
    )


def full_audit_trail(session: Session, *, citizen: Citizen) -> list[AuditEntryPublic]:
    """Every audit entry about the citizen, oldest first (for the export; not audited again)."""
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == citizens_service.ENTITY, AuditEntry.entity_id == citizen.id
        )
        .order_by(col(AuditEntry.id))
    ).all()
    return [_audit_public(e) for e in entries]
