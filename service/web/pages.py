"""The pages (issue 16). Each route reads its input, calls the service functions the API calls
and renders a template; who may open a page and what it shows is the access policy's answer."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service import clock
from service.auth import policy
from service.auth import service as auth_service
from service.auth.principal import Principal
from service.auth.schemas import ApiKeyPublic, UserPublic
from service.citizens import importers as citizen_importers
from service.citizens import measurements
from service.citizens import service as citizens_service
from service.citizens.bip import INDICATORS
from service.citizens.dependencies import valid_citizen_id
from service.citizens.schemas import BipMeasurementCreate, CitizenImportReport, CitizenStatus
from service.companies import importers as company_importers
from service.companies import service as companies_service
from service.companies.schemas import ImportReport
from service.config import Settings
from service.db import SessionDep
from service.errors import (
    FieldError,
    KantmatchError,
    ValidationFailedError,
    validation_failed_from,
)
from service.matching import service as matching_service
from service.matching.audit import model_audit
from service.matching.dependencies import get_model
from service.matching.exceptions import CitizenWithoutLocationError, NoModelError
from service.matching.schemas import CitizenMatches
from service.overview import progress as overview_progress
from service.overview import summary as overview_summary
from service.overview.chart import targets_chart_svg
from service.overview.schemas import OverviewFilters
from service.placements import agreements, learning, rendering
from service.placements import service as placements_service
from service.placements import views as placement_views
from service.placements.budget import BenefitCategory
from service.placements.dependencies import valid_placement_id
from service.placements.models import Placement
from service.placements.schemas import LearningCaseNoteCreate, PlacementCreate, PlacementUpdate
from service.placements.states import PAID_TYPES, STATUS_LABELS_DA, TYPE_LABELS_DA, Perspective
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tasks import catalogue, openings
from service.tasks.schemas import OpeningCreate
from service.web.deps import (
    PagePrincipal,
    PageRoute,
    SettingsDep,
    check_csrf,
    csrf_token_for,
    page_for,
    render,
)

router = APIRouter(route_class=PageRoute, dependencies=[Depends(check_csrf)])

CitizenPages = Annotated[Principal, Depends(page_for("citizens"))]
BipPages = Annotated[Principal, Depends(page_for("bip"))]
CompanyPages = Annotated[Principal, Depends(page_for("companies"))]
PlacementPages = Annotated[Principal, Depends(page_for("placements"))]
BudgetPages = Annotated[Principal, Depends(page_for("budget"))]
OverviewPages = Annotated[Principal, Depends(page_for("overview"))]
AdminPages = Annotated[Principal, Depends(page_for("admin"))]
SearchText = Annotated[str | None, Query(max_length=200)]

# The placements domain's own Danish words for its statuses and types.
STATUS_LABELS = {str(status): label.capitalize() for status, label in STATUS_LABELS_DA.items()}
PLACEMENT_TYPE_LABELS = {str(kind): label for kind, label in TYPE_LABELS_DA.items()}
CITIZEN_STATUS_LABELS = {
    "active": "Aktiv",
    "paused": "På pause",
    "in_placement": "I forløb",
    "employed": "I job",
    "ended": "Afsluttet",
}
# What a company can offer a task as (the company placements of the placements domain).
OPENING_PLACEMENT_TYPES = {
    "virksomhedspraktik": "Virksomhedspraktik",
    "loentimer": "Løntimer",
    "hybridjob": "Hybridjob",
    "ordinary": "Ordinært job",
}
BENEFIT_LABELS = {
    BenefitCategory.forhoejet_sats: "Kontanthjælp, forhøjet sats",
    BenefitCategory.forhoejet_sats_children: "Kontanthjælp, forhøjet sats med børn",
    BenefitCategory.grundsats: "Kontanthjælp, grundsats",
    BenefitCategory.grundsats_home: "Kontanthjælp, grundsats, hjemmeboende",
    BenefitCategory.mindstesats: "Kontanthjælp, mindstesats",
}


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "placement_type_labels": PLACEMENT_TYPE_LABELS,
        "citizen_status_labels": CITIZEN_STATUS_LABELS,
        "sectors": list(Sector),
        "sector_names": SECTOR_NAMES_DA,
    }


def _citizens(
    session: SessionDep,
    actor: Principal,
    *,
    q: str | None,
    status: str | None,
    overdue: bool | None,
) -> list[Any]:
    """The citizens list of the API, in the caller's shape (BIP filter for caseworkers only)."""
    rows, _ = citizens_service.list_citizens(
        session,
        actor=actor,
        q=q,
        status=status,
        municipality_code=None,
        bip_overdue=overdue if policy.may_see_sensitive(actor) else None,
        updated_since=None,
        limit=100,
        cursor=None,
    )
    return list(citizens_service.views(session, rows, actor=actor))


