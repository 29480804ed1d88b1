"""The companies that take visits, as columns with a grid: what a bus tour chooses from.

One table per process and database, built with one column query and rebuilt when the data
version of the companies (scope ``openings``, ``service/dataversion.py``) or the matching
index it is joined to changes. A tour then finds the companies within reach of its start with
a grid lookup and reads each one's open tasks from the matching index, instead of loading
every company in the box as an object (issue 13: about 18,000 companies within reach of a
start on Zealand at national volume).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select as columns_select
from sqlmodel import Session, col

from service.companies.models import Company
from service.matching.cache import IndexView, cache_for
from service.matching.features import BoolArray, FloatArray, IntArray, haversine_km
from service.matching.index import KM_PER_DEGREE_LAT, ObjectArray, SpatialGrid

VISITING_FIELDS: tuple[Any, ...] = (
    Company.id,
    Company.sector,
    Company.municipality_code,
    Company.lat,
    Company.lon,
    Company.is_ambassador,
)
# The box a start's reach is first narrowed to: its longitude half-width uses the cosine of the
# start's latitude, never below this (as the database query before the table did).
MIN_COSINE = 0.1


@dataclass(frozen=True)
class VisitingCompanies:
    """Companies that take visits, are not paused and not archived, in id order.

    Joined to one matching index: each company's code there (-1: no open opening) and its
    distinct open tasks as (company position, task code) pairs.
    """

    company_id: ObjectArray
    sector: ObjectArray
    municipality: ObjectArray
    lat: FloatArray  # NaN: no coordinates
    lon: FloatArray
    ambassador: BoolArray
    grid: SpatialGrid
    index_code: IntArray  # per company: its company code in the matching index, or -1
    task_owner: IntArray  # per (company, open task) pair: the company's position
    task_code: IntArray  # per pair: the task code in the matching index
    open_task_names: IntArray  # per company: how many distinct task names it has open
    place_sector: IntArray  # per company: a code of its (municipality, sector)
    place_sectors: list[tuple[str, str]]  # the distinct (municipality, sector) of the codes

    def __len__(self) -> int:
        return len(self.company_id)

    @property
    def located(self) -> int:
        """How many have coordinates."""
        return int((~(np.isnan(self.lat) | np.isnan(self.lon))).sum())

    def within(self, lat: float, lon: float, straight_km: float) -> IntArray:
        """Positions (in id order) within ``straight_km`` of the point, great-circle distance.

        The box first, with the same bounds the database query used, then the circle.
        """
        dlat = straight_km / KM_PER_DEGREE_LAT
        dlon = straight_km / (KM_PER_DEGREE_LAT * max(float(np.cos(np.radians(lat))), MIN_COSINE))
        # The grid's cells cover that box (their longitude span uses a smaller cosine).
        rows = np.sort(self.grid.box(lat, lon, straight_km))
        la, lo = self.lat[rows], self.lon[rows]
        boxed = rows[
            (la >= lat - dlat) & (la <= lat + dlat) & (lo >= lon - dlon) & (lo <= lon + dlon)
        ]
        if not len(boxed):
            return boxed
        km = haversine_km(
            np.full(len(boxed), lat), np.full(len(boxed), lon), self.lat[boxed], self.lon[boxed]
        )
        return np.asarray(boxed[km <= straight_km], dtype=np.int64)

    def has_task(self, wished: BoolArray) -> BoolArray:
        """Per company: whether one of its open tasks is wished (``wished`` per task code)."""
        hit = np.zeros(len(self), dtype=bool)
        hit[self.task_owner[wished[self.task_code]]] = True
        return hit


def _join(
    ids: ObjectArray,
    sectors: ObjectArray,
    municipalities: ObjectArray,
    lat: FloatArray,
    lon: FloatArray,
    ambassador: BoolArray,
    view: IndexView,
) -> VisitingCompanies:
    columns = view.index.columns
    index_code = np.asarray(
        pd.Index(columns.company_id).get_indexer(pd.Index(ids)) if len(ids) else [],
        dtype=np.int64,
    )
    position = np.full(len(columns.company_id), -1, dtype=np.int64)
    known = index_code >= 0
    position[index_code[known]] = np.flatnonzero(known)
    tasks = len(columns.task_id)
    pairs = np.unique(columns.company * tasks + columns.task)  # distinct (company, task)
    owner, task = position[pairs // tasks], pairs % tasks
    visiting = owner >= 0
    owner, task = owner[visiting], task[visiting]
    names = np.asarray(pd.factorize(columns.task_name)[0], dtype=np.int64)
    named = np.unique(owner * (int(names.max(initial=0)) + 1) + names[task])
    open_names = np.bincount(named // (int(names.max(initial=0)) + 1), minlength=len(ids))
    codes, distinct = pd.factorize(pd.MultiIndex.from_arrays([municipalities, sectors]))
    return VisitingCompanies(
        company_id=ids,
        sector=sectors,
        municipality=municipalities,
        lat=lat,
        lon=lon,
        ambassador=ambassador,
        grid=SpatialGrid.build(lat, lon),
        index_code=index_code,
        task_owner=np.asarray(owner, dtype=np.int64),
        task_code=np.asarray(task, dtype=np.int64),
        open_task_names=np.asarray(open_names, dtype=np.int64),
        place_sector=np.asarray(codes, dtype=np.int64),
        place_sectors=[(str(m), str(s)) for m, s in distinct],
    )


def _objects(values: list[object]) -> ObjectArray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def load_visiting(session: Session, view: IndexView) -> VisitingCompanies:
    """Every company that takes visits (one column query), joined to the view's index."""
    rows = session.execute(
        columns_select(*VISITING_FIELDS)
        .where(
            col(Company.accepts_visits),
            ~col(Company.is_paused),
            col(Company.archived_at).is_(None),  # archived companies take no visits (issue 15)
        )
        .order_by(col(Company.id))
    ).all()
    c = list(zip(*rows, strict=True)) if rows else [()] * 6
    return _join(
        _objects(list(c[0])),
        _objects(list(c[1])),
        _objects(list(c[2])),
        np.array([np.nan if v is None else float(v) for v in c[3]], dtype=float),
        np.array([np.nan if v is None else float(v) for v in c[4]], dtype=float),
        np.array(c[5], dtype=bool),
        view,
    )


def visiting_companies(session: Session, view: IndexView) -> VisitingCompanies:
    """The visiting companies as of the view's data versions (rebuilt when they changed), held
    in the matching index's cache of the database beside the index they are joined to."""
    key = (view.tokens.get("openings"), id(view.index))
    return cache_for(session).derived("visiting", key, lambda: load_visiting(session, view))
