"""Mentor matches and network meetings in the overview (issue 18).

Mentor matches are counts of people: the integration gets them under the "<3" rule, and the
active count is withheld when the ended ones (total minus active) would be 1 or 2. Meetings and
companies are not people and are exact.
"""

from __future__ import annotations

from sqlalchemy import case, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from service.meetings.models import NetworkMeeting, NetworkMeetingCompany
from service.mentors.models import MentorMatch
from service.overview import suppression as sdc
from service.overview.schemas import OutreachCounts

MENTOR_MIDTERM = 8
MENTOR_MIDTERM_SOURCE = (
    "VIVE 2020, midtvejsevaluering af Rekruttering fra kanten, afsnit 4.5.2: "
    '"Foreløbig er der etableret 8 mentormatch."'
)


def outreach_counts(
    session: Session, *, exact: bool, municipality_code: str | None = None
) -> OutreachCounts:
    """Mentor matches (active, since the start) and network meetings held and attended."""
    matches = sql_select(
        func.count().label("total"),
        func.sum(case((col(MentorMatch.end_date).is_(None), 1), else_=0)).label("active"),
    )
    if municipality_code is not None:
        matches = matches.where(col(MentorMatch.municipality_code) == municipality_code)
    row = session.execute(matches).one()
    total, active = int(row.total or 0), int(row.active or 0)
    active_shown, _ = sdc.part_and_rate(active, total, exact=exact)
    held = session.execute(sql_select(func.count()).select_from(NetworkMeeting)).scalar_one()
    attended = session.execute(
        sql_select(func.count(func.distinct(col(NetworkMeetingCompany.company_id)))).where(
            col(NetworkMeetingCompany.attended).is_(True)
        )
    ).scalar_one()
    return OutreachCounts(
        mentor_matches_active=active_shown,
        mentor_matches_total=sdc.shown(total, exact=exact),
        mentor_matches_midterm_reported=MENTOR_MIDTERM,
        mentor_matches_midterm_source=MENTOR_MIDTERM_SOURCE,
        network_meetings_held=int(held),
        companies_at_network_meetings=int(attended),
    )
