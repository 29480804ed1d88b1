"""Fictional demo SMS reminders, as history only (all marked ``is_demo``).

The evaluation (VIVE 2020, 4.5.2) names an SMS service for attendance, without figures. The
demo shows what it looks like: a reminder for the first day of a few demo internships, already
sent and delivered (or one failed). No demo citizen has a mobile number, and the worker never
sends a demo row, so demo data can never reach a real phone. Illustrative: which internships,
the contact and the outcomes.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, func, select

from service.companies.models import Company
from service.demo.placements import demo_internships
from service.reminders.models import Reminder
from service.reminders.service import default_send_at
from service.reminders.templates import DANISH_TIME, ReminderKind, render, segments

DEMO_REMINDERS = 12
CONTACT = ("jobcentret", "12 34 56 78")  # an invented number, never dialled


def load_demo_reminders(session: Session, *, seed: int) -> int:
    """Store delivered demo reminders for the first days of a few demo internships."""
    existing = session.exec(
        select(func.count()).select_from(Reminder).where(col(Reminder.is_demo))
    ).one()
    if existing:
        return 0
    rng = random.Random(seed + 1800)
    internships = demo_internships(session, with_company=True)
    made = 0
    for index, placement in enumerate(
        rng.sample(internships, min(DEMO_REMINDERS, len(internships)))
    ):
        company = session.get(Company, placement.company_id)
        if company is None or placement.start_date is None or placement.citizen_id is None:
            continue
        at = datetime.combine(placement.start_date, time(9, 0), tzinfo=DANISH_TIME)
        place = ", ".join(p for p in (company.name, company.address, company.city) if p)
        message = render(
            kind=ReminderKind.placement_start,
            at=at,
            place=place,
            contact_name=CONTACT[0],
            contact_phone=CONTACT[1],
        )
        send_at = default_send_at(at)
        failed = index == 0
        session.add(
            Reminder(
                citizen_id=placement.citizen_id,
                municipality_code=placement.municipality_code,
                kind=str(ReminderKind.placement_start),
                at=at,
                place=place,
                message=message,
                mobile=None,
                segments=segments(message),
                status="failed" if failed else "delivered",
                send_at=send_at,
                attempts=1,
                gateway_message_id=None if failed else f"demo-{index}",
                last_error="Fiktivt demoforløb: nummeret findes ikke" if failed else None,
                sent_at=None if failed else send_at,
                delivered_at=None if failed else send_at + timedelta(seconds=20),
                failed_at=send_at if failed else None,
                placement_id=placement.id,
                is_demo=True,
            )
        )
        made += 1
    session.flush()
    return made
