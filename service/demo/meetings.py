"""Fictional demo network meetings with tens of companies each (all marked ``is_demo``).

What follows the evaluation (VIVE 2020, section 4.5.1): ten meetings with the themes it lists,
in its order, each attended by 15 to 50 companies (the last one 50); the first ones were for
ambassador companies; some companies come again and again, the rest vary; companies said about
four meetings a year is realistic. Illustrative: the dates (every three months, the last one a
month before the demo is loaded), the host companies, who was invited and who came.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from service.auth.principal import CLI_PRINCIPAL
from service.companies.models import Company
from service.meetings import service as meetings_service
from service.meetings.models import NetworkMeeting
from service.meetings.schemas import AttendanceUpdate, NetworkMeetingCreate

# (theme, for ambassador companies only, companies attending); themes from VIVE 2020, 4.5.1.
MEETINGS = (
    ("Kick-off: projektet præsenteres", False, 30),
    ("Ambassadørvirksomhedernes rolle og ønsker til projektet", True, 15),
    ("Onboarding: sådan modtager man en ny medarbejder", True, 18),
    ("Analyserne af det lokale arbejdsmarked og rekrutteringssituationen", False, 25),
    ("Spot et job: opgaver en udsat ledig kan varetage", False, 28),
    ("Den gode historie som metode", False, 22),
    ("Medarbejdertrivsel som en god investering (med Cabi)", False, 24),
    ("Rummelighed og socialt ansvar som forretningsmodel (Den Sociale Kapitalfond)", False, 50),
    ("Tidsmæssig fleksibilitet som værktøj til fastholdelse", False, 35),
    ("Webinar: arbejdsmarkedet på Lolland-Falster efter nedlukningen", False, 20),
)
PLACES = ("Business Lolland-Falster, Maribo", "Nakskov Kulturhus", "Nykøbing F Teater")


def load_demo_meetings(session: Session, *, seed: int, today: date) -> int:
    """Store the ten demo meetings with invitations and attendance unless there are some."""
    existing = session.exec(
        select(func.count()).select_from(NetworkMeeting).where(col(NetworkMeeting.is_demo))
    ).one()
    if existing:
        return 0
    rng = random.Random(seed + 1818)
    companies = list(
        session.exec(select(Company).where(col(Company.is_demo)).order_by(col(Company.cvr))).all()
    )
    if not companies:
        return 0
    ambassadors = [c for c in companies if c.is_ambassador]
    # A core of regulars comes again and again (the evaluation: "nogle er gengangere").
    regulars = rng.sample(companies, min(12, len(companies)))
    first = today - timedelta(days=30 + 91 * (len(MEETINGS) - 1))
    for index, (theme, for_ambassadors, attending) in enumerate(MEETINGS):
        pool = ambassadors if for_ambassadors and ambassadors else companies
        attending = min(attending, len(pool))
        core = [c for c in regulars if c in pool][: attending // 2]
        rest = [c for c in pool if c not in core]
        came = core + rng.sample(rest, attending - len(core))
        stayed_away = rng.sample([c for c in rest if c not in came], min(10, len(rest) - len(came)))
        host = rng.choice(ambassadors or companies)
        meeting = meetings_service.create_meeting(
            session,
            data=NetworkMeetingCreate(
                meeting_date=first + timedelta(days=91 * index),
                place=PLACES[index % len(PLACES)],
                theme=theme,
                host_company_id=host.id,
                for_ambassadors=for_ambassadors,
                invited_company_ids=[c.id for c in came + stayed_away],
            ),
            actor=CLI_PRINCIPAL,
            is_demo=True,
        )
        meetings_service.record_attendance(
            session,
            meeting=meeting,
            data=AttendanceUpdate(attended_company_ids=[c.id for c in came]),
            actor=CLI_PRINCIPAL,
        )
    return len(MEETINGS)
