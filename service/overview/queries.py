"""SQL building blocks of the overview: who counts, per-company counts, filters, half-years.

Every count is a GROUP BY in the database; Python only shapes the few result rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, extract, func, or_, select
from sqlmodel import col

from service.companies.models import Company
from service.overview.schemas import OverviewFilters
from service.placements.models import Placement
from service.placements.states import PAID_TYPES, PlacementStatus, PlacementType

INTERNSHIP = [PlacementType.virksomhedspraktik.value]
PAID_HOURS = [PlacementType.loentimer.value, PlacementType.hybridjob.value]
HIRED = [PlacementType.ordinary.value]
# Company placements: a company is required (support placements are not counted).
COMPANY_TYPES = INTERNSHIP + PAID_HOURS + HIRED
PAID_OR_EMPLOYED_TYPES = sorted(t.value for t in PAID_TYPES)
NOW = [PlacementStatus.active.value]
# A placement counts "since the start" once it has started.
STARTED = [PlacementStatus.active.value, PlacementStatus.ended.value]
# A company is in the overview once a placement there is agreed (agreed, active or ended).
ACTIVITY = [PlacementStatus.agreed.value, *STARTED]

# The per-company counts, in API order: (field, placement types, statuses).
COUNTS: tuple[tuple[str, list[str], list[str]], ...] = (
    ("in_internship", INTERNSHIP, NOW),
    ("in_paid_hours", PAID_HOURS, NOW),
    ("hired", HIRED, NOW),
    ("internship_total", INTERNSHIP, STARTED),
    ("paid_hours_total", PAID_HOURS, STARTED),
    ("hired_total", HIRED, STARTED),
)
COUNT_FIELDS = tuple(name for name, _, _ in COUNTS)


def person_key() -> Any:
    """SQL: who a placement is about; an erased citizen's placement counts as its own person."""
    return func.coalesce(Placement.citizen_id, Placement.id)


def _people(types: list[str], statuses: list[str]) -> Any:
    match = and_(col(Placement.placement_type).in_(types), col(Placement.status).in_(statuses))
    return func.count(case((match, person_key())).distinct())


def company_counts(company_ids: list[str] | None = None) -> Any:
    """SQL: per company, distinct citizens by count field, and its number of active placements."""
    statement = select(
        col(Placement.company_id).label("company_id"),
        *[_people(types, statuses).label(name) for name, types, statuses in COUNTS],
        func.count(case((col(Placement.status).in_(ACTIVITY), 1))).label("activity"),
    ).where(
        col(Placement.company_id).is_not(None), col(Placement.placement_type).in_(COMPANY_TYPES)
    )
    if company_ids is not None:
        statement = statement.where(col(Placement.company_id).in_(company_ids))
    return statement.group_by(col(Placement.company_id))


def has_activity(company_id: Any) -> Any:
    """SQL: the company has an agreed, active or ended company placement."""
    return exists().where(
        col(Placement.company_id) == company_id,
        col(Placement.placement_type).in_(COMPANY_TYPES),
        col(Placement.status).in_(ACTIVITY),
    )


def period_clause(filters: OverviewFilters, company_id: Any) -> Any | None:
    """SQL: a company placement ran (started, not ended before) in the filter's period."""
    if filters.active_from is None and filters.active_to is None:
        return None
    conditions = [
        col(Placement.company_id) == company_id,
        col(Placement.placement_type).in_(COMPANY_TYPES),
        col(Placement.status).in_(STARTED),
        col(Placement.start_date).is_not(None),
    ]
    if filters.active_to is not None:
        conditions.append(col(Placement.start_date) <= filters.active_to)
    if filters.active_from is not None:
        conditions.append(
            or_(col(Placement.end_date).is_(None), col(Placement.end_date) >= filters.active_from)
        )
    return exists().where(*conditions)


def company_clauses(filters: OverviewFilters) -> list[Any]:
    """SQL: the filters on the company's own columns (sector, municipality, owner, size)."""
    clauses: list[Any] = []
    if filters.sector is not None:
        clauses.append(col(Company.sector) == filters.sector.value)
    if filters.municipality_code is not None:
        clauses.append(col(Company.municipality_code) == filters.municipality_code)
    if filters.contact_owner is not None:
        clauses.append(col(Company.contact_owner) == filters.contact_owner)
    if filters.size_band is not None:
        clauses.append(col(Company.size_band) == filters.size_band.value)
    return clauses


def listed_clause(filters: OverviewFilters) -> Any:
    """SQL: the company exists, has placement activity and matches every filter."""
    clauses = [col(Company.id).is_not(None), has_activity(Company.id), *company_clauses(filters)]
    period = period_clause(filters, Company.id)
    if period is not None:
        clauses.append(period)
    return and_(*clauses)


def half_year_index(day: Any) -> Any:
    """SQL: the running half-year number of a date (year * 2, plus 1 for July-December)."""
    return extract("year", day) * 2 + case((extract("month", day) > 6, 1), else_=0)
