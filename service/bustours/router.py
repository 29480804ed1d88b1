"""HTTP routes for bus tours: plan one, list saved ones, open one as JSON, CSV, HTML or SVG."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import HTMLResponse

from service import clock
from service.bustours import render, views
from service.bustours.dependencies import OptionalModelDep, TourDep, TourPlanner, plan_with_model
from service.bustours.schemas import BusTourCreate, BusTourPublic, BusTourSummary
from service.db import SessionDep
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from service.schemas import Page

router = APIRouter(tags=["bus tours"])


@router.post("/bus-tours", response_model=BusTourPublic, status_code=status.HTTP_201_CREATED)
def plan_bus_tour(
    actor: TourPlanner, data: BusTourCreate, session: SessionDep, loaded: OptionalModelDep
) -> BusTourPublic:
    """Choose companies for the group, order them, time them and save the tour."""
    tour = plan_with_model(session, data=data, actor=actor, loaded=loaded)
    return views.tour_public(session, tour=tour)


@router.get("/bus-tours", response_model=Page[BusTourSummary])
def list_bus_tours(
    actor: TourPlanner,
    session: SessionDep,
    date_from: Annotated[date | None, Query(description="Only tours on or after this date")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[BusTourSummary]:
    """Saved tours of the caller's municipality (all for admins), in planning order."""
    items, next_cursor = views.list_tours(
        session, actor=actor, date_from=date_from, limit=limit, cursor=cursor
    )
    return Page[BusTourSummary](items=items, next_cursor=next_cursor)


@router.get(
    "/bus-tours/{tour_id}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "Timetable as CSV"}},
)
def read_bus_tour_csv(actor: TourPlanner, tour: TourDep, session: SessionDep) -> Response:
    """The timetable as semicolon-separated CSV (UTF-8 with BOM); audited."""
    public = views.read_tour(session, tour=tour, actor=actor, via="csv")
    return Response(
        render.tour_csv(public),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="bustur-{tour.id}.csv"'},
    )


@router.get(
    "/bus-tours/{tour_id}.html",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "Printable page"}},
)
def read_bus_tour_html(actor: TourPlanner, tour: TourDep, session: SessionDep) -> HTMLResponse:
    """The tour as one printable page in Danish, for the bus; audited."""
    public = views.read_tour(session, tour=tour, actor=actor, via="html")
    printed = clock.today().strftime("%d-%m-%Y")
    return HTMLResponse(render.tour_html(public, printed=printed))


@router.get(
    "/bus-tours/{tour_id}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "Route sketch"}},
)
def read_bus_tour_svg(actor: TourPlanner, tour: TourDep, session: SessionDep) -> Response:
    """A sketch of the stops in visiting order, as SVG; audited."""
    public = views.read_tour(session, tour=tour, actor=actor, via="svg")
    return Response(render.tour_svg(public), media_type="image/svg+xml")


@router.get("/bus-tours/{tour_id}", response_model=BusTourPublic)
def read_bus_tour(actor: TourPlanner, tour: TourDep, session: SessionDep) -> BusTourPublic:
    """A saved tour with its stops, timetable and who each stop is for; audited."""
    return views.read_tour(session, tour=tour, actor=actor, via="json")
