"""Request and response shapes of mentors, mentor suggestions and mentor matches.

A match has two shapes: ``MentorMatchForCaseworker`` (the citizen's caseworkers and admins:
ids and the assessment) and ``MentorMatchForBlf`` (BLF, who runs the corps: the citizen's first
name only, no citizen or placement id).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.phones import DanishMobile
from service.places import DanishPostalCode
from service.schemas import FreeText, Identifier, UtcDatetime, shown_pattern
from service.sectors import Sector

Email = Annotated[FreeText, shown_pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class MentorFields(BaseModel):
    """Fields of a mentor a caller may set (all optional here; see MentorCreate)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[FreeText | None, Field(min_length=1, max_length=200)] = None
    mobile: DanishMobile | None = None
    email: Email | None = None
    postal_code: DanishPostalCode | None = None
    sectors: Annotated[list[Sector] | None, Field(max_length=10)] = None
    background: Annotated[FreeText | None, Field(max_length=300)] = Field(
        default=None, description="Background in a sentence"
    )
    max_mentees: Annotated[int | None, Field(ge=1, le=10)] = None
    available: bool | None = Field(default=None, description="False: paused")


class MentorCreate(MentorFields):
    """A new volunteer mentor: a name and a postal code at least."""

    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    postal_code: DanishPostalCode
    sectors: Annotated[list[Sector], Field(max_length=10)] = []
    max_mentees: Annotated[int, Field(ge=1, le=10)] = 1
    available: bool = True


class MentorUpdate(MentorFields):
    """A partial change; fields left out keep their value."""


class MentorPublic(BaseModel):
    """A mentor with how many citizens they mentor now and have mentored."""

    id: str
    name: str
    mobile: str | None
    email: str | None
    postal_code: str
    city: str | None
    sectors: list[Sector]
    background: str | None
    max_mentees: int
    available: bool
    active_matches: int
    total_matches: int
    is_demo: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


class MentorSuggestion(BaseModel):
    """A mentor with room for the citizen, with the fit's parts and Danish reasons."""

    mentor_id: str
    name: str
    score: float = Field(description="0-1: sector 0.5, distance 0.3, experience 0.2")
    parts: dict[str, float]
    distance_km: float | None
    free_places: int
    sectors: list[Sector]
    reasons: list[str]


class MentorMatchCreate(BaseModel):
    """Assign a mentor to a citizen (usually at internship start)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    citizen_id: Annotated[Identifier, Field(min_length=1, max_length=32)]
    mentor_id: Annotated[Identifier, Field(min_length=1, max_length=32)]
    placement_id: Annotated[Identifier | None, Field(max_length=32)] = None
    start_date: date


class MentorMatchUpdate(BaseModel):
    """End a match with a short assessment."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    end_date: date
    assessment: Annotated[FreeText | None, Field(max_length=500)] = None


class MentorMatchCommon(BaseModel):
    """What every reader of a match sees: the mentor, the dates, the state."""

    id: str
    mentor_id: str
    mentor_name: str
    municipality_code: str
    start_date: date
    end_date: date | None
    active: bool
    assessment: str | None
    updated_at: UtcDatetime


class MentorMatchForCaseworker(MentorMatchCommon):
    """A match as the citizen's caseworker (or an admin) sees it."""

    view: Literal["caseworker"] = "caseworker"
    citizen_id: str | None
    placement_id: str | None


class MentorMatchForBlf(MentorMatchCommon):
    """A match as BLF sees it: its mentor and the citizen's first name, nothing more."""

    view: Literal["blf"] = "blf"
    citizen_first_name: str | None


MentorMatchView = Annotated[
    MentorMatchForCaseworker | MentorMatchForBlf, Field(discriminator="view")
]
