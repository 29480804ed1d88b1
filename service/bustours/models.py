"""Tables for saved bus tours and the citizens on them.

A tour keeps its plan (stops, timetable, reasons) as JSON, frozen at planning time so the
printed list stays the same. Citizens appear in the plan only by id; their printed label (a
first name) and their place in the group live in ``bus_tour_citizens``, which is also how an
erasure finds every tour a citizen is on.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class BusTour(SQLModel, table=True):
    """A planned bus tour: start, times, the stops in visiting order and the totals."""

    __tablename__ = "bus_tours"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    # The citizens' municipality (NULL when an admin mixed both): caseworkers see their own.
    municipality_code: str | None = Field(default=None, max_length=3, index=True)
    tour_date: date = Field(index=True)
    start_key: str | None = Field(default=None, max_length=16)
    start_name: str = Field(max_length=120)
    start_lat: float
    start_lon: float
    start_time: time
    latest_return: time
    visit_minutes: int
    requested_stops: int
    total_km: float
    total_minutes: int
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class BusTourCitizen(SQLModel, table=True):
    """A citizen on a tour, with the label the printed list uses (a first name)."""

    __tablename__ = "bus_tour_citizens"

    tour_id: str = Field(
        foreign_key="bus_tours.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    citizen_id: str = Field(
        foreign_key="citizens.id",
        ondelete="CASCADE",
        primary_key=True,
        index=True,
        max_length=32,
    )
    position: int
    label: str = Field(max_length=60)
