"""A citizen's record across the domains: changes that others follow, and the right of access.

Coordinators above the domains (like ``service/erasure.py``): the citizens domain knows only
its own tables, so what a change to a citizen means for placements, and what an export must
gather from placements and bus tours, is decided here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import Principal
from service.auth.schemas import AuditEntryPublic
from service.bustours.models import BusTourCitizen
from service.citizens import access, measurements
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.citizens.schemas import BipHistory, CitizenPublic, CitizenUpdate, CprNote
from service.mentors import service as mentors_service
from service.mentors.models import MentorMatch
from service.mentors.schemas import MentorMatchForCaseworker
from service.placements import erasure as placements_erasure
from service.placements import views as placements_views
from service.placements.schemas import CitizenPlacementRecord
from service.reminders import service as reminders_service
from service.reminders.models import Reminder
from service.reminders.schemas import ReminderPublic
from service.schemas import UtcDatetime


class CitizenExport(BaseModel):
    """Right of access: everything the service holds about one citizen, with the audit trail."""

    generated_at: UtcDatetime
    citizen: CitizenPublic
    cpr: CprNote
    bip: BipHistory
    placements: CitizenPlacementRecord
    bus_tour_ids: list[str]
    sms_reminders: list[ReminderPublic]
    mentor_matches: list[MentorMatchForCaseworker]
    audit_trail: list[AuditEntryPublic]
    notice: str


def update_citizen(
    session: Session, *, citizen: Citizen, data: CitizenUpdate, actor: Principal
) -> Citizen:
    """Change a citizen; when they move municipality, their placements follow (scope follows)."""
    before = citizen.municipality_code
    citizen = citizens_service.update_citizen(session, citizen=citizen, data=data, actor=actor)
    if citizen.municipality_code != before:
        placements_erasure.follow_citizen_move(
            session, citizen_id=citizen.id, municipality_code=citizen.municipality_code
        )
    return citizen


def export_citizen(session: Session, *, citizen: Citizen, actor: Principal) -> CitizenExport:
    """Right of access: everything held about the citizen, with the full audit trail."""
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    # Audited first, so the export shows its own entry in the trail.
    citizens_service.audit_citizen(session, actor, "export", citizen.id)
    generated: datetime = clock.now()
    return CitizenExport(
        generated_at=generated,
        citizen=citizens_service.public_view(session, citizen=citizen),
        cpr=access.cpr_note(citizen),
        bip=measurements.bip_history(session, citizen=citizen),
        placements=placements_views.citizen_placement_record(session, citizen_id=citizen.id),
        bus_tour_ids=list(
            session.exec(
                select(BusTourCitizen.tour_id)
                .where(BusTourCitizen.citizen_id == citizen.id)
                .order_by(col(BusTourCitizen.tour_id))
            ).all()
        ),
        sms_reminders=[
            reminders_service.reminder_public(r, gateway_configured=True)
            for r in session.exec(
                select(Reminder)
                .where(col(Reminder.citizen_id) == citizen.id)
                .order_by(col(Reminder.send_at), col(Reminder.id))
            ).all()
        ],
        mentor_matches=[
            MentorMatchForCaseworker.model_validate(m)
            for m in mentors_service.matches_view(
                session,
                list(
                    session.exec(
                        select(MentorMatch)
                        .where(col(MentorMatch.citizen_id) == citizen.id)
                        .order_by(col(MentorMatch.start_date), col(MentorMatch.id))
                    ).all()
                ),
                actor=actor,
            )
        ],
        audit_trail=access.full_audit_trail(session, citizen=citizen),
        notice=access.EXPORT_NOTICE,
    )
