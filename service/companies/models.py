"""Tables for companies and their contact persons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class Company(SQLModel, table=True):
    """A company in the register, with what matching and the overview need to know."""

    __tablename__ = "companies"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    cvr: str = Field(max_length=8, unique=True)
    p_number: str | None = Field(default=None, max_length=10)
    name: str = Field(max_length=200, index=True)
    address: str | None = Field(default=None, max_length=200)
    postal_code: str = Field(max_length=4)
    city: str | None = Field(default=None, max_length=100)
    municipality_code: str = Field(max_length=3, index=True)
    lat: float | None = None
    lon: float | None = None
    coordinates_source: str | None = Field(default=None, max_length=16)
    db07_code: str | None = Field(default=None, max_length=6)
    db25_code: str | None = Field(default=None, max_length=6)
    sector: str = Field(max_length=64, index=True)
    size_band: str | None = Field(default=None, max_length=8)
    sector_type: str = Field(default="private", max_length=16)
    contact_owner: str = Field(max_length=32, index=True)
    is_ambassador: bool = False
    accepts_visits: bool = False
    unskilled_tasks: str | None = Field(default=None, max_length=8)
    recruitment_difficulty: str | None = Field(default=None, max_length=8)
    requirements: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    is_paused: bool = False
    monthly_capacity: int | None = None
    is_demo: bool = False
    # Case-folded name, CVR, address and city: `q` searches it the same way on every backend
    # (SQLite's lower() does not fold æ, ø and å).
    search_text: str = Field(default="", max_length=600)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)
    # Set instead of deleting a company that has placements or agreements (issue 15): left out
    # of lists, matching and bus tours, kept for the placements' and agreements' history.
    archived_at: datetime | None = Field(default=None, index=True)


class CompanyContact(SQLModel, table=True):
    """A contact person at a company (the company's side of the extended business card)."""

    __tablename__ = "company_contacts"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    company_id: str = Field(
        foreign_key="companies.id", ondelete="CASCADE", index=True, max_length=32
    )
    position: int = 0
    name: str = Field(max_length=200)
    title: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    is_primary: bool = False
