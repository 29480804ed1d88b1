"""Fill the matching index from the database with column queries (never ORM objects).

One query per table family returns plain tuples; the arrays are built with numpy and pandas.
JSON columns are read as text and decoded once per distinct value (most openings share a
handful of placement-type lists, most companies an empty requirement object). Nothing here
scores: that is features.py, scoring.py, model.py and explain.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Text, cast, func
from sqlalchemy import select as columns_select
from sqlmodel import Session, col, select

from service.citizens.models import BipMeasurement, Citizen
from service.companies.models import Company
from service.matching.features import BIP_KEYS, Citizens, CompanyHistory, FloatArray
from service.matching.index import (
    CitizenBatch,
    ObjectArray,
    OpeningBatch,
    OpeningColumns,
    OpeningIndex,
    batch,
    make_overlay,
)
from service.matching.index import wish_similarity as task_wish_similarity
from service.sectors import Sector
from service.tasks.models import Task, TaskOpening
from service.tasks.normaliser import fold, sector_wishes

SECTORS = list(Sector)
SECTOR_INDEX = {s.value: i for i, s in enumerate(SECTORS)}
# Task dimension names of the catalogue -> the matcher's dimension order (features.DIMENSIONS).
DEMAND_COLUMNS = ("physical", "contact", "teamwork", "danish", "pace", "independence")
DEFAULT_MAX_COMMUTE_KM = 15.0
DEFAULT_HOURS = 10.0

__all__ = ["CitizenBatch", "OpeningBatch", "load_all_citizens", "load_citizens", "opening_batch"]


def _decoded(texts: Sequence[Any]) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """Codes per row and the decoded distinct JSON values (None -> None)."""
    position: dict[Any, int] = {}
    codes = np.fromiter(
        (position.setdefault(t, len(position)) for t in texts), dtype=np.int64, count=len(texts)
    )
    values = [None if t is None else json.loads(t) for t in position]
    return codes, values


def _floats(values: Sequence[Any]) -> FloatArray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def _sector_mask(lists: list[list[str]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    mask = np.zeros((len(lists), len(SECTORS)), dtype=bool)
    for row, sectors in enumerate(lists):  # per distinct list, a handful of slugs
        for slug in sectors or []:
            if slug in SECTOR_INDEX:
                mask[row, SECTOR_INDEX[slug]] = True
    return mask


def _objects(values: Sequence[Any]) -> ObjectArray:
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


# --- openings -------------------------------------------------------------------------------

OPENING_FIELDS: tuple[Any, ...] = (
    TaskOpening.id,
    TaskOpening.company_id,
    TaskOpening.task_id,
    TaskOpening.hours_per_week,
    TaskOpening.positions,
    cast(TaskOpening.placement_types, Text),
    *(getattr(TaskOpening, f"override_{n}") for n in DEMAND_COLUMNS),
)
COMPANY_FIELDS: tuple[Any, ...] = (
    Company.id,
    Company.name,
    Company.municipality_code,
    Company.sector,
    Company.lat,
    Company.lon,
    Company.is_paused,
    Company.monthly_capacity,
    Company.unskilled_tasks,
    Company.is_ambassador,
    cast(Company.requirements, Text),
)


def _columns(
    openings: list[tuple[Any, ...]], companies: list[tuple[Any, ...]], tasks: list[Task]
) -> OpeningColumns:
    """Assemble index columns from opening, company and task tuples (any order of openings)."""
    o = list(zip(*openings, strict=True)) if openings else [()] * len(OPENING_FIELDS)
    c = list(zip(*companies, strict=True)) if companies else [()] * len(COMPANY_FIELDS)
    company_ids = _objects(c[0])
    task_ids = _objects([t.id for t in tasks])
    company_code = np.asarray(
        pd.Index(company_ids).get_indexer(pd.Index(list(o[1]))) if openings else [], dtype=np.int64
    )
    task_code = np.asarray(
        pd.Index(task_ids).get_indexer(pd.Index(list(o[2]))) if openings else [], dtype=np.int64
    )
    if (company_code < 0).any() or (task_code < 0).any():
        raise ValueError("an opening refers to a company or task that was not loaded")
    placement_codes, placement_sets = _decoded(o[5])
    requirement_codes, requirements = _decoded(c[10])
    requirement = [r or {} for r in requirements]
    needs_danish = np.array([r.get("danish_language") == "required" for r in requirement])
    needs_health = np.array([r.get("physical_health") == "required" for r in requirement])
    task_demand = np.array(
        [[float(getattr(t, f"demand_{n}")) for n in DEMAND_COLUMNS] for t in tasks], dtype=float
    ).reshape(len(tasks), 6)
    overrides = np.column_stack([_floats(o[6 + i]) for i in range(6)]) if openings else None
    demand = (
        np.where(np.isnan(overrides) | (overrides == 0), task_demand[task_code], overrides)
        if overrides is not None
        else np.zeros((0, 6))
    )
    return OpeningColumns(
        opening_id=_objects(o[0]),
        company=company_code,
        task=task_code,
        hours_per_week=_floats(o[3]),
        positions=np.array(o[4], dtype=np.int64),
        placement_types=placement_codes,
        demand=demand,
        placement_type_sets=[tuple(p or ()) for p in placement_sets],
        company_id=company_ids,
        company_name=_objects(c[1]),
        company_municipality=_objects(c[2]),
        company_sector=_objects(c[3]),
        company_sector_code=np.array(
            [SECTOR_INDEX.get(s, len(SECTORS) - 1) for s in c[3]], dtype=np.int64
        ),
        company_lat=_floats(c[4]),
        company_lon=_floats(c[5]),
        company_paused=np.array(c[6], dtype=bool),
        company_capacity=_floats(c[7]),
        company_unskilled_many=np.array([u == "many" for u in c[8]], dtype=bool),
        company_ambassador=np.array(c[9], dtype=bool),
        company_requires_danish=needs_danish[requirement_codes] if companies else np.zeros(0, bool),
        company_requires_physical_health=(
            needs_health[requirement_codes] if companies else np.zeros(0, bool)
        ),
        task_id=task_ids,
        task_name=_objects([t.name for t in tasks]),
        task_sector=_objects([t.sector for t in tasks]),
        task_text=_objects([fold(" ".join([t.name, *t.synonyms])) for t in tasks]),
        task_learnable_in_week=np.array([t.learnable_within_week for t in tasks], dtype=bool),
        task_nice_to=np.array([t.criticality == "nice_to" for t in tasks], dtype=bool),
        task_learning_days=np.array([t.learning_days for t in tasks], dtype=float),
        task_requires_licence=np.array([t.requires_driving_licence for t in tasks], dtype=bool),
        task_requires_clean_record=np.array(
            [t.requires_clean_criminal_record or t.requires_child_certificate for t in tasks],
            dtype=bool,
        ),
        task_requires_food_hygiene=np.array([t.requires_food_hygiene for t in tasks], dtype=bool),
    )


def load_opening_index(session: Session) -> OpeningIndex:
    """Every open opening with its company and task, as an index (three column queries)."""
    openings = session.execute(
        columns_select(*OPENING_FIELDS)
        .where(col(TaskOpening.status) == "open")
        .order_by(col(TaskOpening.id))
    ).all()
    with_openings = select(TaskOpening.company_id).where(col(TaskOpening.status) == "open")
    companies = session.execute(
        columns_select(*COMPANY_FIELDS).where(col(Company.id).in_(with_openings.distinct()))
    ).all()
    # The catalogue is small (about 190 tasks): its rows are read whole.
    tasks = list(session.exec(select(Task).order_by(col(Task.id))).all())
    return OpeningIndex.build(
        _columns([tuple(r) for r in openings], [tuple(r) for r in companies], tasks)
    )


def opening_batch(
    kept: list[tuple[TaskOpening, Company, Task]],
    proposals: dict[str, int],
    history: CompanyHistory,
    demand_index: dict[tuple[str, str], float],
) -> OpeningBatch:
    """A batch for (opening, company, task) rows in their order; openings may be unsaved."""
    companies = {c.id: c for _, c, _ in kept}
    tasks = {t.id: t for _, _, t in kept}
    openings = [
        (
            o.id,
            o.company_id,
            o.task_id,
            o.hours_per_week,
            o.positions,
            json.dumps(list(o.placement_types)),
            *(getattr(o, f"override_{n}") for n in DEMAND_COLUMNS),
        )
        for o, _, _ in kept
    ]
    company_rows = [
        (
            c.id,
            c.name,
            c.municipality_code,
            c.sector,
            c.lat,
            c.lon,
            c.is_paused,
            c.monthly_capacity,
            c.unskilled_tasks,
            c.is_ambassador,
            json.dumps(c.requirements or {}),
        )
        for c in companies.values()
    ]
    index = OpeningIndex.build(_columns(openings, company_rows, list(tasks.values())))
    overlay = make_overlay(index, proposals=proposals, history=history, demand_index=demand_index)
    return batch(index, overlay, np.arange(len(index), dtype=np.int64))


# --- citizens -------------------------------------------------------------------------------

CITIZEN_FIELDS: tuple[Any, ...] = (
    Citizen.id,
    Citizen.name,
    Citizen.municipality_code,
    Citizen.status,
    Citizen.wishes,
    cast(Citizen.wish_task_ids, Text),
    cast(Citizen.preferred_tasks, Text),
    cast(Citizen.excluded_tasks, Text),
    cast(Citizen.preferred_sectors, Text),
    cast(Citizen.excluded_sectors, Text),
    Citizen.has_car,
    Citizen.has_driving_licence,
    Citizen.danish_level,
    Citizen.hours_per_week,
    Citizen.max_commute_km,
    Citizen.lat,
    Citizen.lon,
    Citizen.criminal_record,
    Citizen.cannot_lift_heavy,
    Citizen.cannot_handle_food,
)


def _latest_bip(session: Session, citizen_ids: list[str] | None) -> dict[str, list[Any]]:
    latest = select(
        BipMeasurement.citizen_id, func.max(BipMeasurement.measured_on).label("measured_on")
    )
    if citizen_ids is not None:
        latest = latest.where(col(BipMeasurement.citizen_id).in_(citizen_ids))
    newest = latest.group_by(col(BipMeasurement.citizen_id)).subquery()
    answer_columns = [getattr(BipMeasurement, k) for k in (*BIP_KEYS, "caseworker_belief")]
    rows = session.execute(
        columns_select(col(BipMeasurement.citizen_id), *answer_columns).join(
            newest,
            (col(BipMeasurement.citizen_id) == newest.c.citizen_id)
            & (col(BipMeasurement.measured_on) == newest.c.measured_on),
        )
    ).all()
    return {str(r[0]): list(r[1:]) for r in rows}


def _citizen_batch(
    rows: list[tuple[Any, ...]], bip_by_citizen: dict[str, list[Any]]
) -> CitizenBatch:
    c = list(zip(*rows, strict=True)) if rows else [()] * len(CITIZEN_FIELDS)
    n = len(rows)
    lists = []
    for column in range(5, 10):  # wish ids, preferred/excluded tasks, preferred/excluded sectors
        codes, values = _decoded(c[column])
        lists.append([values[k] or [] for k in codes])
    wish_ids, preferred_tasks, excluded_tasks, preferred_sectors, excluded_sectors = lists
    frame = pd.DataFrame(
        {
            "id": list(c[0]),
            "name": list(c[1]),
            "municipality_code": list(c[2]),
            "status": list(c[3]),
            "wishes": [w or "" for w in c[4]],
            "wish_task_ids": [
                set(w) | set(p) for w, p in zip(wish_ids, preferred_tasks, strict=True)
            ],
            "excluded_tasks": [set(e) for e in excluded_tasks],
            "has_car": np.array(c[10], dtype=bool),
        }
    )
    bip = np.array(
        [
            [np.nan if v is None else float(v) for v in bip_by_citizen.get(cid, [None] * 11)]
            for cid in c[0]
        ],
        dtype=float,
    ).reshape(n, len(BIP_KEYS) + 1)
    belief, bip = bip[:, -1], bip[:, :-1]
    hours = _floats(c[13])
    commute = _floats(c[14])
    arrays = Citizens(
        bip=bip,
        danish_level=_floats(c[12]),
        hours_available=np.where(np.isnan(hours), DEFAULT_HOURS, hours),
        max_commute_km=np.where(np.isnan(commute), DEFAULT_MAX_COMMUTE_KM, commute),
        has_licence=np.array(c[11], dtype=bool),
        has_car=np.array(c[10], dtype=bool),
        lat=_floats(c[15]),
        lon=_floats(c[16]),
        criminal_record=np.array([{"yes": 1, "no": 0}.get(v, -1) for v in c[17]], dtype=np.int64),
        cannot_lift_heavy=np.array(c[18], dtype=bool),
        cannot_handle_food=np.array(c[19], dtype=bool),
        # Sector-level wishes ("omsorg og pleje", "lager") count as preferred sectors (issue 14).
        preferred_sector=_sector_mask(
            [[*p, *sector_wishes(w or "")] for p, w in zip(preferred_sectors, c[4], strict=True)]
        ),
        excluded_sector=_sector_mask(excluded_sectors),
        caseworker_belief=belief,
    )
    return CitizenBatch(arrays=arrays, frame=frame)


def load_citizens(session: Session, *, citizen_ids: list[str]) -> CitizenBatch:
    """The given citizens in the given order, with their latest BIP answers (NaN unanswered)."""
    rows = session.execute(
        columns_select(*CITIZEN_FIELDS).where(col(Citizen.id).in_(citizen_ids))
    ).all()
    order = {cid: i for i, cid in enumerate(citizen_ids)}
    ordered = sorted((tuple(r) for r in rows), key=lambda r: order[r[0]])
    return _citizen_batch(ordered, _latest_bip(session, citizen_ids))


def load_all_citizens(session: Session) -> CitizenBatch:
    """Every citizen (any status) in id order: the rows of the citizen index."""
    rows = session.execute(columns_select(*CITIZEN_FIELDS).order_by(col(Citizen.id))).all()
    return _citizen_batch([tuple(r) for r in rows], _latest_bip(session, None))


def wish_similarity(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    ci: np.ndarray[Any, Any],
    oj: np.ndarray[Any, Any],
) -> FloatArray:
    """Per pair, how close the citizen's wishes are to the task (0-1).

    A task the citizen's wishes were normalised to (or a preferred task) counts 1.0; otherwise
    rapidfuzz's token-set ratio between the folded wish text and the task's name and synonyms.
    Computed once per (citizen, distinct task) and gathered per pair.
    """
    c = openings.index.columns
    matrix = task_wish_similarity(
        [fold(w) for w in citizens.frame["wishes"]],
        list(citizens.frame["wish_task_ids"]),
        c.task_id,
        list(c.task_text),
    )
    return np.asarray(matrix[ci, openings.task[oj]], dtype=float)
