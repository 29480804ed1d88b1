"""Network meetings for companies: plan one, record who came, and what each company attended.

BLF and the working group hold the meetings (VIVE 2020, 4.5.1: ten by mid-2020, 15-50
companies each); the figures here let BLF see which companies the programme reaches.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from service import clock
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.companies.models import Company
from service.meetings.exceptions import MeetingNotFoundError, UnknownCompaniesError
from service.meetings.models import NetworkMeeting, NetworkMeetingCompany
from service.meetings.schemas import (
    AttendanceUpdate,
    CompanyMeetings,
    MeetingCompany,
    MeetingReach,
    NetworkMeetingCreate,
    NetworkMeetingPublic,
)
from service.pagination import paginate

ENTITY = "network_meeting"


def _check_companies(session: Session, field: str, ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(session.exec(select(Company.id).where(col(Company.id).in_(wanted))).all())
    missing = [i for i in wanted if i not in found]
    if missing:
        raise UnknownCompaniesError(field, missing)
    return wanted


def create_meeting(
    session: Session, *, data: NetworkMeetingCreate, actor: Principal, is_demo: bool = False
) -> NetworkMeeting:
    """Plan a network meeting and invite companies (every id must exist: 422 otherwise)."""
    if data.host_company_id is not None:
        _check_companies(session, "host_company_id", [data.host_company_id])
    invited = _check_companies(session, "invited_company_ids", data.invited_company_ids)
    meeting = NetworkMeeting(
        **data.model_dump(exclude={"invited_company_ids"}),
        created_by_user_id=actor.user_id,
        is_demo=is_demo,
    )
    session.add(meeting)
    session.flush()
    for company_id in invited:
        session.add(NetworkMeetingCompany(meeting_id=meeting.id, company_id=company_id))
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity_type=ENTITY,
        entity_id=meeting.id,
        detail={"invited": len(invited)},
    )
    return meeting


def get_meeting(session: Session, *, meeting_id: str) -> NetworkMeeting:
    """A meeting, or 404."""
    meeting = session.get(NetworkMeeting, meeting_id)
    if meeting is None:
        raise MeetingNotFoundError(meeting_id)
    return meeting


def record_attendance(
    session: Session, *, meeting: NetworkMeeting, data: AttendanceUpdate, actor: Principal
) -> NetworkMeeting:
    """Record who came: listed companies attended (added if not invited), the rest did not."""
    attended = _check_companies(session, "attended_company_ids", data.attended_company_ids)
    invited = set(
        session.exec(
            select(NetworkMeetingCompany.company_id).where(
                col(NetworkMeetingCompany.meeting_id) == meeting.id
            )
        ).all()
    )
    session.execute(
        update(NetworkMeetingCompany)
        .where(col(NetworkMeetingCompany.meeting_id) == meeting.id)
        .values(attended=col(NetworkMeetingCompany.company_id).in_(attended) if attended else False)
    )
    for company_id in attended:
        if company_id not in invited:
            session.add(
                NetworkMeetingCompany(meeting_id=meeting.id, company_id=company_id, attended=True)
            )
    meeting.updated_at = clock.now()
    session.add(meeting)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="attendance",
        entity_type=ENTITY,
        entity_id=meeting.id,
        detail={"attended": len(attended)},
    )
    return meeting


def list_meetings(
    session: Session, *, date_from: date | None, limit: int, cursor: str | None
) -> tuple[list[NetworkMeeting], str | None]:
    """One page of meetings by date."""
    statement = select(NetworkMeeting)
    if date_from is not None:
        statement = statement.where(col(NetworkMeeting.meeting_date) >= date_from)
    return paginate(
        session,
        statement,
        order_by=[NetworkMeeting.meeting_date, NetworkMeeting.id],
        limit=limit,
        cursor=cursor,
    )


def meetings_public(session: Session, meetings: list[NetworkMeeting]) -> list[NetworkMeetingPublic]:
    """The API shape of meetings, with their companies (one query for all)."""
    ids = [m.id for m in meetings]
    companies: dict[str, list[MeetingCompany]] = defaultdict(list)
    if ids:
        rows = session.execute(
            sql_select(
                col(NetworkMeetingCompany.meeting_id),
                col(Company.id),
                col(Company.name),
                col(Company.is_ambassador),
                col(NetworkMeetingCompany.attended),
            )
            .join(Company, col(Company.id) == col(NetworkMeetingCompany.company_id))
            .where(col(NetworkMeetingCompany.meeting_id).in_(ids))
            .order_by(col(Company.name), col(Company.id))
        ).all()
        for meeting_id, company_id, name, ambassador, attended in rows:
            companies[meeting_id].append(
                MeetingCompany(
                    company_id=company_id, name=name, is_ambassador=ambassador, attended=attended
                )
            )
    hosts = {m.host_company_id for m in meetings if m.host_company_id is not None}
    host_names = (
        dict(session.exec(select(Company.id, Company.name).where(col(Company.id).in_(hosts))).all())
        if hosts
        else {}
    )
    result = []
    for m in meetings:
        listed = companies.get(m.id, [])
        recorded = any(c.attended is not None for c in listed)
        result.append(
            NetworkMeetingPublic(
                **m.model_dump(exclude={"created_by_user_id"}),
                host_company_name=host_names.get(m.host_company_id or ""),
                invited=len(listed),
                attended=sum(1 for c in listed if c.attended) if recorded else None,
                companies=listed,
            )
        )
    return result


def _company_rows(session: Session, company_ids: list[str] | None) -> list[Any]:
    attended_flag = case((col(NetworkMeetingCompany.attended).is_(True), 1), else_=0)
    last_attended = func.max(
        case(
            (col(NetworkMeetingCompany.attended).is_(True), col(NetworkMeeting.meeting_date)),
            else_=None,
        )
    )
    statement = (
        sql_select(
            col(NetworkMeetingCompany.company_id),
            func.count().label("invited"),
            func.sum(attended_flag).label("attended"),
            last_attended.label("last_attended"),
        )
        .join(NetworkMeeting, col(NetworkMeeting.id) == col(NetworkMeetingCompany.meeting_id))
        .group_by(col(NetworkMeetingCompany.company_id))
    )
    if company_ids is not None:
        statement = statement.where(col(NetworkMeetingCompany.company_id).in_(company_ids))
    return list(session.execute(statement).all())


def _hosted(session: Session, company_ids: list[str] | None) -> dict[str, tuple[int, date]]:
    statement = (
        sql_select(
            col(NetworkMeeting.host_company_id),
            func.count(),
            func.max(col(NetworkMeeting.meeting_date)),
        )
        .where(col(NetworkMeeting.host_company_id).is_not(None))
        .group_by(col(NetworkMeeting.host_company_id))
    )
    if company_ids is not None:
        statement = statement.where(col(NetworkMeeting.host_company_id).in_(company_ids))
    return {cid: (int(n), last) for cid, n, last in session.execute(statement).all() if cid}


def company_meetings(session: Session, *, companies: list[Company]) -> list[CompanyMeetings]:
    """Per company: meetings invited to, attended and hosted, and when last attended or hosted."""
    ids = [c.id for c in companies]
    rows = {r.company_id: r for r in _company_rows(session, ids)}
    hosted = _hosted(session, ids)
    result = []
    for company in companies:
        row = rows.get(company.id)
        hosts = hosted.get(company.id)
        result.append(
            CompanyMeetings(
                company_id=company.id,
                name=company.name,
                is_ambassador=company.is_ambassador,
                invited=int(row.invited) if row else 0,
                attended=int(row.attended or 0) if row else 0,
                hosted=hosts[0] if hosts else 0,
                last_attended_date=row.last_attended if row else None,
                last_hosted_date=hosts[1] if hosts else None,
            )
        )
    return result


def reach(session: Session) -> MeetingReach:
    """Which companies the meetings reach: every company invited or hosting, most active first."""
    rows = _company_rows(session, None)
    hosted = _hosted(session, None)
    ids = sorted({r.company_id for r in rows} | set(hosted))
    companies = (
        list(session.exec(select(Company).where(col(Company.id).in_(ids))).all()) if ids else []
    )
    per_company = company_meetings(session, companies=companies)
    per_company.sort(key=lambda c: (-c.attended, -c.hosted, c.name, c.company_id))
    ambassadors = session.exec(
        select(func.count()).select_from(Company).where(col(Company.is_ambassador))
    ).one()
    held = session.exec(select(func.count()).select_from(NetworkMeeting)).one()
    return MeetingReach(
        meetings_held=int(held),
        companies_invited=sum(1 for c in per_company if c.invited),
        companies_attended=sum(1 for c in per_company if c.attended),
        ambassador_companies_attended=sum(1 for c in per_company if c.attended and c.is_ambassador),
        ambassador_companies=int(ambassadors),
        companies=per_company,
    )
