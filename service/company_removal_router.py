"""DELETE /companies/{id}: a thin shell over ``service/company_removal.py`` (it reaches beyond the
companies domain); the rest of /companies is in ``service/companies/router.py``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from service import company_removal
from service.companies.dependencies import CompanyDep
from service.companies.router import Writer
from service.db import SessionDep
from service.schemas import UtcDatetime

router = APIRouter(prefix="/companies", tags=["companies"])


class CompanyArchived(BaseModel):
    """The company was archived instead of deleted, because placements refer to it."""

    outcome: Literal["archived"] = "archived"
    company_id: str
    archived_at: UtcDatetime
    placements_kept: int = Field(description="Closed placements that keep the company")
    message: str


@router.delete(
    "/{company_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_model=None,
    responses={
        200: {"model": CompanyArchived, "description": "Archived: placements refer to it"},
        204: {"description": "Deleted: nothing referred to it"},
        409: {"description": "Open placements (named in the error) keep it"},
    },
)
def remove_company(actor: Writer, company: CompanyDep, session: SessionDep) -> Response:
    """Delete a company; archive it if it has closed placements; 409 if it has open ones."""
    removal = company_removal.remove_company(session, company=company, actor=actor)
    if removal.outcome == "deleted" or company.archived_at is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    body = CompanyArchived(
        company_id=company.id,
        archived_at=company.archived_at,
        placements_kept=removal.placements_kept,
        message=(
            f"Virksomheden er arkiveret, ikke slettet: {removal.placements_kept} afsluttede forløb "
            "henviser til den. Kontaktpersonerne er slettet."
        ),
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_200_OK)
