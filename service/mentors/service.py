"""Volunteer mentors, suggestions for a citizen, and matches.

BLF's project leader runs the mentor corps; caseworkers find the citizens who would benefit
(VIVE 2020, section 4.5.2). Suggestions rank *mentors for one citizen*, never citizens. Every
read of a citizen's suggestions and every match is audited on the citizen's trail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.citizens import service as citizens_service
from service.citizens.exceptions import CitizenNotFoundError
from service.citizens.models import Citizen
from service.matching.features import haversine_km
from service.mentors.exceptions import (
    CitizenHasMentorError,
    MatchAlreadyEndedError,
    MentorFullError,
    MentorMatchDataError,
    MentorMatchNotFoundError,
    MentorNotFoundError,
)
from service.mentors.models import Mentor, MentorMatch
from service.mentors.schemas import (
    MentorCreate,
    MentorMatchCreate,
    MentorMatchForBlf,
    MentorMatchForCaseworker,
    MentorMatchUpdate,
    MentorPublic,
    MentorSuggestion,
    MentorUpdate,
)
from service.pagination import paginate
from service.placements.models import Placement
from service.places import lookup_postal_code
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tasks.models import Task

ENTITY = "mentor"
# Weights of the fit; distance counts fully up to nothing at this many km.
WEIGHTS = {"sector": 0.5, "distance": 0.3, "experience": 0.2}
DISTANCE_ZERO_KM = 40.0
EXPERIENCE_FULL = 3
OPEN_PLACEMENT_STATUSES = ("proposed", "agreed", "active")


def _place(postal_code: str) -> dict[str, Any]:
    place = lookup_postal_code(postal_code)
    return {
        "city": place.city if place else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
    }


def create_mentor(
    session: Session, *, data: MentorCreate, actor: Principal, is_demo: bool = False
) -> Mentor:
    """Register a volunteer mentor."""
    values = data.model_dump()
    values["sectors"] = [str(s) for s in data.sectors]
    mentor = Mentor(**values, **_place(data.postal_code), is_demo=is_demo)
    session.add(mentor)
    session.flush()
    record_audit(session, actor=actor, action="create", entity_type=ENTITY, entity_id=mentor.id)
    return mentor


def get_mentor(session: Session, *, mentor_id: str) -> Mentor:
    """A mentor, or 404."""
    mentor = session.get(Mentor, mentor_id)
    if mentor is None:
        raise MentorNotFoundError(mentor_id)
    return mentor


def update_mentor(
    session: Session, *, mentor: Mentor, data: MentorUpdate, actor: Principal
) -> Mentor:
    """Change a mentor (pause with ``available: false``)."""
    patch = data.model_dump(exclude_unset=True)
    for key, value in patch.items():
        if value is None and key in ("name", "postal_code", "max_mentees", "available", "sectors"):
            raise MentorMatchDataError(key, "Feltet kan ikke tømmes", "The field cannot be cleared")
        setattr(mentor, key, [str(s) for s in value] if key == "sectors" else value)
    if "postal_code" in patch:
        for key, value in _place(mentor.postal_code).items():
            setattr(mentor, key, value)
    mentor.updated_at = clock.now()
    session.add(mentor)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="update",
        entity_type=ENTITY,
        entity_id=mentor.id,
        detail={"fields": sorted(patch)},
    )
    return mentor


def match_counts(session: Session, mentor_ids: list[str]) -> dict[str, tuple[int, int]]:
    """(active, total) matches per mentor."""
    if not mentor_ids:
        return {}
    active = func.sum(case((col(MentorMatch.end_date).is_(None), 1), else_=0))
    rows = session.exec(
        select(MentorMatch.mentor_id, active, func.count())
        .where(col(MentorMatch.mentor_id).in_(mentor_ids))
        .group_by(col(MentorMatch.mentor_id))
    ).all()
    return {mid: (int(a or 0), int(t)) for mid, a, t in rows}


def mentors_public(session: Session, mentors: list[Mentor]) -> list[MentorPublic]:
    """The API shape of mentors, with their match counts."""
    counts = match_counts(session, [m.id for m in mentors])
    return [
        MentorPublic.model_validate(
            {
                **m.model_dump(),
                "active_matches": counts.get(m.id, (0, 0))[0],
                "total_matches": counts.get(m.id, (0, 0))[1],
            }
        )
        for m in mentors
    ]


def list_mentors(
    session: Session, *, available: bool | None, limit: int, cursor: str | None
) -> tuple[list[Mentor], str | None]:
    """One page of mentors by name."""
    statement = select(Mentor)
    if available is not None:
        statement = statement.where(col(Mentor.available) == available)
    return paginate(
        session, statement, order_by=[Mentor.name, Mentor.id], limit=limit, cursor=cursor
    )


def _visible_citizen(session: Session, actor: Principal, citizen_id: str) -> Citizen:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or not policy.may_manage_citizens_in(actor, citizen.municipality_code):
        raise CitizenNotFoundError(citizen_id)
    return citizen


def _citizen_sectors(session: Session, citizen: Citizen) -> tuple[str | None, set[str]]:
    """The sector of the citizen's open placement (newest), and the wished-for sectors."""
    placement_sector = session.exec(
        select(Placement.sector)
        .where(
            col(Placement.citizen_id) == citizen.id,
            col(Placement.status).in_(OPEN_PLACEMENT_STATUSES),
            col(Placement.sector).is_not(None),
        )
        .order_by(col(Placement.proposed_date).desc(), col(Placement.id))
    ).first()
    wished = set(citizen.preferred_sectors)
    if citizen.wish_task_ids:
        wished |= set(
            session.exec(select(Task.sector).where(col(Task.id).in_(citizen.wish_task_ids))).all()
        )
    wished -= set(citizen.excluded_sectors)
    return placement_sector, wished


