"""Companies' task openings (Spot et job) and the task checklist for a company visit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from service import clock
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.companies import service as companies_service
from service.companies.models import Company
from service.errors import FieldError, validation_failed_from
from service.pagination import as_utc, paginate
from service.schemas import Page
from service.sectors import Sector
from service.tasks import catalogue
from service.tasks.cards import DEMAND_DIMENSIONS, Criticality
from service.tasks.exceptions import OpeningDataError, OpeningNotFoundError
from service.tasks.models import Task, TaskOpening
from service.tasks.normaliser import PreparedCatalogue
from service.tasks.schemas import (
    DemandOverrides,
    OpeningCreate,
    OpeningPublic,
    OpeningUpdate,
    TaskResolution,
    TaskSuggestion,
    TaskSuggestions,
)

# What a new opening records about how its task was found, beside the task itself.
_Resolved = tuple[Task, str | None, float | None]


def _field(prefix: str, name: str, da: str, en: str) -> FieldError:
    return FieldError(f"{prefix}{name}", da, en)


def _resolve_tasks(
    session: Session, *, items: list[tuple[str, str | None, str | None]], sector: str
) -> tuple[list[_Resolved | None], list[FieldError]]:
    """Find each item's task by id, or by normalising its free text; collect every problem."""
    known = catalogue.tasks_by_id(session, {task_id for _, task_id, _ in items if task_id})
    prepared: PreparedCatalogue | None = None
    resolved: list[_Resolved | None] = []
    problems: list[FieldError] = []
    for prefix, task_id, task_text in items:
        if task_id is not None:
            task = known.get(task_id)
            if task is None:
                problems.append(
                    _field(
                        prefix,
                        "task_id",
                        f"Opgaven {task_id} findes ikke i kataloget",
                        f"Task {task_id} does not exist in the catalogue",
                    )
                )
            elif task.status != catalogue.ACTIVE:
                instead_da = f"; brug {task.replaced_by}" if task.replaced_by else ""
                instead_en = f"; use {task.replaced_by}" if task.replaced_by else ""
                problems.append(
                    _field(
                        prefix,
                        "task_id",
                        f"Opgaven {task_id} er udfaset{instead_da}",
                        f"Task {task_id} is deprecated{instead_en}",
                    )
                )
                task = None
            resolved.append((task, None, None) if task else None)
            continue
        assert task_text is not None  # the schema requires one of them
        if prepared is None:
            prepared, _ = catalogue.prepared_catalogue(session)
        result = prepared.normalise(task_text, sector=sector)
        best = result.best
        if best is None:
            near = ", ".join(f"{c.task_id} ({c.score:.0f})" for c in result.candidates[:3])
            problems.append(
                _field(
                    prefix,
                    "task_text",
                    f"'{task_text}' ligner ingen opgave godt nok (tærskel {result.threshold:.0f}); "
                    f"nærmeste: {near or 'ingen'}. Angiv task_id eller skriv mere præcist",
                    f"'{task_text}' matches no task well enough (threshold "
                    f"{result.threshold:.0f}); nearest: {near or 'none'}. Give task_id or be "
                    "more specific",
                )
            )
            resolved.append(None)
            continue
        task = catalogue.tasks_by_id(session, {best.task_id})[best.task_id]
        resolved.append((task, task_text, best.score))
    return resolved, problems


def _override_columns(overrides: DemandOverrides) -> dict[str, int | None]:
    return {f"override_{d}": getattr(overrides, str(d)) for d in DEMAND_DIMENSIONS}


def _stored_values(item: OpeningCreate) -> dict[str, Any]:
    """The columns an opening's terms fill (the task is resolved separately)."""
    return {
        "hours_per_week": item.hours_per_week,
        "schedule": item.schedule.model_dump(mode="json"),
        "placement_types": [str(p) for p in item.placement_types],
        "hourly_wage": item.hourly_wage,
        "wage_confirmed": item.wage_confirmed,
        "positions": item.positions,
        "start_date": item.start_date,
        "status": str(item.status),
        "notes": item.notes,
        **_override_columns(item.demand_overrides),
    }


