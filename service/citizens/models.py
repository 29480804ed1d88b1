"""Tables for citizens, their caseworkers, BIP measurements and anonymous statistics.

No table has a CPR column: an imported CPR number survives only as ``cpr_hmac``. Gender and
birth year live in their own table (``citizen_fairness_attributes``) because they exist only
for fairness audits and must never reach matching.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class Citizen(SQLModel, table=True):
    """A citizen in the programme: availability, wishes, limits, status and dates."""

    __tablename__ = "citizens"
    __table_args__ = (UniqueConstraint("municipality_code", "external_ref"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    # The case number in the job centre's own system, unique within a municipality.
    external_ref: str = Field(max_length=64)
    municipality_code: str = Field(max_length=3, index=True)
    postal_code: str = Field(max_length=4)
    city: str | None = Field(default=None, max_length=100)
    lat: float | None = None
    lon: float | None = None
    # "postal_code" (the postal code's centre) or "given" (explicit lat/lon); None without any.
    coordinates_source: str | None = Field(default=None, max_length=16)
    has_driving_licence: bool = False
    has_car: bool = False
    transport: str | None = Field(default=None, max_length=32)
    max_commute_km: int | None = None
    hours_per_week: float | None = None
    wishes: str | None = Field(default=None, max_length=2000)
    # Catalogue tasks the free-text wishes were normalised to (filled by the task normaliser).
    wish_task_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    preferred_sectors: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    excluded_sectors: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    preferred_tasks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    excluded_tasks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    danish_level: int | None = None
    # Hard limits relevant to tasks (caseworkers only).
    cannot_lift_heavy: bool = False
    cannot_handle_food: bool = False
    cannot_stand_long: bool = False
    criminal_record: str = Field(default="unknown", max_length=8)
    other_limits: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    status: str = Field(default="active", max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    programme_start_date: date | None = None
    programme_end_date: date | None = None
    # SMS reminders (issue 18): a Danish mobile as +45 and 8 digits, and explicit consent with
    # the day it was given (set by the server); no consent, no message.
    mobile: str | None = Field(default=None, max_length=12)
    sms_consent: bool = False
    sms_consent_date: date | None = None
    # Kept in step with the BIP measurements so overdue follow-ups can be listed by SQL.
    bip_last_measured_on: date | None = None
    bip_next_due_date: date | None = Field(default=None, index=True)
    # HMAC of an imported CPR number, only to find the same person twice (never the number).
    cpr_hmac: str | None = Field(default=None, max_length=64, unique=True)
    is_demo: bool = False
    # Case-folded name, so `q` finds æ, ø and å the same way on every backend.
    search_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)


class CitizenCaseworker(SQLModel, table=True):
    """A caseworker (a user) responsible for a citizen."""

    __tablename__ = "citizen_caseworkers"

    citizen_id: str = Field(
        foreign_key="citizens.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: str = Field(
        foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True, max_length=32
    )


class CitizenFairnessAttributes(SQLModel, table=True):
    """Gender and birth year, kept apart: only for fairness audits, never a matching feature."""

    __tablename__ = "citizen_fairness_attributes"

    citizen_id: str = Field(
        foreign_key="citizens.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    audit_gender: str | None = Field(default=None, max_length=8)
    audit_birth_year: int | None = None


class BipMeasurement(SQLModel, table=True):
    """One BIP conversation: ten answers 1-5 (NULL = not answered) and the caseworker's belief."""

    __tablename__ = "bip_measurements"
    __table_args__ = (UniqueConstraint("citizen_id", "measured_on"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    citizen_id: str = Field(
        foreign_key="citizens.id", ondelete="CASCADE", index=True, max_length=32
    )
    measured_on: date
    job_goal: int | None = None
    substance_abuse: int | None = None
    daily_energy: int | None = None
    social_support: int | None = None
    cooperation: int | None = None
    contacting_strangers: int | None = None
    health: int | None = None
    competences_usable: int | None = None
    can_manage_job: int | None = None
    job_search_knowledge: int | None = None
    caseworker_belief: int | None = None
    recorded_by_user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)


class AnonymousCitizenCount(SQLModel, table=True):
    """What survives an erasure: counts by municipality, last status and programme year."""

    __tablename__ = "anonymous_citizen_counts"
    __table_args__ = (UniqueConstraint("municipality_code", "status", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    municipality_code: str = Field(max_length=3)
    status: str = Field(max_length=16)
    # The year the citizen started in the programme (or was registered, without a start date).
    year: int
    citizens: int = 0
    bip_measurements: int = 0
    updated_at: datetime = Field(default_factory=clock.now)
