"""Request and response shapes for citizens, BIP measurements, exports and imports.

Two response shapes exist on purpose: ``CitizenPublic`` (caseworkers of the citizen's
municipality and admins) and the smaller ``CitizenForConsultant`` (company consultants of the
municipality): the consultant's shape has no field for BIP answers, limits, notes, case number
or status reason, so it cannot leak them by mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from service.citizens.bip import INDICATORS
from service.cpr import cpr_refused, looks_like_cpr
from service.i18n import bilingual_error
from service.phones import DanishMobile
from service.places import (
    DanishPostalCode,
    Latitude,
    Longitude,
    MunicipalityCode,
    incomplete_coordinates,
)
from service.schemas import FreeText, Identifier, UtcDatetime
from service.sectors import Sector


class Transport(StrEnum):
    """How the citizen gets to work."""

    car = "car"
    public_transport = "public_transport"
    bicycle = "bicycle"
    walking = "walking"


class CitizenStatus(StrEnum):
    """Where the citizen stands in the programme."""

    active = "active"
    paused = "paused"
    ended = "ended"


class CriminalRecord(StrEnum):
    """Whether the citizen has a criminal record that matters for a task."""

    yes = "yes"
    no = "no"
    unknown = "unknown"


class AuditGender(StrEnum):
    """Gender, recorded only for fairness audits (never a matching feature)."""

    female = "female"
    male = "male"
    other = "other"


def field_error(title: str, field: str, error: PydanticCustomError) -> ValidationError:
    """A model-level check's error located at one field (``a.b`` for nested), so it is named."""
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=tuple(field.split(".")), input=None)]
    )


# Lists of identifiers: only a CPR number standing alone counts there (see service/cpr.py).
_IDENTIFIER_FIELDS = frozenset({"preferred_tasks", "excluded_tasks", "caseworker_ids"})


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, f"{path}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}")


def first_cpr_field(data: Any) -> str | None:
    """The first field of raw input holding a CPR-like value, whatever the field's type."""
    if not isinstance(data, dict):
        return None
    for key, value in data.items():
        for path, text in _texts(value, str(key)):
            if looks_like_cpr(text, identifier=key in _IDENTIFIER_FIELDS):
                return path
    return None


# BIP answers and levels are whole numbers 1-5; strict, so true or "3" never becomes a score.
Score = Annotated[int, Field(strict=True, ge=1, le=5)]
# Task ids are catalogue identifiers (plain strings until the catalogue is connected).
TaskId = Annotated[Identifier, Field(min_length=1, max_length=64)]
SectorList = Annotated[list[Sector], Field(max_length=10)]
TaskList = Annotated[list[TaskId], Field(max_length=50)]


class CitizenLimits(BaseModel):
    """Hard limits relevant to tasks (seen only by caseworkers and admins)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cannot_lift_heavy: bool = False
    cannot_handle_food: bool = False
    cannot_stand_long: bool = False
    criminal_record: CriminalRecord = CriminalRecord.unknown
    other: Annotated[FreeText | None, Field(max_length=500)] = None


class CitizenFields(BaseModel):
    """Fields of a citizen a caller may set (all optional here; see CitizenCreate)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_cpr_anywhere(cls, data: Any) -> Any:
        # Any field, also one whose own check would only say "wrong format" (a postal code,
        # a date): a CPR number gets the CPR message, and the number is never echoed.
        field = first_cpr_field(data)
        if field is not None:
            raise field_error(
                cls.__name__,
                field,
                cpr_refused(),
            )
        return data

    name: Annotated[FreeText | None, Field(min_length=1, max_length=200)] = None
    external_ref: Annotated[FreeText | None, Field(min_length=1, max_length=64)] = None
    municipality_code: MunicipalityCode | None = None
    postal_code: DanishPostalCode | None = None
    # Explicit home coordinates (WGS84); without them the postal code's centre is used.
    lat: Latitude | None = None
    lon: Longitude | None = None
    has_driving_licence: bool | None = None
    has_car: bool | None = None
    transport: Transport | None = None
    max_commute_km: Annotated[int | None, Field(ge=0, le=300)] = None
    hours_per_week: Annotated[float | None, Field(ge=0, le=60)] = None
    wishes: Annotated[FreeText | None, Field(max_length=2000)] = None
    preferred_sectors: SectorList | None = None
    excluded_sectors: SectorList | None = None
    preferred_tasks: TaskList | None = None
    excluded_tasks: TaskList | None = None
    danish_level: Score | None = None
    limits: CitizenLimits | None = None
    notes: Annotated[FreeText | None, Field(max_length=4000)] = None
    status: CitizenStatus | None = None
    status_reason: Annotated[FreeText | None, Field(max_length=500)] = None
    programme_start_date: date | None = None
    programme_end_date: date | None = None
    mobile: DanishMobile | None = None
    # Explicit consent to SMS reminders; the server records the date it was given.
    sms_consent: bool | None = None
    # User ids; each must be an active caseworker of the municipality, so nothing else is kept.
    caseworker_ids: Annotated[
        list[Annotated[Identifier, Field(max_length=32)]] | None, Field(max_length=10)
    ] = None
    audit_gender: AuditGender | None = None
    audit_birth_year: Annotated[int | None, Field(ge=1900, le=2020)] = None


