"""The summary: counts by sector x municipality x contact owner, unskilled tasks, conversion.

Every figure is a GROUP BY; the integration's counts of people follow ``suppression.py``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col

from service.auth.principal import Principal
from service.companies.models import Company
from service.organisations import service as organisations_service
from service.overview import queries
from service.overview import suppression as sdc
from service.overview.outreach import outreach_counts
from service.overview.schemas import (
    OverviewFilters,
    OverviewSummary,
    SectorConversion,
    SummaryCell,
    SummaryGroup,
    UnskilledShare,
)
from service.overview.service import check_filters, disclosure, exact_counts
from service.placements import queries as placements_queries
from service.placements.models import Placement
from service.placements.states import PlacementStatus, PlacementType
from service.places import municipality_name
from service.sectors import SECTOR_NAMES_DA, Sector

CONVERSION_RULE_DA = (
    "En afsluttet virksomhedspraktik tæller som overgang til lønnede timer, når udfaldet er "
    "kategori 1-3 (tabel 6.10), det planlagte skridt er markeret gennemført, eller et forløb "
    "med løntimer, hybridjob eller ordinær ansættelse hos samme virksomhed er aftalt bagefter."
)


def _int(value: Any) -> int:
    # PostgreSQL's SUM over integers is NUMERIC; an empty group sums to NULL.
    return int(value or 0)


def _summary_columns(counts: Any) -> list[Any]:
    columns: list[Any] = [func.count().label("companies")]
    for field in ("in_internship", "in_paid_hours", "hired"):
        has = case((counts.c[field] > 0, 1), else_=0)
        columns.append(func.sum(has).label(f"with_{field}"))
    for field in queries.COUNT_FIELDS:
        value = counts.c[field]
        hidden = case((and_(value > 0, value < sdc.THRESHOLD), 1), else_=0)
        columns += [func.sum(value).label(field), func.sum(hidden).label(f"{field}__hidden")]
    return columns


def _cell(row: Any, exact: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "companies": _int(row.companies),
        "companies_with_internship_now": _int(row.with_in_internship),
        "companies_with_paid_hours_now": _int(row.with_in_paid_hours),
        "companies_with_hired_now": _int(row.with_hired),
        "hidden_cells": {},
    }
    for field in queries.COUNT_FIELDS:
        hidden = 0 if exact else _int(getattr(row, f"{field}__hidden"))
        values[field] = sdc.shown_total(_int(getattr(row, field)), hidden, exact=exact)
        if hidden:
            values["hidden_cells"][field] = hidden
    return values


def _summary_groups(
    session: Session, filters: OverviewFilters, exact: bool
) -> tuple[list[SummaryGroup], SummaryCell]:
    counts = queries.company_counts().subquery()
    clauses = [counts.c.activity > 0, *queries.company_clauses(filters)]
    period = queries.period_clause(filters, Company.id)
    if period is not None:
        clauses.append(period)
    keys = (col(Company.sector), col(Company.municipality_code), col(Company.contact_owner))
    base = sql_select(*_summary_columns(counts)).select_from(Company)
    base = base.join(counts, counts.c.company_id == Company.id).where(*clauses)
    grouped = base.add_columns(*keys).group_by(*keys).order_by(*keys)
    owner_names = organisations_service.organisation_names(session)
    groups = [
        SummaryGroup(
            sector=row.sector,
            sector_name=SECTOR_NAMES_DA.get(Sector(row.sector), row.sector),
            municipality_code=row.municipality_code,
            municipality_name=municipality_name(row.municipality_code),
            contact_owner=row.contact_owner,
            contact_owner_name=owner_names.get(row.contact_owner, row.contact_owner),
            **_cell(row, exact),
        )
        for row in session.execute(grouped)
    ]
    totals = SummaryCell(**_cell(session.execute(base).one(), exact))
    return groups, totals


def _unskilled(session: Session, filters: OverviewFilters) -> list[UnskilledShare]:
    # A join to the per-company counts, not an EXISTS per company: one pass over placements.
    counts = queries.company_counts().subquery()
    active = [func.coalesce(counts.c.activity, 0) > 0]
    period = queries.period_clause(filters, Company.id)
    if period is not None:
        active.append(period)
    answered = col(Company.unskilled_tasks).is_not(None)
    with_tasks = col(Company.unskilled_tasks).in_(["many", "few"])

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    base = sql_select(
        func.count().label("registered"),
        flag(answered).label("answered"),
        flag(col(Company.unskilled_tasks) == "many").label("many"),
        flag(col(Company.unskilled_tasks) == "few").label("few"),
        flag(col(Company.unskilled_tasks) == "none").label("none"),
        flag(and_(answered, *active)).label("active_answered"),
        flag(and_(with_tasks, *active)).label("active_with_tasks"),
    )
    base = base.select_from(Company).outerjoin(counts, counts.c.company_id == Company.id)
    base = base.where(*queries.company_clauses(filters))
    by_sector = list(
        session.execute(base.add_columns(col(Company.sector)).group_by(col(Company.sector)))
    )
    by_sector.sort(key=lambda r: list(Sector).index(Sector(r.sector)))
    overall = session.execute(base).one()

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    result = []
    for sector, row in [(None, overall), *[(r.sector, r) for r in by_sector]]:
        answered_n, many, few = _int(row.answered), _int(row.many), _int(row.few)
        active_answered, active_tasks = _int(row.active_answered), _int(row.active_with_tasks)
        result.append(
            UnskilledShare(
                sector=sector,
                sector_name=SECTOR_NAMES_DA[Sector(sector)] if sector else "Alle brancher",
                registered=_int(row.registered),
                answered=answered_n,
                many=many,
                few=few,
                none=_int(row.none),
                share_with_tasks=share(many + few, answered_n),
                with_activity_answered=active_answered,
                with_activity_with_tasks=active_tasks,
                with_activity_share_with_tasks=share(active_tasks, active_answered),
            )
        )
    return result


def _conversion(session: Session, filters: OverviewFilters, exact: bool) -> list[SectorConversion]:
    statement = sql_select(
        col(Placement.sector),
        func.count().label("ended"),
        func.sum(case((placements_queries.internship_converted_clause(), 1), else_=0)).label(
            "converted"
        ),
    ).where(
        col(Placement.placement_type) == PlacementType.virksomhedspraktik.value,
        col(Placement.status) == PlacementStatus.ended.value,
        col(Placement.sector).is_not(None),
    )
    if filters.sector is not None:
        statement = statement.where(col(Placement.sector) == filters.sector.value)
    if filters.municipality_code is not None:
        statement = statement.where(col(Placement.municipality_code) == filters.municipality_code)
    company_filters = queries.company_clauses(
        OverviewFilters(contact_owner=filters.contact_owner, size_band=filters.size_band)
    )
    if company_filters:
        statement = statement.where(
            exists().where(col(Company.id) == col(Placement.company_id), *company_filters)
        )
    if filters.active_from is not None:
        statement = statement.where(col(Placement.end_date) >= filters.active_from)
    if filters.active_to is not None:
        statement = statement.where(col(Placement.end_date) <= filters.active_to)
    rows = list(session.execute(statement.group_by(col(Placement.sector))))
    rows.sort(key=lambda r: list(Sector).index(Sector(r.sector)))
    result = []
    for row in rows:
        ended, converted = _int(row.ended), _int(row.converted)
        part, rate = sdc.part_and_rate(converted, ended, exact=exact)
        result.append(
            SectorConversion(
                sector=row.sector,
                sector_name=SECTOR_NAMES_DA.get(Sector(row.sector), row.sector),
                internships_ended=sdc.shown(ended, exact=exact),
                converted=part,
                conversion_rate=round(rate, 4) if rate is not None else None,
            )
        )
    return result


def summary(session: Session, *, actor: Principal, filters: OverviewFilters) -> OverviewSummary:
    """Counts by sector x municipality x contact owner, unskilled tasks, and conversion."""
    check_filters(filters)
    exact = exact_counts(actor)
    groups, totals = _summary_groups(session, filters, exact)
    hidden = bool(totals.hidden_cells) or any(g.hidden_cells for g in groups)
    return OverviewSummary(
        groups=groups,
        totals=totals,
        hidden_totals_note=sdc.HIDDEN_TOTAL_NOTE_DA if hidden else None,
        unskilled_tasks=_unskilled(session, filters),
        conversion_by_sector=_conversion(session, filters, exact),
        conversion_rule=CONVERSION_RULE_DA,
        outreach=outreach_counts(session, exact=exact, municipality_code=filters.municipality_code),
        disclosure=disclosure(actor),
    )
