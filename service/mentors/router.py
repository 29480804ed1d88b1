"""HTTP routes of the mentor corps, suggestions for a citizen, and mentor matches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from service.auth.dependencies import require_roles
from service.auth.principal import Principal, Role
from service.db import SessionDep
from service.mentors import service as mentors_service
from service.mentors.models import Mentor
from service.mentors.schemas import (
    MentorCreate,
    MentorMatchCreate,
    MentorMatchUpdate,
    MentorMatchView,
    MentorPublic,
    MentorSuggestion,
    MentorUpdate,
)
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from service.schemas import Page

router = APIRouter(tags=["mentors"])

# BLF's project leader runs the corps (VIVE 2020, 4.5.2); admins too.
CorpsManager = Annotated[Principal, Depends(require_roles(Role.admin, Role.blf_consultant))]
# Caseworkers find the citizens who would benefit and make the match.
Matcher = Annotated[Principal, Depends(require_roles(Role.admin, Role.caseworker))]
MatchReader = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.caseworker, Role.blf_consultant))
]


def valid_mentor_id(mentor_id: str, session: SessionDep) -> Mentor:
    """The mentor named in the path, or 404."""
    return mentors_service.get_mentor(session, mentor_id=mentor_id)


MentorDep = Annotated[Mentor, Depends(valid_mentor_id)]


@router.post("/mentors", response_model=MentorPublic, status_code=status.HTTP_201_CREATED)
def create_mentor(actor: CorpsManager, data: MentorCreate, session: SessionDep) -> MentorPublic:
    """Register a volunteer business mentor."""
    mentor = mentors_service.create_mentor(session, data=data, actor=actor)
    return mentors_service.mentors_public(session, [mentor])[0]


@router.get("/mentors", response_model=Page[MentorPublic])
def list_mentors(
    _: CorpsManager,
    session: SessionDep,
    available: Annotated[bool | None, Query(description="Only available or paused")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[MentorPublic]:
    """The mentor corps by name, with active and total matches."""
    rows, next_cursor = mentors_service.list_mentors(
        session, available=available, limit=limit, cursor=cursor
    )
    return Page[MentorPublic](
        items=mentors_service.mentors_public(session, rows), next_cursor=next_cursor
    )


@router.get("/mentors/{mentor_id}", response_model=MentorPublic)
def read_mentor(_: CorpsManager, mentor: MentorDep, session: SessionDep) -> MentorPublic:
    """One mentor."""
    return mentors_service.mentors_public(session, [mentor])[0]


@router.patch("/mentors/{mentor_id}", response_model=MentorPublic)
def update_mentor(
    actor: CorpsManager, mentor: MentorDep, data: MentorUpdate, session: SessionDep
) -> MentorPublic:
    """Change a mentor; ``available: false`` pauses them."""
    mentor = mentors_service.update_mentor(session, mentor=mentor, data=data, actor=actor)
    return mentors_service.mentors_public(session, [mentor])[0]


@router.get("/citizens/{citizen_id}/mentor-suggestions", response_model=list[MentorSuggestion])
def suggest_mentors(
    actor: Matcher,
    citizen_id: str,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[MentorSuggestion]:
    """Available mentors with room, ranked by fit for the citizen, with reasons; audited."""
    return mentors_service.suggest_mentors(session, citizen_id=citizen_id, actor=actor, limit=limit)


@router.post("/mentor-matches", response_model=MentorMatchView, status_code=status.HTTP_201_CREATED)
def create_mentor_match(
    actor: Matcher, data: MentorMatchCreate, session: SessionDep
) -> MentorMatchView:
    """Assign a mentor to a citizen (409 when the mentor is full or paused); audited."""
    match = mentors_service.create_match(session, data=data, actor=actor)
    return mentors_service.matches_view(session, [match], actor=actor)[0]


@router.get("/mentor-matches", response_model=Page[MentorMatchView])
def list_mentor_matches(
    actor: MatchReader,
    session: SessionDep,
    citizen_id: Annotated[str | None, Query(max_length=32)] = None,
    mentor_id: Annotated[str | None, Query(max_length=32)] = None,
    active: bool | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[MentorMatchView]:
    """Matches: caseworkers see their municipality's, BLF every match with first names only."""
    rows, next_cursor = mentors_service.list_matches(
        session,
        actor=actor,
        citizen_id=citizen_id,
        mentor_id=mentor_id,
        active=active,
        limit=limit,
        cursor=cursor,
    )
    return Page[MentorMatchView](
        items=mentors_service.matches_view(session, rows, actor=actor), next_cursor=next_cursor
    )


@router.patch("/mentor-matches/{match_id}", response_model=MentorMatchView)
def end_mentor_match(
    actor: MatchReader, match_id: str, data: MentorMatchUpdate, session: SessionDep
) -> MentorMatchView:
    """End a match with a short assessment."""
    match = mentors_service.get_match(session, match_id=match_id, actor=actor)
    match = mentors_service.end_match(session, match=match, data=data, actor=actor)
    return mentors_service.matches_view(session, [match], actor=actor)[0]