def _sector_name(slug: str) -> str:
    try:
        return SECTOR_NAMES_DA[Sector(slug)]
    except ValueError:
        return slug


def suggest_mentors(
    session: Session, *, citizen_id: str, actor: Principal, limit: int = 10
) -> list[MentorSuggestion]:
    """Available mentors with room for the citizen, best fit first, each with reasons."""
    citizen = _visible_citizen(session, actor, citizen_id)
    mentors = list(session.exec(select(Mentor).where(col(Mentor.available))).all())
    counts = match_counts(session, [m.id for m in mentors])
    ended = {mid: total - active for mid, (active, total) in counts.items()}
    with_room = [m for m in mentors if counts.get(m.id, (0, 0))[0] < m.max_mentees]
    placement_sector, wished = _citizen_sectors(session, citizen)
    distances: list[float | None] = [None] * len(with_room)
    located = [i for i, m in enumerate(with_room) if m.lat is not None and m.lon is not None]
    if citizen.lat is not None and citizen.lon is not None and located:
        km = haversine_km(
            np.full(len(located), citizen.lat),
            np.full(len(located), citizen.lon),
            np.array([with_room[i].lat for i in located], dtype=float),
            np.array([with_room[i].lon for i in located], dtype=float),
        )
        for i, d in zip(located, km, strict=True):
            distances[i] = round(float(d), 1)
    suggestions = []
    for mentor, distance in zip(with_room, distances, strict=True):
        reasons: list[str] = []
        sectors = set(mentor.sectors)
        if placement_sector and placement_sector in sectors:
            sector_part = 1.0
            reasons.append(
                f"Kender branchen for borgerens praktik: {_sector_name(placement_sector)}"
            )
        elif sectors & wished:
            sector_part = 0.7
            names = ", ".join(sorted(_sector_name(s) for s in sectors & wished))
            reasons.append(f"Kender en branche, borgeren ønsker: {names}")
        else:
            sector_part = 0.0
        if distance is None:
            distance_part = 0.5  # unknown distance counts as neutral, not as far
        else:
            distance_part = max(0.0, 1.0 - distance / DISTANCE_ZERO_KM)
            where = f" ({mentor.city})" if mentor.city else ""
            reasons.append(f"Bor {str(distance).replace('.', ',')} km fra borgeren{where}")
        done = ended.get(mentor.id, 0)
        experience_part = min(done, EXPERIENCE_FULL) / EXPERIENCE_FULL
        reasons.append(
            f"Har været mentor for {done} borger{'e' if done != 1 else ''} før"
            if done
            else "Ny mentor i korpset"
        )
        free = mentor.max_mentees - counts.get(mentor.id, (0, 0))[0]
        reasons.append(f"Har plads til {free} borger{'e' if free != 1 else ''} mere")
        parts = {
            "sector": round(WEIGHTS["sector"] * sector_part, 4),
            "distance": round(WEIGHTS["distance"] * distance_part, 4),
            "experience": round(WEIGHTS["experience"] * experience_part, 4),
        }
        suggestions.append(
            MentorSuggestion(
                mentor_id=mentor.id,
                name=mentor.name,
                score=round(sum(parts.values()), 4),
                parts=parts,
                distance_km=distance,
                free_places=free,
                sectors=[Sector(s) for s in mentor.sectors],
                reasons=reasons,
            )
        )
    suggestions.sort(key=lambda s: (-s.score, s.name, s.mentor_id))
    citizens_service.audit_citizen(
        session, actor, "mentor_suggestions", citizen.id, {"suggested": len(suggestions)}
    )
    return suggestions[:limit]


