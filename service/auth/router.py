"""HTTP routes for the caller's identity, users, API keys and the audit log."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, status

from service.auth import service as auth_service
from service.auth.dependencies import AdminPrincipal, CurrentPrincipal
from service.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    AuditEntryPublic,
    Me,
    UserCreate,
    UserPublic,
)
from service.db import SessionDep
from service.pagination import DEFAULT_LIMIT, CursorQuery, LimitQuery
from service.schemas import Page

router = APIRouter(tags=["auth"])

# The widths of the audit columns.
EntityFilter = Annotated[str | None, Query(max_length=64)]


@router.get("/me", response_model=Me)
def read_me(principal: CurrentPrincipal) -> Me:
    """Who the caller is: name, role and municipality scope."""
    return Me(
        user_id=principal.user_id,
        name=principal.name,
        role=principal.role,
        municipality_code=principal.municipality_code,
    )


@router.get("/users", response_model=list[UserPublic])
def list_users(session: SessionDep, _: AdminPrincipal) -> list[UserPublic]:
    """All users (admins only)."""
    return [
        UserPublic.model_validate(u, from_attributes=True) for u in auth_service.list_users(session)
    ]


@router.post("/users", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, actor: AdminPrincipal) -> UserPublic:
    """Create a user with a role and, for scoped roles, a municipality (admins only)."""
    user = auth_service.create_user(session, data=data, actor=actor)
    return UserPublic.model_validate(user, from_attributes=True)


@router.get("/users/{user_id}/keys", response_model=list[ApiKeyPublic])
def list_keys(user_id: str, session: SessionDep, _: AdminPrincipal) -> list[ApiKeyPublic]:
    """A user's API keys without their secrets (admins only)."""
    keys = auth_service.list_api_keys(session, user_id=user_id)
    return [ApiKeyPublic.model_validate(k, from_attributes=True) for k in keys]


@router.post(
    "/users/{user_id}/keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED
)
def create_key(
    user_id: str, data: ApiKeyCreate, session: SessionDep, actor: AdminPrincipal
) -> ApiKeyCreated:
    """Create an API key; the key is in this response only (admins only)."""
    api_key, plain = auth_service.create_api_key(
        session, user_id=user_id, name=data.name, actor=actor
    )
    return ApiKeyCreated(
        id=api_key.id,
        user_id=api_key.user_id,
        name=api_key.name,
        key=plain,
        key_prefix=api_key.key_prefix,
        created_at=api_key.created_at,
    )


@router.delete("/keys/{key_id}", response_model=ApiKeyPublic)
def revoke_key(key_id: str, session: SessionDep, actor: AdminPrincipal) -> ApiKeyPublic:
    """Revoke an API key (admins only)."""
    api_key = auth_service.revoke_api_key(session, key_id=key_id, actor=actor)
    return ApiKeyPublic.model_validate(api_key, from_attributes=True)


@router.get("/audit", response_model=Page[AuditEntryPublic])
def list_audit(
    session: SessionDep,
    _: AdminPrincipal,
    entity_type: EntityFilter = None,
    entity_id: EntityFilter = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[AuditEntryPublic]:
    """The audit log, oldest first, filtered by entity (admins only)."""
    rows, next_cursor = auth_service.list_audit_entries(
        session, entity_type=entity_type, entity_id=entity_id, limit=limit, cursor=cursor
    )
    items = [
        AuditEntryPublic(
            **row.model_dump(exclude={"detail"}),
            detail=json.loads(row.detail) if row.detail else None,
        )
        for row in rows
    ]
    return Page[AuditEntryPublic](items=items, next_cursor=next_cursor)
