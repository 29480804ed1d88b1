"""Authentication and role checks as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from service.auth import service as auth_service
from service.auth.exceptions import InvalidCredentialsError
from service.auth.principal import Principal, Role
from service.db import SessionDep
from service.errors import ForbiddenError


def get_current_principal(request: Request, session: SessionDep) -> Principal:
    """The caller behind the request's bearer key, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise InvalidCredentialsError()
    principal = auth_service.authenticate_api_key(session, key=key.strip())
    if principal is None:
        raise InvalidCredentialsError()
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only the given roles through (403 for the others)."""
    allowed = frozenset(roles)

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(
                f"Rollen {principal.role} har ikke adgang til dette",
                f"The role {principal.role} has no access to this",
            )
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
# Every role that works with people and companies, i.e. all but the integration.
StaffPrincipal = Annotated[
    Principal,
    Depends(
        require_roles(Role.admin, Role.caseworker, Role.company_consultant, Role.blf_consultant)
    ),
]
