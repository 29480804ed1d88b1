"""A citizen's audit trail and the right of access (an export of everything held)."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from service import clock
from service.auth.models import AuditEntry
from service.auth.principal import Principal
from service.auth.schemas import AuditEntryPublic
from service.bustours.models import BusTourCitizen
from service.citizens import measurements
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.citizens.schemas import CitizenExport, CprNote
from service.pagination import paginate
from service.placements import views as placements_views


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


def export_citizen(session: Session, *, citizen: Citizen, actor: Principal) -> CitizenExport:
    """Right of access: everything held about the citizen, with the full audit trail."""
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    # Audited first, so the export shows its own entry in the trail.
    citizens_service.audit_citizen(session, actor, "export", citizen.id)
    entries = session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == citizens_service.ENTITY, AuditEntry.entity_id == citizen.id
        )
        .order_by(col(AuditEntry.id))
    ).all()
    return CitizenExport(
        generated_at=clock.now(),
        citizen=citizens_service.public_view(session, citizen=citizen),
        cpr=CprNote(
            number_stored=False,
            hash_stored=citizen.cpr_hmac is not None,
            explanation=CPR_EXPLANATION,
        ),
        bip=measurements.bip_history(session, citizen=citizen),
        placements=placements_views.citizen_placement_record(session, citizen_id=citizen.id),
        bus_tour_ids=list(
            session.exec(
                select(BusTourCitizen.tour_id)
                .where(BusTourCitizen.citizen_id == citizen.id)
                .order_by(col(BusTourCitizen.tour_id))
            ).all()
        ),
        audit_trail=[_audit_public(e) for e in entries],
        notice=EXPORT_NOTICE,
    )