class CitizenUpdate(CitizenFields):
    """A partial change; fields left out keep their value, ``null`` clears an optional one."""


class CitizenCreate(CitizenFields):
    """A new citizen: name, case number and home postal code at least."""

    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    external_ref: Annotated[FreeText, Field(min_length=1, max_length=64)]
    postal_code: DanishPostalCode

    @model_validator(mode="after")
    def _consistent(self) -> CitizenCreate:
        incomplete = incomplete_coordinates(self.lat, self.lon)
        if incomplete is not None:
            raise field_error("CitizenCreate", *incomplete)
        if self.status == CitizenStatus.ended and not self.status_reason:
            raise field_error(
                "CitizenCreate",
                "status_reason",
                bilingual_error(
                    "status_reason_missing",
                    da="Angiv årsagen, når forløbet afsluttes (status_reason)",
                    en="Give the reason when the programme ends (status_reason)",
                ),
            )
        start, end = self.programme_start_date, self.programme_end_date
        if start is not None and end is not None and end < start:
            raise field_error(
                "CitizenCreate",
                "programme_end_date",
                bilingual_error(
                    "end_before_start",
                    da="Slutdatoen ligger før startdatoen",
                    en="The end date is before the start date",
                ),
            )
        for kind in ("sectors", "tasks"):
            both = set(getattr(self, f"preferred_{kind}") or ()) & set(
                getattr(self, f"excluded_{kind}") or ()
            )
            if both:
                names = ", ".join(sorted(str(v) for v in both))
                raise field_error(
                    "CitizenCreate",
                    f"excluded_{kind}",
                    bilingual_error(
                        "preferred_and_excluded",
                        da=f"Både ønsket og fravalgt: {names}",
                        en=f"Both preferred and excluded: {names}",
                    ),
                )
        return self


class CaseworkerRef(BaseModel):
    """A caseworker responsible for the citizen."""

    id: str
    name: str


class FairnessAttributes(BaseModel):
    """Gender and birth year, kept only for fairness audits; never used for matching."""

    audit_gender: AuditGender | None
    audit_birth_year: int | None


class CitizenWishesView(BaseModel):
    """The citizen's wishes as stored, read by caseworkers and by the municipality's consultants."""

    wishes: str | None
    wish_task_ids: list[str] | None
    preferred_sectors: list[Sector]
    excluded_sectors: list[Sector]
    preferred_tasks: list[str]
    excluded_tasks: list[str]


