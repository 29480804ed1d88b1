"""Tables behind the overview's incremental sync: one change row per company, and a counter.

A company's overview row changes when the company changes or when one of its placements
does. Every such change takes the next number from ``overview_change_counter`` (one row,
updated in the changing transaction), so the numbers are handed out in commit order: a reader
that has seen number N has seen every change numbered below N. ``docs/overview.md`` explains
why a timestamp alone would not do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

# The single row of the counter table.
COUNTER_ID = 1


class OverviewCompanyChange(SQLModel, table=True):
    """The latest change to a company's overview row: its sequence number and time."""

    __tablename__ = "overview_company_changes"

    # No foreign key: the row outlives a deleted company, so a sync learns of the removal.
    company_id: str = Field(primary_key=True, max_length=32)
    change_seq: int = Field(sa_type=BigInteger, unique=True)
    # Strictly increasing with change_seq, so `updated_since` cuts the feed at one point.
    changed_at: datetime = Field(index=True)


class OverviewChangeCounter(SQLModel, table=True):
    """The last change number handed out and its time (one row, id 1)."""

    __tablename__ = "overview_change_counter"

    id: int = Field(default=COUNTER_ID, primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_seq: int = Field(default=0, sa_type=BigInteger)
    last_changed_at: datetime | None = None
