"""HTTP routes for citizens, BIP measurements, the audit trail and imports.

Changing, erasing and exporting a citizen touch other domains: those routes are in
``service/citizen_record_router.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, UploadFile, status

from service.auth.dependencies import AdminPrincipal
from service.auth.schemas import AuditEntryPublic
from service.citizens import access, importers, measurements
from service.citizens import service as citizens_service
from service.citizens.dependencies import CaseworkerSide, CitizenDep, CitizenReader
from service.citizens.schemas import (
    BipHistory,
    BipMeasurementCreate,
    CitizenCreate,
    CitizenImportReport,
    CitizenPublic,
    CitizenStatus,
    CitizenView,
)
from service.db import SessionDep, SettingsDep
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, UpdatedSinceQuery
from service.schemas import Page

router = APIRouter(prefix="/citizens", tags=["citizens"])

DryRun = Annotated[bool, Query(description="Check the file without storing")]


@router.get("", response_model=Page[CitizenView])
def list_citizens(
    session: SessionDep,
    actor: CitizenReader,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Part of the name, the town (its start or a word's), the postal code, "
            "or (caseworkers) the case number",
        ),
    ] = None,
    status_filter: Annotated[CitizenStatus | None, Query(alias="status")] = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
    bip_overdue: Annotated[
        bool | None, Query(description="Only citizens whose BIP follow-up is (not) overdue")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CitizenView]:
    """Citizens of the caller's municipality (all for admins), in the caller's shape; audited."""
    rows, next_cursor = citizens_service.list_citizens(
        session,
        actor=actor,
        q=q,
        status=status_filter,
        municipality_code=municipality_code,
        bip_overdue=bip_overdue,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return Page[CitizenView](
        items=citizens_service.views(session, rows, actor=actor), next_cursor=next_cursor
    )


@router.post("", response_model=CitizenPublic, status_code=status.HTTP_201_CREATED)
def create_citizen(
    data: CitizenCreate, session: SessionDep, actor: CaseworkerSide
) -> CitizenPublic:
    """Register a citizen (no CPR numbers; coordinates from the postal code)."""
    citizen = citizens_service.create_citizen(session, data=data, actor=actor)
    return citizens_service.public_view(session, citizen=citizen)


ImportRun = Callable[..., CitizenImportReport]


def _upload(
    file: UploadFile,
    settings: SettingsDep,
    session: SessionDep,
    actor: CaseworkerSide,
    dry_run: DryRun = False,
) -> Callable[[ImportRun], CitizenImportReport]:
    """What both import routes take: the file, the sender and dry_run, ready for an importer."""

    def run(importer: ImportRun) -> CitizenImportReport:
        return importer(
            session,
            content=file.file.read(),
            filename=file.filename,
            actor=actor,
            secret_key=settings.secret_key,
            dry_run=dry_run,
        )

    return run


Upload = Annotated[Callable[[ImportRun], CitizenImportReport], Depends(_upload)]


@router.post("/import", response_model=CitizenImportReport)
def import_citizens(upload: Upload) -> CitizenImportReport:
    """Import a CSV or XLSX citizen list (Danish headers); reports every rejected row."""
    return upload(importers.import_citizens)


@router.post("/bip/import", response_model=CitizenImportReport)
def import_bip(upload: Upload) -> CitizenImportReport:
    """Import BIP measurements from CSV or XLSX (Danish headers); reports every rejected row."""
    return upload(importers.import_bip)


@router.get("/{citizen_id}", response_model=CitizenView)
def read_citizen(actor: CitizenReader, citizen: CitizenDep, session: SessionDep) -> CitizenView:
    """One citizen: everything for caseworkers and admins, a summary for consultants; audited."""
    return citizens_service.read_citizen(session, citizen=citizen, actor=actor)


@router.get("/{citizen_id}/bip", response_model=BipHistory)
def read_bip(actor: CaseworkerSide, citizen: CitizenDep, session: SessionDep) -> BipHistory:
    """BIP measurements with change per indicator and when the next is due; audited."""
    return measurements.read_bip(session, citizen=citizen, actor=actor)


@router.post("/{citizen_id}/bip", response_model=BipHistory, status_code=status.HTTP_201_CREATED)
def record_bip(
    actor: CaseworkerSide, citizen: CitizenDep, data: BipMeasurementCreate, session: SessionDep
) -> BipHistory:
    """Record a BIP measurement; answers the updated history and progression."""
    measurements.record_bip(session, citizen=citizen, data=data, actor=actor)
    return measurements.bip_history(session, citizen=citizen)


@router.get(
    "/{citizen_id}/bip/chart.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "SVG chart"}},
)
def read_bip_chart(actor: CaseworkerSide, citizen: CitizenDep, session: SessionDep) -> Response:
    """The BIP indicators over time as an SVG chart with Danish labels; audited."""
    svg = measurements.read_bip_chart(session, citizen=citizen, actor=actor)
    return Response(content=svg, media_type="image/svg+xml")


@router.get("/{citizen_id}/audit", response_model=Page[AuditEntryPublic])
def read_audit_trail(
    actor: AdminPrincipal,
    citizen: CitizenDep,
    session: SessionDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AuditEntryPublic]:
    """Who read or changed the citizen, oldest first (admins only)."""
    entries, next_cursor = access.audit_trail(
        session, citizen=citizen, actor=actor, limit=limit, cursor=cursor
    )
    return Page[AuditEntryPublic](items=entries, next_cursor=next_cursor)
