"""Request and response shapes for sectors, the task catalogue, the normaliser and openings."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from service.i18n import bilingual_error
from service.schemas import FreeText, Identifier, UtcDatetime
from service.sectors import Sector
from service.tasks.cards import (
    Criticality,
    DemandLevels,
    HardRequirement,
    HoursRange,
    OccupationCode,
    PlacementType,
)

# Hourly wages outside this band (DKK) are almost always typing errors; they need confirming.
WAGE_USUAL_MIN = 100.0
WAGE_USUAL_MAX = 500.0
MAX_OPENINGS_PER_CALL = 100


class OpeningStatus(StrEnum):
    """Where an opening stands."""

    open = "open"
    paused = "paused"
    filled = "filled"
    closed = "closed"


class Weekday(StrEnum):
    """Days of the week."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


def _located(title: str, field: str, error: PydanticCustomError) -> ValidationError:
    """A model-level check's error placed at one field, so the API response names it."""
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=(field,), input=None)]
    )


class CardSummary(BaseModel):
    """A sector card as listed under its sector."""

    slug: str
    name: str
    description: str
    parent: str | None
    cross_sector: bool
    sources: list[str]
    task_count: int


class SectorPublic(BaseModel):
    """One of the 10 sectors with its cards."""

    slug: Sector
    name: str
    task_count: int
    cards: list[CardSummary]


class SectorList(BaseModel):
    """The 10 sectors and the catalogue version they come from (null before the first load)."""

    items: list[SectorPublic]
    catalogue_version: int | None


class TaskSummary(BaseModel):
    """A task in short, as shown with an opening or a suggestion."""

    id: str
    name: str
    sector: Sector
    card: str
    criticality: Criticality
    learning_days: int
    learnable_within_week: bool
    status: str


class TaskPublic(TaskSummary):
    """A catalogue task with synonyms, demand levels and hard requirements."""

    synonyms: list[str]
    description: str
    worth_doing: str
    demands: DemandLevels
    hard_requirements: list[HardRequirement]
    hours_per_week: HoursRange
    placement_types: list[PlacementType]
    occupation: OccupationCode | None
    replaced_by: str | None
    deprecation_reason: str | None
    introduced_in_version: int
    changed_in_version: int
    deprecated_in_version: int | None
    updated_at: UtcDatetime
    score: float | None = Field(
        default=None, description="Similarity 0-100 to `q`, when the list was searched"
    )


class NormaliseRequest(BaseModel):
    """Free text to look up in the catalogue."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[FreeText, Field(min_length=1, max_length=500)]
    sector: Sector | None = Field(
        default=None, description="Prefer this sector's tasks a little (e.g. the company's)"
    )
    limit: Annotated[int, Field(ge=1, le=20)] = 5
    threshold: Annotated[float | None, Field(ge=0, le=100, strict=True)] = None


class NormaliseCandidate(BaseModel):
    """A ranked catalogue task for the text."""

    task_id: str
    name: str
    sector: Sector
    card: str
    score: float
    matched_phrase: str
    above_threshold: bool


class NormaliseResponse(BaseModel):
    """Ranked tasks, best first; `matched` says whether the best passed `threshold`."""

    text: str
    matched: bool
    threshold: float
    candidates: list[NormaliseCandidate]
    message: str
    unmatched_words: list[str]
    catalogue_version: int | None


class ScheduleSlot(BaseModel):
    """Days and a time span the task is done."""

    model_config = ConfigDict(extra="forbid")

    days: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleSlot:
        if self.end <= self.start:
            raise _located(
                "ScheduleSlot",
                "end",
                bilingual_error(
                    "schedule_order",
                    da="Sluttidspunktet skal ligge efter starttidspunktet",
                    en="The end time must be after the start time",
                ),
            )
        if len(set(self.days)) != len(self.days):
            raise _located(
                "ScheduleSlot",
                "days",
                bilingual_error(
                    "schedule_days", da="En dag står to gange", en="A day is listed twice"
                ),
            )
        return self


class Schedule(BaseModel):
    """When the task is done: days and times, or flexible."""

    model_config = ConfigDict(extra="forbid")

    flexible: bool = False
    slots: Annotated[list[ScheduleSlot], Field(max_length=14)] = []

    @model_validator(mode="after")
    def _one_way(self) -> Schedule:
        if self.flexible == bool(self.slots):
            raise _located(
                "Schedule",
                "slots",
                bilingual_error(
                    "schedule_kind",
                    da="Angiv enten dage og tider (slots) eller flexible: true, ikke begge",
                    en="Give either days and times (slots) or flexible: true, not both",
                ),
            )
        return self


class DemandOverrides(BaseModel):
    """The company's own demand levels (1-5) where they differ from the task's."""

    model_config = ConfigDict(extra="forbid")

    physical: Annotated[int | None, Field(ge=1, le=5)] = None
    contact: Annotated[int | None, Field(ge=1, le=5)] = None
    teamwork: Annotated[int | None, Field(ge=1, le=5)] = None
    danish: Annotated[int | None, Field(ge=1, le=5)] = None
    pace: Annotated[int | None, Field(ge=1, le=5)] = None
    independence: Annotated[int | None, Field(ge=1, le=5)] = None


def _unique(values: list[Any], field: str, title: str) -> None:
    if len(set(values)) != len(values):
        raise _located(
            title,
            field,
            bilingual_error("duplicate", da="En værdi står to gange", en="A value is listed twice"),
        )


def check_wage(hourly_wage: float | None, wage_confirmed: bool, title: str) -> None:
    """Refuse an unusual hourly wage unless the caller confirmed it."""
    if hourly_wage is None or wage_confirmed:
        return
    if not WAGE_USUAL_MIN <= hourly_wage <= WAGE_USUAL_MAX:
        amount = f"{hourly_wage:.2f}".replace(".", ",")
        raise _located(
            title,
            "hourly_wage",
            bilingual_error(
                "wage_unusual",
                da=f"Timelønnen {amount} kr. ligger uden for det sædvanlige "
                f"({WAGE_USUAL_MIN:.0f}-{WAGE_USUAL_MAX:.0f} kr.); send wage_confirmed: true, "
                "hvis den er rigtig",
                en=f"The hourly wage DKK {hourly_wage:.2f} is outside the usual "
                f"{WAGE_USUAL_MIN:.0f}-{WAGE_USUAL_MAX:.0f}; send wage_confirmed: true if it is "
                "right",
            ),
        )


Hours = Annotated[float, Field(gt=0, le=37)]
Wage = Annotated[float, Field(ge=0, le=2000)]
Positions = Annotated[int, Field(ge=1, le=100)]
TaskId = Annotated[Identifier, Field(min_length=1, max_length=80)]
TaskText = Annotated[FreeText, Field(min_length=1, max_length=300)]
PlacementTypes = Annotated[list[PlacementType], Field(min_length=1, max_length=4)]
Notes = Annotated[FreeText, Field(max_length=1000)]


class OpeningCreate(BaseModel):
    """A task the company offers: the task by id or as free text, hours and terms."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    task_id: TaskId | None = None
    task_text: TaskText | None = None
    hours_per_week: Hours
    schedule: Schedule = Schedule(flexible=True)
    placement_types: PlacementTypes
    hourly_wage: Wage | None = None
    wage_confirmed: bool = False
    positions: Positions = 1
    start_date: date | None = None
    status: OpeningStatus = OpeningStatus.open
    demand_overrides: DemandOverrides = DemandOverrides()
    notes: Notes | None = None

    @model_validator(mode="after")
    def _complete(self) -> OpeningCreate:
        if (self.task_id is None) == (self.task_text is None):
            raise _located(
                "OpeningCreate",
                "task_id",
                bilingual_error(
                    "task_missing",
                    da="Angiv opgaven enten som task_id eller som fritekst i task_text",
                    en="Give the task either as task_id or as free text in task_text",
                ),
            )
        _unique(self.placement_types, "placement_types", "OpeningCreate")
        check_wage(self.hourly_wage, self.wage_confirmed, "OpeningCreate")
        if self.hourly_wage is not None:
            self.hourly_wage = round(self.hourly_wage, 2)
        return self


