"""HTTP routes for placements, learning cases, wage-hour agreements and budget examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse
from pydantic import Field

from service import clock
from service.auth.dependencies import StaffPrincipal
from service.db import SessionDep
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, UpdatedSinceQuery
from service.placements import agreements, learning, rendering, views
from service.placements import service as placements_service
from service.placements.budget import BenefitCategory
from service.placements.dependencies import PlacementDep, PlacementWorker
from service.placements.schemas import (
    AgreementCreate,
    AgreementPublic,
    BudgetPublic,
    LearningCaseNoteCreate,
    LearningCasePublic,
    LearningCaseSummary,
    PlacementCreate,
    PlacementPublic,
    PlacementUpdate,
)
from service.placements.states import PlacementStatus, PlacementType
from service.places import LOLLAND
from service.schemas import IsoDate, Page

router = APIRouter(tags=["placements"])

HoursPerWeek = Annotated[Decimal, Field(ge=0, le=37)]


class BudgetFormat(StrEnum):
    """How the budget example is answered."""

    json = "json"
    html = "html"
    pdf = "pdf"


@router.get(
    "/budget",
    response_model=BudgetPublic,
    responses={
        200: {
            "content": {"text/html": {}, "application/pdf": {}},
            "description": "JSON, or with format=html|pdf one printable A4 page in Danish",
        }
    },
)
def read_budget(
    principal: StaffPrincipal,
    hourly_wage: Annotated[Decimal, Query(gt=0, le=1000, description="Hourly wage in DKK")],
    benefit_category: BenefitCategory,
    on: Annotated[
        date | None, Query(description="Rules in force on this date (default today)")
    ] = None,
    hours_per_week: Annotated[
        list[HoursPerWeek] | None,
        Query(max_length=10, description="Paid hours a week (repeatable)"),
    ] = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    church_member: Annotated[
        bool, Query(description="Member of the church: church tax is added")
    ] = False,
    single: Annotated[
        bool, Query(description="Lives alone: the single person's supplement (from 1 July 2025)")
    ] = True,
    output: Annotated[BudgetFormat, Query(alias="format")] = BudgetFormat.json,
) -> BudgetPublic | Response:
    """What paid hours mean for a citizen's monthly income on cash benefit (no citizen needed)."""
    budget = placements_service.budget_example(
        hourly_wage=hourly_wage,
        category=benefit_category,
        on=on or clock.today(),
        municipality_code=municipality_code or principal.municipality_code or LOLLAND,
        hours_per_week=hours_per_week,
        church_member=church_member,
        single=single,
    )
    if output == BudgetFormat.json:
        return budget
    document = rendering.build_budget_document(budget, printed=clock.today().strftime("%d-%m-%Y"))
    if output == BudgetFormat.html:
        return HTMLResponse(rendering.budget_html(document))
    filename = f"budget-{budget.on.isoformat()}.pdf"
    return Response(
        rendering.budget_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get("/placements", response_model=Page[PlacementPublic])
def list_placements(
    session: SessionDep,
    actor: PlacementWorker,
    citizen_id: Annotated[str | None, Query(max_length=80)] = None,
    company_id: Annotated[str | None, Query(max_length=80)] = None,
    status_filter: Annotated[PlacementStatus | None, Query(alias="status")] = None,
    placement_type: PlacementType | None = None,
    lock_in_risk: Annotated[
        bool | None, Query(description="Only internships past 13 weeks without the step")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[PlacementPublic]:
    """Placements of the caller's municipality (all for admins), oldest first; audited."""
    rows, next_cursor = views.list_placements(
        session,
        actor=actor,
        citizen_id=citizen_id,
        company_id=company_id,
        status=status_filter,
        placement_type=placement_type,
        lock_in_risk=lock_in_risk,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return Page[PlacementPublic](
        items=views.placements_public(session, rows, actor), next_cursor=next_cursor
    )


@router.post("/placements", response_model=PlacementPublic, status_code=status.HTTP_201_CREATED)
def create_placement(
    data: PlacementCreate, session: SessionDep, actor: PlacementWorker
) -> PlacementPublic:
    """Propose a placement (status proposed); internships need a review date and a step."""
    placement = placements_service.create_placement(session, data=data, actor=actor)
    return views.placements_public(session, [placement], actor)[0]


@router.get("/placements/learning-cases", response_model=LearningCaseSummary)
def read_learning_case_summary(
    session: SessionDep,
    actor: StaffPrincipal,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    opened_since: Annotated[IsoDate | None, Query(description="Cases opened on or after")] = None,
) -> LearningCaseSummary:
    """Learning cases counted by reason, sector and company (counts only)."""
    return learning.learning_case_summary(
        session, actor=actor, municipality_code=municipality_code, opened_since=opened_since
    )


@router.get("/placements/{placement_id}", response_model=PlacementPublic)
def read_placement(
    actor: PlacementWorker, placement: PlacementDep, session: SessionDep
) -> PlacementPublic:
    """One placement with its dated transitions and the statuses it may move to; audited."""
    return views.read_placement(session, placement=placement, actor=actor)


@router.patch("/placements/{placement_id}", response_model=PlacementPublic)
def update_placement(
    actor: PlacementWorker, placement: PlacementDep, data: PlacementUpdate, session: SessionDep
) -> PlacementPublic:
    """Change fields and/or move to the next status (`status`, dated by `effective_date`)."""
    placement = placements_service.update_placement(
        session, placement=placement, data=data, actor=actor
    )
    return views.placements_public(session, [placement], actor)[0]


@router.get("/placements/{placement_id}/learning-case", response_model=LearningCasePublic)
def read_learning_case(
    actor: PlacementWorker, placement: PlacementDep, session: SessionDep
) -> LearningCasePublic:
    """The learning case of a placement that ended early, with every note; audited."""
    return learning.read_learning_case(session, placement=placement, actor=actor)


@router.post(
    "/placements/{placement_id}/learning-case/notes",
    response_model=LearningCasePublic,
    status_code=status.HTTP_201_CREATED,
)
def add_learning_case_note(
    actor: PlacementWorker,
    placement: PlacementDep,
    data: LearningCaseNoteCreate,
    session: SessionDep,
) -> LearningCasePublic:
    """Add what happened, from the citizen's, company's, caseworker's or consultant's view."""
    return learning.add_note(session, placement=placement, data=data, actor=actor)


@router.post(
    "/placements/{placement_id}/agreement",
    response_model=AgreementPublic,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The existing agreement was replaced"}},
)
def save_agreement(
    actor: PlacementWorker,
    placement: PlacementDep,
    data: AgreementCreate,
    session: SessionDep,
    response: Response,
) -> AgreementPublic:
    """Record the wage-hour agreement and its budget (201), or replace the existing one (200)."""
    agreement, created = agreements.save_agreement(
        session, placement=placement, data=data, actor=actor
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return agreements.agreement_public(session, placement=placement, agreement=agreement)


@router.get("/placements/{placement_id}/agreement", response_model=AgreementPublic)
def read_agreement(
    actor: PlacementWorker, placement: PlacementDep, session: SessionDep
) -> AgreementPublic:
    """The placement's wage-hour agreement with its stored budget; audited."""
    return agreements.read_agreement(session, placement=placement, actor=actor)


@router.get(
    "/placements/{placement_id}/agreement.html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "Printable agreement"}},
)
def read_agreement_html(
    actor: PlacementWorker, placement: PlacementDep, session: SessionDep
) -> HTMLResponse:
    """The agreement as one printable page in Danish (print CSS); audited."""
    document = agreements.agreement_document(
        session, placement=placement, actor=actor, via="agreement_html"
    )
    return HTMLResponse(rendering.agreement_html(document))


@router.get(
    "/placements/{placement_id}/agreement.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Agreement as PDF"}},
)
def read_agreement_pdf(
    actor: PlacementWorker, placement: PlacementDep, session: SessionDep
) -> Response:
    """The agreement as a one-page A4 PDF; audited."""
    document = agreements.agreement_document(
        session, placement=placement, actor=actor, via="agreement_pdf"
    )
    return Response(
        rendering.agreement_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": rendering.agreement_pdf_disposition(placement.id)},
    )