class CitizenPublic(CitizenWishesView):
    """Everything about a citizen, for caseworkers of the municipality and admins."""

    view: Literal["caseworker"] = "caseworker"
    id: str
    name: str
    external_ref: str
    municipality_code: str
    postal_code: str
    city: str | None
    lat: float | None
    lon: float | None
    coordinates_source: str | None = None
    has_driving_licence: bool
    has_car: bool
    transport: Transport | None
    max_commute_km: int | None
    hours_per_week: float | None
    danish_level: int | None
    limits: CitizenLimits
    notes: str | None
    status: CitizenStatus
    status_reason: str | None
    programme_start_date: date | None
    programme_end_date: date | None
    mobile: str | None
    sms_consent: bool
    sms_consent_date: date | None
    caseworkers: list[CaseworkerRef]
    bip_last_measured_on: date | None
    bip_next_due: date | None
    bip_overdue: bool
    cpr_hash_stored: bool
    fairness: FairnessAttributes
    is_demo: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CitizenForConsultant(CitizenWishesView):
    """What a company consultant of the municipality sees: name, wishes and availability."""

    view: Literal["consultant"] = "consultant"
    id: str
    name: str
    municipality_code: str
    city: str | None
    status: CitizenStatus
    hours_per_week: float | None
    has_driving_licence: bool
    has_car: bool
    transport: Transport | None
    max_commute_km: int | None
    is_demo: bool
    updated_at: UtcDatetime


CitizenView = Annotated[CitizenPublic | CitizenForConsultant, Field(discriminator="view")]


class BipAnswers(BaseModel):
    """The ten indicators, each 1-5 or null (not answered; it stays missing, never 1)."""

    model_config = ConfigDict(extra="forbid")

    job_goal: Score | None = None
    substance_abuse: Score | None = None
    daily_energy: Score | None = None
    social_support: Score | None = None
    cooperation: Score | None = None
    contacting_strangers: Score | None = None
    health: Score | None = None
    competences_usable: Score | None = None
    can_manage_job: Score | None = None
    job_search_knowledge: Score | None = None


assert tuple(BipAnswers.model_fields) == INDICATORS


class BipMeasurementCreate(BaseModel):
    """A new BIP measurement; ``caseworker_belief`` may be given by caseworkers only."""

    model_config = ConfigDict(extra="forbid")

    measured_on: date
    answers: BipAnswers
    caseworker_belief: Score | None = None

    @model_validator(mode="after")
    def _some_answer(self) -> BipMeasurementCreate:
        if all(getattr(self.answers, key) is None for key in INDICATORS):
            raise field_error(
                "BipMeasurementCreate",
                "answers",
                bilingual_error(
                    "no_answers",
                    da="Mindst én af de ti indikatorer skal være besvaret",
                    en="At least one of the ten indicators must be answered",
                ),
            )
        return self


class BipMeasurementPublic(BaseModel):
    """A stored BIP measurement."""

    id: str
    measured_on: date
    answers: dict[str, int | None]
    caseworker_belief: int | None
    answered: int
    recorded_by_user_id: str | None
    created_at: UtcDatetime


class BipHistory(BaseModel):
    """A citizen's BIP measurements, oldest first, with progression and when the next is due."""

    citizen_id: str
    measurements: list[BipMeasurementPublic]
    change_since_first: dict[str, int | None]
    change_since_previous: dict[str, int | None]
    next_due: date | None
    overdue: bool
    days_overdue: int | None
    questions: dict[str, str]
    labels: dict[str, str]


class CprNote(BaseModel):
    """What the service holds of a CPR number: never the number, at most a keyed hash."""

    number_stored: bool
    hash_stored: bool
    explanation: str


class CitizenRowProblem(BaseModel):
    """Why one row of an import was rejected (the row stores nothing)."""

    row: int
    external_ref: str | None
    field: str
    message: str


class CitizenRowResult(BaseModel):
    """A row that was stored."""

    row: int
    external_ref: str
    citizen_id: str


class CitizenImportReport(BaseModel):
    """What an import did: created, updated and rejected rows (rejected rows store nothing)."""

    kind: Literal["citizens", "bip"]
    file_name: str | None
    dry_run: bool
    rows: int
    created: list[CitizenRowResult]
    updated: list[CitizenRowResult]
    rejected: list[CitizenRowProblem]
    unknown_columns: list[str]
