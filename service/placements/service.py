"""Placements: propose, change, move through the state machine, list; and budget examples.

Learning cases live in ``learning.py``, wage-hour agreements in ``agreements.py``, their printable
forms in ``rendering.py``, lock-in and the matcher's aggregates in ``queries.py``.

Changes are audited on the placement (entity ``placement``); reads are reads of citizen data and
are audited on the citizen, as ``service.citizens`` does, with ids only.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.audit import EntityAudit
from service.auth.models import User
from service.auth.principal import Principal
from service.changefeed import feed as changefeed
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.companies.models import Company
from service.errors import FieldError
from service.placements import budget as budget_rules
from service.placements import queries, rules
from service.placements.exceptions import (
    BudgetNotPossibleError,
    IllegalTransitionError,
    PlacementClosedError,
    PlacementDataError,
    PlacementNotFoundError,
    PlacementOutOfScopeError,
)
from service.placements.models import Placement, PlacementTransition
from service.placements.rules import ENDING_FIELDS
from service.placements.schemas import (
    BudgetPublic,
    BudgetRowPublic,
    BudgetRules,
    BudgetSource,
    PlacementCreate,
    PlacementUpdate,
)
from service.placements.states import (
    EARLY_END,
    FINAL,
    SUPPORT_TYPES,
    PlacementStatus,
    PlacementType,
    can_move,
)
from service.tasks.models import Task, TaskOpening

ENTITY = "placement"
# What may still change once a placement has reached a final status.
_AFTER_END = frozenset({"notes", "planned_step_done", *ENDING_FIELDS})
_AFTER_CLOSE = frozenset({"notes", "status_reason"})
_TRANSITION_KEYS = frozenset({"status", "effective_date"})
_ENUM_FIELDS = frozenset({"assessment", "end_reason", "planned_step_type"})
# Stored under another name than the API field.
_USER_COLUMNS = {"caseworker_id": "caseworker_user_id", "consultant_id": "consultant_user_id"}


def _field(name: str, da: str, en: str) -> FieldError:
    return FieldError(name, da, en)


def check_scope(actor: Principal, municipality_code: str | None) -> None:
    """Raise 403 unless the actor works with placements of the municipality."""
    if not policy.may_work_with_placements_in(actor, municipality_code):
        raise PlacementOutOfScopeError(municipality_code)


_audit = EntityAudit(ENTITY)


def audit_change(
    session: Session, actor: Principal, action: str, placement: Placement, detail: dict[str, Any]
) -> None:
    """Write one audit entry about a placement (ids, statuses, field names; never text)."""
    _audit(session, actor, action, placement.id, {"citizen_id": placement.citizen_id, **detail})


def audit_reads(session: Session, actor: Principal, placements: list[Placement], via: str) -> None:
    """Audit a read of placements as a read of each citizen's data (one entry per placement)."""
    for placement in placements:
        if placement.citizen_id is not None:
            citizens_service.audit_citizen(
                session,
                actor,
                "read",
                placement.citizen_id,
                {"via": via, "placement_id": placement.id},
            )


def _user(
    session: Session, user_id: str, field: str, roles: tuple[str, ...], municipality: str
) -> User:
    user = session.get(User, user_id)
    if user is None or not policy.is_active_in_roles(user, roles):
        wanted = ", ".join(roles)
        raise PlacementDataError(
            [
                _field(
                    field,
                    f"{user_id} er ikke en aktiv bruger med rollen {wanted}",
                    f"{user_id} is not an active user with the role {wanted}",
                )
            ]
        )
    if user.municipality_code not in (None, municipality):
        raise PlacementDataError(
            [
                _field(
                    field,
                    f"Brugeren {user_id} hører til kommune {user.municipality_code}",
                    f"User {user_id} belongs to municipality {user.municipality_code}",
                )
            ]
        )
    return user


