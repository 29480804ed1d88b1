"""Bus tours: plan a tour for a group and save it (reading saved tours: ``views.py``).

Planning reads citizens (audited like every citizen read), picks the stops (``selection.py``)
from the companies that take visits (``candidates.py``), orders them (``route.py``) and stores
the plan. Citizens appear in stored tours and in every output only by a label (a first name);
their ids stay in ``bus_tour_citizens`` for the caseworker. No BIP answer or limit is stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from service.auth import policy
from service.auth.principal import Principal
from service.bustours import route
from service.bustours.candidates import Candidates, Stop, describe_stops, load_candidates, reach_km
from service.bustours.centres import JobCentre, StartPlace, start_place
from service.bustours.exceptions import (
    BusTourNotFoundError,
    BusTourOutOfScopeError,
    NoCompaniesError,
    TourDoesNotFitError,
    TourOutOfReachError,
    UnknownCitizensError,
)
from service.bustours.models import BusTour, BusTourCitizen
from service.bustours.schemas import BusTourCreate
from service.bustours.selection import Selection, select_stops
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.matching.model import ScoringModel

GROUP_SIZE = (6, 8)  # DOMAIN.md: bus tours for 6-8 citizens
LABEL_LENGTH = 60


def group_labels(names: list[str]) -> list[str]:
    """Printable labels for a group: first names; the last name's initial only to tell apart."""
    parts = [name.split() for name in names]
    first = [p[0] if p else "?" for p in parts]
    shared = Counter(first)
    labels = [
        f"{f} {p[-1][0]}." if shared[f] > 1 and len(p) > 1 else f
        for f, p in zip(first, parts, strict=True)
    ]
    still = Counter(labels)
    seen: Counter[str] = Counter()
    result = []
    for label in labels:
        if still[label] > 1:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        result.append(label[:LABEL_LENGTH])
    return result


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def hhmm(clock: time) -> str:
    """A time of day as HH:MM."""
    return f"{clock.hour:02d}:{clock.minute:02d}"


def check_tour_scope(actor: Principal, tour: BusTour) -> None:
    """Raise 403 unless the actor is an admin or a caseworker of the tour's citizens."""
    if not policy.may_plan_tours_in(actor, tour.municipality_code):
        raise BusTourOutOfScopeError(tour.municipality_code)


def _load_group(session: Session, *, citizen_ids: list[str], actor: Principal) -> list[Citizen]:
    rows = session.exec(select(Citizen).where(col(Citizen.id).in_(citizen_ids))).all()
    found = {c.id: c for c in rows}
    missing = [cid for cid in citizen_ids if cid not in found]
    if policy.may_manage_citizens_in(actor, actor.municipality_code):
        # Issue 17: another municipality's citizen is answered like a missing one, so a
        # caseworker cannot tell which ids exist elsewhere.
        missing = [
            cid
            for cid in citizen_ids
            if cid not in found
            or not policy.may_manage_citizens_in(actor, found[cid].municipality_code)
        ]
    if missing:
        raise UnknownCitizensError(missing)
    group = [found[cid] for cid in citizen_ids]
    for citizen in group:
        citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    return group


def _timetable(
    candidates: Candidates, chosen: tuple[int, ...], start: StartPlace, data: BusTourCreate
) -> route.Timetable:
    at = list(chosen)
    lats = np.array([start.lat, *candidates.lat[at]], dtype=float)
    lons = np.array([start.lon, *candidates.lon[at]], dtype=float)
    return route.plan_route(
        lats, lons, depart=_minutes(data.start_time), visit_minutes=data.visit_minutes
    )


def _check_fits(
    candidates: Candidates,
    selection: Selection,
    timetable: route.Timetable,
    start: StartPlace,
    data: BusTourCreate,
) -> None:
    latest = _minutes(data.latest_return)
    if timetable.return_at <= latest:
        return
    fitting, fitting_return = 0, None
    for stops in range(len(selection.chosen) - 1, 0, -1):
        fewer = select_stops(candidates.relevance, candidates.sectors, candidates.bonus, stops)
        shorter = _timetable(candidates, fewer.chosen, start, data)
        if shorter.return_at <= latest:
            fitting, fitting_return = stops, route.clock_text(shorter.return_at)
            break
    raise TourDoesNotFitError(
        stops=len(selection.chosen),
        latest_return=hhmm(data.latest_return),
        needed_minutes=timetable.total_minutes,
        return_at=route.clock_text(timetable.return_at),
        fitting_stops=fitting,
        fitting_return_at=fitting_return,
    )


def _stop_plan(stop: Stop, visit: route.Visit, group: list[Citizen]) -> dict[str, Any]:
    info = stop.info
    company = info.company
    return {
        "company_id": company.id,
        "company_name": company.name,
        "address": company.address,
        "postal_code": company.postal_code,
        "city": company.city,
        "sector": company.sector,
        "contact_name": info.contact_name,
        "contact_phone": info.contact_phone,
        "lat": company.lat,
        "lon": company.lon,
        "drive_km": round(visit.drive.km, 1),
        "drive_minutes": visit.drive.minutes,
        "arrive_at": route.clock_text(visit.arrive),
        "leave_at": route.clock_text(visit.leave),
        "company_reasons": info.reasons,
        "citizens": [
            {
                "citizen_id": citizen.id,
                "reasons": stop.reasons[i],
                "match_score": stop.scores.get(i),
            }
            for i, citizen in enumerate(group)
            if i in stop.reasons
        ],
    }