def create_openings(
    session: Session,
    *,
    company: Company,
    items: list[OpeningCreate],
    actor: Principal,
    as_list: bool,
    is_demo: bool = False,
) -> list[TaskOpening]:
    """Store a company's openings all or nothing: any bad item stores none of them (422)."""
    companies_service.check_write_scope(actor, company.municipality_code)
    prefixes = [f"{i}." if as_list else "" for i in range(len(items))]
    resolved, problems = _resolve_tasks(
        session,
        items=[(p, i.task_id, i.task_text) for p, i in zip(prefixes, items, strict=True)],
        sector=company.sector,
    )
    if problems:
        raise OpeningDataError(problems)
    openings = []
    for item, found in zip(items, resolved, strict=True):
        assert found is not None
        task, text, score = found
        opening = TaskOpening(
            company_id=company.id,
            task_id=task.id,
            task_text=text,
            task_match_score=score,
            is_demo=is_demo,
            **_stored_values(item),
        )
        session.add(opening)
        openings.append(opening)
    session.flush()
    for opening in openings:
        record_audit(
            session,
            actor=actor,
            action="create",
            entity_type="task_opening",
            entity_id=opening.id,
            detail={"company_id": company.id, "task_id": opening.task_id},
        )
    return openings


def get_opening(session: Session, *, opening_id: str) -> TaskOpening:
    """Load an opening or raise 404."""
    opening = session.get(TaskOpening, opening_id)
    if opening is None:
        raise OpeningNotFoundError(opening_id)
    return opening


def _overrides_of(opening: TaskOpening) -> DemandOverrides:
    return DemandOverrides.model_validate(
        {str(d): getattr(opening, f"override_{d}") for d in DEMAND_DIMENSIONS}
    )


def update_opening(
    session: Session, *, opening: TaskOpening, data: OpeningUpdate, actor: Principal
) -> TaskOpening:
    """Change some fields of an opening; the whole result is checked as a new one would be."""
    company = companies_service.get_company(session, company_id=opening.company_id)
    companies_service.check_write_scope(actor, company.municipality_code)
    patch = data.model_dump(exclude_unset=True)
    if "hourly_wage" in patch and "wage_confirmed" not in patch:
        patch["wage_confirmed"] = False  # a new wage is confirmed anew
    current: dict[str, Any] = {
        "task_id": opening.task_id,
        "hours_per_week": opening.hours_per_week,
        "schedule": opening.schedule,
        "placement_types": opening.placement_types,
        "hourly_wage": opening.hourly_wage,
        "wage_confirmed": opening.wage_confirmed,
        "positions": opening.positions,
        "start_date": opening.start_date,
        "status": opening.status,
        "demand_overrides": _overrides_of(opening).model_dump(),
        "notes": opening.notes,
    }
    if patch.get("task_text") is not None:
        current["task_id"] = None
    elif patch.get("task_id") is None:
        patch.pop("task_id", None)
        patch.pop("task_text", None)
    current.update(patch)
    try:
        merged = OpeningCreate.model_validate(current)
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc
    values = _stored_values(merged)
    if "task_id" in patch or "task_text" in patch:
        resolved, problems = _resolve_tasks(
            session,
            items=[("", merged.task_id, merged.task_text)],
            sector=company.sector,
        )
        if problems:
            raise OpeningDataError(problems)
        assert resolved[0] is not None
        task, text, score = resolved[0]
        values.update(task_id=task.id, task_text=text, task_match_score=score)
    changed = sorted(k for k, v in values.items() if getattr(opening, k) != v)
    for key, value in values.items():
        setattr(opening, key, value)
    opening.updated_at = clock.now()
    session.add(opening)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="update",
        entity_type="task_opening",
        entity_id=opening.id,
        detail={"fields": changed},
    )
    return opening


def delete_opening(session: Session, *, opening: TaskOpening, actor: Principal) -> None:
    """Remove an opening."""
    company = companies_service.get_company(session, company_id=opening.company_id)
    companies_service.check_write_scope(actor, company.municipality_code)
    session.delete(opening)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="delete",
        entity_type="task_opening",
        entity_id=opening.id,
        detail={"company_id": opening.company_id, "task_id": opening.task_id},
    )


