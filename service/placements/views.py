"""Reading placements: the filtered list, one placement, and their API shapes.

A read of a placement is a read of the citizen's data: every placement returned is audited on
its citizen, as ``service.citizens`` audits its own reads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.principal import Principal
from service.citizens.models import Citizen
from service.companies.models import Company
from service.pagination import as_utc, paginate
from service.placements import agreements, learning, queries
from service.placements import service as placements_service
from service.placements.models import Placement, PlacementTransition, WageHourAgreement
from service.placements.schemas import CitizenPlacementRecord, PlacementPublic, TransitionPublic
from service.placements.states import (
    ALLOWED_NEXT,
    OUTCOME_LABELS_DA,
    EndReason,
    PlacementStatus,
    PlacementType,
)


def list_placements(
    session: Session,
    *,
    actor: Principal,
    citizen_id: str | None,
    company_id: str | None,
    status: PlacementStatus | None,
    placement_type: PlacementType | None,
    lock_in_risk: bool | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Placement], str | None]:
    """One page of the placements the actor may see, newest proposals first; reads audited."""
    statement = policy.within_reach(select(Placement), actor, Placement.municipality_code)
    if citizen_id is not None:
        statement = statement.where(Placement.citizen_id == citizen_id)
    if company_id is not None:
        statement = statement.where(Placement.company_id == company_id)
    if status is not None:
        statement = statement.where(Placement.status == status.value)
    if placement_type is not None:
        statement = statement.where(Placement.placement_type == placement_type.value)
    if lock_in_risk is not None:
        risk = queries.lock_in_risk_clause(clock.today())
        statement = statement.where(risk if lock_in_risk else ~risk)
    order_by: list[Any] = [Placement.created_at, Placement.id]
    if updated_since is not None:
        statement = statement.where(col(Placement.updated_at) >= as_utc(updated_since))
        order_by = [Placement.updated_at, Placement.id]
    rows, next_cursor = paginate(session, statement, order_by=order_by, limit=limit, cursor=cursor)
    placements_service.audit_reads(session, actor, rows, "placement_list")
    return rows, next_cursor


def read_placement(session: Session, *, placement: Placement, actor: Principal) -> PlacementPublic:
    """One placement with its history; the read is audited on the citizen."""
    placements_service.check_scope(actor, placement.municipality_code)
    placements_service.audit_reads(session, actor, [placement], "placement")
    return placements_public(session, [placement], actor)[0]


def for_viewer(public: PlacementPublic, actor: Principal) -> PlacementPublic:
    """The placement as the actor may see it: only caseworkers (and admins) see a health end
    reason and the free-text notes (API.md: consultants never see health)."""
    if policy.may_see_sensitive(actor):
        return public
    shown = policy.end_reason_for(actor, public.end_reason)
    reason = EndReason(shown) if shown is not None else None
    return public.model_copy(update={"end_reason": reason, "end_reason_text": None, "notes": None})


def placements_public(
    session: Session, placements: list[Placement], actor: Principal | None = None
) -> list[PlacementPublic]:
    """API shapes for placements: names, transitions, agreements and lock-in in a few queries.

    With ``actor``, each is shaped for that viewer (see ``for_viewer``).
    """
    if not placements:
        return []
    ids = [p.id for p in placements]
    citizen_ids = {p.citizen_id for p in placements if p.citizen_id}
    company_ids = {p.company_id for p in placements if p.company_id}
    citizens = dict(
        session.exec(select(Citizen.id, Citizen.name).where(col(Citizen.id).in_(citizen_ids))).all()
        if citizen_ids
        else []
    )
    companies = dict(
        session.exec(select(Company.id, Company.name).where(col(Company.id).in_(company_ids))).all()
        if company_ids
        else []
    )
    transitions: dict[str, list[TransitionPublic]] = {i: [] for i in ids}
    for row in session.exec(
        select(PlacementTransition)
        .where(col(PlacementTransition.placement_id).in_(ids))
        .order_by(col(PlacementTransition.id))
    ):
        transitions[row.placement_id].append(TransitionPublic.model_validate(row.model_dump()))
    with_agreement = set(
        session.exec(
            select(WageHourAgreement.placement_id).where(
                col(WageHourAgreement.placement_id).in_(ids)
            )
        )
    )
    on = clock.today()
    at_risk = queries.placements_at_risk(session, ids, on)
    shaped = [
        _public(
            p,
            citizens.get(p.citizen_id or ""),
            companies.get(p.company_id or ""),
            transitions[p.id],
            p.id in with_agreement,
            p.id in at_risk,
            on,
        )
        for p in placements
    ]
    return shaped if actor is None else [for_viewer(p, actor) for p in shaped]


def _public(
    placement: Placement,
    citizen_name: str | None,
    company_name: str | None,
    transitions: list[TransitionPublic],
    has_agreement: bool,
    lock_in_risk: bool,
    on: date,
) -> PlacementPublic:
    status = PlacementStatus(placement.status)
    weeks = None
    if status == PlacementStatus.active and placement.start_date is not None:
        weeks = max(0, (on - placement.start_date).days // 7)
    values = placement.model_dump()
    return PlacementPublic.model_validate(
        {
            **values,
            "citizen_name": citizen_name,
            "company_name": company_name,
            "allowed_next": list(ALLOWED_NEXT[status]),
            "planned_step_done": placement.planned_step_done_date is not None,
            "lock_in_risk": lock_in_risk,
            "weeks_running": weeks,
            "caseworker_id": placement.caseworker_user_id,
            "consultant_id": placement.consultant_user_id,
            "outcome_label": OUTCOME_LABELS_DA.get(placement.outcome_category or 0),
            "has_agreement": has_agreement,
            "transitions": transitions,
            "anonymised": placement.anonymised_at is not None,
        }
    )


def citizen_placement_record(session: Session, *, citizen_id: str) -> CitizenPlacementRecord:
    """Every placement of a citizen with its agreement and learning-case notes (right of access)."""
    placements = list(
        session.exec(
            select(Placement)
            .where(col(Placement.citizen_id) == citizen_id)
            .order_by(col(Placement.created_at), col(Placement.id))
        ).all()
    )
    found = [(p, agreements.find_agreement(session, placement_id=p.id)) for p in placements]
    return CitizenPlacementRecord(
        placements=placements_public(session, placements),
        agreements=[
            agreements.agreement_public(session, placement=p, agreement=a) for p, a in found if a
        ],
        learning_cases=[
            learning.learning_case_public(session, placement=p)
            for p in placements
            if p.learning_case_opened_date is not None
        ],
    )