def _warnings(
    data: BusTourCreate, group: list[Citizen], selection: Selection, used_model: bool
) -> list[str]:
    warnings = []
    low, high = GROUP_SIZE
    if not low <= len(group) <= high:
        warnings.append(
            f"Gruppen har {len(group)} borgere; en bustur er tænkt til {low}-{high} borgere."
        )
    if not used_model:
        warnings.append(
            "Ingen matchmodel er trænet endnu: virksomhederne er valgt alene efter borgernes "
            "ønskede opgaver og foretrukne brancher."
        )
    if len(selection.chosen) < data.stops:
        warnings.append(
            f"Kun {len(selection.chosen)} virksomheder, der tager imod besøg inden for "
            f"rækkevidde, er relevante for gruppen; turen har {len(selection.chosen)} stop "
            f"i stedet for {data.stops}."
        )
    inactive = sum(1 for c in group if c.status != "active")
    if inactive:
        warnings.append(f"{inactive} af borgerne er ikke i aktivt forløb (status pause/afsluttet).")
    return warnings


def plan_tour(
    session: Session,
    *,
    data: BusTourCreate,
    actor: Principal,
    model: ScoringModel | None,
    model_version: str | None,
    today: date,
) -> BusTour:
    """Choose the stops, order them, time them and save the tour; 422 when it cannot fit."""
    group = _load_group(session, citizen_ids=data.citizen_ids, actor=actor)
    start = start_place(
        data.start if isinstance(data.start, JobCentre) else (data.start.lat, data.start.lon)
    )
    window = _minutes(data.latest_return) - _minutes(data.start_time)
    reach = reach_km(window_minutes=window, visit_minutes=data.visit_minutes)
    candidates = load_candidates(
        session, citizens=group, start=start, reach=reach, model=model, today=today
    )
    selection = select_stops(candidates.relevance, candidates.sectors, candidates.bonus, data.stops)
    if not selection.chosen:
        if not len(candidates) and candidates.left_out["out_of_reach"]:
            raise TourOutOfReachError(
                reach_km=reach,
                latest_return=hhmm(data.latest_return),
                out_of_reach=candidates.left_out["out_of_reach"],
            )
        raise NoCompaniesError(len(candidates))
    timetable = _timetable(candidates, selection.chosen, start, data)
    _check_fits(candidates, selection, timetable, start, data)
    stops = describe_stops(session, candidates, selection.chosen, group, today)
    municipalities = {c.municipality_code for c in group}
    uncovered = [
        {
            "citizen_id": citizen.id,
            "reason": "too_few_stops" if selection.coverable[i] else "no_company",
        }
        for i, citizen in enumerate(group)
        if not selection.covered[i]
    ]
    plan = {
        "return_at": route.clock_text(timetable.return_at),
        "driving_minutes": timetable.driving_minutes,
        "home": {
            "drive_km": round(timetable.home.km, 1),
            "drive_minutes": timetable.home.minutes,
            "arrive_at": route.clock_text(timetable.return_at),
        },
        "stops": [
            _stop_plan(stops[selection.chosen[visit.point - 1]], visit, group)
            for visit in timetable.visits
        ],
        "uncovered": uncovered,
        "warnings": _warnings(data, group, selection, candidates.used_model),
        "assumptions": {
            "detour_factor": route.DETOUR_FACTOR,
            "average_speed_kmh": route.AVERAGE_SPEED_KMH,
        },
        "selection": {
            "companies_considered": len(candidates),
            "companies_relevant": int((candidates.relevance > 0).any(axis=0).sum()),
            "left_out": candidates.left_out,
            "coverable": int(selection.coverable.sum()),
            "used_model": candidates.used_model,
            "model_version": model_version,
            "exact_cover_used": selection.repaired,
        },
        "erased_citizens": 0,
    }
    tour = BusTour(
        municipality_code=next(iter(municipalities)) if len(municipalities) == 1 else None,
        tour_date=data.date,
        start_key=start.key,
        start_name=start.name,
        start_lat=start.lat,
        start_lon=start.lon,
        start_time=data.start_time,
        latest_return=data.latest_return,
        visit_minutes=data.visit_minutes,
        requested_stops=data.stops,
        total_km=round(timetable.total_km, 1),
        total_minutes=timetable.total_minutes,
        plan=plan,
        created_by_user_id=actor.user_id,
    )
    session.add(tour)
    session.flush()
    labels = group_labels([c.name for c in group])
    for position, (citizen, label) in enumerate(zip(group, labels, strict=True)):
        session.add(
            BusTourCitizen(tour_id=tour.id, citizen_id=citizen.id, position=position, label=label)
        )
    session.flush()
    for citizen in group:
        citizens_service.audit_citizen(
            session, actor, "plan_bus_tour", citizen.id, {"bus_tour_id": tour.id}
        )
    return tour


def get_tour(session: Session, *, tour_id: str) -> BusTour:
    """Load a saved tour or raise 404."""
    tour = session.get(BusTour, tour_id)
    if tour is None:
        raise BusTourNotFoundError(tour_id)
    return tour
