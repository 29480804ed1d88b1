"""Role and load-or-404 dependencies for placement routes.

The role dependency comes before ``PlacementDep`` in every signature, so a role without access
gets 403 before a lookup could tell it whether a placement exists. A placement of another
municipality answers 404 like a missing one; the service functions check scope again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.auth import policy
from service.auth.dependencies import CurrentPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.db import SessionDep
from service.placements import service as placements_service
from service.placements.exceptions import PlacementNotFoundError
from service.placements.models import Placement

# Placements are citizen-level data: the citizen's caseworkers and company consultants.
PlacementWorker = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant))
]


def valid_placement_id(
    placement_id: str, session: SessionDep, actor: CurrentPrincipal
) -> Placement:
    """The placement named in the path, or 404 (also when the caller may not see it, so ids of
    other municipalities cannot be told from missing ones)."""
    placement = placements_service.get_placement(session, placement_id=placement_id)
    if not policy.may_work_with_placements_in(actor, placement.municipality_code):
        raise PlacementNotFoundError(placement_id)
    return placement


PlacementDep = Annotated[Placement, Depends(valid_placement_id)]