def resolve_people(
    session: Session,
    *,
    actor: Principal,
    municipality: str,
    caseworker_id: str | None,
    consultant_id: str | None,
) -> tuple[str | None, str | None]:
    """The caseworker and consultant user ids: as given (checked), else the actor by role."""
    if caseworker_id is not None:
        _user(session, caseworker_id, "caseworker_id", policy.CASEWORKER_ROLE_NAMES, municipality)
    elif policy.assigned_as(actor) == "caseworker":
        caseworker_id = actor.user_id
    if consultant_id is not None:
        _user(session, consultant_id, "consultant_id", policy.CONSULTANT_ROLE_NAMES, municipality)
    elif policy.assigned_as(actor) == "consultant":
        consultant_id = actor.user_id
    return caseworker_id, consultant_id


def _company_and_opening(
    session: Session, data: PlacementCreate
) -> tuple[Company | None, TaskOpening | None]:
    kind = data.placement_type
    opening = session.get(TaskOpening, data.opening_id) if data.opening_id else None
    if data.opening_id and opening is None:
        raise PlacementDataError(
            [
                _field(
                    "opening_id",
                    f"Opgaveåbningen {data.opening_id} findes ikke",
                    f"Task opening {data.opening_id} does not exist",
                )
            ]
        )
    company_id = data.company_id or (opening.company_id if opening else None)
    company = session.get(Company, company_id) if company_id else None
    problems = []
    if company_id and company is None:
        problems.append(
            _field(
                "company_id",
                f"Virksomheden {company_id} findes ikke",
                f"Company {company_id} does not exist",
            )
        )
    elif company is not None and company.archived_at is not None:
        problems.append(
            _field(
                "company_id",
                f"Virksomheden {company.name} er arkiveret og tager ikke nye forløb",
                f"Company {company.name} is archived and takes no new placements",
            )
        )
    elif company is None and kind not in SUPPORT_TYPES:
        problems.append(
            _field(
                "company_id",
                "Et forløb i en virksomhed skal have en virksomhed (company_id eller opening_id)",
                "A company placement needs a company (company_id or opening_id)",
            )
        )
    if opening is not None and company is not None and opening.company_id != company.id:
        problems.append(
            _field(
                "opening_id",
                "Opgaveåbningen hører til en anden virksomhed",
                "The task opening belongs to another company",
            )
        )
    elif opening is not None and kind not in SUPPORT_TYPES and kind not in opening.placement_types:
        offered = ", ".join(opening.placement_types)
        problems.append(
            _field(
                "opening_id",
                f"Opgaven tilbydes ikke som {kind} (kun: {offered})",
                f"The task is not offered as {kind} (only: {offered})",
            )
        )
    if problems:
        raise PlacementDataError(problems)
    return company, opening


def create_placement(
    session: Session, *, data: PlacementCreate, actor: Principal, is_demo: bool = False
) -> Placement:
    """Propose a placement for a citizen (status proposed, dated by ``proposed_date``)."""
    citizen = session.get(Citizen, data.citizen_id)
    if citizen is None:
        raise PlacementDataError(
            [
                _field(
                    "citizen_id",
                    f"Borgeren {data.citizen_id} findes ikke",
                    f"Citizen {data.citizen_id} does not exist",
                )
            ]
        )
    check_scope(actor, citizen.municipality_code)
    company, opening = _company_and_opening(session, data)
    task_id = data.task_id or (opening.task_id if opening else None)
    if data.task_id and session.get(Task, data.task_id) is None:
        raise PlacementDataError(
            [
                _field(
                    "task_id",
                    f"Opgaven {data.task_id} findes ikke i kataloget",
                    f"Task {data.task_id} does not exist in the catalogue",
                )
            ]
        )
    on = clock.today()
    values = data.model_dump(
        exclude={"citizen_id", "company_id", "opening_id", "task_id", *_USER_COLUMNS}
    )
    values["proposed_date"] = data.proposed_date or on
    values["placement_type"] = str(data.placement_type)
    if data.planned_step_type is not None:
        values["planned_step_type"] = str(data.planned_step_type)
    problems = rules.check_terms(values, on)
    if problems:
        raise PlacementDataError(problems)
    caseworker_id, consultant_id = resolve_people(
        session,
        actor=actor,
        municipality=citizen.municipality_code,
        caseworker_id=data.caseworker_id,
        consultant_id=data.consultant_id,
    )
    placement = Placement(
        **values,
        citizen_id=citizen.id,
        municipality_code=citizen.municipality_code,
        company_id=company.id if company else None,
        sector=company.sector if company else None,
        opening_id=opening.id if opening else None,
        task_id=task_id,
        status=PlacementStatus.proposed.value,
        caseworker_user_id=caseworker_id,
        consultant_user_id=consultant_id,
        is_demo=is_demo,
    )
    session.add(placement)
    session.flush()
    _record_transition(session, placement, None, values["proposed_date"], actor)
    audit_change(
        session,
        actor,
        "create",
        placement,
        {"placement_type": placement.placement_type, "company_id": placement.company_id},
    )
    # The company's row in the knowledge-sharing overview changes with its placements.
    changefeed.record_company_changes(session, company_ids=[placement.company_id])
    return placement


