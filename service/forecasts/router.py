"""HTTP routes for job-opening forecasts (readable by every staff role: no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.auth.dependencies import StaffPrincipal
from service.db import SessionDep
from service.forecasts import service as forecasts_service
from service.forecasts.schemas import ForecastAnswer
from service.i18n import preferred_language
from service.sectors import Sector

router = APIRouter(prefix="/forecasts", tags=["forecasts"])

MunicipalityQuery = Annotated[
    str, Query(pattern=r"^\d{3}$", description="Municipality code, e.g. 360 (Lolland)")
]


@router.get("", response_model=ForecastAnswer)
def read_forecasts(
    _: StaffPrincipal,
    session: SessionDep,
    request: Request,
    municipality: MunicipalityQuery | None = None,
    sector: Sector | None = None,
    years: Annotated[int, Query(ge=1, le=5, description="Years ahead (1-5)")] = 5,
) -> ForecastAnswer:
    """Job-opening forecasts with bands, the demand index, sources and the illustrative flag."""
    return forecasts_service.get_forecast(
        session,
        municipality_code=municipality,
        sector=sector.value if sector else None,
        years=years,
        lang=preferred_language(request.headers.get("accept-language")),
    )


@router.get(
    "/chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The SVG chart"}},
)
def read_forecast_chart(
    _: StaffPrincipal, session: SessionDep, municipality: MunicipalityQuery
) -> Response:
    """An SVG chart of a municipality's openings per sector over the horizon, with bands."""
    svg = forecasts_service.chart_svg(session, municipality_code=municipality)
    return Response(content=svg, media_type="image/svg+xml")
