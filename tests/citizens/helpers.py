"""Helpers shared by the citizen tests."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import count
from typing import Any

from sqlmodel import Session, col, select

from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Principal
from service.citizens import measurements
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.citizens.schemas import BipMeasurementCreate, CitizenCreate

API = "/api/v1"
_sequence = count(1)


def citizen_payload(**overrides: Any) -> dict[str, Any]:
    """A valid citizen create payload (Maribo, Lolland) with overrides; case numbers differ."""
    payload: dict[str, Any] = {
        "name": "Bodil Testesen",
        "external_ref": f"SAG-{next(_sequence):05d}",
        "postal_code": "4930",
        "has_driving_licence": True,
        "has_car": False,
        "transport": "bicycle",
        "max_commute_km": 12,
        "hours_per_week": 10,
        "wishes": "Vil gerne arbejde i en butik",
        "preferred_sectors": ["detailhandel"],
        "excluded_sectors": ["landbrug"],
        "preferred_tasks": ["vareopfyldning"],
        "excluded_tasks": [],
        "danish_level": 5,
        "limits": {"cannot_lift_heavy": True, "criminal_record": "no", "other": "Tåler ikke støv"},
        "notes": "Vil helst starte om formiddagen",
        "programme_start_date": "2025-01-15",
        "audit_gender": "female",
        "audit_birth_year": 1980,
    }
    payload.update(overrides)
    return payload


def make_citizen(
    session: Session, *, actor: Principal = CLI_PRINCIPAL, **overrides: Any
) -> Citizen:
    """A stored citizen."""
    data = CitizenCreate.model_validate(citizen_payload(**overrides))
    return citizens_service.create_citizen(session, data=data, actor=actor)


def add_bip(
    session: Session,
    citizen: Citizen,
    measured_on: str,
    answers: Mapping[str, int | None],
    *,
    belief: int | None = None,
) -> None:
    """Store a BIP measurement as the command line."""
    data = BipMeasurementCreate.model_validate(
        {"measured_on": measured_on, "answers": dict(answers), "caseworker_belief": belief}
    )
    measurements.record_bip(session, citizen=citizen, data=data, actor=CLI_PRINCIPAL)


def citizen_audit(session: Session, citizen_id: str) -> list[AuditEntry]:
    """The audit entries about one citizen, oldest first."""
    statement = select(AuditEntry).where(
        AuditEntry.entity_type == "citizen", AuditEntry.entity_id == citizen_id
    )
    return list(session.exec(statement.order_by(col(AuditEntry.id))).all())


def actions(session: Session, citizen_id: str) -> list[str]:
    """The audited actions on one citizen, oldest first."""
    return [e.action for e in citizen_audit(session, citizen_id)]


def error_fields(body: dict[str, Any]) -> dict[str, str]:
    """The `fields` of an error response as field -> message."""
    return {f["field"]: f["message"] for f in body["error"]["fields"]}


ALL_TEN = {
    "job_goal": 2,
    "substance_abuse": 5,
    "daily_energy": 3,
    "social_support": 4,
    "cooperation": 4,
    "contacting_strangers": 3,
    "health": 2,
    "competences_usable": 3,
    "can_manage_job": 3,
    "job_search_knowledge": 2,
}
