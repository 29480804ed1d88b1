"""SMS reminders: queue, list, cancel, and the offers for a placement or a bus tour.

Sending is the outbox's job (``outbox.py``). Every step of a message is audited on the
citizen's trail (``sms_queued``, ``sms_cancelled``, ``sms_sent``, ``sms_delivered``,
``sms_failed``) with ids, kinds and times only: never the number or the text.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.principal import Principal
from service.bustours import service as bustours_service
from service.bustours.models import BusTourCitizen
from service.citizens import service as citizens_service
from service.citizens.exceptions import CitizenNotFoundError
from service.citizens.models import Citizen
from service.companies import service as companies_service
from service.pagination import paginate
from service.placements import service as placements_service
from service.reminders.exceptions import (
    NoMobileError,
    NoSmsConsentError,
    ReminderLinkError,
    ReminderNotCancellableError,
    ReminderNotFoundError,
    SendTimeError,
)
from service.reminders.models import Reminder
from service.reminders.schemas import ReminderCreate, ReminderOffer, ReminderPublic, ReminderStatus
from service.reminders.templates import DANISH_TIME, ReminderKind, render, segments

# The afternoon before, when a reminder is most likely read and remembered.
DEFAULT_SEND_TIME = time(16, 0)
NO_GATEWAY_NOTE = (
    "Ingen SMS-gateway er sat op (KANTMATCH_SMS_GATEWAY_URL og KANTMATCH_SMS_TOKEN): "
    "beskeden bliver i køen og sendes først, når en gateway er sat op."
)


def default_send_at(at: datetime) -> datetime:
    """16.00 Danish time the day before the appointment, in UTC."""
    local = at.astimezone(DANISH_TIME)
    day_before = local.date() - timedelta(days=1)
    return datetime.combine(day_before, DEFAULT_SEND_TIME, tzinfo=DANISH_TIME).astimezone(
        at.tzinfo or DANISH_TIME
    )


def _aware(moment: datetime) -> datetime:
    # Times without an offset are read as UTC, like every time the API returns.
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.now().tzinfo)


def audit_reminder(
    session: Session,
    actor: Principal,
    action: str,
    reminder: Reminder,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit entry on the citizen's trail about a message (no number, no text)."""
    citizens_service.audit_citizen(
        session,
        actor,
        action,
        reminder.citizen_id,
        {"reminder_id": reminder.id, "kind": reminder.kind, **(detail or {})},
    )


def visible_citizen(session: Session, *, actor: Principal, citizen_id: str) -> Citizen:
    """The citizen, or 404 when missing or outside the actor's municipality."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or not policy.may_send_reminders_in(actor, citizen.municipality_code):
        raise CitizenNotFoundError(citizen_id)
    return citizen


def check_can_receive(citizen: Citizen) -> None:
    """Raise 409 unless the citizen has consented and has a mobile number."""
    if not citizen.sms_consent:
        raise NoSmsConsentError()
    if not citizen.mobile:
        raise NoMobileError()


def _check_links(session: Session, citizen: Citizen, data: ReminderCreate) -> None:
    if data.placement_id is not None:
        placement = placements_service.get_placement(session, placement_id=data.placement_id)
        if placement.citizen_id != citizen.id:
            raise ReminderLinkError("placement_id")
    if data.bus_tour_id is not None:
        bustours_service.get_tour(session, tour_id=data.bus_tour_id)
        on_tour = session.get(BusTourCitizen, (data.bus_tour_id, citizen.id))
        if on_tour is None:
            raise ReminderLinkError("bus_tour_id")


def create_reminder(
    session: Session,
    *,
    data: ReminderCreate,
    actor: Principal,
    now: datetime | None = None,
    is_demo: bool = False,
) -> Reminder:
    """Queue a reminder; 409 without consent or number, or when the times do not fit."""
    now = now or clock.now()
    citizen = visible_citizen(session, actor=actor, citizen_id=data.citizen_id)
    check_can_receive(citizen)
    at = _aware(data.at)
    if at <= now:
        raise SendTimeError(
            "Tidspunktet (at) er allerede passeret", "The time (at) has already passed"
        )
    send_at = _aware(data.send_at) if data.send_at else max(default_send_at(at), now)
    if send_at >= at:
        raise SendTimeError(
            "Påmindelsen skal sendes før tidspunktet (send_at før at)",
            "The reminder must be sent before the time (send_at before at)",
        )
    _check_links(session, citizen, data)
    contact_name = data.contact_name or actor.name
    if data.company_id is not None:
        company = companies_service.get_company(session, company_id=data.company_id)
        contact_name = data.contact_name or company.name
    message = render(
        kind=data.kind,
        at=at,
        place=data.place,
        contact_name=contact_name,
        contact_phone=data.contact_phone,
        text=data.text,
    )
    reminder = Reminder(
        citizen_id=citizen.id,
        municipality_code=citizen.municipality_code,
        kind=str(data.kind),
        at=at,
        place=data.place,
        message=message,
        mobile=citizen.mobile,
        segments=segments(message),
        send_at=max(send_at, now),
        placement_id=data.placement_id,
        bus_tour_id=data.bus_tour_id,
        company_id=data.company_id,
        created_by_user_id=actor.user_id,
        is_demo=is_demo,
    )
    session.add(reminder)
    session.flush()
    audit_reminder(
        session,
        actor,
        "sms_queued",
        reminder,
        {"send_at": reminder.send_at, "segments": reminder.segments},
    )
    return reminder


def get_reminder(session: Session, *, reminder_id: str, actor: Principal) -> Reminder:
    """A reminder of the actor's municipality, or 404."""
    reminder = session.get(Reminder, reminder_id)
    if reminder is None or not policy.may_send_reminders_in(actor, reminder.municipality_code):
        raise ReminderNotFoundError(reminder_id)
    return reminder


