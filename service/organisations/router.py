"""HTTP routes for organisations (issue 13): every staff role reads, the admin adds."""

from __future__ import annotations

from fastapi import APIRouter, status

from service.auth.dependencies import AdminPrincipal, StaffPrincipal
from service.db import SessionDep
from service.organisations import service as organisations_service
from service.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationList,
    OrganisationPublic,
)
from service.places import MunicipalityCode

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.get("", response_model=OrganisationList)
def read_organisations(
    _: StaffPrincipal,
    session: SessionDep,
    kind: OrganisationKind | None = None,
    municipality_code: MunicipalityCode | None = None,
) -> OrganisationList:
    """Job centres and business organisations that can own a company contact."""
    rows = organisations_service.list_organisations(
        session, kind=kind.value if kind else None, municipality_code=municipality_code
    )
    return OrganisationList(items=[organisations_service.to_public(o) for o in rows])


@router.post("", response_model=OrganisationPublic, status_code=status.HTTP_201_CREATED)
def create_organisation(
    data: OrganisationCreate, actor: AdminPrincipal, session: SessionDep
) -> OrganisationPublic:
    """Add an organisation (admin only); its key can then be used as `contact_owner`."""
    organisation = organisations_service.create_organisation(session, data=data, actor=actor)
    return organisations_service.to_public(organisation)
