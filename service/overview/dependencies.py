"""Role and filter dependencies of the overview routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.companies.schemas import ContactOwner, SizeBand
from service.overview.schemas import OverviewFilters
from service.schemas import IsoDate
from service.sectors import Sector

# Every role reads the overview; the integration only this (API.md), and only counts.
OverviewReader = Annotated[Principal, Depends(require_roles(*Role))]


def overview_filters(
    sector: Sector | None = None,
    municipality_code: Annotated[
        str | None, Query(pattern=r"^\d{3}$", description="The company's municipality")
    ] = None,
    contact_owner: ContactOwner | None = None,
    size_band: SizeBand | None = None,
    active_from: Annotated[
        IsoDate | None, Query(description="Only companies with a placement running on or after")
    ] = None,
    active_to: Annotated[
        IsoDate | None, Query(description="Only companies with a placement running on or before")
    ] = None,
) -> OverviewFilters:
    """The filters shared by the overview routes."""
    return OverviewFilters(
        sector=sector,
        municipality_code=municipality_code,
        contact_owner=contact_owner,
        size_band=size_band,
        active_from=active_from,
        active_to=active_to,
    )


FiltersDep = Annotated[OverviewFilters, Depends(overview_filters)]
