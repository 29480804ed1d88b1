"""The demo's mentors, meetings and reminders follow the seed (VIVE 2020, 4.5.1 and 4.5.2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from service.demo import load_demo
from service.meetings.models import NetworkMeeting, NetworkMeetingCompany
from service.mentors.models import Mentor, MentorMatch
from service.reminders.models import Reminder
from service.reminders.worker import send_due
from tests.reminders.helpers import Clock, committed_engine, gateway_settings


@pytest.fixture
def demo_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    for engine in committed_engine(backend, request, "kantmatch_demo_outreach"):
        with Session(engine, expire_on_commit=False) as session, session.begin():
            load_demo(session)
        yield engine


def test_demo_mentors_meetings_and_reminders_follow_the_seed(demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        matches = session.exec(select(MentorMatch).where(col(MentorMatch.is_demo))).all()
        mentors = session.exec(select(func.count()).select_from(Mentor)).one()
        attending = session.exec(
            select(NetworkMeetingCompany.meeting_id, func.count())
            .where(col(NetworkMeetingCompany.attended).is_(True))
            .group_by(col(NetworkMeetingCompany.meeting_id))
        ).all()
        held = session.exec(select(func.count()).select_from(NetworkMeeting)).one()
        reminders = session.exec(select(Reminder).where(col(Reminder.is_demo))).all()

    # 4.5.2: eight mentor matches by the mid-term, each at the start of an internship.
    assert (len(matches), mentors) == (8, 12)
    assert all(m.placement_id is not None for m in matches)
    assert len({m.citizen_id for m in matches}) == 8
    # 4.5.1: ten meetings, 15 to 50 companies at each.
    counts = sorted(n for _, n in attending)
    assert (held, counts[0], counts[-1]) == (10, 15, 50)
    # Reminders are history without numbers, and the worker never sends a demo row.
    assert len(reminders) == 12
    assert sorted({r.status for r in reminders}) == ["delivered", "failed"]
    assert all(r.mobile is None and r.segments == 1 for r in reminders)
    run = send_due(demo_engine, gateway_settings("http://127.0.0.1:9"), now=Clock(reminders[0].at))
    assert run.claimed == 0
