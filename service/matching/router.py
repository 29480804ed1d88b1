"""HTTP routes for matches: tasks for a citizen, candidates for an opening or a company."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.citizens.dependencies import valid_citizen_id
from service.citizens.models import Citizen
from service.companies import service as companies_service
from service.db import SessionDep
from service.matching import service as matching_service
from service.matching.dependencies import ModelDep
from service.matching.schemas import CandidateList, CitizenMatches
from service.tasks import openings as openings_service

router = APIRouter(tags=["matching"])

# Matches for a citizen are citizen data: caseworkers and company consultants of the
# municipality (and admins). BLF consultants see candidates only as counts.
CitizenReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.company_consultant))
]
CandidateReader = Annotated[
    Principal,
    Depends(
        require_roles(Role.admin, Role.caseworker, Role.company_consultant, Role.blf_consultant)
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="How many suggestions")]


@router.get("/citizens/{citizen_id}/matches", response_model=CitizenMatches)
def citizen_matches(
    actor: CitizenReader,
    session: SessionDep,
    loaded: ModelDep,
    citizen: Annotated[Citizen, Depends(valid_citizen_id)],
    limit: Limit = 20,
) -> CitizenMatches:
    """Ranked open task openings for a citizen, each with score parts, reasons and a proposal."""
    return matching_service.citizen_matches(
        session, citizen=citizen, actor=actor, loaded=loaded, limit=limit
    )


@router.get("/openings/{opening_id}/candidates", response_model=CandidateList)
def opening_candidates(
    opening_id: str,
    actor: CandidateReader,
    session: SessionDep,
    loaded: ModelDep,
    limit: Limit = 20,
) -> CandidateList:
    """Citizens the caller may see, ranked for one opening (BLF consultants: counts only)."""
    opening = openings_service.get_opening(session, opening_id=opening_id)
    company = companies_service.get_company(session, company_id=opening.company_id)
    return matching_service.company_candidates(
        session, company=company, opening_id=opening.id, actor=actor, loaded=loaded, limit=limit
    )


@router.get("/companies/{company_id}/matches", response_model=CandidateList)
def company_matches(
    company_id: str,
    actor: CandidateReader,
    session: SessionDep,
    loaded: ModelDep,
    limit: Limit = 20,
) -> CandidateList:
    """Citizens ranked for a company's open openings, each with their best task there."""
    company = companies_service.get_company(session, company_id=company_id)
    return matching_service.company_candidates(
        session, company=company, opening_id=None, actor=actor, loaded=loaded, limit=limit
    )
