"""Tables for volunteer business mentors and their matches with citizens.

A match keeps the citizen's first name for BLF (who runs the mentor corps and sees nothing
else about the citizen); it is cleared, with the assessment, when the citizen is erased.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class Mentor(SQLModel, table=True):
    """A volunteer from a local company who mentors citizens at the start of an internship."""

    __tablename__ = "mentors"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    mobile: str | None = Field(default=None, max_length=12)
    email: str | None = Field(default=None, max_length=254)
    postal_code: str = Field(max_length=4)
    city: str | None = Field(default=None, max_length=100)
    lat: float | None = None
    lon: float | None = None
    sectors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    background: str | None = Field(default=None, max_length=300)
    max_mentees: int = 1
    available: bool = Field(default=True, index=True)
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class MentorMatch(SQLModel, table=True):
    """A mentor assigned to a citizen (usually at internship start), and how it ended."""

    __tablename__ = "mentor_matches"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    mentor_id: str = Field(foreign_key="mentors.id", ondelete="CASCADE", index=True, max_length=32)
    # NULL once the citizen is erased: the match stays as an anonymous count.
    citizen_id: str | None = Field(
        default=None, foreign_key="citizens.id", ondelete="SET NULL", index=True, max_length=32
    )
    citizen_first_name: str | None = Field(default=None, max_length=60)
    municipality_code: str = Field(max_length=3, index=True)
    placement_id: str | None = Field(
        default=None, foreign_key="placements.id", ondelete="SET NULL", max_length=32
    )
    start_date: date = Field(index=True)
    end_date: date | None = None
    assessment: str | None = Field(default=None, max_length=500)
    created_by_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)
