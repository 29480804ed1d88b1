"""Tables for forecast runs, their rows and cells, and the imported input tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class ForecastRun(SQLModel, table=True):
    """One computed forecast: its parameters, sources, backtest and whether it is illustrative."""

    __tablename__ = "forecast_runs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    computed_at: datetime = Field(default_factory=clock.now, index=True)
    computed_by: str = Field(max_length=200)
    method: str = Field(max_length=64)
    history_first_year: int
    history_last_year: int
    horizon: int
    damping: float
    trend_window: int
    band_z: float
    band_scale: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    illustrative: bool
    sources: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    backtest: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    inputs_sha256: str = Field(max_length=64)


class ForecastRow(SQLModel, table=True):
    """Openings in one municipality × sector × year of a run, with the parts and the band."""

    __tablename__ = "forecast_rows"
    __table_args__ = (UniqueConstraint("run_id", "municipality_code", "sector", "year"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    run_id: str = Field(foreign_key="forecast_runs.id", ondelete="CASCADE", max_length=32)
    municipality_code: str = Field(max_length=3)
    sector: str = Field(max_length=64)
    year: int
    horizon: int
    employment: float
    replacement: float
    expansion: float
    project: float
    project_jobs: float
    openings: float
    low: float
    high: float


class ForecastCell(SQLModel, table=True):
    """One municipality × sector of a run: the demand index and the current vacancy signal."""

    __tablename__ = "forecast_cells"
    __table_args__ = (UniqueConstraint("run_id", "municipality_code", "sector"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    run_id: str = Field(foreign_key="forecast_runs.id", ondelete="CASCADE", max_length=32)
    municipality_code: str = Field(max_length=3)
    sector: str = Field(max_length=64)
    employment_last: float
    replacement_rate: float
    trend_slope: float
    openings_rate: float
    demand_index: float
    projects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    vacancies: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ForecastInput(SQLModel, table=True):
    """An imported input table (a real extract); the active one of a kind replaces the shipped."""

    __tablename__ = "forecast_inputs"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=32, index=True)
    filename: str = Field(max_length=255)
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    source: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    is_active: bool = True
    imported_at: datetime = Field(default_factory=clock.now)
    imported_by: str = Field(max_length=200)
