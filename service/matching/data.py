"""Gather citizens and open task openings from the database into the matcher's arrays.

One query per table family; the arrays are then built with numpy and pandas. Nothing here
scores: that is features.py, model.py and explain.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.citizens.models import BipMeasurement, Citizen
from service.companies.models import Company
from service.forecasts import service as forecasts_service
from service.matching.features import BIP_KEYS, Citizens, CompanyHistory, FloatArray, Openings
from service.matching.history import company_history
from service.placements import service as placements_service
from service.sectors import Sector
from service.tasks.models import Task, TaskOpening
from service.tasks.normaliser import fold, sector_wishes

SECTORS = list(Sector)
SECTOR_INDEX = {s.value: i for i, s in enumerate(SECTORS)}
# Task dimension names of the catalogue -> the matcher's dimension order (features.DIMENSIONS).
DEMAND_COLUMNS = ("physical", "contact", "teamwork", "danish", "pace", "independence")
DEFAULT_MAX_COMMUTE_KM = 15.0
DEFAULT_HOURS = 10.0
KM_PER_DEGREE_LAT = 111.0


@dataclass(frozen=True)
class CitizenBatch:
    """Citizens as arrays plus what the wording needs (ids, wishes, names)."""

    arrays: Citizens
    frame: pd.DataFrame  # id, name, municipality_code, wishes, wish_task_ids, ...


@dataclass(frozen=True)
class OpeningBatch:
    """Open task openings as arrays plus their ids, names and company fields."""

    arrays: Openings
    frame: pd.DataFrame


def _sector_mask(lists: list[list[str]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    mask = np.zeros((len(lists), len(SECTORS)), dtype=bool)
    for row, sectors in enumerate(lists):  # per citizen, a handful of slugs: not per pair
        for slug in sectors:
            if slug in SECTOR_INDEX:
                mask[row, SECTOR_INDEX[slug]] = True
    return mask


def load_citizens(session: Session, *, citizen_ids: list[str]) -> CitizenBatch:
    """Citizens with their latest BIP answers (missing answers stay NaN: neutral in features)."""
    latest = (
        select(BipMeasurement.citizen_id, func.max(BipMeasurement.measured_on).label("measured_on"))
        .where(col(BipMeasurement.citizen_id).in_(citizen_ids))
        .group_by(col(BipMeasurement.citizen_id))
        .subquery()
    )
    answers = session.exec(
        select(BipMeasurement).join(
            latest,
            (col(BipMeasurement.citizen_id) == latest.c.citizen_id)
            & (col(BipMeasurement.measured_on) == latest.c.measured_on),
        )
    ).all()
    bip_by_citizen = {m.citizen_id: [getattr(m, k) for k in BIP_KEYS] for m in answers}
    belief = {m.citizen_id: m.caseworker_belief for m in answers}
    rows = session.exec(select(Citizen).where(col(Citizen.id).in_(citizen_ids))).all()
    order = {cid: i for i, cid in enumerate(citizen_ids)}
    rows = sorted(rows, key=lambda c: order[c.id])
    frame = pd.DataFrame(
        {
            "id": [c.id for c in rows],
            "name": [c.name for c in rows],
            "municipality_code": [c.municipality_code for c in rows],
            "wishes": [c.wishes or "" for c in rows],
            "wish_task_ids": [set(c.wish_task_ids or []) | set(c.preferred_tasks) for c in rows],
            "excluded_tasks": [set(c.excluded_tasks) for c in rows],
            "has_car": [c.has_car for c in rows],
        }
    )
    bip = np.array(
        [
            [np.nan if v is None else float(v) for v in bip_by_citizen.get(c.id, [None] * 10)]
            for c in rows
        ],
        dtype=float,
    ).reshape(len(rows), len(BIP_KEYS))
    arrays = Citizens(
        bip=bip,
        danish_level=np.array(
            [np.nan if c.danish_level is None else c.danish_level for c in rows], dtype=float
        ),
        hours_available=np.array(
            [DEFAULT_HOURS if c.hours_per_week is None else c.hours_per_week for c in rows],
            dtype=float,
        ),
        max_commute_km=np.array(
            [
                DEFAULT_MAX_COMMUTE_KM if c.max_commute_km is None else c.max_commute_km
                for c in rows
            ],
            dtype=float,
        ),
        has_licence=np.array([c.has_driving_licence for c in rows], dtype=bool),
        has_car=np.array([c.has_car for c in rows], dtype=bool),
        lat=np.array([np.nan if c.lat is None else c.lat for c in rows], dtype=float),
        lon=np.array([np.nan if c.lon is None else c.lon for c in rows], dtype=float),
        criminal_record=np.array(
            [{"yes": 1, "no": 0}.get(c.criminal_record, -1) for c in rows], dtype=np.int64
        ),
        cannot_lift_heavy=np.array([c.cannot_lift_heavy for c in rows], dtype=bool),
        cannot_handle_food=np.array([c.cannot_handle_food for c in rows], dtype=bool),
        # Sector-level wishes ("omsorg og pleje", "lager") count as preferred sectors (issue 14).
        preferred_sector=_sector_mask(
            [[*c.preferred_sectors, *sector_wishes(c.wishes or "")] for c in rows]
        ),
        excluded_sector=_sector_mask([c.excluded_sectors for c in rows]),
        caseworker_belief=np.array(
            [np.nan if (b := belief.get(c.id)) is None else float(b) for c in rows],
            dtype=float,
        ),
    )
    return CitizenBatch(arrays=arrays, frame=frame)


def load_openings(
    session: Session,
    *,
    today: date,
    opening_ids: list[str] | None = None,
    company_id: str | None = None,
    near: tuple[float, float, float] | None = None,
) -> tuple[OpeningBatch, dict[str, int]]:
    """Open openings at companies that take citizens, and how many were left out and why.

    ``near`` = (lat, lon, km) narrows the query to a box around a point (the commute limit).
    """
    statement = (
        select(TaskOpening, Company, Task)
        .join(Company, col(Company.id) == col(TaskOpening.company_id))
        .join(Task, col(Task.id) == col(TaskOpening.task_id))
        .where(col(TaskOpening.status) == "open")
    )
    if opening_ids is not None:
        statement = statement.where(col(TaskOpening.id).in_(opening_ids))
    if company_id is not None:
        statement = statement.where(col(TaskOpening.company_id) == company_id)
    if near is not None:
        lat, lon, km = near
        dlat = km / KM_PER_DEGREE_LAT
        dlon = km / (KM_PER_DEGREE_LAT * max(np.cos(np.radians(lat)), 0.1))
        statement = statement.where(
            col(Company.lat).between(lat - dlat, lat + dlat),
            col(Company.lon).between(lon - dlon, lon + dlon),
        )
    rows = session.exec(statement.order_by(col(TaskOpening.id))).all()
    proposals = placements_service.proposals_this_month_by_opening(session, today=today)
    history = company_history(session)
    demand_index = forecasts_service.demand_index(session)
    per_company: dict[str, int] = {}
    for opening, company, _ in rows:
        per_company[company.id] = per_company.get(company.id, 0) + proposals.get(opening.id, 0)
    left_out = {"company_paused": 0, "company_at_capacity": 0, "no_coordinates": 0}
    kept = []
    for opening, company, task in rows:  # per opening, not per pair
        if company.is_paused:
            left_out["company_paused"] += 1
        elif (
            company.monthly_capacity is not None
            and per_company[company.id] >= company.monthly_capacity
        ):
            left_out["company_at_capacity"] += 1
        elif company.lat is None or company.lon is None:
            left_out["no_coordinates"] += 1
        else:
            kept.append((opening, company, task))
    batch = opening_batch(kept, proposals, history, demand_index)
    return batch, left_out


def opening_batch(
    kept: list[tuple[TaskOpening, Company, Task]],
    proposals: dict[str, int],
    history: CompanyHistory,
    demand_index: dict[tuple[str, str], float],
) -> OpeningBatch:
    """Arrays for (opening, company, task) rows; an opening may be unsaved (history rows)."""
    frame = pd.DataFrame(
        {
            "opening_id": [o.id for o, _, _ in kept],
            "company_id": [c.id for _, c, _ in kept],
            "company_name": [c.name for _, c, _ in kept],
            "municipality_code": [c.municipality_code for _, c, _ in kept],
            "task_id": [t.id for _, _, t in kept],
            "task_name": [t.name for _, _, t in kept],
            "task_text": [" ".join([t.name, *t.synonyms]) for _, _, t in kept],
            "sector": [c.sector for _, c, _ in kept],  # the company's sector, as in features
            "task_sector": [t.sector for _, _, t in kept],  # the task's sector card
            "placement_types": [tuple(o.placement_types) for o, _, _ in kept],
            "positions": [max(o.positions, 1) for o, _, _ in kept],
            "proposals": [proposals.get(o.id, 0) for o, _, _ in kept],
        }
    )

    def effective(name: str) -> list[float]:
        return [
            float(getattr(o, f"override_{name}") or getattr(t, f"demand_{name}"))
            for o, _, t in kept
        ]

    requirement = [c.requirements or {} for _, c, _ in kept]
    arrays = Openings(
        demand=np.column_stack([effective(n) for n in DEMAND_COLUMNS])
        if kept
        else np.zeros((0, 6)),
        learnable_in_week=np.array([t.learnable_within_week for _, _, t in kept], dtype=bool),
        nice_to=np.array([t.criticality == "nice_to" for _, _, t in kept], dtype=bool),
        learning_days=np.array([t.learning_days for _, _, t in kept], dtype=float),
        requires_licence=np.array([t.requires_driving_licence for _, _, t in kept], dtype=bool),
        requires_clean_record=np.array(
            [t.requires_clean_criminal_record or t.requires_child_certificate for _, _, t in kept],
            dtype=bool,
        ),
        requires_food_hygiene=np.array([t.requires_food_hygiene for _, _, t in kept], dtype=bool),
        hours_per_week=np.array([o.hours_per_week for o, _, _ in kept], dtype=float),
        lat=np.array([c.lat for _, c, _ in kept], dtype=float),
        lon=np.array([c.lon for _, c, _ in kept], dtype=float),
        sector=np.array(
            [SECTOR_INDEX.get(c.sector, len(SECTORS) - 1) for _, c, _ in kept], dtype=np.int64
        ),
        unskilled_many=np.array([c.unskilled_tasks == "many" for _, c, _ in kept], dtype=bool),
        is_ambassador=np.array([c.is_ambassador for _, c, _ in kept], dtype=bool),
        history_converted=np.array([history.record(c.id)[0] for _, c, _ in kept], dtype=float),
        history_ended=np.array([history.record(c.id)[1] for _, c, _ in kept], dtype=float),
        history_prior_rate=np.array([history.prior(c.sector) for _, c, _ in kept], dtype=float),
        # The task's sector card decides the demand, in the company's municipality (issue 14):
        # floor washing at a builder is cleaning work, not construction.
        demand_index=np.array(
            [demand_index.get((c.municipality_code, t.sector), 0.5) for _, c, t in kept],
            dtype=float,
        ),
        requires_danish=np.array(
            [r.get("danish_language") == "required" for r in requirement], dtype=bool
        ),
        requires_physical_health=np.array(
            [r.get("physical_health") == "required" for r in requirement], dtype=bool
        ),
    )
    return OpeningBatch(arrays=arrays, frame=frame)


def task_membership(sets: pd.Series, openings: OpeningBatch) -> np.ndarray[Any, Any]:
    """Per (citizen row, opening row): is the opening's task in the citizen's set of task ids.

    Built as a citizen x distinct-task matrix (a loop over citizens' few ids, never over pairs)
    and expanded to openings by index.
    """
    tasks = openings.frame["task_id"].to_numpy()
    unique_tasks, task_of_opening = np.unique(tasks, return_inverse=True)
    position = {task: i for i, task in enumerate(unique_tasks)}
    matrix = np.zeros((len(sets), len(unique_tasks)), dtype=bool)
    for row, ids in enumerate(sets):
        matrix[row, [position[t] for t in ids if t in position]] = True
    return matrix[:, task_of_opening]


def wish_similarity(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    ci: np.ndarray[Any, Any],
    oj: np.ndarray[Any, Any],
) -> FloatArray:
    """Per pair, how close the citizen's wishes are to the task (0-1).

    A task the citizen's wishes were normalised to (or a preferred task) counts 1.0; otherwise
    rapidfuzz's token-set ratio between the folded wish text and the task's name and synonyms,
    computed as one citizen x task matrix (C++), then gathered per pair.
    """
    texts = [fold(t) for t in openings.frame["task_text"]]
    wishes = [fold(w) for w in citizens.frame["wishes"]]
    matrix = process.cdist(wishes, texts, scorer=fuzz.token_set_ratio, workers=1) / 100.0
    matrix[np.array([not w for w in wishes], dtype=bool), :] = 0.0
    named = task_membership(citizens.frame["wish_task_ids"], openings)
    return np.where(named[ci, oj], 1.0, np.asarray(matrix[ci, oj], dtype=float))
