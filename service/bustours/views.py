"""Saved bus tours as the API shows them: one tour (audited per citizen) and the list.

Labels come from ``bus_tour_citizens``, so a citizen erased after planning is gone from every
shape; warnings about a citizen are worded here, from the plan's ids, never stored with a name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from service.auth import policy
from service.auth.policy import StatementT
from service.auth.principal import Principal
from service.bustours.candidates import SECTOR_NAME
from service.bustours.exceptions import BusTourOutOfScopeError
from service.bustours.models import BusTour, BusTourCitizen
from service.bustours.schemas import (
    BusTourPublic,
    BusTourSummary,
    GroupMember,
    HomeLeg,
    RouteAssumptions,
    SelectionInfo,
    StartPublic,
    StopPublic,
    TourCitizen,
)
from service.bustours.service import check_tour_scope, hhmm
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.pagination import paginate

ASSUMPTION_NOTE = (
    "Køretider er skøn, ikke målinger: vejafstand = fugleflugt x {factor} (antaget omvej på "
    "landevejene på Lolland-Falster), gennemsnitsfart {speed} km/t for en bus (antaget). "
    "Hver køretid er rundet op til hele minutter."
)
SELECTION_METHOD = (
    "Grådig udvælgelse og parvise ombytninger; dækningen af gruppen er kontrolleret eksakt "
    "(flest mulige borgere får mindst ét relevant besøg), dernæst flest brancher, dernæst "
    "åbne opgaver, efterspørgsel, ambassadører og nærhed. Rækkefølgen er den korteste af alle "
    "mulige (eksakt)."
)


def _members(session: Session, tour_id: str) -> list[BusTourCitizen]:
    statement = select(BusTourCitizen).where(col(BusTourCitizen.tour_id) == tour_id)
    return list(session.exec(statement.order_by(col(BusTourCitizen.position))).all())


def read_tour(session: Session, *, tour: BusTour, actor: Principal, via: str) -> BusTourPublic:
    """A saved tour for an admin or a caseworker of its citizens; audited per citizen."""
    check_tour_scope(actor, tour)
    public = tour_public(session, tour=tour)
    for member in public.citizens:
        citizens_service.audit_citizen(
            session, actor, "read_bus_tour", member.citizen_id, {"bus_tour_id": tour.id, "via": via}
        )
    return public


def _uncovered_text(label: str, reason: str) -> str:
    if reason == "no_company":
        return (
            f"{label}: ingen virksomhed, der tager imod besøg inden for rækkevidde, passer til "
            "ønsker eller muligheder."
        )
    return f"{label}: ingen af stoppene er valgt efter {label}; med flere stop kunne der blive et."


def tour_public(session: Session, *, tour: BusTour) -> BusTourPublic:
    """The API shape of a saved tour (labels joined from the group table)."""
    members = _members(session, tour.id)
    label = {m.citizen_id: m.label for m in members}
    plan = tour.plan
    stops = []
    covered: set[str] = set()
    for order, stop in enumerate(plan["stops"], start=1):
        people = [p for p in stop["citizens"] if p["citizen_id"] in label]
        covered |= {p["citizen_id"] for p in people}
        stops.append(
            StopPublic(
                order=order,
                company_id=stop["company_id"],
                company_name=stop["company_name"],
                address=stop["address"],
                postal_code=stop["postal_code"],
                city=stop["city"],
                sector=stop["sector"],
                sector_name=SECTOR_NAME.get(stop["sector"], stop["sector"]),
                contact_name=stop["contact_name"],
                contact_phone=stop["contact_phone"],
                lat=stop["lat"],
                lon=stop["lon"],
                drive_km=stop["drive_km"],
                drive_minutes=stop["drive_minutes"],
                arrive_at=stop["arrive_at"],
                leave_at=stop["leave_at"],
                for_citizens=[
                    TourCitizen(
                        citizen_id=p["citizen_id"],
                        label=label[p["citizen_id"]],
                        reasons=p["reasons"],
                        match_score=p["match_score"],
                    )
                    for p in people
                ],
                reasons=[
                    *stop["company_reasons"],
                    *(f"{label[p['citizen_id']]}: {r}" for p in people for r in p["reasons"]),
                ],
            )
        )
    warnings = list(plan["warnings"])
    warnings += [
        _uncovered_text(label[u["citizen_id"]], u["reason"])
        for u in plan["uncovered"]
        if u["citizen_id"] in label
    ]
    if plan.get("erased_citizens"):
        warnings.append(f"{plan['erased_citizens']} borger(e) er fjernet fra turen ved sletning.")
    assumptions = plan["assumptions"]
    selection = plan["selection"]
    return BusTourPublic(
        id=tour.id,
        date=tour.tour_date,
        start=StartPublic(
            key=tour.start_key, name=tour.start_name, lat=tour.start_lat, lon=tour.start_lon
        ),
        start_time=hhmm(tour.start_time),
        latest_return=hhmm(tour.latest_return),
        return_at=plan["return_at"],
        visit_minutes=tour.visit_minutes,
        requested_stops=tour.requested_stops,
        stops=stops,
        home=HomeLeg(**plan["home"]),
        total_km=tour.total_km,
        total_minutes=tour.total_minutes,
        driving_minutes=plan["driving_minutes"],
        citizens=[
            GroupMember(citizen_id=m.citizen_id, label=m.label, covered=m.citizen_id in covered)
            for m in members
        ],
        warnings=warnings,
        assumptions=RouteAssumptions(
            detour_factor=assumptions["detour_factor"],
            average_speed_kmh=assumptions["average_speed_kmh"],
            note=ASSUMPTION_NOTE.format(
                factor=str(assumptions["detour_factor"]).replace(".", ","),
                speed=f"{assumptions['average_speed_kmh']:g}",
            ),
        ),
        selection=SelectionInfo(
            method=SELECTION_METHOD,
            companies_considered=selection["companies_considered"],
            companies_relevant=selection["companies_relevant"],
            left_out=selection["left_out"],
            covered=len(covered),
            coverable=selection["coverable"],
            used_model=selection["used_model"],
            model_version=selection["model_version"],
        ),
        created_at=tour.created_at,
        updated_at=tour.updated_at,
    )


def list_tours(
    session: Session,
    *,
    actor: Principal,
    date_from: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[BusTourSummary], str | None]:
    """One page of saved tours the actor may see, in planning order (no citizen names)."""
    statement = policy.within_reach(select(BusTour), actor, col(BusTour.municipality_code))
    if date_from is not None:
        statement = statement.where(col(BusTour.tour_date) >= date_from)
    rows, next_cursor = paginate(
        session, statement, order_by=[BusTour.created_at, BusTour.id], limit=limit, cursor=cursor
    )
    counts = Counter(
        session.exec(
            select(BusTourCitizen.tour_id).where(
                col(BusTourCitizen.tour_id).in_([t.id for t in rows])
            )
        ).all()
    )
    items = [
        BusTourSummary(
            id=t.id,
            date=t.tour_date,
            start_name=t.start_name,
            start_time=hhmm(t.start_time),
            return_at=t.plan["return_at"],
            stops=len(t.plan["stops"]),
            citizens=counts.get(t.id, 0),
            total_km=t.total_km,
            total_minutes=t.total_minutes,
            municipality_code=t.municipality_code,
            created_at=t.created_at,
        )
        for t in rows
    ]
    return items, next_cursor


# --- choosing a group (the web form /busture/ny, issue 16) ----------------------------------

GROUP_CHOICES_LIMIT = 200


@dataclass(frozen=True)
class GroupChoice:
    """A citizen the actor may take on a tour, as the planning form lists them."""

    citizen_id: str
    name: str
    postal_code: str
    city: str | None
    status: str


@dataclass(frozen=True)
class GroupChoices:
    """The citizens to choose a group from, the towns they live in, and whether the list is cut."""

    citizens: list[GroupChoice]
    towns: list[str]
    more: bool


def group_choices(
    session: Session,
    *,
    actor: Principal,
    town: str | None,
    keep: Sequence[str] = (),
    limit: int = GROUP_CHOICES_LIMIT,
) -> GroupChoices:
    """The citizens the actor may plan a tour for (not ended), by name; only those of ``town``
    when given, plus the ids in ``keep`` (already chosen) wherever they live. Audited as a read
    of each citizen listed."""
    if not policy.may_plan_tours_in(actor, policy.municipality_scope(actor)):
        raise BusTourOutOfScopeError(actor.municipality_code)

    def reachable(statement: StatementT) -> StatementT:
        statement = policy.within_reach(statement, actor, col(Citizen.municipality_code))
        return statement.where(col(Citizen.status) != "ended")

    reach = reachable(select(Citizen))
    towns = session.exec(
        reachable(select(Citizen.city)).distinct().order_by(col(Citizen.city))
    ).all()
    shown = reach.where(col(Citizen.city) == town) if town else reach
    rows = list(
        session.exec(shown.order_by(col(Citizen.name), col(Citizen.id)).limit(limit + 1)).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    listed = {c.id for c in rows}
    missing = [cid for cid in keep if cid not in listed]
    if missing:
        chosen = reach.where(col(Citizen.id).in_(missing)).order_by(col(Citizen.name))
        rows = [*session.exec(chosen).all(), *rows]
    for citizen in rows:
        citizens_service.audit_citizen(
            session, actor, "read", citizen.id, {"view": "bus_tour_form", "via": "list"}
        )
    return GroupChoices(
        citizens=[
            GroupChoice(
                citizen_id=c.id,
                name=c.name,
                postal_code=c.postal_code,
                city=c.city,
                status=c.status,
            )
            for c in rows
        ],
        towns=[t for t in towns if t],
        more=more,
    )