def create_match(
    session: Session, *, data: MentorMatchCreate, actor: Principal, is_demo: bool = False
) -> MentorMatch:
    """Assign a mentor to a citizen; 409 when the mentor is full or paused."""
    citizen = _visible_citizen(session, actor, data.citizen_id)
    # Locked on PostgreSQL, so two caseworkers cannot both take a mentor's last place.
    mentor = session.get(Mentor, data.mentor_id, with_for_update=True)
    if mentor is None:
        raise MentorNotFoundError(data.mentor_id)
    active, _ = match_counts(session, [mentor.id]).get(mentor.id, (0, 0))
    if not mentor.available or active >= mentor.max_mentees:
        raise MentorFullError(
            mentor.name, paused=not mentor.available, max_mentees=mentor.max_mentees
        )
    current = session.exec(
        select(MentorMatch.id).where(
            col(MentorMatch.citizen_id) == citizen.id, col(MentorMatch.end_date).is_(None)
        )
    ).first()
    if current is not None:
        raise CitizenHasMentorError(current)
    if data.placement_id is not None:
        placement = session.get(Placement, data.placement_id)
        if placement is None or placement.citizen_id != citizen.id:
            raise MentorMatchDataError(
                "placement_id",
                "Forløbet findes ikke eller hører ikke til borgeren",
                "The placement does not exist or does not belong to the citizen",
            )
    match = MentorMatch(
        mentor_id=mentor.id,
        citizen_id=citizen.id,
        citizen_first_name=citizen.name.split()[0][:60] if citizen.name.strip() else None,
        municipality_code=citizen.municipality_code,
        placement_id=data.placement_id,
        start_date=data.start_date,
        created_by_user_id=actor.user_id,
        is_demo=is_demo,
    )
    session.add(match)
    session.flush()
    citizens_service.audit_citizen(
        session, actor, "mentor_match", citizen.id, {"match_id": match.id, "mentor_id": mentor.id}
    )
    return match


def get_match(session: Session, *, match_id: str, actor: Principal) -> MentorMatch:
    """A match the actor may see (municipality), or 404."""
    match = session.get(MentorMatch, match_id)
    if match is None or not policy.reaches_municipality(actor, match.municipality_code):
        raise MentorMatchNotFoundError(match_id)
    return match


def end_match(
    session: Session, *, match: MentorMatch, data: MentorMatchUpdate, actor: Principal
) -> MentorMatch:
    """End a match with a short assessment."""
    if match.end_date is not None:
        raise MatchAlreadyEndedError()
    if data.end_date < match.start_date:
        raise MentorMatchDataError(
            "end_date", "Slutdatoen ligger før startdatoen", "The end date is before the start date"
        )
    match.end_date = data.end_date
    match.assessment = data.assessment
    match.updated_at = clock.now()
    session.add(match)
    session.flush()
    citizens_service.audit_citizen(
        session, actor, "mentor_match_end", match.citizen_id, {"match_id": match.id}
    )
    return match


def list_matches(
    session: Session,
    *,
    actor: Principal,
    citizen_id: str | None,
    mentor_id: str | None,
    active: bool | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[MentorMatch], str | None]:
    """One page of the matches the actor may see (their municipality), by start date."""
    statement = policy.within_reach(select(MentorMatch), actor, col(MentorMatch.municipality_code))
    if citizen_id is not None:
        statement = statement.where(col(MentorMatch.citizen_id) == citizen_id)
    if mentor_id is not None:
        statement = statement.where(col(MentorMatch.mentor_id) == mentor_id)
    if active is not None:
        ended = col(MentorMatch.end_date)
        statement = statement.where(ended.is_(None) if active else ended.is_not(None))
    return paginate(
        session,
        statement,
        order_by=[MentorMatch.start_date, MentorMatch.id],
        limit=limit,
        cursor=cursor,
    )


def matches_view(
    session: Session, matches: list[MentorMatch], *, actor: Principal
) -> list[MentorMatchForCaseworker | MentorMatchForBlf]:
    """Matches in the actor's shape: ids for caseworkers, the first name only for BLF."""
    names = dict(
        session.exec(
            select(Mentor.id, Mentor.name).where(col(Mentor.id).in_({m.mentor_id for m in matches}))
        ).all()
    )
    full = policy.may_see_sensitive(actor)
    result: list[MentorMatchForCaseworker | MentorMatchForBlf] = []
    for m in matches:
        values = {
            **m.model_dump(),
            "mentor_name": names.get(m.mentor_id, ""),
            "active": m.end_date is None,
        }
        if full:
            result.append(MentorMatchForCaseworker.model_validate(values))
        else:
            result.append(MentorMatchForBlf.model_validate(values))
    if full:
        for m in matches:
            if m.citizen_id is not None:
                citizens_service.audit_citizen(
                    session, actor, "mentor_read", m.citizen_id, {"match_id": m.id}
                )
    return result
