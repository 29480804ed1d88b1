"""Role and load-or-404 dependencies for citizen routes.

Every citizen route puts its role dependency before ``CitizenDep`` in its signature: FastAPI
resolves dependencies in order, so a role without access gets 403 before a lookup could tell
it whether a citizen exists. The municipality is checked after loading, in the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.db import SessionDep

# Caseworkers and admins see everything; company consultants see the smaller shape.
CitizenReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant))
]
# BIP answers, limits, notes, changes, imports, export and erasure.
CaseworkerSide = Annotated[Principal, Depends(require_roles(Role.admin, Role.caseworker))]


def valid_citizen_id(citizen_id: str, session: SessionDep) -> Citizen:
    """The citizen named in the path, or 404."""
    return citizens_service.get_citizen(session, citizen_id=citizen_id)


CitizenDep = Annotated[Citizen, Depends(valid_citizen_id)]
