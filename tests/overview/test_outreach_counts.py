"""Mentor matches and network meetings in /overview/summary and /overview/targets."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.meetings import service as meetings_service
from service.meetings.schemas import AttendanceUpdate, NetworkMeetingCreate
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.mentors.test_mentors_api import match, mentor
from tests.placements.helpers import people

OVERVIEW = "/api/v1/overview"


def _matches(session: Session, active: int, ended: int) -> None:
    volunteer = mentor(session, max_mentees=10)
    for _ in range(active):
        match(session, make_citizen(session).id, volunteer.id)
    for _ in range(ended):
        done = match(session, make_citizen(session).id, volunteer.id)
        done.end_date = done.start_date
        session.add(done)
    session.flush()


class TestMentorCounts:
    def test_staff_see_exact_counts_and_the_midterm_figure(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        _matches(session, active=2, ended=3)

        body = client.get(f"{OVERVIEW}/summary", headers=team.headers["blf"]).json()

        outreach = body["outreach"]
        assert (outreach["mentor_matches_active"], outreach["mentor_matches_total"]) == (2, 5)
        assert outreach["mentor_matches_midterm_reported"] == 8
        assert "4.5.2" in outreach["mentor_matches_midterm_source"]

    def test_the_integration_sees_small_counts_as_under_three(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        _matches(session, active=2, ended=3)

        summary = client.get(f"{OVERVIEW}/summary", headers=team.headers["integration"]).json()
        targets = client.get(f"{OVERVIEW}/targets", headers=team.headers["integration"]).json()

        for body in (summary, targets):
            assert body["outreach"]["mentor_matches_active"] == "<3"
            assert body["outreach"]["mentor_matches_total"] == 5
            assert body["disclosure"]["exact_counts"] is False

    def test_an_active_count_that_would_give_away_a_small_rest_is_withheld(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        _matches(session, active=4, ended=1)  # 5 - 4 would reveal the one ended match

        body = client.get(f"{OVERVIEW}/summary", headers=team.headers["integration"]).json()

        assert body["outreach"]["mentor_matches_active"] is None
        assert body["outreach"]["mentor_matches_total"] == 5


class TestMeetingCounts:
    def test_meetings_and_companies_reached_are_exact_for_everyone(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        companies = [make_company(session) for _ in range(2)]
        meeting = meetings_service.create_meeting(
            session,
            data=NetworkMeetingCreate(
                meeting_date=date(2026, 3, 10),
                place="Maribo",
                theme="Onboarding",
                invited_company_ids=[c.id for c in companies],
            ),
            actor=CLI_PRINCIPAL,
        )
        meetings_service.record_attendance(
            session,
            meeting=meeting,
            data=AttendanceUpdate(attended_company_ids=[c.id for c in companies]),
            actor=CLI_PRINCIPAL,
        )

        body = client.get(f"{OVERVIEW}/targets", headers=team.headers["integration"]).json()

        assert body["outreach"]["network_meetings_held"] == 1
        assert body["outreach"]["companies_at_network_meetings"] == 2
