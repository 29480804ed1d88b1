"""SQL over placements: the lock-in rule, and the aggregates the matcher reads.

Each is one statement, so it serves a list filter, a page of responses and the matcher alike,
and scales with the database rather than with Python loops.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service.placements.models import LearningCaseNote, Placement
from service.placements.states import (
    LOCK_IN_WEEKS,
    OPEN,
    PAID_OUTCOMES,
    PAID_TYPES,
    PlacementStatus,
    PlacementType,
)

# A paid placement counts as the step taken once it is agreed (a proposal alone does not).
_STEP_STATUSES = [PlacementStatus.agreed.value, PlacementStatus.active.value, "ended"]
_PAID = [t.value for t in PAID_TYPES]


def lock_in_cutoff(on: date) -> date:
    """Internships that started before this date have run past the lock-in limit."""
    return on - timedelta(weeks=LOCK_IN_WEEKS)


def _paid_step_followed(internship: Any) -> Any:
    """SQL: a paid placement for the same citizen at the same company, agreed after the start."""
    later = aliased(Placement)
    return exists().where(
        later.citizen_id == internship.citizen_id,
        later.company_id == internship.company_id,
        col(later.placement_type).in_(_PAID),
        col(later.status).in_(_STEP_STATUSES),
        later.proposed_date >= internship.proposed_date,
        later.id != internship.id,
    )


def lock_in_risk_clause(on: date) -> Any:
    """SQL: an active internship past 13 weeks whose step to paid hours has not been taken."""
    return and_(
        col(Placement.placement_type) == PlacementType.virksomhedspraktik.value,
        col(Placement.status) == PlacementStatus.active.value,
        col(Placement.start_date) < lock_in_cutoff(on),
        col(Placement.planned_step_done_date).is_(None),
        ~_paid_step_followed(Placement),
    )


def placements_at_risk(session: Session, placement_ids: list[str], on: date) -> set[str]:
    """Which of the placements carry the lock-in flag today."""
    if not placement_ids:
        return set()
    statement = select(Placement.id).where(
        col(Placement.id).in_(placement_ids), lock_in_risk_clause(on)
    )
    return set(session.exec(statement))


def proposals_this_month_by_opening(session: Session, *, today: date) -> dict[str, int]:
    """Placements still in play (proposed, agreed, active) proposed this month, per opening."""
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    statement = (
        select(Placement.opening_id, func.count())
        .where(
            col(Placement.opening_id).is_not(None),
            col(Placement.status).in_([s.value for s in OPEN]),
            col(Placement.proposed_date) >= first,
            col(Placement.proposed_date) < following,
        )
        .group_by(col(Placement.opening_id))
    )
    return {str(opening): int(count) for opening, count in session.exec(statement)}


def internship_converted_clause() -> Any:
    """SQL: an ended internship that led to paid hours (the overview's conversion uses it too).

    An internship converted when its outcome is category 1-3 of Table 6.10, its planned step
    was marked done, or a paid placement for the same citizen at the company was agreed after.
    """
    return or_(
        col(Placement.outcome_category).in_(list(PAID_OUTCOMES)),
        col(Placement.planned_step_done_date).is_not(None),
        _paid_step_followed(Placement),
    )


def conversion_rate_by_company(session: Session) -> dict[str, float]:
    """Per company, the share of its ended internships followed by (or ending in) paid hours."""
    converted = internship_converted_clause()
    statement = (
        select(Placement.company_id, func.avg(case((converted, 1.0), else_=0.0)))
        .where(
            col(Placement.company_id).is_not(None),
            Placement.placement_type == PlacementType.virksomhedspraktik.value,
            Placement.status == PlacementStatus.ended.value,
        )
        .group_by(col(Placement.company_id))
    )
    return {str(company): float(rate) for company, rate in session.exec(statement)}


def note_count(session: Session, *, placement_id: str) -> int:
    """How many learning-case notes a placement has."""
    statement = (
        select(func.count())
        .select_from(LearningCaseNote)
        .where(LearningCaseNote.placement_id == placement_id)
    )
    return int(session.exec(statement).one())
