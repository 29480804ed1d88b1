"""What happens to saved bus tours when a citizen is erased.

The citizen leaves every tour: the label row goes, the id is removed from every stop and from
the list of citizens no stop covered, and the tour counts one more erased citizen (no name).
Stops stay, so the other citizens' plan is unchanged. Imports only the bus-tour tables, so the
citizens domain can call it without an import cycle.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from service import clock
from service.bustours.models import BusTour, BusTourCitizen


def _without(plan: dict[str, Any], citizen_id: str) -> dict[str, Any]:
    stops = [
        {**stop, "citizens": [p for p in stop["citizens"] if p["citizen_id"] != citizen_id]}
        for stop in plan.get("stops", [])
    ]
    uncovered = [u for u in plan.get("uncovered", []) if u["citizen_id"] != citizen_id]
    erased = int(plan.get("erased_citizens", 0)) + 1
    return {**plan, "stops": stops, "uncovered": uncovered, "erased_citizens": erased}


def remove_citizen_from_tours(session: Session, *, citizen_id: str) -> int:
    """Take an erased citizen off every saved tour; returns how many tours."""
    tour_ids = list(
        session.exec(
            select(BusTourCitizen.tour_id).where(col(BusTourCitizen.citizen_id) == citizen_id)
        ).all()
    )
    if not tour_ids:
        return 0
    session.execute(delete(BusTourCitizen).where(col(BusTourCitizen.citizen_id) == citizen_id))
    now = clock.now()
    for tour in session.exec(select(BusTour).where(col(BusTour.id).in_(tour_ids))).all():
        tour.plan = _without(tour.plan, citizen_id)  # a new dict, so the JSON change is saved
        tour.updated_at = now
        session.add(tour)
    session.flush()
    return len(tour_ids)
