"""Tables for placements, their transitions, learning-case notes and wage-hour agreements.

A placement keeps its municipality and the company's sector as of its creation, so counts by
municipality and sector survive the erasure of the citizen and the removal of the company.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class Placement(SQLModel, table=True):
    """A citizen's placement: internship, paid hours, hybrid job, job, mentor or guidance."""

    __tablename__ = "placements"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    # NULL once the citizen is erased: the row stays as an anonymous count.
    citizen_id: str | None = Field(
        default=None, foreign_key="citizens.id", ondelete="SET NULL", index=True, max_length=32
    )
    municipality_code: str = Field(max_length=3, index=True)
    company_id: str | None = Field(
        default=None, foreign_key="companies.id", ondelete="SET NULL", index=True, max_length=32
    )
    sector: str | None = Field(default=None, max_length=64, index=True)
    opening_id: str | None = Field(
        default=None,
        foreign_key="task_openings.id",
        ondelete="SET NULL",
        index=True,
        max_length=32,
    )
    # Catalogue tasks are never deleted (only deprecated), so nothing may remove one in use.
    task_id: str | None = Field(
        default=None, foreign_key="tasks.id", ondelete="RESTRICT", max_length=80
    )
    placement_type: str = Field(max_length=32, index=True)
    status: str = Field(default="proposed", max_length=16, index=True)
    proposed_date: date = Field(index=True)
    start_date: date | None = None
    planned_end_date: date | None = None
    end_date: date | None = None
    hours_per_week: float | None = None
    # Internships: when to review, and the planned step to paid hours.
    review_date: date | None = None
    planned_step_type: str | None = Field(default=None, max_length=32)
    planned_step_date: date | None = None
    planned_step_done_date: date | None = None
    caseworker_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    consultant_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    # Set when the placement ends.
    assessment: str | None = Field(default=None, max_length=32)
    missed_hours: float | None = None
    end_reason: str | None = Field(default=None, max_length=32)
    outcome_category: int | None = None
    learning_case_opened_date: date | None = None
    # Free text: cleared when the citizen is erased.
    end_reason_text: str | None = Field(default=None, max_length=1000)
    status_reason: str | None = Field(default=None, max_length=1000)
    notes: str | None = Field(default=None, max_length=2000)
    anonymised_at: datetime | None = None
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class PlacementTransition(SQLModel, table=True):
    """One status change: from, to, the date it took effect, and who recorded it."""

    __tablename__ = "placement_transitions"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: str = Field(
        foreign_key="placements.id", ondelete="CASCADE", index=True, max_length=32
    )
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    effective_date: date
    actor_user_id: str | None = Field(default=None, max_length=32)
    actor_role: str = Field(max_length=32)
    recorded_at: datetime = Field(default_factory=clock.now)


class LearningCaseNote(SQLModel, table=True):
    """What happened in a placement that ended early, from one party's perspective."""

    __tablename__ = "learning_case_notes"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    placement_id: str = Field(
        foreign_key="placements.id", ondelete="CASCADE", index=True, max_length=32
    )
    perspective: str = Field(max_length=16)
    text: str = Field(max_length=2000)
    author_user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=clock.now)


class WageHourAgreement(SQLModel, table=True):
    """The agreement behind paid hours or a hybrid job, with its budget as computed then."""

    __tablename__ = "wage_hour_agreements"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    placement_id: str = Field(
        foreign_key="placements.id", ondelete="CASCADE", unique=True, max_length=32
    )
    company_contact_name: str = Field(max_length=200)
    company_contact_phone: str | None = Field(default=None, max_length=20)
    caseworker_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    consultant_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    # Each item: {"task_id": ..., "name": ...} or {"task_id": null, "name": free text}.
    paid_tasks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    internship_tasks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    hours_per_week: float
    hourly_wage: float
    start_date: date
    review_date: date
    benefit_category: str = Field(max_length=32)
    budget_municipality_code: str = Field(max_length=3)
    # The budget as computed when the agreement was made (rules name, rows, warnings).
    budget: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)
