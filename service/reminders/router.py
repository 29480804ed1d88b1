"""HTTP routes of SMS reminders and the gateway's delivery reports."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.config import Settings
from service.db import SessionDep
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from service.reminders import outbox
from service.reminders import service as reminders_service
from service.reminders.exceptions import DeliveryReportRefusedError
from service.reminders.schemas import (
    DeliveryReport,
    DeliveryReportResult,
    ReminderCreate,
    ReminderList,
    ReminderOffer,
    ReminderPublic,
)

router = APIRouter(tags=["reminders"])
# Caseworkers and company consultants of the citizen's municipality (and admins) send reminders.
ReminderSender = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant)),
]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/reminders", response_model=ReminderPublic, status_code=status.HTTP_201_CREATED)
def create_reminder(
    actor: ReminderSender, data: ReminderCreate, session: SessionDep, request: Request
) -> ReminderPublic:
    """Queue an SMS reminder (409 without the citizen's consent or mobile number); audited."""
    reminder = reminders_service.create_reminder(session, data=data, actor=actor)
    return reminders_service.reminder_public(
        reminder, gateway_configured=_settings(request).sms_gateway_configured
    )


@router.get("/reminders", response_model=ReminderList)
def list_reminders(
    actor: ReminderSender,
    session: SessionDep,
    request: Request,
    citizen_id: Annotated[str, Query(max_length=32, description="The citizen")],
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> ReminderList:
    """A citizen's reminders with their status, by sending time; audited."""
    rows, next_cursor = reminders_service.list_reminders(
        session, actor=actor, citizen_id=citizen_id, limit=limit, cursor=cursor
    )
    configured = _settings(request).sms_gateway_configured
    return ReminderList(
        items=[reminders_service.reminder_public(r, gateway_configured=configured) for r in rows],
        next_cursor=next_cursor,
        gateway_configured=configured,
        note=None if configured else reminders_service.NO_GATEWAY_NOTE,
    )


@router.get("/reminders/offers", response_model=list[ReminderOffer])
def reminder_offers(
    actor: ReminderSender,
    session: SessionDep,
    placement_id: Annotated[str | None, Query(max_length=32)] = None,
    bus_tour_id: Annotated[str | None, Query(max_length=32)] = None,
    start_time: Annotated[time, Query(description="First day's start time (placements)")] = time(
        9, 0
    ),
) -> list[ReminderOffer]:
    """Reminders ready to queue for a placement's first day or for a bus tour."""
    if placement_id is not None:
        return reminders_service.offers_for_placement(
            session, placement_id=placement_id, actor=actor, start_time=start_time
        )
    if bus_tour_id is not None:
        return reminders_service.offers_for_bus_tour(session, bus_tour_id=bus_tour_id, actor=actor)
    return []


@router.delete("/reminders/{reminder_id}", response_model=ReminderPublic)
def cancel_reminder(
    actor: ReminderSender, reminder_id: str, session: SessionDep, request: Request
) -> ReminderPublic:
    """Cancel a queued reminder (409 once it is sent); audited."""
    reminder = reminders_service.get_reminder(session, reminder_id=reminder_id, actor=actor)
    reminder = reminders_service.cancel_reminder(session, reminder=reminder, actor=actor)
    return reminders_service.reminder_public(
        reminder, gateway_configured=_settings(request).sms_gateway_configured
    )


# Included without an API key: the gateway authenticates with the shared secret instead.
status_router = APIRouter(tags=["reminders"])


@status_router.post("/sms/status", response_model=DeliveryReportResult)
def receive_delivery_report(
    report: DeliveryReport,
    session: SessionDep,
    request: Request,
    x_gwapi_signature: Annotated[str | None, Header()] = None,
    x_kantmatch_sms_secret: Annotated[str | None, Header()] = None,
) -> DeliveryReportResult:
    """GatewayAPI's delivery report (signed with the shared secret KANTMATCH_SMS_STATUS_SECRET)."""
    if not outbox.report_authenticated(
        secret=_settings(request).sms_status_secret,
        signature=x_gwapi_signature,
        shared_secret_header=x_kantmatch_sms_secret,
    ):
        raise DeliveryReportRefusedError()
    return outbox.apply_delivery_report(session, report=report)
