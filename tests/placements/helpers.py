"""Helpers shared by the placement tests: people, a company with an opening, payloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.citizens.models import Citizen
from service.companies.models import Company
from service.placements import service as placements_service
from service.placements.models import Placement
from service.placements.schemas import PlacementCreate, PlacementUpdate
from service.tasks import openings
from service.tasks.models import TaskOpening
from service.tasks.schemas import OpeningCreate
from tests.citizens.helpers import make_citizen
from tests.factories import bearer, make_company, make_key

API = "/api/v1"
TASK = "detailhandel.varepaafyldning"


def days_ago(days: int) -> date:
    """A date some days before today."""
    return clock.today() - timedelta(days=days)


@dataclass
class People:
    """One user per role (scoped roles in Lolland, 360) with headers and principals."""

    principals: dict[str, Principal]
    headers: dict[str, dict[str, str]]


def people(session: Session) -> People:
    """A user and key for each role that matters here."""
    principals: dict[str, Principal] = {}
    headers: dict[str, dict[str, str]] = {}
    for label, role, municipality in (
        ("admin", Role.admin, None),
        ("caseworker", Role.caseworker, "360"),
        ("caseworker_376", Role.caseworker, "376"),
        ("consultant", Role.company_consultant, "360"),
        ("consultant_376", Role.company_consultant, "376"),
        ("blf", Role.blf_consultant, None),
        ("integration", Role.integration, None),
    ):
        principal, key = make_key(session, role, municipality)
        principals[label] = principal
        headers[label] = bearer(key)
    return People(principals, headers)


def make_opening(session: Session, company: Company, **overrides: Any) -> TaskOpening:
    """A stored opening of restocking shelves (needs the loaded catalogue)."""
    payload: dict[str, Any] = {
        "task_id": TASK,
        "hours_per_week": 10,
        "placement_types": ["virksomhedspraktik", "loentimer", "hybridjob"],
        "hourly_wage": 150,
    }
    payload.update(overrides)
    return openings.create_openings(
        session,
        company=company,
        items=[OpeningCreate.model_validate(payload)],
        actor=CLI_PRINCIPAL,
        as_list=False,
    )[0]


def internship_payload(citizen: Citizen, company: Company, **overrides: Any) -> dict[str, Any]:
    """A valid internship proposal starting in two weeks, with its review and planned step."""
    start = clock.today() + timedelta(days=14)
    payload: dict[str, Any] = {
        "citizen_id": citizen.id,
        "company_id": company.id,
        "placement_type": "virksomhedspraktik",
        "start_date": start.isoformat(),
        "planned_end_date": (start + timedelta(weeks=13)).isoformat(),
        "hours_per_week": 12,
        "review_date": (start + timedelta(weeks=4)).isoformat(),
        "planned_step_type": "loentimer",
        "planned_step_date": (start + timedelta(weeks=8)).isoformat(),
    }
    payload.update(overrides)
    return payload


def propose(session: Session, *, actor: Principal = CLI_PRINCIPAL, **fields: Any) -> Placement:
    """A stored placement, created through the service as the API would."""
    return placements_service.create_placement(
        session, data=PlacementCreate.model_validate(fields), actor=actor
    )


def move(
    session: Session, placement: Placement, *, actor: Principal = CLI_PRINCIPAL, **fields: Any
) -> Placement:
    """Change a placement through the service (a transition when ``status`` is given)."""
    return placements_service.update_placement(
        session, placement=placement, data=PlacementUpdate.model_validate(fields), actor=actor
    )


def internship(
    session: Session,
    citizen: Citizen,
    company: Company,
    *,
    started: date | None = None,
    **overrides: Any,
) -> Placement:
    """An internship proposed, and (with ``started``) agreed and active since that day."""
    if started is None:
        return propose(session, **internship_payload(citizen, company, **overrides))
    payload = internship_payload(
        citizen,
        company,
        proposed_date=(started - timedelta(days=7)).isoformat(),
        start_date=started.isoformat(),
        planned_end_date=(started + timedelta(weeks=13)).isoformat(),
        review_date=(started + timedelta(weeks=4)).isoformat(),
        planned_step_date=(started + timedelta(weeks=8)).isoformat(),
    )
    payload.update(overrides)
    placement = propose(session, **payload)
    move(session, placement, status="agreed", effective_date=(started - timedelta(days=3)))
    return move(session, placement, status="active", effective_date=started)


def citizen_and_company(session: Session, **company: Any) -> tuple[Citizen, Company]:
    """A Lolland citizen and a retail company in Maribo."""
    return make_citizen(session), make_company(session, **company)


def audit_rows(session: Session, entity_type: str, entity_id: str) -> list[AuditEntry]:
    """Audit entries about one entity, oldest first."""
    statement = select(AuditEntry).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id
    )
    return list(session.exec(statement.order_by(col(AuditEntry.id))).all())


def error_fields(body: dict[str, Any]) -> dict[str, str]:
    """The `fields` of an error response as field -> message."""
    return {f["field"]: f["message"] for f in body["error"]["fields"]}


def post_placement(client: TestClient, payload: dict[str, Any], headers: dict[str, str]) -> Any:
    """POST a placement."""
    return client.post(f"{API}/placements", json=payload, headers=headers)
