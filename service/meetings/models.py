"""Tables for company network meetings and each invited company's attendance."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class NetworkMeeting(SQLModel, table=True):
    """A network meeting for companies: when, where, the theme and the host."""

    __tablename__ = "network_meetings"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    meeting_date: date = Field(index=True)
    place: str = Field(max_length=200)
    theme: str = Field(max_length=300)
    host_company_id: str | None = Field(
        default=None, foreign_key="companies.id", ondelete="SET NULL", index=True, max_length=32
    )
    for_ambassadors: bool = False
    created_by_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class NetworkMeetingCompany(SQLModel, table=True):
    """A company invited to a meeting, and whether it came (NULL until recorded)."""

    __tablename__ = "network_meeting_companies"

    meeting_id: str = Field(
        foreign_key="network_meetings.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    company_id: str = Field(
        foreign_key="companies.id",
        ondelete="CASCADE",
        primary_key=True,
        index=True,
        max_length=32,
    )
    attended: bool | None = None
    participants: int | None = None