class OpeningUpdate(BaseModel):
    """A partial change; fields left out keep their value. `demand_overrides` replaces all."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    task_id: TaskId | None = None
    task_text: TaskText | None = None
    hours_per_week: Hours | None = None
    schedule: Schedule | None = None
    placement_types: PlacementTypes | None = None
    hourly_wage: Wage | None = None
    wage_confirmed: bool | None = None
    positions: Positions | None = None
    start_date: date | None = None
    status: OpeningStatus | None = None
    demand_overrides: DemandOverrides | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _one_task(self) -> OpeningUpdate:
        if self.task_id is not None and self.task_text is not None:
            raise _located(
                "OpeningUpdate",
                "task_id",
                bilingual_error(
                    "task_twice",
                    da="Angiv opgaven som task_id eller task_text, ikke begge",
                    en="Give the task as task_id or task_text, not both",
                ),
            )
        return self


class TaskResolution(BaseModel):
    """How free text was understood: what was typed and the normaliser's score (0-100)."""

    text: str
    score: float


class OpeningPublic(BaseModel):
    """A stored task opening with the resolved task and its effective demand levels."""

    id: str
    company_id: str
    task_id: str
    task: TaskSummary
    resolution: TaskResolution | None
    hours_per_week: float
    schedule: Schedule
    placement_types: list[PlacementType]
    hourly_wage: float | None
    wage_confirmed: bool
    positions: int
    start_date: date | None
    status: OpeningStatus
    demand_overrides: DemandOverrides
    demands: DemandLevels = Field(description="The task's levels with the company's overrides")
    notes: str | None
    is_demo: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class TaskSuggestion(BaseModel):
    """A catalogue task the company has no opening for yet."""

    task: TaskSummary
    cross_sector: bool = Field(description="From a card suggested everywhere (cleaning, ...)")
    worth_doing: str
    demands: DemandLevels
    hard_requirements: list[HardRequirement]
    hours_per_week: HoursRange


class TaskSuggestions(BaseModel):
    """A checklist for a company visit: easiest tasks for the target group first."""

    company_id: str
    sector: Sector
    cards: list[str]
    items: list[TaskSuggestion]
    already_openings: int


class CatalogueStatus(BaseModel):
    """What a load of the sector cards did (``kantmatch init`` prints it)."""

    version: int | None
    changed: bool
    added: list[str]
    changed_tasks: list[str]
    deprecated: list[str]
    cards_added: list[str]
    cards_changed: list[str]
    cards_removed: list[str]
    active_tasks: int
    warnings: list[str]
    loaded_at: datetime | None
