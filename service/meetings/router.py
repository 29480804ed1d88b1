"""HTTP routes of network meetings, attendance, and a company's meetings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from service.auth.dependencies import StaffPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.companies import service as companies_service
from service.db import SessionDep
from service.meetings import service as meetings_service
from service.meetings.models import NetworkMeeting
from service.meetings.schemas import (
    AttendanceUpdate,
    CompanyMeetings,
    NetworkMeetingCreate,
    NetworkMeetingPublic,
)
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from service.schemas import Page

router = APIRouter(tags=["network meetings"])
# The people who work with companies plan meetings and record who came.
MeetingOrganiser = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.blf_consultant, Role.company_consultant)),
]


def valid_meeting_id(meeting_id: str, session: SessionDep) -> NetworkMeeting:
    """The meeting named in the path, or 404."""
    return meetings_service.get_meeting(session, meeting_id=meeting_id)


MeetingDep = Annotated[NetworkMeeting, Depends(valid_meeting_id)]


@router.post(
    "/network-meetings", response_model=NetworkMeetingPublic, status_code=status.HTTP_201_CREATED
)
def create_network_meeting(
    actor: MeetingOrganiser, data: NetworkMeetingCreate, session: SessionDep
) -> NetworkMeetingPublic:
    """Plan a network meeting and invite companies."""
    meeting = meetings_service.create_meeting(session, data=data, actor=actor)
    return meetings_service.meetings_public(session, [meeting])[0]


@router.get("/network-meetings", response_model=Page[NetworkMeetingPublic])
def list_network_meetings(
    _: StaffPrincipal,
    session: SessionDep,
    date_from: Annotated[date | None, Query(description="Only meetings on or after")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[NetworkMeetingPublic]:
    """Network meetings by date, with invited companies and attendance."""
    rows, next_cursor = meetings_service.list_meetings(
        session, date_from=date_from, limit=limit, cursor=cursor
    )
    return Page[NetworkMeetingPublic](
        items=meetings_service.meetings_public(session, rows), next_cursor=next_cursor
    )


@router.get("/network-meetings/{meeting_id}", response_model=NetworkMeetingPublic)
def read_network_meeting(
    _: StaffPrincipal, meeting: MeetingDep, session: SessionDep
) -> NetworkMeetingPublic:
    """One network meeting."""
    return meetings_service.meetings_public(session, [meeting])[0]


@router.put("/network-meetings/{meeting_id}/attendance", response_model=NetworkMeetingPublic)
def record_attendance(
    actor: MeetingOrganiser, meeting: MeetingDep, data: AttendanceUpdate, session: SessionDep
) -> NetworkMeetingPublic:
    """Record which companies came (the invited ones not listed did not)."""
    meeting = meetings_service.record_attendance(session, meeting=meeting, data=data, actor=actor)
    return meetings_service.meetings_public(session, [meeting])[0]


@router.get("/companies/{company_id}/network-meetings", response_model=CompanyMeetings)
def read_company_meetings(
    _: StaffPrincipal, company_id: str, session: SessionDep
) -> CompanyMeetings:
    """For the company card: meetings the company attended or hosted, and when last."""
    company = companies_service.get_company(session, company_id=company_id)
    return meetings_service.company_meetings(session, companies=[company])[0]
