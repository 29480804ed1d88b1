"""Request and response shapes for bus tours (API.md: bus tour request and response)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from service.bustours.centres import JobCentre
from service.i18n import bilingual_error
from service.schemas import Identifier, UtcDatetime

MAX_STOPS = 6
DEFAULT_STOPS = 3
MIN_GROUP, MAX_GROUP = 2, 12
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and (found := _CLOCK.match(value.strip())):
        return dt.time(int(found.group(1)), int(found.group(2)))
    raise bilingual_error(
        "clock_format",
        da="Skal være et klokkeslæt TT:MM (fx 09:00)",
        en="Must be a time of day HH:MM (e.g. 09:00)",
    )


# A time of day as "HH:MM" (24-hour clock), as API.md asks for start_time and latest_return.
ClockTime = Annotated[
    dt.time,
    BeforeValidator(_clock),
    WithJsonSchema(
        {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}, mode="validation"
    ),
]
CitizenId = Annotated[Identifier, Field(min_length=1, max_length=80)]


def _field_error(field: str, error: PydanticCustomError) -> ValidationError:
    return ValidationError.from_exception_data(
        "BusTourCreate", [InitErrorDetails(type=error, loc=(field,), input=None)]
    )


class StartPoint(BaseModel):
    """A starting point given by coordinates (WGS84, within Denmark)."""

    model_config = ConfigDict(extra="forbid")

    lat: Annotated[float, Field(ge=54.0, le=58.0)]
    lon: Annotated[float, Field(ge=7.5, le=15.5)]


class BusTourCreate(BaseModel):
    """Plan a tour: who goes, from where, when, how many stops and how long each visit is."""

    model_config = ConfigDict(extra="forbid")

    citizen_ids: Annotated[
        list[CitizenId],
        Field(min_length=MIN_GROUP, max_length=MAX_GROUP, json_schema_extra={"uniqueItems": True}),
    ]
    start: JobCentre | StartPoint
    date: dt.date
    start_time: ClockTime
    latest_return: ClockTime
    stops: Annotated[int, Field(ge=1, le=MAX_STOPS)] = DEFAULT_STOPS
    visit_minutes: Annotated[int, Field(ge=15, le=240)] = 60

    @model_validator(mode="after")
    def _check(self) -> BusTourCreate:
        if len(set(self.citizen_ids)) != len(self.citizen_ids):
            raise _field_error(
                "citizen_ids",
                bilingual_error(
                    "duplicate_citizen",
                    da="Hver borger må kun stå på listen én gang",
                    en="Each citizen may be listed only once",
                ),
            )
        if self.latest_return <= self.start_time:
            raise _field_error(
                "latest_return",
                bilingual_error(
                    "return_before_start",
                    da="Seneste hjemkomst skal ligge efter afgangstidspunktet (start_time) "
                    "samme dag",
                    en="The latest return must be after the start time (start_time) on the "
                    "same day",
                ),
            )
        return self


class StartPublic(BaseModel):
    """Where the tour starts and ends."""

    key: str | None
    name: str
    lat: float
    lon: float


class TourCitizen(BaseModel):
    """A citizen a stop is for: id (for the caseworker), printed label and why."""

    citizen_id: str
    label: str
    reasons: list[str]
    match_score: float | None = Field(
        description="The matcher's best score for the company's open tasks (0-1), if any"
    )


class StopPublic(BaseModel):
    """One visit, in visiting order."""

    order: int
    company_id: str
    company_name: str
    address: str | None
    postal_code: str
    city: str | None
    sector: str
    sector_name: str
    contact_name: str | None
    contact_phone: str | None
    lat: float
    lon: float
    drive_km: float = Field(description="Estimated road km from the previous stop (or start)")
    drive_minutes: int
    arrive_at: str = Field(description="HH:MM")
    leave_at: str = Field(description="HH:MM")
    for_citizens: list[TourCitizen]
    reasons: list[str]


class HomeLeg(BaseModel):
    """The drive back to the start."""

    drive_km: float
    drive_minutes: int
    arrive_at: str


class GroupMember(BaseModel):
    """A citizen of the group and whether some stop is for them."""

    citizen_id: str
    label: str
    covered: bool


class RouteAssumptions(BaseModel):
    """The assumed numbers behind every distance and time (not measured)."""

    detour_factor: float
    average_speed_kmh: float
    note: str


class SelectionInfo(BaseModel):
    """How the stops were chosen, in numbers."""

    method: str
    companies_considered: int
    companies_relevant: int
    left_out: dict[str, int]
    covered: int
    coverable: int
    used_model: bool
    model_version: str | None


class BusTourPublic(BaseModel):
    """A planned tour: the stops in visiting order with the timetable and who each is for."""

    id: str
    date: dt.date
    start: StartPublic
    start_time: str
    latest_return: str
    return_at: str
    visit_minutes: int
    requested_stops: int
    stops: list[StopPublic]
    home: HomeLeg
    total_km: float
    total_minutes: int
    driving_minutes: int
    citizens: list[GroupMember]
    warnings: list[str]
    assumptions: RouteAssumptions
    selection: SelectionInfo
    created_at: UtcDatetime
    updated_at: UtcDatetime


class BusTourSummary(BaseModel):
    """A saved tour in a list (no citizen names)."""

    id: str
    date: dt.date
    start_name: str
    start_time: str
    return_at: str
    stops: int
    citizens: int
    total_km: float
    total_minutes: int
    municipality_code: str | None
    created_at: UtcDatetime
