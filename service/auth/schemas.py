"""Request and response shapes for users, keys and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from service.auth.principal import MUNICIPALITY_SCOPED_ROLES, Role
from service.i18n import bilingual_error
from service.places import MunicipalityCode
from service.schemas import FreeText, UtcDatetime, shown_pattern


def _lower_case(value: str) -> str:
    return value.lower()


# One person, one account: e-mail addresses are stored and compared in lower case.
EmailAddress = Annotated[
    FreeText, shown_pattern(r"^[^@\s]+@[^@\s]+$", max_length=254), AfterValidator(_lower_case)
]


class UserCreate(BaseModel):
    """A new user."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[FreeText, Field(min_length=1, max_length=200)]
    email: EmailAddress | None = None
    role: Role
    # validate_default: the scope check below must also run when the field is left out.
    municipality_code: Annotated[MunicipalityCode | None, Field(validate_default=True)] = None
    password: Annotated[str, Field(min_length=12, max_length=200)] | None = None

    @field_validator("municipality_code")
    @classmethod
    def _scope_matches_role(cls, value: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role in MUNICIPALITY_SCOPED_ROLES and value is None:
            raise bilingual_error(
                "municipality_required",
                da=f"Rollen {role} skal have en kommunekode (municipality_code)",
                en=f"The role {role} needs a municipality_code",
            )
        return value


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

    name: Annotated[FreeText, Field(min_length=1, max_length=200)]


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
