"""The versioned task catalogue in the database: loading cards, reading tasks, normalising text.

A load compares the cards with the stored catalogue and records a new version only when
something changed. Task ids are never reused: a task that leaves the cards stays in the table,
deprecated, with the replacement its card names. The normaliser's prepared catalogue is cached
per content hash, which every process reads from the newest version row, so a load done by one
worker (or ``kantmatch init``) is noticed by all.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.pagination import as_utc, paginate
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tasks.cards import CardSet, CardTask, HardRequirement, SectorCard
from service.tasks.exceptions import CatalogueConflictError, TaskNotFoundError
from service.tasks.models import CatalogueVersion, SectorCardRecord, Task
from service.tasks.normaliser import DEFAULT_THRESHOLD, CatalogueTask, PreparedCatalogue
from service.tasks.schemas import (
    CardSummary,
    CatalogueStatus,
    NormaliseCandidate,
    NormaliseResponse,
    SectorList,
    SectorPublic,
    TaskPublic,
    TaskSummary,
)

ACTIVE = "active"
DEPRECATED = "deprecated"
_REQUIREMENT_COLUMNS = {
    HardRequirement.driving_licence: "requires_driving_licence",
    HardRequirement.clean_criminal_record: "requires_clean_criminal_record",
    HardRequirement.child_certificate: "requires_child_certificate",
    HardRequirement.food_hygiene: "requires_food_hygiene",
}


def _hash(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _task_columns(card: SectorCard, task: CardTask) -> dict[str, Any]:
    """The stored columns for a card task (everything the card says about it)."""
    values: dict[str, Any] = {
        "card_slug": card.slug,
        "sector": str(card.sector),
        "name": task.name,
        "synonyms": list(task.synonyms),
        "description": task.description,
        "worth_doing": task.worth_doing,
        "learning_days": task.learning_days,
        "learnable_within_week": task.learnable_within_week,
        "criticality": str(task.criticality),
        "hours_min": task.hours_per_week.min,
        "hours_max": task.hours_per_week.max,
        "placement_types": [str(p) for p in task.placement_types],
        "occupation_system": task.occupation.system if task.occupation else None,
        "occupation_code": task.occupation.code if task.occupation else None,
    }
    for dimension, level in task.demands.model_dump().items():
        values[f"demand_{dimension}"] = level
    for requirement, column in _REQUIREMENT_COLUMNS.items():
        values[column] = requirement in task.requirements
    return values


def _card_columns(card: SectorCard) -> dict[str, Any]:
    return {
        "sector": str(card.sector),
        "parent": card.parent,
        "name": card.name,
        "description": card.description,
        "cross_sector": card.cross_sector,
        "sources": list(card.sources),
        "is_active": True,
    }


def _searchable_hash(tasks: list[Task]) -> str:
    """Identifies what the normaliser sees: the active tasks' names, synonyms and places."""
    return _hash(
        sorted(
            (t.id, t.name, t.synonyms, t.sector, t.card_slug) for t in tasks if t.status == ACTIVE
        )
    )


def latest_version(session: Session) -> CatalogueVersion | None:
    """The newest catalogue version, or None before the cards were ever loaded."""
    return session.exec(
        select(CatalogueVersion).order_by(col(CatalogueVersion.version).desc()).limit(1)
    ).first()


