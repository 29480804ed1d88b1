"""Request and response shapes for users, keys and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.auth.principal import MUNICIPALITY_SCOPED_ROLES, Role
from service.i18n import bilingual_error
from service.places import MunicipalityCode
from service.schemas import UtcDatetime


class UserCreate(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str | None, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")] = None
    role: Role
    municipality_code: MunicipalityCode | None = None
    password: Annotated[str | None, Field(min_length=12, max_length=200)] = None

    @model_validator(mode="after")
    def _scope_matches_role(self) -> UserCreate:
        if self.role in MUNICIPALITY_SCOPED_ROLES and self.municipality_code is None:
            raise bilingual_error(
                "municipality_required",
                da=f"Rollen {self.role} skal have en kommunekode (municipality_code)",
                en=f"The role {self.role} needs a municipality_code",
            )
        return self


class UserPublic(BaseModel):
    """A user as shown to admins (never the password hash)."""

    id: str
    name: str
    email: str | None
    role: Role
    municipality_code: str | None
    is_active: bool
    created_at: UtcDatetime


class ApiKeyCreate(BaseModel):
    """A new API key for an existing user."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]


class ApiKeyCreated(BaseModel):
    """A new API key; ``key`` is shown this once and never stored."""

    id: str
    user_id: str
    name: str
    key: str
    key_prefix: str
    created_at: UtcDatetime


class ApiKeyPublic(BaseModel):
    """An API key without its secret."""

    id: str
    user_id: str
    name: str
    key_prefix: str
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None


class Me(BaseModel):
    """The caller's own identity."""

    user_id: str | None
    name: str
    role: Role
    municipality_code: str | None


class AuditEntryPublic(BaseModel):
    """One audit log entry."""

    id: int
    occurred_at: UtcDatetime
    actor_user_id: str | None
    actor_name: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str | None
    detail: dict[str, Any] | None