def list_openings(
    session: Session,
    *,
    company_id: str | None = None,
    status: str | None = None,
    sector: str | None = None,
    municipality_code: str | None = None,
    updated_since: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[TaskOpening], str | None]:
    """One page of openings in the order they were entered, or by change time when syncing."""
    statement = select(TaskOpening)
    if sector or municipality_code:
        statement = statement.join(Company, col(Company.id) == col(TaskOpening.company_id))
        if sector:
            statement = statement.where(Company.sector == sector)
        if municipality_code:
            statement = statement.where(Company.municipality_code == municipality_code)
    if company_id is not None:
        statement = statement.where(TaskOpening.company_id == company_id)
    if status:
        statement = statement.where(TaskOpening.status == status)
    order_by: list[Any] = [TaskOpening.created_at, TaskOpening.id]
    if updated_since is not None:
        statement = statement.where(col(TaskOpening.updated_at) >= as_utc(updated_since))
        order_by = [TaskOpening.updated_at, TaskOpening.id]
    return paginate(session, statement, order_by=order_by, limit=limit, cursor=cursor)


def openings_page(
    session: Session, found: tuple[list[TaskOpening], str | None]
) -> Page[OpeningPublic]:
    """A page from ``list_openings`` in its API shape (the tasks loaded in one query)."""
    rows, next_cursor = found
    return Page[OpeningPublic](items=openings_public(session, rows), next_cursor=next_cursor)


def openings_public(session: Session, openings: list[TaskOpening]) -> list[OpeningPublic]:
    """API shapes for openings, loading their tasks in one query."""
    tasks = catalogue.tasks_by_id(session, {o.task_id for o in openings})
    return [to_public(o, tasks[o.task_id]) for o in openings]


def to_public(opening: TaskOpening, task: Task) -> OpeningPublic:
    """The API shape of an opening with its task and effective demand levels."""
    overrides = _overrides_of(opening)
    demands = {
        d: level if getattr(overrides, d) is None else getattr(overrides, d)
        for d, level in catalogue.demand_levels(task).items()
    }
    resolution = (
        TaskResolution(text=opening.task_text, score=opening.task_match_score or 0.0)
        if opening.task_text is not None
        else None
    )
    return OpeningPublic.model_validate(
        {
            **opening.model_dump(exclude={"task_text", "task_match_score"}),
            "task": catalogue.to_summary(task),
            "resolution": resolution,
            "demand_overrides": overrides,
            "demands": demands,
        }
    )


def _ease(task: Task) -> tuple[int, int, int, str]:
    # Citizens start on nice-to tasks that are quick to learn and ask little of them.
    total_demand = sum(catalogue.demand_levels(task).values())
    return (task.criticality != Criticality.nice_to, task.learning_days, total_demand, task.name)


def suggest_tasks(session: Session, *, company: Company) -> TaskSuggestions:
    """Tasks of the company's sector and the cross-sector cards it has no openings for yet."""
    cards = {
        c.slug: c
        for c in catalogue.active_cards(session)
        if c.sector == company.sector or c.cross_sector
    }
    taken = set(
        session.exec(select(TaskOpening.task_id).where(TaskOpening.company_id == company.id))
    )
    statement = select(Task).where(
        Task.status == catalogue.ACTIVE,
        col(Task.card_slug).in_(list(cards)),
    )
    if taken:
        statement = statement.where(col(Task.id).not_in(taken))
    tasks = sorted(session.exec(statement).all(), key=_ease)
    own_sector = [slug for slug, card in cards.items() if card.sector == company.sector]
    items = [
        TaskSuggestion(
            task=catalogue.to_summary(task),
            cross_sector=task.card_slug not in own_sector,
            worth_doing=task.worth_doing,
            demands=catalogue.demand_levels(task),
            hard_requirements=catalogue.hard_requirements(task),
            hours_per_week={"min": task.hours_min, "max": task.hours_max},
        )
        for task in tasks
    ]
    return TaskSuggestions(
        company_id=company.id,
        sector=Sector(company.sector),
        cards=sorted(cards, key=lambda s: (s not in own_sector, s)),
        items=items,
        already_openings=len(taken),
    )