def _placements(session: SessionDep, actor: Principal, *, citizen_id: str | None) -> list[Any]:
    """The placements list of the API (the caller's municipality), oldest first."""
    rows, _ = placement_views.list_placements(
        session,
        actor=actor,
        citizen_id=citizen_id,
        company_id=None,
        status=None,
        placement_type=None,
        lock_in_risk=None,
        updated_since=None,
        limit=100,
        cursor=None,
    )
    return list(placement_views.placements_public(session, rows, actor))


# --- start page ---------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
def start_page(request: Request, session: SessionDep, actor: PagePrincipal) -> Response:
    kind = policy.start_page_for(actor)
    context: dict[str, Any] = {"kind": kind, **_labels()}
    if policy.may_open_page(actor, "citizens"):
        overdue = _citizens(session, actor, q=None, status=None, overdue=True)
        context["citizens"] = overdue[:10]
    if policy.may_open_page(actor, "placements"):
        public = _placements(session, actor, citizen_id=None)
        context["placements"] = [p for p in public if p.allowed_next or p.lock_in_risk][:10]
    if policy.may_open_page(actor, "companies"):
        scope = policy.municipality_scope(actor)
        rows_o, _ = openings.list_openings(
            session, status="open", municipality_code=scope, limit=10, cursor=None
        )
        context["openings"] = openings.openings_public(session, rows_o)
    return render(request, "home.html", context)


# --- citizens -----------------------------------------------------------------------------


