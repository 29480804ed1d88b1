"""Request and response shapes of network meetings and companies' attendance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import FreeText, Identifier, UtcDatetime

CompanyIds = Annotated[list[Annotated[Identifier, Field(max_length=32)]], Field(max_length=500)]


class NetworkMeetingCreate(BaseModel):
    """A network meeting: date, place, theme, host company and the invited companies."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    meeting_date: date
    place: Annotated[FreeText, Field(min_length=2, max_length=200)]
    theme: Annotated[FreeText, Field(min_length=2, max_length=300)]
    host_company_id: Annotated[Identifier | None, Field(max_length=32)] = None
    for_ambassadors: bool = Field(default=False, description="Only for ambassador companies")
    invited_company_ids: CompanyIds = []


class AttendanceUpdate(BaseModel):
    """Which companies came (the invited ones not listed did not; others are added)."""

    model_config = ConfigDict(extra="forbid")

    attended_company_ids: CompanyIds


class MeetingCompany(BaseModel):
    """An invited company and whether it came (None until attendance is recorded)."""

    company_id: str
    name: str
    is_ambassador: bool
    attended: bool | None


class NetworkMeetingPublic(BaseModel):
    """A network meeting with its invited companies and attendance."""

    id: str
    meeting_date: date
    place: str
    theme: str
    host_company_id: str | None
    host_company_name: str | None
    for_ambassadors: bool
    invited: int
    attended: int | None = Field(description="None until attendance is recorded")
    companies: list[MeetingCompany]
    is_demo: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CompanyMeetings(BaseModel):
    """One company's network meetings: invited, attended, hosted and when last."""

    company_id: str
    name: str
    is_ambassador: bool
    invited: int
    attended: int
    hosted: int
    last_attended_date: date | None
    last_hosted_date: date | None


class MeetingReach(BaseModel):
    """Which companies the network meetings reach (companies are not people: exact counts)."""

    meetings_held: int
    companies_invited: int
    companies_attended: int
    ambassador_companies_attended: int
    ambassador_companies: int
    companies: list[CompanyMeetings]
