"""Role and load-or-404 dependencies for placement routes.

The role dependency comes before ``PlacementDep`` in every signature, so a role without access
gets 403 before a lookup could tell it whether a placement exists; the municipality is checked
after loading, in the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.db import SessionDep
from service.placements import service as placements_service
from service.placements.models import Placement

# Placements are citizen-level data: the citizen's caseworkers and company consultants.
PlacementWorker = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant))
]


def valid_placement_id(placement_id: str, session: SessionDep) -> Placement:
    """The placement named in the path, or 404."""
    return placements_service.get_placement(session, placement_id=placement_id)


PlacementDep = Annotated[Placement, Depends(valid_placement_id)]