def list_reminders(
    session: Session, *, actor: Principal, citizen_id: str, limit: int, cursor: str | None
) -> tuple[list[Reminder], str | None]:
    """One page of a citizen's reminders by sending time; the read is audited."""
    citizen = visible_citizen(session, actor=actor, citizen_id=citizen_id)
    statement = select(Reminder).where(col(Reminder.citizen_id) == citizen.id)
    statement = policy.within_reach(statement, actor, col(Reminder.municipality_code))
    rows, next_cursor = paginate(
        session, statement, order_by=[Reminder.send_at, Reminder.id], limit=limit, cursor=cursor
    )
    citizens_service.audit_citizen(session, actor, "sms_read", citizen.id, {"reminders": len(rows)})
    return rows, next_cursor


def cancel_reminder(
    session: Session, *, reminder: Reminder, actor: Principal, now: datetime | None = None
) -> Reminder:
    """Cancel a queued message (atomically: a worker may be claiming it at the same moment)."""
    now = now or clock.now()
    result: Any = session.execute(
        update(Reminder)
        .where(col(Reminder.id) == reminder.id, col(Reminder.status) == ReminderStatus.queued)
        .values(status=ReminderStatus.cancelled.value, cancelled_at=now, updated_at=now)
    )
    session.refresh(reminder)
    if result.rowcount != 1:
        raise ReminderNotCancellableError(reminder.status)
    audit_reminder(session, actor, "sms_cancelled", reminder)
    return reminder


def reminder_public(reminder: Reminder, *, gateway_configured: bool) -> ReminderPublic:
    """The API shape of a reminder; a claimed message shows as queued until it is sent."""
    status = ReminderStatus(reminder.status)
    shown = ReminderStatus.queued if status == ReminderStatus.sending else status
    note = NO_GATEWAY_NOTE if shown == ReminderStatus.queued and not gateway_configured else None
    return ReminderPublic.model_validate(
        {
            **reminder.model_dump(),
            "status": shown,
            "gateway_configured": gateway_configured,
            "note": note,
        }
    )


def _offer(
    citizen: Citizen,
    *,
    kind: ReminderKind,
    at: datetime,
    place: str,
    now: datetime,
    placement_id: str | None = None,
    bus_tour_id: str | None = None,
) -> ReminderOffer:
    reason = None
    if not citizen.sms_consent:
        reason = NoSmsConsentError().message_da
    elif not citizen.mobile:
        reason = NoMobileError().message_da
    elif at <= now:
        reason = "Tidspunktet er passeret"
    return ReminderOffer(
        citizen_id=citizen.id,
        kind=kind,
        at=at,
        place=place,
        send_at=max(default_send_at(at), now),
        placement_id=placement_id,
        bus_tour_id=bus_tour_id,
        can_send=reason is None,
        reason=reason,
    )


def offers_for_placement(
    session: Session,
    *,
    placement_id: str,
    actor: Principal,
    start_time: time,
    now: datetime | None = None,
) -> list[ReminderOffer]:
    """The reminder for a placement's first day, ready to queue (start time given by caller)."""
    now = now or clock.now()
    placement = placements_service.get_placement(session, placement_id=placement_id)
    if placement.citizen_id is None or placement.start_date is None:
        return []
    citizen = visible_citizen(session, actor=actor, citizen_id=placement.citizen_id)
    place = "virksomheden"
    if placement.company_id is not None:
        company = companies_service.get_company(session, company_id=placement.company_id)
        place = ", ".join(p for p in (company.name, company.address, company.city) if p)
    at = datetime.combine(placement.start_date, start_time, tzinfo=DANISH_TIME)
    return [
        _offer(
            citizen,
            kind=ReminderKind.placement_start,
            at=at,
            place=place,
            now=now,
            placement_id=placement.id,
        )
    ]


def offers_for_bus_tour(
    session: Session, *, bus_tour_id: str, actor: Principal, now: datetime | None = None
) -> list[ReminderOffer]:
    """One reminder per citizen on a bus tour that the actor may see, ready to queue."""
    now = now or clock.now()
    tour = bustours_service.get_tour(session, tour_id=bus_tour_id)
    at = datetime.combine(tour.tour_date, tour.start_time, tzinfo=DANISH_TIME)
    citizens = session.exec(
        select(Citizen)
        .join(BusTourCitizen, col(BusTourCitizen.citizen_id) == col(Citizen.id))
        .where(col(BusTourCitizen.tour_id) == tour.id)
        .order_by(col(BusTourCitizen.position))
    ).all()
    return [
        _offer(
            c,
            kind=ReminderKind.bus_tour,
            at=at,
            place=tour.start_name,
            now=now,
            bus_tour_id=tour.id,
        )
        for c in citizens
        if policy.may_send_reminders_in(actor, c.municipality_code)
    ]
