"""Plain factory functions for test data."""

from __future__ import annotations

from itertools import count
from typing import Any

from sqlmodel import Session

from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.companies import service as companies_service
from service.companies.codes import cvr_check_digit
from service.companies.models import Company
from service.companies.schemas import CompanyCreate

_sequence = count(1)


def valid_cvr(seed: int | None = None) -> str:
    """A CVR number with a valid check digit, different on every call unless seeded."""
    number = seed if seed is not None else next(_sequence)
    while True:
        first_seven = f"3{number:06d}"[-7:]
        digit = cvr_check_digit(first_seven)
        if digit is not None:
            return f"{first_seven}{digit}"
        number += 1000003


def make_key(
    session: Session, role: Role, municipality_code: str | None = None, name: str | None = None
) -> tuple[Principal, str]:
    """A user with the role and its API key."""
    user, key = auth_service.create_user_with_key(
        session,
        name=name or f"Test {role} {municipality_code or ''}".strip(),
        role=role,
        municipality_code=municipality_code,
        actor=CLI_PRINCIPAL,
    )
    principal = Principal(
        user_id=user.id, name=user.name, role=role, municipality_code=municipality_code
    )
    return principal, key


def bearer(key: str, **extra: str) -> dict[str, str]:
    """Request headers carrying an API key."""
    return {"Authorization": f"Bearer {key}", **extra}


def company_payload(**overrides: Any) -> dict[str, Any]:
    """A valid company create payload (Maribo, retail) with overrides."""
    payload: dict[str, Any] = {
        "cvr": valid_cvr(),
        "name": "Maribo Dagligvarer",
        "address": "Vestergade 3",
        "postal_code": "4930",
        "db07_code": "471100",
        "size_band": "6-19",
        "sector_type": "private",
        "contact_owner": "jc_lolland",
    }
    payload.update(overrides)
    return payload


def make_company(session: Session, **overrides: Any) -> Company:
    """A stored company."""
    data = CompanyCreate.model_validate(company_payload(**overrides))
    return companies_service.create_company(session, data=data, actor=CLI_PRINCIPAL)
