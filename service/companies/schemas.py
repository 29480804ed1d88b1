"""Request and response shapes for companies, contacts and imports."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from service.companies.codes import cvr_is_valid, normalise_digits, p_number_is_valid
from service.cpr import reject_cpr_in_code
from service.i18n import bilingual_error
from service.organisations.schemas import OrganisationKey
from service.places import (
    DanishPostalCode,
    Latitude,
    Longitude,
    MunicipalityCode,
    incomplete_coordinates,
)
from service.schemas import FreeText, UtcDatetime, shown_pattern
from service.sectors import Sector


class SizeBand(StrEnum):
    """Number of employees."""

    b0_5 = "0-5"
    b6_19 = "6-19"
    b20_49 = "20-49"
    b50_99 = "50-99"
    b100 = "100+"


class SectorType(StrEnum):
    """Ownership of the company."""

    private = "private"
    municipal = "municipal"
    other = "other"


# Who holds the contact with the company: the key of an organisation (issue 13; every job
# centre, jc_lolland, jc_aarhus, ..., and business organisations such as blf). The format is
# checked here, existence against the organisations table in the service.
ContactOwner = OrganisationKey


class UnskilledTasks(StrEnum):
    """The survey question: tasks an unskilled person can learn quickly."""

    many = "many"
    few = "few"
    none = "none"


class RecruitmentDifficulty(StrEnum):
    """How hard the company finds it to recruit."""

    low = "low"
    medium = "medium"
    high = "high"


class RequirementLevel(StrEnum):
    """How much a company requires something of a citizen at the start."""

    required = "required"
    preferred = "preferred"
    not_important = "not_important"


class RequirementKey(StrEnum):
    """What companies were asked to require of a citizen at the start (chapter 5)."""

    attendance_stability = "attendance_stability"
    hygiene = "hygiene"
    no_substance_abuse = "no_substance_abuse"
    clean_criminal_record = "clean_criminal_record"
    cooperation = "cooperation"
    danish_language = "danish_language"
    physical_health = "physical_health"
    no_mental_illness = "no_mental_illness"


def _field_error(title: str, field: str, error: PydanticCustomError) -> ValidationError:
    """A model-level check's error located at one field, so the API response can name it."""
    return ValidationError.from_exception_data(
        title, [InitErrorDetails(type=error, loc=(field,), input=None)]
    )


def _strip_digits(value: Any) -> Any:
    return normalise_digits(value) if isinstance(value, str) else value


def _check_cvr(value: str) -> str:
    if not (len(value) == 8 and value.isdigit()):
        raise bilingual_error(
            "cvr_format",
            da="CVR-nummeret skal være 8 cifre",
            en="The CVR number must be 8 digits",
        )
    if not cvr_is_valid(value):
        raise bilingual_error(
            "cvr_checksum",
            da="CVR-nummeret er ugyldigt (kontrolcifferet passer ikke, modulus 11)",
            en="The CVR number is invalid (the modulus-11 check digit does not match)",
        )
    return value


def _check_p_number(value: str) -> str:
    if not p_number_is_valid(value):
        raise bilingual_error(
            "p_number_format",
            da="P-nummeret skal være 10 cifre",
            en="The P-number must be 10 digits",
        )
    return value


def _check_industry_code(value: str) -> str:
    if not (len(value) in (2, 4, 6) and value.isdigit()):
        raise bilingual_error(
            "industry_code_format",
            da="Branchekoden skal være 6 cifre (fx 471100); 2 eller 4 cifre accepteres også",
            en="The industry code must be 6 digits (e.g. 471100); 2 or 4 digits are accepted too",
        )
    return value


def _check_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", value)
    if digits.startswith("+45"):
        digits = digits[3:]
    elif digits.startswith("0045") and len(digits) == 12:
        digits = digits[4:]
    if len(digits) != 8 or not digits.isdigit():
        raise bilingual_error(
            "phone_format",
            da="Telefonnummeret skal være 8 cifre (evt. med +45 foran)",
            en="The phone number must be 8 digits (optionally preceded by +45)",
        )
    return f"+45 {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}"


def _digits_pattern(*counts: int) -> Any:
    """The OpenAPI pattern of a code of so many digits, with the spaces, dots and dashes
    ``normalise_digits`` drops (the validators give the message and check a CVR's digit)."""
    digit = r"[0-9][\s.\-]*"
    lengths = "|".join(f"(?:{digit}){{{count}}}" for count in counts)
    return Field(json_schema_extra={"pattern": rf"^[\s.\-]*(?:{lengths})$"})


