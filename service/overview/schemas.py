"""Response shapes of the overview: companies, the change feed, the summary and the targets.

A count of people is ``Count``: a whole number, or the string ``"<3"`` when the caller is the
integration and the count is 1 or 2 (``suppression.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from service.companies.schemas import ContactOwner, SizeBand
from service.overview.suppression import Count, Total
from service.schemas import UtcDatetime
from service.sectors import Sector


@dataclass(frozen=True)
class OverviewFilters:
    """The filters every overview endpoint takes (all optional)."""

    sector: Sector | None = None
    municipality_code: str | None = None
    contact_owner: ContactOwner | None = None
    size_band: SizeBand | None = None
    active_from: date | None = None
    active_to: date | None = None


class Disclosure(BaseModel):
    """Whether the counts in a response are exact or follow the "<3" rule."""

    exact_counts: bool
    rule: str | None = Field(
        description="The rule applied when counts are not exact (Danish)", default=None
    )


class ContactPersonSummary(BaseModel):
    """The company's primary contact person (a business contact)."""

    name: str
    title: str | None
    phone: str | None
    email: str | None


class CompanyCounts(BaseModel):
    """Citizens at one company: now (active placements) and since the start (any started)."""

    in_internship: Count = Field(description="Citizens now in virksomhedspraktik")
    in_paid_hours: Count = Field(description="Citizens now in loentimer or hybridjob")
    hired: Count = Field(description="Citizens now hired ordinarily")
    internship_total: Count = Field(description="Citizens in virksomhedspraktik since the start")
    paid_hours_total: Count = Field(description="Citizens in loentimer or hybridjob since start")
    hired_total: Count = Field(description="Citizens hired ordinarily since the start")


class OverviewCompany(CompanyCounts):
    """A company with placement activity, as the knowledge-sharing tool shows it."""

    company_id: str
    cvr: str
    name: str
    postal_code: str
    city: str | None
    municipality_code: str
    municipality_name: str | None
    sector: str
    sector_name: str
    size_band: str | None
    sector_type: str
    contact_owner: str
    contact_owner_name: str
    contact_person: ContactPersonSummary | None
    is_ambassador: bool
    change_seq: int = Field(description="Position in the change feed (rises with every change)")
    changed_at: UtcDatetime


class RemovedCompany(BaseModel):
    """A company that left the overview (or the filter) since the client's last sync."""

    company_id: str
    reason: Literal["deleted", "not_listed"]
    change_seq: int
    changed_at: UtcDatetime


class OverviewCompanyPage(BaseModel):
    """One page of the company overview or of its change feed."""

    items: list[OverviewCompany]
    removed: list[RemovedCompany] = Field(
        description="Companies to drop: deleted, without placement activity, or outside the "
        "filters (only those changed after the sync started)"
    )
    next_cursor: str | None
    sync_token: str | None = Field(
        description="Pass as updated_since on the next sync to get exactly what changed after "
        "this page (an ISO 8601 time)"
    )
    disclosure: Disclosure


class SummaryCell(BaseModel):
    """Counts for one group of companies with placement activity.

    For the integration a count of people that includes a company's hidden "<3" is itself hidden:
    "<3" when it is 1 or 2, "skjult" otherwise (never the smaller sum of the shown companies).
    """

    companies: int = Field(description="Companies with placement activity (exact)")
    companies_with_internship_now: int
    companies_with_paid_hours_now: int
    companies_with_hired_now: int
    in_internship: Total
    in_paid_hours: Total
    hired: Total
    internship_total: Total
    paid_hours_total: Total
    hired_total: Total
    hidden_cells: dict[str, int] = Field(
        description="Integration only: per count, how many companies' values are '<3', which is "
        "why that count is hidden"
    )


class SummaryGroup(SummaryCell):
    """One sector x municipality x contact-owner group."""

    sector: str
    sector_name: str
    municipality_code: str
    municipality_name: str | None
    contact_owner: str
    contact_owner_name: str


class UnskilledShare(BaseModel):
    """Companies' answers to "tasks an unskilled person can learn quickly?"."""

    sector: str | None = Field(description="None for all sectors together")
    sector_name: str
    registered: int = Field(description="Companies in the register (matching the filters)")
    answered: int
    many: int
    few: int
    none: int
    share_with_tasks: float | None = Field(description="(many + few) / answered")
    with_activity_answered: int = Field(description="Of those with placement activity")
    with_activity_with_tasks: int
    with_activity_share_with_tasks: float | None


class SectorConversion(BaseModel):
    """Ended internships in a sector and how many led to paid hours."""

    sector: str
    sector_name: str
    internships_ended: Count
    converted: Count | None = Field(description="None when withheld (see disclosure)")
    conversion_rate: float | None


class OutreachCounts(BaseModel):
    """Mentor matches (people: the "<3" rule) and network meetings (exact) (issue 18)."""

    mentor_matches_active: Count | None = Field(
        description="Citizens with a mentor now; None when withheld (see disclosure)"
    )
    mentor_matches_total: Count = Field(description="Mentor matches since the start")
    mentor_matches_midterm_reported: int = Field(
        description="Mentor matches the mid-term evaluation reported (for comparison)"
    )
    mentor_matches_midterm_source: str
    network_meetings_held: int
    companies_at_network_meetings: int = Field(
        description="Companies that attended at least one network meeting"
    )


class OverviewSummary(BaseModel):
    """Counts by sector x municipality x contact owner, unskilled tasks, and conversion."""

    groups: list[SummaryGroup]
    totals: SummaryCell
    hidden_totals_note: str | None = Field(
        default=None, description='Why a count reads "skjult" or "<3" (only when one does)'
    )
    unskilled_tasks: list[UnskilledShare]
    conversion_by_sector: list[SectorConversion]
    conversion_rule: str
    outreach: OutreachCounts
    disclosure: Disclosure


class HalfYearProgress(BaseModel):
    """One half-year of one target: the planned cumulative target and what was reached."""

    period: str = Field(description="E.g. 2019-H2")
    start_date: date
    end_date: date
    target_cumulative: int | None = Field(description="None after the programme period")
    target_kind: Literal["published", "derived"] | None
    target_source: str | None
    new: Count | None = Field(description="Reached in the half-year; None when not dated")
    cumulative: int | None = Field(description="Reached by the end of the half-year")
    cumulative_is_lower_bound: bool = Field(
        description="True when a hidden '<3' half-year is left out of the cumulative figure"
    )


class TargetProgress(BaseModel):
    """Progress against one target, overall and per half-year."""

    key: str
    label: str
    target: int
    target_source: str
    reached: int
    reached_is_lower_bound: bool
    share_reached: float
    counted_as: str = Field(description="What is counted, in Danish")
    half_years: list[HalfYearProgress]


class TargetsOverview(BaseModel):
    """Progress against the programme's targets."""

    programme: str
    start_date: date
    end_date: date
    period_note: str
    derivation: str
    as_of: date
    targets: list[TargetProgress]
    outreach: OutreachCounts
    disclosure: Disclosure