def sync_catalogue(
    session: Session, *, card_set: CardSet, source: str, actor: Principal
) -> CatalogueStatus:
    """Load checked cards into the catalogue; idempotent, and a new version only on change."""
    tasks = {t.id: t for t in session.exec(select(Task))}
    cards = {c.slug: c for c in session.exec(select(SectorCardRecord))}
    previous = latest_version(session)
    version = (previous.version if previous else 0) + 1
    reused = [
        f"opgave-id {task.id} blev udfaset i version {tasks[task.id].deprecated_in_version} "
        "og må ikke bruges igen"
        for _, task in card_set.tasks
        if task.id in tasks and tasks[task.id].status == DEPRECATED
    ]
    if reused:
        raise CatalogueConflictError(reused)
    now = clock.now()
    status = CatalogueStatus(
        version=previous.version if previous else None,
        changed=False,
        added=[],
        changed_tasks=[],
        deprecated=[],
        cards_added=[],
        cards_changed=[],
        cards_removed=[],
        active_tasks=0,
        warnings=[],
        loaded_at=previous.loaded_at if previous else None,
    )
    for card in card_set.cards:
        values = _card_columns(card)
        record = cards.get(card.slug)
        if record is None:
            session.add(SectorCardRecord(slug=card.slug, updated_at=now, **values))
            status.cards_added.append(card.slug)
        elif any(getattr(record, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(record, key, value)
            record.updated_at = now
            status.cards_changed.append(card.slug)
    for slug in sorted(set(cards) - {c.slug for c in card_set.cards}):
        if cards[slug].is_active:
            cards[slug].is_active = False
            cards[slug].updated_at = now
            status.cards_removed.append(slug)
    session.flush()  # tasks refer to their card
    for card, card_task in card_set.tasks:
        values = _task_columns(card, card_task)
        content_hash = _hash(values)
        stored = tasks.get(card_task.id)
        if stored is None:
            stored = Task(
                id=card_task.id,
                content_hash=content_hash,
                introduced_in_version=version,
                changed_in_version=version,
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(stored)
            tasks[stored.id] = stored
            status.added.append(stored.id)
        elif stored.content_hash != content_hash:
            for key, value in values.items():
                setattr(stored, key, value)
            stored.content_hash = content_hash
            stored.changed_in_version = version
            stored.updated_at = now
            status.changed_tasks.append(stored.id)
    active_ids = {task.id for _, task in card_set.tasks}
    recorded = card_set.deprecated
    for task in tasks.values():
        if task.id in active_ids:
            continue
        note = recorded.get(task.id)
        if task.status == ACTIVE:
            task.status = DEPRECATED
            task.deprecated_in_version = version
            task.replaced_by = note.replaced_by if note else None
            task.deprecation_reason = note.reason if note else None
            task.updated_at = now
            status.deprecated.append(task.id)
            if note is None:
                status.warnings.append(
                    f"{task.id} er fjernet fra kortene uden en 'deprecated'-post med afløser"
                )
        elif note is not None and (task.replaced_by, task.deprecation_reason) != (
            note.replaced_by,
            note.reason,
        ):
            task.replaced_by, task.deprecation_reason = note.replaced_by, note.reason
            task.updated_at = now
            status.changed_tasks.append(task.id)
    status.active_tasks = len(active_ids)
    status.changed = bool(
        status.added
        or status.changed_tasks
        or status.deprecated
        or status.cards_added
        or status.cards_changed
        or status.cards_removed
    )
    if status.changed:
        summary = status.model_dump(
            include={
                "added",
                "changed_tasks",
                "deprecated",
                "cards_added",
                "cards_changed",
                "cards_removed",
                "warnings",
            }
        )
        session.add(
            CatalogueVersion(
                version=version,
                loaded_at=now,
                cards_hash=card_set.content_hash,
                catalogue_hash=_searchable_hash(list(tasks.values())),
                source=source[:500],
                summary=summary,
            )
        )
        session.flush()
        record_audit(
            session,
            actor=actor,
            action="load",
            entity_type="task_catalogue",
            entity_id=str(version),
            detail={k: len(v) for k, v in summary.items()},
        )
        status.version, status.loaded_at = version, now
    return status


# The prepared normaliser per catalogue content hash; a few, for tests on several databases.
_PREPARED: OrderedDict[str, PreparedCatalogue] = OrderedDict()
_PREPARED_LOCK = threading.Lock()
_PREPARED_KEEP = 4


def _catalogue_tasks(session: Session) -> list[CatalogueTask]:
    rows = session.exec(select(Task).where(Task.status == ACTIVE).order_by(col(Task.id))).all()
    return [
        CatalogueTask(
            task_id=t.id, name=t.name, sector=t.sector, card=t.card_slug, synonyms=tuple(t.synonyms)
        )
        for t in rows
    ]


def prepared_catalogue(session: Session) -> tuple[PreparedCatalogue, CatalogueVersion | None]:
    """The normaliser's prepared catalogue for the database's current version (cached)."""
    current = latest_version(session)
    key = current.catalogue_hash if current else ""
    with _PREPARED_LOCK:
        prepared = _PREPARED.get(key)
        if prepared is not None:
            _PREPARED.move_to_end(key)
            return prepared, current
    prepared = PreparedCatalogue(_catalogue_tasks(session) if current else [])
    with _PREPARED_LOCK:
        _PREPARED[key] = prepared
        while len(_PREPARED) > _PREPARED_KEEP:
            _PREPARED.popitem(last=False)
    return prepared, current


def normalise_text(
    session: Session,
    *,
    text: str,
    sector: str | None = None,
    limit: int = 5,
    threshold: float | None = None,
) -> NormaliseResponse:
    """Rank catalogue tasks for free text; says so, with near misses, when none passes."""
    prepared, current = prepared_catalogue(session)
    used = DEFAULT_THRESHOLD if threshold is None else threshold
    result = prepared.normalise(text, threshold=used, limit=limit, sector=sector)
    candidates = [
        NormaliseCandidate(
            task_id=c.task_id,
            name=c.name,
            sector=Sector(c.sector),
            card=c.card,
            score=c.score,
            matched_phrase=c.matched_phrase,
            above_threshold=c.score >= used,
        )
        for c in result.candidates
    ]
    if current is None:
        message = "Opgavekataloget er ikke indlæst endnu (kør 'kantmatch init')"
    elif not result.folded_words:
        message = "Teksten indeholder ingen ord, der kan slås op i opgavekataloget"
    elif result.matched:
        best = candidates[0]
        message = f"Forstået som '{best.name}' (score {best.score:.0f} af 100)"
    elif candidates:
        near = ", ".join(f"'{c.name}' ({c.score:.0f})" for c in candidates[:3])
        message = (
            f"Ingen opgave nåede tærsklen på {used:.0f}; nærmeste bud: {near}. "
            "Vælg en af dem eller skriv opgaven mere præcist"
        )
    else:
        message = "Ingen opgave i kataloget ligner teksten; ukendte ord: " + ", ".join(
            result.unmatched_words
        )
    return NormaliseResponse(
        text=text,
        matched=result.matched,
        threshold=used,
        candidates=candidates,
        message=message,
        unmatched_words=result.unmatched_words,
        catalogue_version=current.version if current else None,
    )


# Wishes are often several tasks in one sentence ("lager, rengøring eller køkken").
WISH_THRESHOLD = 75.0
WISH_MARGIN = 5.0
_WISH_SEPARATORS = re.compile(r"[,;/\n]|\s(?:og|eller|samt|or|and)\s", re.IGNORECASE)


def wish_task_ids(session: Session, *, text: str | None) -> list[str]:
    """Catalogue tasks a citizen's free-text wishes name: the best match of each part, if any."""
    if not text or not text.strip():
        return []
    prepared, _ = prepared_catalogue(session)
    found: list[str] = []
    for part in _WISH_SEPARATORS.split(text):
        if not part.strip():
            continue
        result = prepared.normalise(part, threshold=WISH_THRESHOLD, limit=2, sector=None)
        ranked = result.candidates
        if not result.matched or not ranked or ranked[0].task_id in found:
            continue
        # A wish is kept only when one task clearly wins: "arbejde i en butik" ties many tasks
        # on the word "arbejde" and names none of them.
        if len(ranked) == 1 or ranked[0].score - ranked[1].score >= WISH_MARGIN:
            found.append(ranked[0].task_id)
    return found


def get_task(session: Session, *, task_id: str) -> Task:
    """A task (active or deprecated) or 404."""
    task = session.get(Task, task_id)
    if task is None:
        raise TaskNotFoundError(task_id)
    return task


def tasks_by_id(session: Session, task_ids: set[str]) -> dict[str, Task]:
    """Many tasks in one query."""
    if not task_ids:
        return {}
    rows = session.exec(select(Task).where(col(Task.id).in_(task_ids)))
    return {t.id: t for t in rows}


def list_tasks(
    session: Session,
    *,
    sector: str | None,
    card: str | None,
    include_deprecated: bool,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Task], str | None]:
    """One page of catalogue tasks, by id, or by change time when syncing."""
    statement = select(Task)
    if sector:
        statement = statement.where(Task.sector == sector)
    if card:
        statement = statement.where(Task.card_slug == card)
    if not include_deprecated:
        statement = statement.where(Task.status == ACTIVE)
    order_by: list[Any] = [Task.id]
    if updated_since is not None:
        statement = statement.where(col(Task.updated_at) >= as_utc(updated_since))
        order_by = [Task.updated_at, Task.id]
    return paginate(session, statement, order_by=order_by, limit=limit, cursor=cursor)


def search_tasks(
    session: Session, *, q: str, sector: str | None, card: str | None, limit: int
) -> list[tuple[Task, float]]:
    """Active tasks ranked by similarity to free text (one page, best first)."""
    prepared, _ = prepared_catalogue(session)
    # Rank the whole catalogue, then filter: the sector and card filters must not change scores.
    result = prepared.normalise(q, limit=len(prepared.tasks) or 1)
    wanted = [
        c
        for c in result.candidates
        if (sector is None or c.sector == sector) and (card is None or c.card == card)
    ][:limit]
    found = tasks_by_id(session, {c.task_id for c in wanted})
    return [(found[c.task_id], c.score) for c in wanted if c.task_id in found]


def to_summary(task: Task) -> TaskSummary:
    """The short API shape of a task."""
    return TaskSummary(
        id=task.id,
        name=task.name,
        sector=Sector(task.sector),
        card=task.card_slug,
        criticality=task.criticality,
        learning_days=task.learning_days,
        learnable_within_week=task.learnable_within_week,
        status=task.status,
    )


def demand_levels(task: Task) -> dict[str, int]:
    """The task's demand levels by dimension."""
    return {
        "physical": task.demand_physical,
        "contact": task.demand_contact,
        "teamwork": task.demand_teamwork,
        "danish": task.demand_danish,
        "pace": task.demand_pace,
        "independence": task.demand_independence,
    }


def hard_requirements(task: Task) -> list[HardRequirement]:
    """The hard requirements a task sets."""
    return [r for r, column in _REQUIREMENT_COLUMNS.items() if getattr(task, column)]


def to_public(task: Task, score: float | None = None) -> TaskPublic:
    """The full API shape of a task."""
    occupation = (
        {"system": task.occupation_system, "code": task.occupation_code}
        if task.occupation_system and task.occupation_code
        else None
    )
    return TaskPublic.model_validate(
        {
            **to_summary(task).model_dump(),
            "synonyms": task.synonyms,
            "description": task.description,
            "worth_doing": task.worth_doing,
            "demands": demand_levels(task),
            "hard_requirements": hard_requirements(task),
            "hours_per_week": {"min": task.hours_min, "max": task.hours_max},
            "placement_types": task.placement_types,
            "occupation": occupation,
            "replaced_by": task.replaced_by,
            "deprecation_reason": task.deprecation_reason,
            "introduced_in_version": task.introduced_in_version,
            "changed_in_version": task.changed_in_version,
            "deprecated_in_version": task.deprecated_in_version,
            "updated_at": task.updated_at,
            "score": score,
        }
    )


def list_sectors(session: Session) -> SectorList:
    """The 10 sectors, each with its active cards and how many active tasks they hold."""
    counts = dict(
        session.exec(
            select(Task.card_slug, func.count())
            .where(Task.status == ACTIVE)
            .group_by(col(Task.card_slug))
        ).all()
    )
    records = session.exec(
        select(SectorCardRecord)
        .where(col(SectorCardRecord.is_active))
        .order_by(col(SectorCardRecord.parent).is_not(None), col(SectorCardRecord.slug))
    ).all()
    items = []
    for sector in Sector:
        cards = [
            CardSummary(
                slug=r.slug,
                name=r.name,
                description=r.description,
                parent=r.parent,
                cross_sector=r.cross_sector,
                sources=r.sources,
                task_count=int(counts.get(r.slug, 0)),
            )
            for r in records
            if r.sector == sector
        ]
        items.append(
            SectorPublic(
                slug=sector,
                name=SECTOR_NAMES_DA[sector],
                task_count=sum(c.task_count for c in cards),
                cards=cards,
            )
        )
    current = latest_version(session)
    return SectorList(items=items, catalogue_version=current.version if current else None)


def active_cards(session: Session) -> list[SectorCardRecord]:
    """Every active card."""
    return list(session.exec(select(SectorCardRecord).where(col(SectorCardRecord.is_active))).all())
