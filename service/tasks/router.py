"""HTTP routes for sectors, the task catalogue, the normaliser and companies' task openings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, status
from pydantic import Field, TypeAdapter, ValidationError

from service.auth.dependencies import StaffPrincipal, require_roles
from service.auth.principal import Principal, Role
from service.companies.dependencies import CompanyDep
from service.db import SessionDep
from service.errors import validation_failed_from
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery, UpdatedSinceQuery
from service.places import MunicipalityCode
from service.schemas import Page
from service.sectors import Sector
from service.tasks import catalogue, openings
from service.tasks.dependencies import OpeningDep, TaskDep
from service.tasks.schemas import (
    MAX_OPENINGS_PER_CALL,
    NormaliseRequest,
    NormaliseResponse,
    OpeningCreate,
    OpeningPublic,
    OpeningStatus,
    OpeningUpdate,
    SectorList,
    TaskPublic,
    TaskSuggestions,
)

router = APIRouter(tags=["tasks"])

# As for companies: every staff role reads, consultants and admins change openings. The role
# parameter comes first so a forbidden role gets 403 before a lookup can reveal an id.
Reader = StaffPrincipal
Writer = Annotated[
    Principal,
    Depends(require_roles(Role.admin, Role.company_consultant, Role.blf_consultant)),
]
# One opening (an object) or a whole decomposition (a list). Checked in the route rather than
# as a union, so a bad list item's error is named "2.hourly_wage", not after a union branch.
OpeningsBody = Annotated[
    dict[str, Any] | list[Any],
    Body(
        description="One opening (fields of OpeningCreate), or a list of up to "
        f"{MAX_OPENINGS_PER_CALL} stored all or nothing",
    ),
]
_OPENING_LIST = TypeAdapter(
    Annotated[list[OpeningCreate], Field(min_length=1, max_length=MAX_OPENINGS_PER_CALL)]
)


@router.get("/sectors", response_model=SectorList)
def list_sectors(session: SessionDep, _: Reader) -> SectorList:
    """The 10 sectors with their sector cards and task counts."""
    return catalogue.list_sectors(session)


@router.get("/tasks", response_model=Page[TaskPublic])
def list_tasks(
    session: SessionDep,
    _: Reader,
    q: Annotated[
        str | None, Query(max_length=200, description="Free text; ranks by similarity")
    ] = None,
    sector: Sector | None = None,
    card: Annotated[str | None, Query(max_length=64, description="A card's slug")] = None,
    include_deprecated: Annotated[
        bool, Query(description="Also list deprecated tasks (ignored with q)")
    ] = False,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[TaskPublic]:
    """Search or list the task catalogue; with `q` the best matches come first (one page)."""
    if q and q.strip():
        ranked = catalogue.search_tasks(session, q=q, sector=sector, card=card, limit=limit)
        return Page[TaskPublic](
            items=[catalogue.to_public(t, score) for t, score in ranked], next_cursor=None
        )
    rows, next_cursor = catalogue.list_tasks(
        session,
        sector=sector,
        card=card,
        include_deprecated=include_deprecated,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return Page[TaskPublic](items=[catalogue.to_public(t) for t in rows], next_cursor=next_cursor)


@router.post("/tasks/normalize", response_model=NormaliseResponse)
def normalise_text(data: NormaliseRequest, session: SessionDep, _: Reader) -> NormaliseResponse:
    """Ranked catalogue tasks for free text, with scores 0-100 and the threshold used."""
    return catalogue.normalise_text(
        session, text=data.text, sector=data.sector, limit=data.limit, threshold=data.threshold
    )


@router.get("/tasks/{task_id}", response_model=TaskPublic)
def read_task(_: Reader, task: TaskDep) -> TaskPublic:
    """One task with its synonyms, demand levels and, if deprecated, its replacement."""
    return catalogue.to_public(task)


@router.get("/companies/{company_id}/openings", response_model=Page[OpeningPublic])
def list_company_openings(
    _: Reader,
    company: CompanyDep,
    session: SessionDep,
    status: OpeningStatus | None = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OpeningPublic]:
    """A company's task openings in the order they were entered."""
    found = openings.list_openings(
        session,
        company_id=company.id,
        status=status,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return openings.openings_page(session, found)


@router.post(
    "/companies/{company_id}/openings",
    response_model=OpeningPublic | list[OpeningPublic],
    status_code=status.HTTP_201_CREATED,
)
def create_openings(
    actor: Writer, company: CompanyDep, data: OpeningsBody, session: SessionDep
) -> OpeningPublic | list[OpeningPublic]:
    """Add one opening, or a list validated all or nothing; free text is resolved to a task."""
    as_list = isinstance(data, list)
    try:
        items = (
            _OPENING_LIST.validate_python(data) if as_list else [OpeningCreate.model_validate(data)]
        )
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc
    created = openings.create_openings(
        session, company=company, items=items, actor=actor, as_list=as_list
    )
    public = openings.openings_public(session, created)
    return public if as_list else public[0]


@router.get("/companies/{company_id}/task-suggestions", response_model=TaskSuggestions)
def suggest_tasks(_: Reader, company: CompanyDep, session: SessionDep) -> TaskSuggestions:
    """Catalogue tasks the company has no opening for yet, easiest first (a visit checklist)."""
    return openings.suggest_tasks(session, company=company)


@router.get("/openings", response_model=Page[OpeningPublic])
def list_openings(
    session: SessionDep,
    _: Reader,
    status: OpeningStatus | None = None,
    sector: Sector | None = None,
    municipality_code: Annotated[MunicipalityCode | None, Query()] = None,
    updated_since: UpdatedSinceQuery = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[OpeningPublic]:
    """Task openings of all companies, filtered; with `updated_since` for syncing."""
    found = openings.list_openings(
        session,
        status=status,
        sector=sector,
        municipality_code=municipality_code,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return openings.openings_page(session, found)


@router.get("/openings/{opening_id}", response_model=OpeningPublic)
def read_opening(_: Reader, opening: OpeningDep, session: SessionDep) -> OpeningPublic:
    """One task opening with its task."""
    return openings.openings_public(session, [opening])[0]


@router.patch("/openings/{opening_id}", response_model=OpeningPublic)
def update_opening(
    actor: Writer, opening: OpeningDep, data: OpeningUpdate, session: SessionDep
) -> OpeningPublic:
    """Change some fields of an opening; `demand_overrides`, when given, replaces all."""
    opening = openings.update_opening(session, opening=opening, data=data, actor=actor)
    return openings.openings_public(session, [opening])[0]


@router.delete("/openings/{opening_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_opening(actor: Writer, opening: OpeningDep, session: SessionDep) -> None:
    """Remove a task opening."""
    openings.delete_opening(session, opening=opening, actor=actor)
