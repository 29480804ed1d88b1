"""HTTP routes for the company register, contacts and imports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, UploadFile, status

from service import clock
from service.auth.dependencies import StaffPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.companies import exporters, importers
from service.companies import service as companies_service
from service.companies.dependencies import CompanyDep
from service.companies.schemas import (
    BusinessCard,
    CompanyCreate,
    CompanyPublic,
    CompanyUpdate,
    ImportReport,
)
from service.db import SessionDep, SettingsDep
from service.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, UpdatedSinceQuery
from service.schemas import Page
from service.sectors import Sector

router = APIRouter(prefix="/companies", tags=["companies"])

# Everyone but the integration reads the register; consultants and admins change it.
# The role parameter comes before CompanyDep in every route: FastAPI resolves dependencies in
# signature order, and a forbidden role must get 403 before a lookup can tell it an id exists.
Reader = StaffPrincipal
Writer = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.company_consultant, Role.blf_consultant)),
]


@router.get(
    "",
    response_model=Page[CompanyPublic],
    responses={
        200: {
            "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}},
            "description": "A page of JSON, or every matching company as CSV or XLSX",
        }
    },
)
def list_companies(
    session: SessionDep,
    _: Reader,
    q: Annotated[str | None, Query(max_length=200, description="Name, CVR or address")] = None,
    sector: Sector | None = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
    include_archived: Annotated[
        bool, Query(description="Also archived companies (kept for their placements' history)")
    ] = False,
    output_format: Annotated[
        Literal["json", "csv", "xlsx"],
        Query(alias="format", description="json (paged), or csv / xlsx: every matching row"),
    ] = "json",
) -> Page[CompanyPublic] | Response:
    """Search the company register; `format=csv|xlsx` exports it in the import's columns."""
    if output_format != "json":
        companies = companies_service.iter_companies_public(
            session,
            q=q,
            sector=sector,
            municipality_code=municipality_code,
            updated_since=updated_since,
            include_archived=include_archived,
        )
        name = f"virksomheder-{clock.now():%Y%m%d-%H%M%S}.{output_format}"
        return Response(
            exporters.companies_file(companies, output_format),
            media_type=CSV_MEDIA_TYPE if output_format == "csv" else XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    rows, next_cursor = companies_service.list_companies(
        session,
        q=q,
        sector=sector,
        municipality_code=municipality_code,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
        include_archived=include_archived,
    )
    return Page[CompanyPublic](
        items=companies_service.companies_public(session, rows), next_cursor=next_cursor
    )


@router.post("", response_model=CompanyPublic, status_code=status.HTTP_201_CREATED)
def create_company(data: CompanyCreate, session: SessionDep, actor: Writer) -> CompanyPublic:
    """Register a company (CVR checked, sector and coordinates filled in)."""
    company = companies_service.create_company(session, data=data, actor=actor)
    return companies_service.companies_public(session, [company])[0]


@router.post("/import", response_model=ImportReport)
def import_companies(
    file: UploadFile,
    session: SessionDep,
    actor: Writer,
    dry_run: Annotated[bool, Query(description="Check the file without storing")] = False,
) -> ImportReport:
    """Import a CSV or XLSX company list; upserts by CVR and reports every rejected row."""
    return importers.import_companies(
        session, content=file.file.read(), filename=file.filename, actor=actor, dry_run=dry_run
    )


@router.get("/{company_id}", response_model=CompanyPublic)
def read_company(_: Reader, company: CompanyDep, session: SessionDep) -> CompanyPublic:
    """One company with its contact persons."""
    return companies_service.companies_public(session, [company])[0]


@router.patch("/{company_id}", response_model=CompanyPublic)
def update_company(
    actor: Writer, company: CompanyDep, data: CompanyUpdate, session: SessionDep
) -> CompanyPublic:
    """Change some fields of a company; `contacts`, when given, replaces the list."""
    company = companies_service.update_company(session, company=company, data=data, actor=actor)
    return companies_service.companies_public(session, [company])[0]


# DELETE /companies/{id} reaches beyond this domain (placements keep a company): it is in
# service/company_removal_router.py.


@router.get("/{company_id}/contacts", response_model=BusinessCard)
def read_business_card(
    _: Reader, company: CompanyDep, settings: SettingsDep, session: SessionDep
) -> BusinessCard:
    """The extended business card: contact persons and every unit the company can call."""
    return companies_service.business_card(
        session,
        company=company,
        contact_points_file=settings.contact_points_file,
    )
