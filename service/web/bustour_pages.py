"""The bus-tour pages (issue 16): the saved tours, the planning form and the plan.

Thin like the other pages: each route reads its input, calls the bus-tours service the API
calls (``plan_tour`` through ``plan_with_model``, ``views.read_tour``, ``views.list_tours``,
``views.group_choices``) and the same renderings (``render.tour_html``/``tour_svg``/
``tour_csv``), and shows a template.
Who may open the pages is ``policy.may_open_page(actor, "bustours")`` (admins and caseworkers,
the roles of the API's bus-tour routes); which tours and citizens they reach is the service's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from service import clock
from service.auth import policy
from service.auth.principal import Principal
from service.bustours import render, views
from service.bustours.centres import JobCentre, job_centres
from service.bustours.dependencies import OptionalModelDep, plan_with_model, valid_tour_id
from service.bustours.route import duration_text
from service.bustours.schemas import DEFAULT_STOPS, MAX_STOPS, BusTourCreate
from service.db import SessionDep
from service.errors import (
    ConflictError,
    FieldError,
    KantmatchError,
    ValidationFailedError,
    validation_failed_from,
)
from service.pagination import CursorQuery
from service.web.deps import PageRoute, check_csrf, page_for
from service.web.deps import render as render_page

router = APIRouter(route_class=PageRoute, dependencies=[Depends(check_csrf)])

TourPages = Annotated[Principal, Depends(page_for("bustours"))]
TOURS_PER_PAGE = 50
DEFAULT_VISIT_MINUTES = 60
DEFAULT_TIMES = {"start_time": "09:00", "latest_return": "15:00"}
# The form's fields in the order the error summary lists them, with their Danish labels.
FIELD_LABELS = {
    "citizen_ids": "Borgere",
    "start": "Start",
    "date": "Dato",
    "start_time": "Afgang",
    "latest_return": "Seneste hjemkomst",
    "stops": "Antal stop",
    "visit_minutes": "Minutter pr. besøg",
}
CITIZEN_STATUS_LABELS = {"active": "Aktiv", "paused": "På pause", "ended": "Afsluttet"}


def _no_store(response: Response) -> Response:
    response.headers["cache-control"] = "no-store"
    return response


# --- the saved tours ----------------------------------------------------------------------


@router.get("/busture", include_in_schema=False)
def tours_page(
    request: Request,
    session: SessionDep,
    actor: TourPages,
    fra: Annotated[str, Query(max_length=10)] = "",
    side: CursorQuery = None,
) -> Response:
    date_from = None
    error = None
    if fra:
        try:
            date_from = date.fromisoformat(fra)
        except ValueError:
            error = "Fra dato skal være en dato (ÅÅÅÅ-MM-DD)."
    tours, next_cursor = views.list_tours(
        session, actor=actor, date_from=date_from, limit=TOURS_PER_PAGE, cursor=side
    )
    context = {"tours": tours, "next_cursor": next_cursor, "fra": fra, "error": error}
    return render_page(request, "bustours.html", context)


# --- planning -----------------------------------------------------------------------------


def _form_error(error: KantmatchError) -> ValidationFailedError:
    """The refusal as the form shows it: one reason per form field, in the form's order (a
    union such as ``start`` reports once per alternative: the first is kept); a refusal of the
    group as a whole (no company fits) is shown at the citizens."""
    first: dict[str, FieldError] = {}
    for field in error.fields:
        name = field.field.split(".")[0]
        first.setdefault(name, FieldError(name, field.message_da, field.message_en))
    if not first:
        first["citizen_ids"] = FieldError("citizen_ids", error.message_da, error.message_en)
    ordered = [f for f in FIELD_LABELS if f in first] + [f for f in first if f not in FIELD_LABELS]
    return ValidationFailedError(
        error.message_da, error.message_en, fields=[first[f] for f in ordered], code=error.code
    )


def _form_page(
    request: Request,
    session: SessionDep,
    actor: Principal,
    values: dict[str, Any],
    error: KantmatchError | None,
) -> Response:
    choices = views.group_choices(
        session, actor=actor, town=values["by"] or None, keep=values["citizen_ids"]
    )
    centres = job_centres()
    shown = _form_error(error) if error else None
    context = {
        "values": values,
        "choices": choices,
        "centres": [(c.value, centres[c.value].name) for c in JobCentre],
        "max_stops": MAX_STOPS,
        "status_labels": CITIZEN_STATUS_LABELS,
        "error": shown,
        "field_labels": FIELD_LABELS,
        "field_messages": {f.field: f.message_da for f in shown.fields} if shown else {},
    }
    return render_page(request, "bustour_new.html", context, status_code=422 if error else 200)


def _default_values(town: str) -> dict[str, Any]:
    return {
        "citizen_ids": [],
        "by": town,
        "start": JobCentre.nakskov.value,
        "date": "",
        "stops": str(DEFAULT_STOPS),
        "visit_minutes": str(DEFAULT_VISIT_MINUTES),
        **DEFAULT_TIMES,
    }


@router.get("/busture/ny", include_in_schema=False)
def new_tour_page(
    request: Request,
    session: SessionDep,
    actor: TourPages,
    by: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    return _form_page(request, session, actor, _default_values(by), None)


@router.post("/busture/ny", include_in_schema=False)
async def new_tour_submit(
    request: Request, session: SessionDep, actor: TourPages, loaded: OptionalModelDep
) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        key: str(form.get(key) or "").strip()[:100]
        for key in ("by", "start", "date", "start_time", "latest_return", "stops", "visit_minutes")
    }
    values["citizen_ids"] = [str(v)[:80] for v in form.getlist("citizen_ids")][:50]
    if form.get("handling") == "filter":  # "Vis borgerne": choose the town, keep the rest
        return _form_page(request, session, actor, values, None)
    payload = {k: v for k, v in values.items() if k in FIELD_LABELS and v != ""}
    payload.setdefault("citizen_ids", [])
    try:
        data = BusTourCreate.model_validate(payload)
        # A savepoint: a refused plan leaves nothing behind.
        with session.begin_nested():
            tour = plan_with_model(session, data=data, actor=actor, loaded=loaded)
    except (ValidationError, ValidationFailedError, ConflictError) as exc:
        error = validation_failed_from(exc) if isinstance(exc, ValidationError) else exc
        return _form_page(request, session, actor, values, error)
    return RedirectResponse(f"/busture/{tour.id}", status_code=303)


# --- one tour -----------------------------------------------------------------------------


@router.get("/busture/udskrift.css", include_in_schema=False)
def print_style(_: TourPages) -> Response:
    """The printable list's own style (``render.PRINT_STYLE``), linked instead of inline."""
    return Response(render.PRINT_STYLE, media_type="text/css; charset=utf-8")


