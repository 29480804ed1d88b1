"""Fictional demo task openings for the demo companies, through the same service as the API.

Each demo company gets openings from its own sector's cards (mostly) and the cross-sector
cards (cleaning, outdoor upkeep, kitchen), more for larger companies; companies that said they
have no simple tasks mostly get none. A quarter of the tasks are entered as free text, as a
consultant would, and resolved by the normaliser. Wages, hours and statuses are invented.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from service.auth.principal import CLI_PRINCIPAL
from service.companies.models import Company
from service.demo.common import weighted
from service.tasks import catalogue, openings
from service.tasks.cards import DEMAND_DIMENSIONS, PlacementType, default_cards_dir, read_cards
from service.tasks.models import Task, TaskOpening
from service.tasks.schemas import OpeningCreate

# Openings per company by size band (fewest, most).
OPENINGS_BY_SIZE = {"0-5": (1, 2), "6-19": (1, 3), "20-49": (2, 4), "50-99": (2, 5), "100+": (3, 6)}
SHARE_WITHOUT_OPENINGS = 0.12  # "most demo companies", not all
SHARE_FROM_OWN_SECTOR = 0.75
SHARE_AS_FREE_TEXT = 0.25
# Start dates are spread over the weeks after a fixed date, so the data is the same every run.
DEMO_REFERENCE_DATE = date(2026, 1, 5)
_STATUS_SHARES = {"open": 78, "paused": 8, "filled": 10, "closed": 4}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _schedule(rng: random.Random, hours: float) -> dict[str, Any]:
    if rng.random() < 0.4:
        return {"flexible": True}
    days = sorted(rng.sample(range(5), k=min(5, max(1, round(hours / 4)))))
    start = rng.choice((7, 8, 9, 10, 13))
    length = max(1, min(8, round(hours / len(days))))
    return {
        "slots": [
            {
                "days": [_WEEKDAYS[d] for d in days],
                "start": f"{start:02d}:00",
                "end": f"{min(start + length, 22):02d}:00",
            }
        ]
    }


def _placement_types(rng: random.Random, task: Task) -> list[str]:
    fitting = set(task.placement_types)
    chosen = [PlacementType.virksomhedspraktik] if "virksomhedspraktik" in fitting else []
    for kind, share in (("loentimer", 0.5), ("hybridjob", 0.25), ("ordinary", 0.1)):
        if kind in fitting and rng.random() < share:
            chosen.append(PlacementType(kind))
    return [str(p) for p in chosen] or [task.placement_types[0]]


def _item(
    rng: random.Random, task: Task, company: Company, free_text: str | None
) -> dict[str, Any]:
    hours = float(rng.randint(task.hours_min, max(task.hours_min, min(task.hours_max, 15))))
    types = _placement_types(rng, task)
    paid = any(t != "virksomhedspraktik" for t in types)
    item: dict[str, Any] = {
        "hours_per_week": hours,
        "schedule": _schedule(rng, hours),
        "placement_types": types,
        # Around the retail minimum of about 155 kr an hour (REFERENCE.md, CEPOS 2023).
        "hourly_wage": round(rng.uniform(140.0, 180.0), 2) if paid else None,
        "positions": rng.choice((1, 1, 1, 2, 2, 3))
        if company.size_band in ("50-99", "100+")
        else 1,
        "status": weighted(rng, _STATUS_SHARES),
        "notes": "Fiktiv demo-opgave",
    }
    if rng.random() < 0.3:
        item["start_date"] = (DEMO_REFERENCE_DATE + timedelta(weeks=rng.randint(0, 12))).isoformat()
    if rng.random() < 0.15:
        dimension = str(rng.choice(DEMAND_DIMENSIONS))
        level = int(getattr(task, f"demand_{dimension}"))
        item["demand_overrides"] = {dimension: min(5, max(1, level + rng.choice((-1, 1))))}
    if free_text is not None:
        item["task_text"] = free_text
    else:
        item["task_id"] = task.id
    return item


def load_demo_openings(session: Session, *, seed: int) -> int:
    """Add openings to demo companies that have none; load the shipped cards if none are."""
    if catalogue.latest_version(session) is None:
        folder = default_cards_dir()
        catalogue.sync_catalogue(
            session, card_set=read_cards(folder), source=str(folder), actor=CLI_PRINCIPAL
        )
    with_openings = select(TaskOpening.company_id).distinct()
    companies = session.exec(
        select(Company)
        .where(col(Company.is_demo), col(Company.id).not_in(with_openings))
        .order_by(col(Company.cvr))
    ).all()
    cards = catalogue.active_cards(session)
    tasks = session.exec(select(Task).where(Task.status == catalogue.ACTIVE)).all()
    by_card: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=lambda t: t.id):
        by_card.setdefault(task.card_slug, []).append(task)
    cross = [t for c in cards if c.cross_sector for t in by_card.get(c.slug, [])]
    prepared, _ = catalogue.prepared_catalogue(session)
    rng = random.Random(seed)
    created = 0
    for company in companies:
        few = company.unskilled_tasks == "none"
        if rng.random() < (0.8 if few else SHARE_WITHOUT_OPENINGS):
            continue
        own = [
            t
            for c in cards
            if c.sector == company.sector and not c.cross_sector
            for t in by_card.get(c.slug, [])
        ]
        low, high = OPENINGS_BY_SIZE.get(company.size_band or "0-5", (1, 2))
        chosen: dict[str, Task] = {}
        for _ in range(rng.randint(low, high)):
            pool = own if own and rng.random() < SHARE_FROM_OWN_SECTOR else cross
            task = rng.choice(pool)
            chosen.setdefault(task.id, task)
        items = []
        for task in chosen.values():
            text = None
            if rng.random() < SHARE_AS_FREE_TEXT:
                phrase = rng.choice(task.synonyms)
                best = prepared.normalise(phrase, sector=company.sector).best
                # Typed as free text only where the normaliser finds this very task again.
                text = phrase if best is not None and best.task_id == task.id else None
            items.append(OpeningCreate.model_validate(_item(rng, task, company, text)))
        openings.create_openings(
            session,
            company=company,
            items=items,
            actor=CLI_PRINCIPAL,
            as_list=True,
            is_demo=True,
        )
        created += len(items)
    return created
