"""Fictional demo mentors and mentor matches (all marked ``is_demo``).

What follows the evaluation (VIVE 2020, section 4.5.2): BLF runs a corps of volunteer business
mentors, a citizen gets a mentor at internship start, and 8 mentor matches were made by the
mid-term; so the demo has 8 matches, each at the start of a demo internship. Illustrative, not
from the evaluation: the mentors (12 invented people), their sectors, towns and capacity, which
internships got a mentor, and the assessments.
"""

from __future__ import annotations

import random

from sqlmodel import Session, col, func, select

from service.auth.principal import CLI_PRINCIPAL
from service.demo.common import SURNAMES, pick
from service.demo.placements import demo_internships
from service.mentors import service as mentors_service
from service.mentors.models import Mentor
from service.mentors.schemas import MentorCreate, MentorMatchCreate, MentorMatchUpdate
from service.placements.models import Placement
from service.sectors import Sector

MIDTERM_MATCHES = 8
FIRST_NAMES = ("Birgit", "Henrik", "Lone", "Per", "Susanne", "Torben", "Anette", "Kim", "Jytte")
TOWNS = ("4900", "4930", "4800", "4990", "4970", "4880", "4850", "4960")
BACKGROUNDS = (
    "Tidligere butiksleder, kender hverdagen bag disken",
    "Værkfører i 20 år, har lært mange nye kolleger op",
    "Driver selv en lille virksomhed og ved, hvad en første dag kræver",
    "Pensioneret HR-medarbejder med erfaring i onboarding",
)
ASSESSMENTS = (
    "Fiktivt demoforløb: gode samtaler, borgeren mødte stabilt op",
    "Fiktivt demoforløb: mentoren hjalp med transporten de første uger",
    "Fiktivt demoforløb: forløbet stoppede, da praktikken sluttede før tid",
)


def load_demo_mentors(session: Session, *, seed: int) -> int:
    """Store the demo mentors and 8 matches at demo internships unless there are some."""
    existing = session.exec(select(func.count()).select_from(Mentor).where(col(Mentor.is_demo)))
    if existing.one():
        return 0
    rng = random.Random(seed + 18)
    sectors = list(Sector)
    mentors = []
    for i in range(12):
        data = MentorCreate(
            name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {pick(rng, SURNAMES)}",
            postal_code=TOWNS[i % len(TOWNS)],
            sectors=rng.sample(sectors, 2),
            background=pick(rng, BACKGROUNDS),
            max_mentees=1 + (i % 3 == 0),
            available=i != 11,  # one mentor pauses
        )
        mentors.append(
            mentors_service.create_mentor(session, data=data, actor=CLI_PRINCIPAL, is_demo=True)
        )
    # One internship per citizen (their first), so that the 8 drawn are 8 different citizens.
    first_per_citizen: dict[str, Placement] = {}
    for internship in demo_internships(session):
        if internship.citizen_id is not None:
            first_per_citizen.setdefault(internship.citizen_id, internship)
    internships = list(first_per_citizen.values())
    chosen = sorted(
        rng.sample(internships, min(MIDTERM_MATCHES, len(internships))),
        key=lambda p: (p.start_date, p.id),
    )
    made = 0
    for placement in chosen:
        if placement.citizen_id is None:
            continue
        # The mentor who knows the placement's sector best and has room.
        counts = mentors_service.match_counts(session, [m.id for m in mentors])
        free = [m for m in mentors if m.available and counts.get(m.id, (0, 0))[0] < m.max_mentees]
        if not free or placement.start_date is None:
            break
        fitting = [m for m in free if placement.sector in m.sectors] or free
        mentor = fitting[0]
        match = mentors_service.create_match(
            session,
            data=MentorMatchCreate(
                citizen_id=placement.citizen_id,
                mentor_id=mentor.id,
                placement_id=placement.id,
                start_date=placement.start_date,
            ),
            actor=CLI_PRINCIPAL,
            is_demo=True,
        )
        if placement.end_date is not None and placement.end_date >= placement.start_date:
            mentors_service.end_match(
                session,
                match=match,
                data=MentorMatchUpdate(
                    end_date=placement.end_date, assessment=pick(rng, ASSESSMENTS)
                ),
                actor=CLI_PRINCIPAL,
            )
        made += 1
    return made