Cvr = Annotated[str, BeforeValidator(_strip_digits), AfterValidator(_check_cvr), _digits_pattern(8)]
# A CPR number written with a separator is refused before the separators are dropped.
PNumber = Annotated[
    str,
    BeforeValidator(_strip_digits),
    BeforeValidator(reject_cpr_in_code),
    AfterValidator(_check_p_number),
    _digits_pattern(10),
]
IndustryCode = Annotated[
    str,
    BeforeValidator(_strip_digits),
    AfterValidator(_check_industry_code),
    _digits_pattern(2, 4, 6),
]
# What _check_phone accepts: spaces, dashes and brackets anywhere, +45 (or 0045), 8 digits.
_T = r"[\s\-()]*"
Phone = Annotated[
    str,
    AfterValidator(_check_phone),
    Field(
        json_schema_extra={
            "pattern": rf"^{_T}(?:\+{_T}4{_T}5{_T}|0{_T}0{_T}4{_T}5{_T})?(?:[0-9]{_T}){{8}}$"
        }
    ),
]
Email = Annotated[FreeText, shown_pattern(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Requirements = dict[RequirementKey, RequirementLevel]


class ContactPersonIn(BaseModel):
    """A contact person at the company."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    title: Annotated[FreeText | None, Field(max_length=200)] = None
    phone: Phone | None = None
    email: Email | None = None
    is_primary: bool = False


class ContactPersonPublic(ContactPersonIn):
    """A stored contact person."""

    id: str


class CompanyFields(BaseModel):
    """Fields of a company that a caller may set (all optional; see CompanyCreate)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    p_number: PNumber | None = None
    name: Annotated[FreeText | None, Field(min_length=1, max_length=200)] = None
    address: Annotated[FreeText | None, Field(max_length=200)] = None
    postal_code: DanishPostalCode | None = None
    municipality_code: MunicipalityCode | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    db07_code: IndustryCode | None = None
    db25_code: IndustryCode | None = None
    sector: Sector | None = None
    size_band: SizeBand | None = None
    sector_type: SectorType | None = None
    contact_owner: ContactOwner | None = None
    is_ambassador: bool | None = None
    accepts_visits: bool | None = None
    unskilled_tasks: UnskilledTasks | None = None
    recruitment_difficulty: RecruitmentDifficulty | None = None
    requirements: Requirements | None = None
    is_paused: bool | None = None
    monthly_capacity: Annotated[int | None, Field(ge=0, le=1000)] = None
    contacts: Annotated[list[ContactPersonIn] | None, Field(max_length=50)] = None


class CompanyUpdate(CompanyFields):
    """A partial change; fields left out keep their value, ``null`` clears an optional one."""


class CompanyCreate(CompanyFields):
    """A new company: CVR, name, postal code, contact owner and an industry code or sector."""

    cvr: Cvr
    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    postal_code: DanishPostalCode
    contact_owner: ContactOwner

    @model_validator(mode="after")
    def _complete(self) -> CompanyCreate:
        # Raised at a field (not the model) so the 422 names a field a form can highlight.
        if self.db07_code is None and self.db25_code is None and self.sector is None:
            raise _field_error(
                "CompanyCreate",
                "db07_code",
                bilingual_error(
                    "industry_missing",
                    da="Angiv en branchekode (db07_code eller db25_code) eller en sektor (sector)",
                    en="Give an industry code (db07_code or db25_code) or a sector",
                ),
            )
        incomplete = incomplete_coordinates(self.lat, self.lon)
        if incomplete is not None:
            raise _field_error("CompanyCreate", *incomplete)
        return self


class CompanyPublic(BaseModel):
    """A company as the API returns it."""

    id: str
    cvr: str
    p_number: str | None
    name: str
    address: str | None
    postal_code: str
    city: str | None
    municipality_code: str
    lat: float | None
    lon: float | None
    coordinates_source: str | None
    db07_code: str | None
    db25_code: str | None
    sector: Sector
    size_band: SizeBand | None
    sector_type: SectorType
    contact_owner: ContactOwner
    is_ambassador: bool
    accepts_visits: bool
    unskilled_tasks: UnskilledTasks | None
    recruitment_difficulty: RecruitmentDifficulty | None
    requirements: Requirements
    is_paused: bool
    monthly_capacity: int | None
    is_demo: bool
    contacts: list[ContactPersonPublic]
    created_at: UtcDatetime
    updated_at: UtcDatetime
    archived_at: UtcDatetime | None = Field(
        default=None,
        description="Set when the company was removed while it had placements: kept for their "
        "history, left out of lists, matching and bus tours",
    )


class ContactPoint(BaseModel):
    """A job-centre or BLF unit a company can call."""

    owner: ContactOwner
    name: str
    phone: str | None
    email: str | None
    hours: str | None
    verified: bool


class BusinessCard(BaseModel):
    """The extended business card: the company's contacts and everyone it can call."""

    company_id: str
    company_name: str
    contact_owner: ContactOwner
    contact_owner_name: str
    contacts: list[ContactPersonPublic]
    contact_points: list[ContactPoint]
    warnings: list[str]


class RowProblem(BaseModel):
    """Why one row of an import was rejected."""

    row: int
    cvr: str | None
    field: str
    message: str


class ImportRowResult(BaseModel):
    """A row that was stored."""

    row: int
    cvr: str
    company_id: str
    name: str


class ImportReport(BaseModel):
    """What an import did: created, updated and rejected rows (rejected rows store nothing)."""

    file_name: str | None
    dry_run: bool
    rows: int
    created: list[ImportRowResult]
    updated: list[ImportRowResult]
    rejected: list[RowProblem]
    unknown_columns: list[str]
