"""Companies' internship records as evidence for the scorer (issue 14).

Per company: how many internships ended and how many of them led to paid hours (the same
conversion rule as the overview, ``placements.queries.internship_converted_clause``); per
sector: the pooled rate, which a company's own record is shrunk toward
(``features.shrunk_history``). A sector with fewer than MIN_SECTOR_ENDED ended internships uses
the programme's rate from Table 6.12 instead.
"""

from __future__ import annotations

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from service.companies.models import Company
from service.matching.features import CompanyHistory
from service.placements.models import Placement
from service.placements.queries import internship_converted_clause
from service.placements.states import PlacementStatus, PlacementType

MIN_SECTOR_ENDED = 20


def company_history(session: Session) -> CompanyHistory:
    """Every company's ended internships and conversions, in one grouped query."""
    converted = internship_converted_clause()
    statement = (
        select(
            Placement.company_id,
            Company.sector,
            func.sum(case((converted, 1), else_=0)),
            func.count(),
        )
        .join(Company, col(Company.id) == col(Placement.company_id))
        .where(
            Placement.placement_type == PlacementType.virksomhedspraktik.value,
            Placement.status == PlacementStatus.ended.value,
        )
        .group_by(col(Placement.company_id), col(Company.sector))
    )
    by_company: dict[str, tuple[int, int]] = {}
    per_sector: dict[str, list[int]] = {}
    for company_id, sector, k, n in session.exec(statement):
        by_company[str(company_id)] = (int(k or 0), int(n))
        totals = per_sector.setdefault(str(sector), [0, 0])
        totals[0] += int(k or 0)
        totals[1] += int(n)
    sector_rate = {sector: k / n for sector, (k, n) in per_sector.items() if n >= MIN_SECTOR_ENDED}
    return CompanyHistory(by_company=by_company, sector_rate=sector_rate)