def _record_transition(
    session: Session,
    placement: Placement,
    from_status: PlacementStatus | None,
    effective_date: date,
    actor: Principal,
) -> None:
    session.add(
        PlacementTransition(
            placement_id=placement.id,
            from_status=from_status.value if from_status else None,
            to_status=placement.status,
            effective_date=effective_date,
            actor_user_id=actor.user_id,
            actor_role=policy.role_name(actor),
        )
    )


def get_placement(session: Session, *, placement_id: str) -> Placement:
    """Load a placement or raise 404."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise PlacementNotFoundError(placement_id)
    return placement


def _last_transition_date(session: Session, placement_id: str) -> date | None:
    statement = (
        select(PlacementTransition)
        .where(PlacementTransition.placement_id == placement_id)
        .order_by(col(PlacementTransition.id).desc())
    )
    last = session.exec(statement).first()
    return last.effective_date if last else None


def update_placement(
    session: Session, *, placement: Placement, data: PlacementUpdate, actor: Principal
) -> Placement:
    """Change fields and/or move the placement to its next status (409 if not allowed)."""
    check_scope(actor, placement.municipality_code)
    patch = data.model_dump(exclude_unset=True)
    current = PlacementStatus(placement.status)
    target = PlacementStatus(patch["status"]) if patch.get("status") else current
    moving = target != current
    if moving and not can_move(current, target):
        raise IllegalTransitionError(current, target.value)
    changing = set(patch) - _TRANSITION_KEYS
    if current in FINAL:
        allowed = _AFTER_END if current == PlacementStatus.ended else _AFTER_CLOSE
        frozen = sorted(changing - allowed)
        if frozen:
            raise PlacementClosedError(current, frozen)
    problems = rules.field_problems(current, target, set(patch))
    if "effective_date" in patch and not moving:
        problems.append(
            _field(
                "effective_date",
                "Dater en statusændring; send den sammen med status",
                "Dates a status change; send it with status",
            )
        )
    values: dict[str, Any] = placement.model_dump()
    for key, value in patch.items():
        if key in _TRANSITION_KEYS or key == "planned_step_done":
            continue
        stored = str(value) if key in _ENUM_FIELDS and value is not None else value
        values[_USER_COLUMNS.get(key, key)] = stored
    on = clock.today()
    effective = patch.get("effective_date") or on
    if moving:
        problems += rules.apply_transition(
            target,
            effective,
            values,
            last=_last_transition_date(session, placement.id),
            on=on,
            start_given="start_date" in patch,
        )
    if "planned_step_done" in patch:
        if placement.placement_type != PlacementType.virksomhedspraktik:
            problems.append(
                _field(
                    "planned_step_done",
                    "Kun en virksomhedspraktik har et planlagt skridt",
                    "Only an internship has a planned step",
                )
            )
        done = placement.planned_step_done_date or effective
        values["planned_step_done_date"] = done if patch["planned_step_done"] else None
    problems += rules.check_terms(values, on)
    if target == PlacementStatus.ended:
        problems += rules.check_ending(values)
        early = values.get("assessment") in EARLY_END
        opened = placement.learning_case_opened_date
        values["learning_case_opened_date"] = (opened or values["end_date"]) if early else None
    if problems:
        raise PlacementDataError(problems)
    closing_case = values["learning_case_opened_date"] is None
    # The notes of a learning case are kept: its placement stays an early end.
    if (
        closing_case
        and placement.learning_case_opened_date is not None
        and queries.note_count(session, placement_id=placement.id)
    ):
        raise PlacementClosedError(current, ["assessment"])
    if patch.get("caseworker_id") is not None or patch.get("consultant_id") is not None:
        resolve_people(
            session,
            actor=actor,
            municipality=placement.municipality_code,
            caseworker_id=patch.get("caseworker_id"),
            consultant_id=patch.get("consultant_id"),
        )
    changed = sorted(k for k, v in values.items() if getattr(placement, k) != v)
    for key in changed:
        setattr(placement, key, values[key])
    if moving:
        placement.status = target.value
    placement.updated_at = clock.now()
    session.add(placement)
    session.flush()
    detail: dict[str, Any] = {"fields": changed}
    if moving:
        _record_transition(session, placement, current, effective, actor)
        detail.update({"from": current.value, "to": target.value, "on": effective.isoformat()})
    audit_change(session, actor, "transition" if moving else "update", placement, detail)
    changefeed.record_company_changes(session, company_ids=[placement.company_id])
    return placement


def proposals_this_month_by_opening(session: Session, *, today: date) -> dict[str, int]:
    """Placements still in play (proposed, agreed, active) proposed this month, per opening."""
    return queries.proposals_this_month_by_opening(session, today=today)


def conversion_rate_by_company(session: Session) -> dict[str, float]:
    """Per company, the share of its ended internships that led to paid hours."""
    return queries.conversion_rate_by_company(session)


def budget_example(
    *,
    hourly_wage: Decimal,
    category: budget_rules.BenefitCategory,
    on: date,
    municipality_code: str,
    hours_per_week: list[Decimal] | None = None,
    church_member: bool = False,
    single: bool = True,
) -> BudgetPublic:
    """A budget table for the rules in force on a date (0, 5, 10, 15, 20 hours by default).

    No citizen data: the caller says which benefit, municipality, church membership and whether
    the citizen lives alone. The web page and the API both call this.
    """
    try:
        result = budget_rules.compute_budget(
            hourly_wage=hourly_wage,
            category=category,
            on=on,
            municipality_code=municipality_code,
            hours_per_week=tuple(hours_per_week) if hours_per_week else None,
            church_member=church_member,
            single=single,
        )
    except budget_rules.BudgetRulesError as exc:
        raise BudgetNotPossibleError(exc.field, exc.message_da, exc.message_en) from exc
    return BudgetPublic(
        hourly_wage=hourly_wage,
        benefit_category=category.value,
        on=on,
        municipality_code=municipality_code,
        municipality_name=result.municipality_name,
        church_member=result.church_member,
        single=result.single,
        rows=[BudgetRowPublic.model_validate(row, from_attributes=True) for row in result.rows],
        rules=BudgetRules(
            id=result.rules_id,
            name=result.rules_name,
            regime=result.regime,
            valid_from=result.valid_from,
            valid_to=result.valid_to,
            sources=[
                BudgetSource(
                    label=f.label, value=f.value, source=f.source, date=f.date, verified=f.verified
                )
                for f in result.sources
            ],
            warnings=result.warnings,
        ),
        assumptions=result.assumptions,
    )
