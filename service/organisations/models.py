"""The organisations table: job centres (one per municipality) and business organisations."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service import clock


class Organisation(SQLModel, table=True):
    """Who can own the contact with a company; ``key`` is what ``contact_owner`` holds."""

    __tablename__ = "organisations"

    key: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    # job_centre | business_organisation | other
    kind: str = Field(max_length=32, index=True)
    # The job centre's municipality; None for an organisation that spans several.
    municipality_code: str | None = Field(default=None, max_length=3, index=True)
    is_active: bool = True
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)
