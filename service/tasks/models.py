"""Tables for the task catalogue (cards, tasks, versions) and companies' task openings.

Demand levels are plain integer columns, one per dimension, so the matcher can read tasks and
openings with pandas and take ``COALESCE(override_x, demand_x)`` without unpacking JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class SectorCardRecord(SQLModel, table=True):
    """A sector card as last loaded; a card removed from the folder stays, inactive."""

    __tablename__ = "sector_cards"

    slug: str = Field(primary_key=True, max_length=64)
    sector: str = Field(max_length=64, index=True)
    parent: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=120)
    description: str = Field(max_length=600)
    cross_sector: bool = False
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_active: bool = True
    updated_at: datetime = Field(default_factory=clock.now)


class Task(SQLModel, table=True):
    """A catalogue task. Ids are never reused: a removed task stays, deprecated."""

    __tablename__ = "tasks"

    id: str = Field(primary_key=True, max_length=80)
    card_slug: str = Field(foreign_key="sector_cards.slug", index=True, max_length=64)
    sector: str = Field(max_length=64, index=True)
    name: str = Field(max_length=120)
    synonyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str = Field(max_length=500)
    worth_doing: str = Field(max_length=500)
    demand_physical: int
    demand_contact: int
    demand_teamwork: int
    demand_danish: int
    demand_pace: int
    demand_independence: int
    learning_days: int
    learnable_within_week: bool
    criticality: str = Field(max_length=16)
    requires_driving_licence: bool = False
    requires_clean_criminal_record: bool = False
    requires_child_certificate: bool = False
    requires_food_hygiene: bool = False
    hours_min: int
    hours_max: int
    placement_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    occupation_system: str | None = Field(default=None, max_length=16)
    occupation_code: str | None = Field(default=None, max_length=200)
    status: str = Field(default="active", max_length=16, index=True)
    replaced_by: str | None = Field(default=None, max_length=80)
    deprecation_reason: str | None = Field(default=None, max_length=300)
    introduced_in_version: int
    changed_in_version: int
    deprecated_in_version: int | None = None
    content_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class CatalogueVersion(SQLModel, table=True):
    """One load of the sector cards that changed the catalogue.

    ``catalogue_hash`` identifies the active tasks' searchable content; every server process
    keys its prepared normaliser on it, so a change made by another worker is noticed.
    """

    __tablename__ = "task_catalogue_versions"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    loaded_at: datetime = Field(default_factory=clock.now)
    cards_hash: str = Field(max_length=64)
    catalogue_hash: str = Field(max_length=64)
    source: str = Field(max_length=500)
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TaskOpening(SQLModel, table=True):
    """A task a company offers (Spot et job): hours, schedule, placement types and wage."""

    __tablename__ = "task_openings"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    company_id: str = Field(
        foreign_key="companies.id", ondelete="CASCADE", index=True, max_length=32
    )
    task_id: str = Field(foreign_key="tasks.id", index=True, max_length=80)
    # What the consultant typed, when the task was given as free text, and how well it matched.
    task_text: str | None = Field(default=None, max_length=300)
    task_match_score: float | None = None
    hours_per_week: float
    schedule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    placement_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hourly_wage: float | None = None
    wage_confirmed: bool = False
    positions: int = 1
    start_date: date | None = None
    status: str = Field(default="open", max_length=16, index=True)
    # Company-specific demand levels (1-5); NULL means the task's own level applies.
    override_physical: int | None = None
    override_contact: int | None = None
    override_teamwork: int | None = None
    override_danish: int | None = None
    override_pace: int | None = None
    override_independence: int | None = None
    notes: str | None = Field(default=None, max_length=1000)
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)