@router.get("/borgere", include_in_schema=False)
def citizens_page(
    request: Request,
    session: SessionDep,
    actor: CitizenPages,
    q: SearchText = None,
    status: Annotated[str, Query(max_length=32)] = "",
    bip_overdue: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    # A plain form sends empty fields; an empty choice means "all".
    overdue = True if bip_overdue == "true" else None
    citizens = _citizens(session, actor, q=q or None, status=status or None, overdue=overdue)
    context = {
        "citizens": citizens,
        "q": q or "",
        "status": status,
        "bip_overdue": overdue,
        "statuses": list(CitizenStatus),
        "sensitive": policy.may_see_sensitive(actor),
        **_labels(),
    }
    template = "citizens_rows.html" if request.headers.get("hx-request") else "citizens.html"
    return render(request, template, context)


def _matches(
    request: Request, session: SessionDep, citizen: Any, actor: Principal
) -> tuple[CitizenMatches | None, str | None]:
    """The API's matches for the citizen, or why there are none (no scorer, no location)."""
    try:
        loaded = get_model(request, session)
        found = matching_service.citizen_matches(
            session, citizen=citizen, actor=actor, loaded=loaded, limit=5
        )
    except (NoModelError, CitizenWithoutLocationError) as error:
        return None, error.message("da")
    return found, None


def _citizen_context(
    request: Request, session: SessionDep, citizen: Any, actor: Principal
) -> dict[str, Any]:
    view = citizens_service.read_citizen(session, citizen=citizen, actor=actor)
    sensitive = policy.may_see_sensitive(actor)
    history = measurements.read_bip(session, citizen=citizen, actor=actor) if sensitive else None
    matches, no_matches = _matches(request, session, citizen, actor)
    return {
        "citizen": view,
        "sensitive": sensitive,
        "history": history,
        "matches": matches,
        "no_matches": no_matches,
        "placements": _placements(session, actor, citizen_id=citizen.id),
        "may_propose": policy.may_open_page(actor, "placements"),
        "proposal": None,
        "propose_labels": PROPOSE_LABELS,
        "opening_placement_types": OPENING_PLACEMENT_TYPES,
        "paid_types": sorted(str(kind) for kind in PAID_TYPES),
        "today": clock.today(),
        **_labels(),
    }


@router.get("/borgere/{citizen_id}", include_in_schema=False)
def citizen_page(
    request: Request, citizen_id: str, session: SessionDep, actor: CitizenPages
) -> Response:
    citizen = valid_citizen_id(citizen_id, session, actor)
    return render(request, "citizen.html", _citizen_context(request, session, citizen, actor))


# "Foreslå forløb": the fields of POST /api/v1/placements that the form on a match offers.
PROPOSE_FIELDS = (
    "placement_type",
    "hours_per_week",
    "start_date",
    "review_date",
    "planned_step_type",
    "planned_step_date",
)
PROPOSE_LABELS = {
    "opening_id": "Opgaven",
    "company_id": "Virksomheden",
    "citizen_id": "Borgeren",
    "placement_type": "Forløbstype",
    "hours_per_week": "Timer om ugen",
    "start_date": "Startdato",
    "review_date": "Opfølgningsdato",
    "planned_step_type": "Skridt til lønnede timer",
    "planned_step_date": "Dato for skridtet",
}


@router.post("/borgere/{citizen_id}/forloeb", include_in_schema=False)
async def propose_placement(
    request: Request, citizen_id: str, session: SessionDep, actor: PlacementPages
) -> Response:
    """Propose a placement from a match (the API's POST /placements), then show it."""
    citizen = valid_citizen_id(citizen_id, session, actor)
    form = await request.form()
    values = {key: str(form.get(key) or "").strip() for key in ("opening_id", *PROPOSE_FIELDS)}
    # An empty field of a plain form means "not given".
    payload = {"citizen_id": citizen.id, **{key: value for key, value in values.items() if value}}
    try:
        # A refusal leaves nothing behind, even what the service flushed before refusing.
        with session.begin_nested():
            data = PlacementCreate.model_validate(payload)
            placement = placements_service.create_placement(session, data=data, actor=actor)
    except (ValidationError, ValidationFailedError) as exc:
        error = exc if isinstance(exc, ValidationFailedError) else validation_failed_from(exc)
        context = _citizen_context(request, session, citizen, actor)
        context["proposal"] = {"opening_id": values["opening_id"], "values": values, "error": error}
        return render(request, "citizen.html", context, status_code=422)
    return RedirectResponse(f"/forloeb/{placement.id}", status_code=303)


def _bip_context(
    session: SessionDep,
    citizen: Any,
    actor: Principal,
    values: dict[str, str],
    error: ValidationFailedError | None,
) -> dict[str, Any]:
    return {
        "citizen": citizen,
        "history": measurements.read_bip(session, citizen=citizen, actor=actor),
        "indicators": INDICATORS,
        "today": clock.today(),
        "may_record_belief": policy.may_record_belief(actor),
        "values": values,
        "error": error,
    }


@router.get("/borgere/{citizen_id}/bip", include_in_schema=False)
def bip_page(request: Request, citizen_id: str, session: SessionDep, actor: BipPages) -> Response:
    citizen = valid_citizen_id(citizen_id, session, actor)
    context = _bip_context(session, citizen, actor, {}, None)
    return render(request, "bip.html", context)


@router.get("/borgere/{citizen_id}/bip.svg", include_in_schema=False)
def bip_chart(citizen_id: str, session: SessionDep, actor: BipPages) -> Response:
    citizen = valid_citizen_id(citizen_id, session, actor)
    svg = measurements.read_bip_chart(session, citizen=citizen, actor=actor)
    return Response(svg, media_type="image/svg+xml", headers={"cache-control": "no-store"})


@router.post("/borgere/{citizen_id}/bip", include_in_schema=False)
async def bip_submit(
    request: Request, citizen_id: str, session: SessionDep, actor: BipPages
) -> Response:
    citizen = valid_citizen_id(citizen_id, session, actor)
    form = await request.form()
    values = {key: str(form.get(key) or "") for key in (*INDICATORS, "measured_on", "belief")}
    answers = {key: int(values[key]) if values[key].isdigit() else None for key in INDICATORS}
    payload: dict[str, Any] = {"measured_on": values["measured_on"], "answers": answers}
    if values["belief"].isdigit():
        payload["caseworker_belief"] = int(values["belief"])
    try:
        data = BipMeasurementCreate.model_validate(payload)
        measurements.record_bip(session, citizen=citizen, data=data, actor=actor)
    except (ValidationError, ValidationFailedError) as exc:
        error = exc if isinstance(exc, ValidationFailedError) else validation_failed_from(exc)
        context = _bip_context(session, citizen, actor, values, error)
        return render(request, "bip.html", context, status_code=422)
    return RedirectResponse(f"/borgere/{citizen.id}/bip?gemt=1", status_code=303)


# --- placements ---------------------------------------------------------------------------


PERSPECTIVE_LABELS = {
    Perspective.citizen: "Borgerens beretning",
    Perspective.company: "Virksomhedens beretning",
    Perspective.caseworker: "Sagsbehandlerens beretning",
    Perspective.consultant: "Virksomhedskonsulentens beretning",
}
NOTE_LABELS = {"perspective": "Hvis beretning", "text": "Hvad skete der"}


def _placement_context(
    session: SessionDep,
    placement: Placement,
    actor: Principal,
    note: dict[str, Any] | None = None,
) -> dict[str, Any]:
    public = placement_views.read_placement(session, placement=placement, actor=actor)
    tasks = catalogue.tasks_by_id(session, {public.task_id} if public.task_id else set())
    task = tasks.get(public.task_id or "")
    # The learning case as the API's GET .../learning-case shows it to this caller (audited).
    case = (
        learning.read_learning_case(session, placement=placement, actor=actor)
        if placement.learning_case_opened_date is not None
        else None
    )
    return {
        "placement": public,
        "task_name": task.name if task else None,
        "case": case,
        "note": note or {"values": {}, "error": None},
        "perspectives": list(Perspective),
        "perspective_labels": PERSPECTIVE_LABELS,
        "note_labels": NOTE_LABELS,
        "today": clock.today(),
        **_labels(),
    }


@router.get("/forloeb/udskrift.css", include_in_schema=False)
def print_style(_: PlacementPages) -> Response:
    """The printable agreement's style (A4), linked because the pages' CSP refuses inline style."""
    return Response(rendering.print_style(), media_type="text/css; charset=utf-8")


@router.get("/forloeb/{placement_id}/aftale", include_in_schema=False)
def agreement_print(placement_id: str, session: SessionDep, actor: PlacementPages) -> Response:
    """The wage-hour agreement as the API's printable page, with its style linked."""
    placement = valid_placement_id(placement_id, session, actor)
    document = agreements.agreement_document(
        session, placement=placement, actor=actor, via="agreement_html"
    )
    html = rendering.agreement_html(document, stylesheet="/forloeb/udskrift.css")
    return Response(html, media_type="text/html", headers={"cache-control": "no-store"})


@router.get("/forloeb/{placement_id}/aftale.pdf", include_in_schema=False)
def agreement_pdf(placement_id: str, session: SessionDep, actor: PlacementPages) -> Response:
    """The wage-hour agreement as the API's one-page A4 PDF."""
    placement = valid_placement_id(placement_id, session, actor)
    document = agreements.agreement_document(
        session, placement=placement, actor=actor, via="agreement_pdf"
    )
    return Response(
        rendering.agreement_pdf(document),
        media_type="application/pdf",
        headers={
            "cache-control": "no-store",
            "content-disposition": rendering.agreement_pdf_disposition(placement.id),
        },
    )


@router.get("/forloeb/{placement_id}", include_in_schema=False)
def placement_page(
    request: Request, placement_id: str, session: SessionDep, actor: PlacementPages
) -> Response:
    placement = valid_placement_id(placement_id, session, actor)
    return render(request, "placement.html", _placement_context(session, placement, actor))


@router.post("/forloeb/{placement_id}/laeringscase", include_in_schema=False)
def learning_note_submit(
    request: Request,
    placement_id: str,
    session: SessionDep,
    actor: PlacementPages,
    perspective: Annotated[str, Form(max_length=32)] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    """Add a note to the learning case (the API's POST .../learning-case/notes)."""
    placement = valid_placement_id(placement_id, session, actor)
    values = {"perspective": perspective, "text": text}
    try:
        with session.begin_nested():
            data = LearningCaseNoteCreate.model_validate(values)
            learning.add_note(session, placement=placement, data=data, actor=actor)
    except (ValidationError, ValidationFailedError) as exc:
        error = exc if isinstance(exc, ValidationFailedError) else validation_failed_from(exc)
        note = {"values": values, "error": error}
        context = _placement_context(session, placement, actor, note)
        return render(request, "placement.html", context, status_code=422)
    return RedirectResponse(f"/forloeb/{placement.id}?notat=1#laeringscase", status_code=303)


STEP_LABELS = {"start_date": "Startdato", "effective_date": "Dato", "status": "Status"}


@router.post("/forloeb/{placement_id}/status", include_in_schema=False)
def placement_step(
    request: Request,
    placement_id: str,
    session: SessionDep,
    actor: PlacementPages,
    status: Annotated[str, Form(max_length=32)],
    effective_date: Annotated[date | None, Form()] = None,
    start_date: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Move the placement to its next status (the API's PATCH /placements/{id})."""
    placement = valid_placement_id(placement_id, session, actor)
    payload: dict[str, Any] = {"status": status, "effective_date": effective_date or clock.today()}
    if start_date:  # the agreed step asks for the start date when the proposal had none
        payload["start_date"] = start_date
    try:
        with session.begin_nested():
            data = PlacementUpdate.model_validate(payload)
            placements_service.update_placement(
                session, placement=placement, data=data, actor=actor
            )
    except (ValidationError, ValidationFailedError) as exc:
        error = exc if isinstance(exc, ValidationFailedError) else validation_failed_from(exc)
        context = _placement_context(session, placement, actor)
        context.update(step_error=error, step_labels=STEP_LABELS)
        return render(request, "placement.html", context, status_code=422)
    target = back if back.startswith("/") and not back.startswith("//") else ""
    return RedirectResponse(target or f"/forloeb/{placement.id}", status_code=303)


# --- companies ----------------------------------------------------------------------------


@router.get("/virksomheder", include_in_schema=False)
def companies_page(
    request: Request,
    session: SessionDep,
    actor: CompanyPages,
    q: SearchText = None,
    sector: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    rows, _ = companies_service.list_companies(
        session,
        q=q or None,
        sector=sector or None,
        municipality_code=None,
        updated_since=None,
        limit=100,
        cursor=None,
    )
    context = {
        "companies": companies_service.companies_public(session, rows),
        "q": q or "",
        "sector": sector,
        **_labels(),
    }
    template = "companies_rows.html" if request.headers.get("hx-request") else "companies.html"
    return render(request, template, context)


def _company_context(
    request: Request, session: SessionDep, settings: SettingsDep, company: Any, actor: Principal
) -> dict[str, Any]:
    rows, _ = openings.list_openings(session, company_id=company.id, limit=100, cursor=None)
    public_openings = openings.openings_public(session, rows)
    candidates = None
    try:
        loaded = get_model(request, session)
    except KantmatchError:
        loaded = None
    if loaded is not None and any(o.status == "open" for o in public_openings):
        candidates = matching_service.company_candidates(
            session, company=company, opening_id=None, actor=actor, loaded=loaded, limit=10
        )
    return {
        "company": companies_service.companies_public(session, [company])[0],
        "card": companies_service.business_card(
            session, company=company, contact_points_file=settings.contact_points_file
        ),
        "openings": public_openings,
        "suggestions": openings.suggest_tasks(session, company=company),
        "candidates": candidates,
        "may_write": policy.may_write_company(actor, company.municipality_code),
        "names_visible": policy.candidate_view(actor) == "names",
        "values": {"placement_types": list(OPENING_PLACEMENT_TYPES)},
        "error": None,
        "opening_placement_types": OPENING_PLACEMENT_TYPES,
        "field_labels": {
            "task_text": "Opgaven",
            "task_id": "Opgaven",
            "hours_per_week": "Timer om ugen",
            "positions": "Antal pladser",
            "placement_types": "Kan tilbydes som",
        },
        **_labels(),
    }


@router.get("/virksomheder/{company_id}", include_in_schema=False)
def company_page(
    request: Request,
    company_id: str,
    session: SessionDep,
    settings: SettingsDep,
    actor: CompanyPages,
) -> Response:
    company = companies_service.get_company(session, company_id=company_id)
    context = _company_context(request, session, settings, company, actor)
    return render(request, "company.html", context)


@router.get("/virksomheder/{company_id}/besoeg", include_in_schema=False)
def visit_checklist(
    request: Request, company_id: str, session: SessionDep, actor: CompanyPages
) -> Response:
    company = companies_service.get_company(session, company_id=company_id)
    context = {
        "company": companies_service.companies_public(session, [company])[0],
        "suggestions": openings.suggest_tasks(session, company=company),
    }
    return render(request, "visit.html", context)


@router.get("/opgaver/fortolk", include_in_schema=False)
def understood_as(
    request: Request,
    session: SessionDep,
    _: CompanyPages,
    task_text: Annotated[str, Query(max_length=300)] = "",
    sector: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """What a typed task is understood as (the live part of Spot et job)."""
    result = (
        catalogue.normalise_text(session, text=task_text, sector=sector or None, limit=3)
        if task_text.strip()
        else None
    )
    return render(request, "understood.html", {"result": result})


@router.post("/virksomheder/{company_id}/opgaver", include_in_schema=False)
def spot_job_submit(
    request: Request,
    company_id: str,
    session: SessionDep,
    settings: SettingsDep,
    actor: CompanyPages,
    task_text: Annotated[str, Form(max_length=300)] = "",
    hours_per_week: Annotated[str, Form(max_length=10)] = "",
    positions: Annotated[str, Form(max_length=10)] = "1",
    placement_types: Annotated[list[str] | None, Form(max_length=4)] = None,
) -> Response:
    company = companies_service.get_company(session, company_id=company_id)
    values: dict[str, Any] = {
        "task_text": task_text,
        "hours_per_week": hours_per_week,
        "positions": positions,
        "placement_types": placement_types or [],
    }
    try:
        item = OpeningCreate.model_validate(
            {
                "task_text": task_text,
                "hours_per_week": hours_per_week or None,
                "positions": positions or 1,
                "placement_types": placement_types or [],
            }
        )
        openings.create_openings(session, company=company, items=[item], actor=actor, as_list=False)
    except (ValidationError, ValidationFailedError) as exc:
        error = exc if isinstance(exc, ValidationFailedError) else validation_failed_from(exc)
        context = _company_context(request, session, settings, company, actor)
        context.update(values=values, error=error)
        return render(request, "company.html", context, status_code=422)
    return RedirectResponse(f"/virksomheder/{company.id}#opgaver", status_code=303)


# --- budget -------------------------------------------------------------------------------


@router.get("/budget", include_in_schema=False)
def budget_page(
    request: Request,
    actor: BudgetPages,
    hourly_wage: Annotated[str, Query(max_length=12)] = "",
    benefit_category: Annotated[BenefitCategory | None, Query()] = None,
) -> Response:
    budget = None
    error = None
    if hourly_wage or benefit_category:
        try:
            wage = Decimal(hourly_wage.replace(",", "."))
            if not 0 < wage <= 1000:
                raise InvalidOperation
        except InvalidOperation:
            error = "Timeløn skal være et beløb over 0 og højst 1000 kr."
        else:
            budget = placements_service.budget_example(
                hourly_wage=wage,
                category=benefit_category or BenefitCategory.forhoejet_sats,
                on=clock.today(),
                municipality_code=policy.municipality_scope(actor) or "360",
                hours_per_week=None,
            )
    context = {
        "budget": budget,
        "error": error,
        "hourly_wage": hourly_wage,
        "benefit_category": benefit_category,
        "benefit_labels": BENEFIT_LABELS,
    }
    return render(request, "budget.html", context)


# --- overview (web2) ----------------------------------------------------------------------

# The API's overview exports (an API key is needed to fetch them outside the pages).
OVERVIEW_EXPORTS = (
    ("/api/v1/overview/companies?format=csv", "Virksomheder (CSV)"),
    ("/api/v1/overview/companies?format=xlsx", "Virksomheder (Excel)"),
    ("/api/v1/overview/summary", "Opsummering (JSON)"),
    ("/api/v1/overview/targets", "Mål (JSON)"),
    ("/api/v1/overview/targets/chart.svg", "Målgraf (SVG)"),
)


@router.get("/overblik", include_in_schema=False)
def overview_page(request: Request, session: SessionDep, actor: OverviewPages) -> Response:
    context = {
        "targets": overview_progress.targets_progress(session, actor=actor, today=clock.today()),
        "summary": overview_summary.summary(session, actor=actor, filters=OverviewFilters()),
        "exports": OVERVIEW_EXPORTS,
    }
    return render(request, "overview.html", context)


@router.get("/overblik/maal.svg", include_in_schema=False)
def overview_chart(session: SessionDep, actor: OverviewPages) -> Response:
    targets = overview_progress.targets_progress(session, actor=actor, today=clock.today())
    return Response(
        targets_chart_svg(targets),
        media_type="image/svg+xml",
        headers={"cache-control": "no-store"},
    )


# --- admin: users and keys (read-only), imports with a dry run, the active model -----------

IMPORT_KINDS = {"companies": "Virksomheder", "citizens": "Borgere", "bip": "BIP-målinger"}
IMPORT_LABELS = {"kind": "Hvad filen indeholder", "file": "Fil"}
ImportReports = ImportReport | CitizenImportReport


def _admin_context(
    session: SessionDep, import_error: ValidationFailedError | None = None, kind: str = ""
) -> dict[str, Any]:
    users = auth_service.list_users(session)
    row = matching_service.active_model_version(session)
    return {
        "users": [
            {
                "user": UserPublic.model_validate(user, from_attributes=True),
                "role": policy.role_label(policy.principal_for(user)),
                "api_keys": [
                    ApiKeyPublic.model_validate(key, from_attributes=True)
                    for key in auth_service.list_api_keys(session, user_id=user.id)
                ],
            }
            for user in users
        ],
        "model": matching_service.model_info(row) if row else None,
        "model_metrics": row.metrics if row else {},
        "import_kinds": IMPORT_KINDS,
        "import_labels": IMPORT_LABELS,
        "import_error": import_error,
        "import_kind": kind,
    }


@router.get("/admin", include_in_schema=False)
def admin_page(request: Request, session: SessionDep, _: AdminPages) -> Response:
    return render(request, "admin.html", _admin_context(session))


def _run_import(
    session: SessionDep,
    settings: Settings,
    actor: Principal,
    *,
    kind: str,
    content: bytes,
    filename: str,
    dry_run: bool,
) -> ImportReports:
    """The importer of the API route for this kind (POST .../companies|citizens|bip/import)."""
    if kind == "companies":
        return company_importers.import_companies(
            session, content=content, filename=filename, actor=actor, dry_run=dry_run
        )
    importer = (
        citizen_importers.import_citizens if kind == "citizens" else citizen_importers.import_bip
    )
    return importer(
        session,
        content=content,
        filename=filename,
        actor=actor,
        secret_key=settings.secret_key,
        dry_run=dry_run,
    )


def _seal(request: Request, settings: Settings, kind: str, filename: str, content: bytes) -> str:
    """An HMAC binding the checked file to this session, so the confirm step imports exactly
    the file the dry run showed (and nothing another form could slip in)."""
    message = "\n".join(
        (kind, filename, hashlib.sha256(content).hexdigest(), csrf_token_for(request, settings))
    )
    return hmac.new(settings.secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def _import_refused(field: str, da: str, en: str) -> ValidationFailedError:
    return ValidationFailedError(
        "Filen kan ikke importeres",
        "The file cannot be imported",
        fields=[FieldError(field, da, en)],
    )


async def close_uploads(request: Request) -> AsyncIterator[None]:
    """Close a multipart form's temporary files when the request ends, also when it is refused
    (the CSRF check has parsed the form before the page gate decides)."""
    try:
        yield
    finally:
        form = await request.form()
        await form.close()


@router.post("/admin/import", include_in_schema=False)
async def import_check(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _: Annotated[None, Depends(close_uploads)],
    actor: AdminPages,
) -> Response:
    """The dry run: every rejected row and its reason, before anything is stored."""
    form = await request.form()
    kind = str(form.get("kind") or "")
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        if kind not in IMPORT_KINDS:
            raise _import_refused(
                "kind", "Vælg, hvad filen indeholder", "Choose what the file holds"
            )
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise _import_refused(
                "file", "Vælg en CSV- eller Excel-fil", "Choose a CSV or XLSX file"
            )
        filename = upload.filename
        # The importer rolls its dry run back; the savepoint also undoes a run it gave up on.
        with session.begin_nested():
            report = _run_import(
                session,
                settings,
                actor,
                kind=kind,
                content=content,
                filename=filename,
                dry_run=True,
            )
    except KantmatchError as error:
        refused = (
            error
            if isinstance(error, ValidationFailedError) and error.fields
            # The file itself is unreadable (size, format, columns): the file field is named.
            else _import_refused("file", error.message("da"), error.message("en"))
        )
        context = _admin_context(session, refused, kind)
        return render(request, "admin.html", context, status_code=422)
    context = {
        "report": report,
        "kind": kind,
        "kind_label": IMPORT_KINDS[kind],
        "filename": filename,
        "content": base64.b64encode(content).decode("ascii"),
        "seal": _seal(request, settings, kind, filename, content),
    }
    return render(request, "admin_import.html", context)


@router.post("/admin/import/bekraeft", include_in_schema=False)
def import_confirm(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: AdminPages,
    kind: Annotated[str, Form(max_length=16)] = "",
    filename: Annotated[str, Form(max_length=300)] = "",
    content: Annotated[str, Form()] = "",
    seal: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The confirm step: the same file imported for real (the rows the dry run accepted)."""
    try:
        data = base64.b64decode(content, validate=True)
    except binascii.Error:
        data = b""
    expected = _seal(request, settings, kind, filename, data)
    if kind not in IMPORT_KINDS or not data or not hmac.compare_digest(seal, expected):
        refused = _import_refused(
            "file",
            "Filen er ikke den, der blev kontrolleret; upload den igen",
            "The file is not the one that was checked; upload it again",
        )
        return render(request, "admin.html", _admin_context(session, refused), status_code=422)
    report = _run_import(
        session, settings, actor, kind=kind, content=data, filename=filename, dry_run=False
    )
    context = {
        "report": report,
        "kind": kind,
        "kind_label": IMPORT_KINDS[kind],
        "filename": filename,
    }
    return render(request, "admin_import.html", context)


@router.get("/admin/model", include_in_schema=False)
def model_audit_page(request: Request, session: SessionDep, _: AdminPages) -> Response:
    """What `kantmatch model audit` reports about the active scorer (matching.audit)."""
    try:
        loaded = get_model(request, session)
    except NoModelError as error:
        context: dict[str, Any] = {"model": None, "audit": None, "message": error.message("da")}
        return render(request, "admin_model.html", context)
    audit = model_audit(session, model=loaded.model, today=clock.today(), top_k=AUDIT_TOP_K)
    context = {
        "model": loaded.info,
        "metrics": loaded.model.metadata.get("metrics", {}),
        "audit": audit,
        "top_k": AUDIT_TOP_K,
        "exposure_titles": {"gender": "Køn", "age_band": "Aldersgruppe"},
    }
    return render(request, "admin_model.html", context)


# The CLI's default list length (kantmatch model audit --top-k).
AUDIT_TOP_K = 10
