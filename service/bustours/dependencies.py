"""Role, load-or-404 and optional-model dependencies for bus-tour routes.

Bus tours are prepared by caseworkers (DOMAIN.md), so only admins and caseworkers plan or open
them. The role dependency comes first in every signature, so a refused role gets 403 before a
lookup could tell it whether a tour exists; the municipality is checked in the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from service import clock
from service.auth import policy
from service.auth.dependencies import CurrentPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.bustours import service as bustours_service
from service.bustours.exceptions import BusTourNotFoundError
from service.bustours.models import BusTour
from service.bustours.schemas import BusTourCreate
from service.db import SessionDep
from service.matching.dependencies import LoadedModel, get_model
from service.matching.exceptions import NoModelError

TourPlanner = Annotated[Principal, Depends(require_roles(Role.admin, Role.caseworker))]


def valid_tour_id(tour_id: str, session: SessionDep, actor: CurrentPrincipal) -> BusTour:
    """The saved tour named in the path, or 404 (also when it is another municipality's)."""
    tour = bustours_service.get_tour(session, tour_id=tour_id)
    if not policy.may_plan_tours_in(actor, tour.municipality_code):
        raise BusTourNotFoundError(tour_id)
    return tour


def optional_model(request: Request, session: SessionDep) -> LoadedModel | None:
    """The active scorer, or None: a tour is then planned from wishes and sectors alone."""
    try:
        return get_model(request, session)
    except NoModelError:
        return None


TourDep = Annotated[BusTour, Depends(valid_tour_id)]
OptionalModelDep = Annotated[LoadedModel | None, Depends(optional_model)]


def plan_with_model(
    session: Session, *, data: BusTourCreate, actor: Principal, loaded: LoadedModel | None
) -> BusTour:
    """Plan a tour with the active scorer when there is one, as of today (API and pages)."""
    return bustours_service.plan_tour(
        session,
        data=data,
        actor=actor,
        model=loaded.model if loaded else None,
        model_version=loaded.info.version if loaded else None,
        today=clock.today(),
    )
