"""Request and response shapes for placements and budgets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, model_validator

from service.i18n import bilingual_error
from service.placements.budget import BenefitCategory
from service.placements.states import (
    Assessment,
    EndReason,
    Perspective,
    PlacementStatus,
    PlacementType,
)
from service.schemas import FreeText, UtcDatetime, shown_pattern
from service.schemas import Identifier as CheckedIdentifier

_Date = date  # a field below is called `date`
# Money leaves the API as a JSON number with two decimals (API.md), not as a string.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float)]


class BudgetRowPublic(BaseModel):
    """Monthly amounts (DKK) for one number of paid hours a week."""

    hours_per_week: Money
    earnings: Money
    benefit: Money
    am_bidrag: Money
    # The parts of `tax`; absent from budgets stored before issue 15.
    bundskat: Money | None = None
    municipal_tax: Money | None = None
    church_tax: Money | None = None
    tax: Money
    disposable_income: Money
    gain: Money


class BudgetSource(BaseModel):
    """One number the budget is built on, with its source."""

    label: str
    value: Money
    source: str
    date: _Date | None = Field(default=None, description="Date of the source, or of the search")
    verified: bool


class BudgetRules(BaseModel):
    """The rules a budget was computed under."""

    id: str | None = Field(default=None, description="The rules file: 2024, 2025-1, 2025-2, 2026")
    name: str
    regime: str
    valid_from: date
    valid_to: date | None
    sources: list[BudgetSource]
    warnings: list[str] = Field(
        description="In Danish: at most one sentence on numbers not verified for the period, "
        "and one when the date is after the last rules file"
    )


class BudgetPublic(BaseModel):
    """A budget example: monthly income without and with paid hours."""

    hourly_wage: Money
    benefit_category: str
    on: date
    municipality_code: str
    municipality_name: str | None = None
    church_member: bool = False
    single: bool = True
    rows: list[BudgetRowPublic]
    rules: BudgetRules
    assumptions: str | None = Field(default=None, description="What is assumed, in Danish")


# --- Placements -------------------------------------------------------------------------------

Hours = Annotated[float, Field(gt=0, le=37)]
Note = Annotated[FreeText, Field(min_length=1, max_length=2000)]
Reason = Annotated[FreeText, Field(min_length=1, max_length=1000)]
Identifier = Annotated[CheckedIdentifier, Field(min_length=1, max_length=80)]


class PlacementPlan(BaseModel):
    """The plan fields a placement is created with and may later change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    start_date: date | None = None
    planned_end_date: date | None = None
    hours_per_week: Hours | None = None
    review_date: date | None = None
    planned_step_type: PlacementType | None = None
    planned_step_date: date | None = None
    caseworker_id: Identifier | None = None
    consultant_id: Identifier | None = None
    notes: Note | None = None


class PlacementCreate(PlacementPlan):
    """A new placement (status proposed). Internships need a review date and a planned step."""

    citizen_id: Identifier
    placement_type: PlacementType
    company_id: Identifier | None = None
    opening_id: Identifier | None = None
    task_id: Identifier | None = None
    proposed_date: date | None = None


class PlacementUpdate(PlacementPlan):
    """A change of fields and/or a transition (``status``, dated by ``effective_date``)."""

    status: PlacementStatus | None = None
    effective_date: date | None = None
    status_reason: Reason | None = None
    assessment: Assessment | None = None
    missed_hours: Annotated[float, Field(gt=0, le=2000)] | None = None
    end_reason: EndReason | None = None
    end_reason_text: Reason | None = None
    outcome_category: Annotated[int, Field(strict=True, ge=1, le=7)] | None = None
    planned_step_done: bool | None = None


class TransitionPublic(BaseModel):
    """One dated status change."""

    from_status: PlacementStatus | None
    to_status: PlacementStatus
    effective_date: date
    actor_user_id: str | None
    actor_role: str
    recorded_at: UtcDatetime


class PlacementPublic(BaseModel):
    """A placement with its history, what may come next, and its lock-in flag."""

    id: str
    citizen_id: str | None
    citizen_name: str | None
    municipality_code: str
    company_id: str | None
    company_name: str | None
    sector: str | None
    opening_id: str | None
    task_id: str | None
    placement_type: PlacementType
    status: PlacementStatus
    allowed_next: list[PlacementStatus]
    proposed_date: date
    start_date: date | None
    planned_end_date: date | None
    end_date: date | None
    hours_per_week: float | None
    review_date: date | None
    planned_step_type: PlacementType | None
    planned_step_date: date | None
    planned_step_done: bool
    planned_step_done_date: date | None
    lock_in_risk: bool
    weeks_running: int | None
    caseworker_id: str | None
    consultant_id: str | None
    assessment: Assessment | None
    missed_hours: float | None
    end_reason: EndReason | None
    end_reason_text: str | None
    outcome_category: int | None
    outcome_label: str | None
    learning_case_opened_date: date | None
    has_agreement: bool
    status_reason: str | None
    notes: str | None
    transitions: list[TransitionPublic]
    anonymised: bool
    is_demo: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime


# --- Learning cases ---------------------------------------------------------------------------


class LearningCaseNoteCreate(BaseModel):
    """One party's account of what happened, written down by a caseworker or consultant."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    perspective: Perspective
    text: Note


class LearningCaseNotePublic(BaseModel):
    """A note of a learning case."""

    id: str
    perspective: Perspective
    text: str
    author_user_id: str | None
    created_at: UtcDatetime


class LearningCasePublic(BaseModel):
    """A learning case: the placement that ended early and what each party says happened."""

    placement_id: str
    opened_date: date
    assessment: Assessment
    reason: str
    reason_label: str
    company_id: str | None
    sector: str | None
    notes: list[LearningCaseNotePublic]
    perspectives_missing: list[Perspective]


class ReasonCount(BaseModel):
    """How many learning cases have one reason."""

    reason: str
    label: str
    count: int


class LearningCaseGroup(BaseModel):
    """Learning cases of one sector or company, counted by reason."""

    sector: str | None
    company_id: str | None = None
    company_name: str | None = None
    total: int
    reasons: dict[str, int]


class LearningCaseSummary(BaseModel):
    """Counts of learning cases by reason, sector and company (no citizen-level data)."""

    total: int
    by_reason: list[ReasonCount]
    by_sector: list[LearningCaseGroup]
    by_company: list[LearningCaseGroup]
    notes_by_perspective: dict[str, int]


# --- Wage-hour agreements ---------------------------------------------------------------------


class AgreementTaskIn(BaseModel):
    """A task of the agreement: a catalogue task id, or a description in words."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    task_id: Identifier | None = None
    text: Annotated[FreeText, Field(min_length=1, max_length=300)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> AgreementTaskIn:
        if (self.task_id is None) == (self.text is None):
            raise bilingual_error(
                "task_or_text",
                da="Angiv enten task_id eller text (ikke begge)",
                en="Give either task_id or text (not both)",
            )
        return self


class AgreementCreate(BaseModel):
    """A wage-hour agreement for paid hours or a hybrid job; the budget is computed from it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company_contact_id: Identifier | None = None
    company_contact_name: Annotated[FreeText, Field(min_length=1, max_length=200)] | None = None
    company_contact_phone: (
        Annotated[FreeText, shown_pattern(r"^[0-9 +]+$", max_length=20)] | None
    ) = None
    caseworker_id: Identifier | None = None
    consultant_id: Identifier | None = None
    paid_tasks: Annotated[list[AgreementTaskIn], Field(min_length=1, max_length=20)]
    internship_tasks: Annotated[list[AgreementTaskIn], Field(max_length=20)] = []
    hours_per_week: Annotated[Decimal, Field(gt=0, le=37, decimal_places=2)]
    hourly_wage: Annotated[Decimal, Field(gt=0, le=1000, decimal_places=2)]
    start_date: date
    review_date: date
    benefit_category: BenefitCategory
    municipality_code: Annotated[str, Field(pattern=r"^\d{3}$")] | None = None


class PartyPublic(BaseModel):
    """A party to the agreement: an id (where one exists) and a name."""

    id: str | None
    name: str | None


class AgreementTaskPublic(BaseModel):
    """A task of the agreement with its name."""

    task_id: str | None
    name: str


class CompanyParty(BaseModel):
    """The company side of the agreement."""

    id: str | None
    name: str | None
    cvr: str | None
    address: str | None
    contact_name: str
    contact_phone: str | None
    archived: bool = Field(
        default=False, description="The company is archived: kept for history, not matched"
    )


class AgreementPublic(BaseModel):
    """A wage-hour agreement with its parties, tasks, terms and budget snapshot."""

    id: str
    placement_id: str
    placement_type: PlacementType
    citizen: PartyPublic
    company: CompanyParty
    caseworker: PartyPublic
    consultant: PartyPublic
    paid_tasks: list[AgreementTaskPublic]
    internship_tasks: list[AgreementTaskPublic]
    hours_per_week: Money
    hourly_wage: Money
    monthly_earnings: Money
    start_date: date
    review_date: date
    benefit_category: BenefitCategory
    budget: BudgetPublic
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CitizenPlacementRecord(BaseModel):
    """What the placements domain holds about one citizen (for the right of access)."""

    placements: list[PlacementPublic]
    agreements: list[AgreementPublic]
    learning_cases: list[LearningCasePublic]
