"""HTTP routes of the knowledge-sharing overview: companies (with exports), summary, targets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from service import clock
from service.db import SessionDep
from service.meetings import service as meetings_service
from service.meetings.schemas import MeetingReach
from service.overview import exporters, progress, summary
from service.overview import service as overview_service
from service.overview.chart import targets_chart_svg
from service.overview.dependencies import FiltersDep, OverviewReader
from service.overview.schemas import OverviewCompanyPage, OverviewSummary, TargetsOverview
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, UpdatedSinceQuery

router = APIRouter(prefix="/overview", tags=["overview"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ExportFormat = Literal["json", "csv", "xlsx"]


@router.get(
    "/companies",
    response_model=OverviewCompanyPage,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}},
            "description": "A page of JSON, or the whole list as CSV or XLSX",
        }
    },
)
def list_overview_companies(
    actor: OverviewReader,
    session: SessionDep,
    filters: FiltersDep,
    output_format: Annotated[
        ExportFormat, Query(alias="format", description="json (paged), csv or xlsx (all rows)")
    ] = "json",
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> OverviewCompanyPage | Response:
    """Companies with placement activity: sector, size, contact owner and counts of citizens."""
    if output_format == "json":
        return overview_service.company_feed(
            session,
            actor=actor,
            filters=filters,
            updated_since=updated_since,
            limit=limit,
            cursor=cursor,
        )
    rows = overview_service.iter_overview_companies(
        session, actor=actor, filters=filters, updated_since=updated_since
    )
    stamp = clock.now()
    name = f"virksomhedsoverblik-{stamp:%Y%m%d-%H%M%S}"
    if output_format == "csv":
        return Response(
            exporters.companies_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    used = {k: str(v) for k, v in asdict(filters).items() if v is not None}
    if updated_since is not None:
        used["updated_since"] = updated_since.isoformat()
    return Response(
        exporters.companies_xlsx(
            rows,
            disclosure=overview_service.disclosure(actor),
            generated_at=stamp,
            filters=used,
        ),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/summary", response_model=OverviewSummary)
def read_overview_summary(
    actor: OverviewReader, session: SessionDep, filters: FiltersDep
) -> OverviewSummary:
    """Counts by sector x municipality x contact owner, unskilled tasks, and conversion."""
    return summary.summary(session, actor=actor, filters=filters)


@router.get("/targets", response_model=TargetsOverview)
def read_targets(actor: OverviewReader, session: SessionDep) -> TargetsOverview:
    """Progress against the programme's targets, overall and per half-year."""
    return progress.targets_progress(session, actor=actor, today=clock.now().date())


@router.get(
    "/targets/chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The SVG chart"}},
)
def read_targets_chart(actor: OverviewReader, session: SessionDep) -> Response:
    """An SVG chart of progress against the targets per half-year."""
    overview = progress.targets_progress(session, actor=actor, today=clock.now().date())
    svg = targets_chart_svg(overview)
    return Response(content=svg, media_type="image/svg+xml")


@router.get("/network-meetings", response_model=MeetingReach)
def read_network_meeting_reach(_: OverviewReader, session: SessionDep) -> MeetingReach:
    """Which companies the network meetings reach: per company attended, hosted, last date."""
    return meetings_service.reach(session)