@router.get("/busture/{tour_id}", include_in_schema=False)
def tour_page(request: Request, tour_id: str, session: SessionDep, actor: TourPages) -> Response:
    tour = valid_tour_id(tour_id, session, actor)
    public = views.read_tour(session, tour=tour, actor=actor, via="web")
    context = {
        "tour": public,
        "citizen_links": policy.may_open_page(actor, "citizens"),
        "duration_text": duration_text,
    }
    return render_page(request, "bustour.html", context)


@router.get("/busture/{tour_id}/udskrift", include_in_schema=False)
def tour_print(tour_id: str, session: SessionDep, actor: TourPages) -> Response:
    tour = valid_tour_id(tour_id, session, actor)
    public = views.read_tour(session, tour=tour, actor=actor, via="html")
    html = render.tour_html(
        public,
        printed=clock.today().strftime("%d-%m-%Y"),
        stylesheet="/busture/udskrift.css",
        back=(f"/busture/{tour.id}", "Tilbage til turen"),
    )
    return _no_store(HTMLResponse(html))


@router.get("/busture/{tour_id}/skitse.svg", include_in_schema=False)
def tour_sketch(tour_id: str, session: SessionDep, actor: TourPages) -> Response:
    tour = valid_tour_id(tour_id, session, actor)
    public = views.read_tour(session, tour=tour, actor=actor, via="svg")
    return _no_store(Response(render.tour_svg(public), media_type="image/svg+xml"))


@router.get("/busture/{tour_id}/tidsplan.csv", include_in_schema=False)
def tour_csv(tour_id: str, session: SessionDep, actor: TourPages) -> Response:
    tour = valid_tour_id(tour_id, session, actor)
    public = views.read_tour(session, tour=tour, actor=actor, via="csv")
    disposition = f'attachment; filename="bustur-{tour.id}.csv"'
    response = Response(
        render.tour_csv(public),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
    return _no_store(response)
