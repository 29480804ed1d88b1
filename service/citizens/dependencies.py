"""Role and load-or-404 dependencies for citizen routes.

Every citizen route puts its role dependency before ``CitizenDep`` in its signature: FastAPI
resolves dependencies in order, so a role without access gets 403 before a lookup could tell
it whether a citizen exists. A citizen outside the caller's municipality answers 404 exactly
like a missing one, so ids cannot be probed; the service functions check scope again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.auth import policy
from service.auth.dependencies import CurrentPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.citizens import service as citizens_service
from service.citizens.exceptions import CitizenNotFoundError
from service.citizens.models import Citizen
from service.db import SessionDep

# Caseworkers and admins see everything; company consultants see the smaller shape.
CitizenReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant))
]
# BIP answers, limits, notes, changes, imports, export and erasure.
CaseworkerSide = Annotated[Principal, Depends(require_roles(Role.admin, Role.caseworker))]


def valid_citizen_id(citizen_id: str, session: SessionDep, actor: CurrentPrincipal) -> Citizen:
    """The citizen named in the path, or 404 (also when the caller may not see them)."""
    citizen = citizens_service.get_citizen(session, citizen_id=citizen_id)
    if not policy.may_read_citizens_in(actor, citizen.municipality_code):
        raise CitizenNotFoundError(citizen_id)
    return citizen


CitizenDep = Annotated[Citizen, Depends(valid_citizen_id)]
