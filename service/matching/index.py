"""The matching index: open openings (and citizens) as numpy columns with a spatial grid.

Pure numeric code: no database, no web. ``data.py`` fills it with column queries and
``cache.py`` keeps one per process, rebuilt when a data version in the database changes.

- Openings are stored once, in id order, with company and task attributes gathered into
  columns; strings that repeat (company names, task names, placement types) are held once per
  company or task and referenced by an integer code.
- A grid of cells about ``CELL_KM`` wide, rows sorted by cell, answers "which rows lie within
  r km of a point" by a handful of contiguous slices (one per row of cells in the box) and one
  exact distance check, so a request touches only what is within reach.
- Wish similarity depends on the citizen and the task, not the opening, so it is computed once
  per (citizen, distinct task) and gathered per pair.
- What changes often (proposals this month, conversion rates, the demand index) is an
  ``Overlay`` of per-opening columns beside the static index, rebuilt on its own.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from service.matching.features import (
    PROGRAMME_INTERNSHIP_RATE,
    BoolArray,
    Citizens,
    CompanyHistory,
    FloatArray,
    IntArray,
    Openings,
)

ObjectArray = npt.NDArray[np.object_]
CELL_KM = 5.0
KM_PER_DEGREE_LAT = 111.0
# Longitude cells are sized at this latitude (the middle of Denmark); queries widen their box by
# the cosine at their own latitude, so any latitude stays exact.
GRID_LATITUDE = 56.0
NEUTRAL_DEMAND_INDEX = 0.5


@dataclass(frozen=True)
class SpatialGrid:
    """Rows sorted by grid cell, for box queries; rows without coordinates are not in it."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    columns: int
    keys: IntArray  # sorted cell keys (row * columns + column)
    rows: IntArray  # the index row of each key

    @classmethod
    def build(cls, lat: FloatArray, lon: FloatArray, cell_km: float = CELL_KM) -> SpatialGrid:
        """A grid over the located points (NaN coordinates are left out)."""
        located = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
        dlat = cell_km / KM_PER_DEGREE_LAT
        dlon = cell_km / (KM_PER_DEGREE_LAT * np.cos(np.radians(GRID_LATITUDE)))
        if not len(located):
            empty = np.zeros(0, dtype=np.int64)
            return cls(0.0, 0.0, dlat, dlon, 1, empty, empty)
        lat0, lon0 = float(lat[located].min()), float(lon[located].min())
        r = np.floor((lat[located] - lat0) / dlat).astype(np.int64)
        c = np.floor((lon[located] - lon0) / dlon).astype(np.int64)
        columns = int(c.max()) + 1
        keys = r * columns + c
        order = np.argsort(keys, kind="stable")
        return cls(lat0, lon0, dlat, dlon, columns, keys[order], located[order])

    def box(self, lat: float, lon: float, km: float) -> IntArray:
        """Rows in the cells that cover the square of half-width ``km`` around the point."""
        if not len(self.keys) or not np.isfinite(km) or km < 0:
            return np.zeros(0, dtype=np.int64)
        half_lat = km / KM_PER_DEGREE_LAT
        widest = min(abs(lat) + half_lat, 89.0)
        half_lon = km / (KM_PER_DEGREE_LAT * max(float(np.cos(np.radians(widest))), 0.01))
        r_lo = int(np.floor((lat - half_lat - self.lat0) / self.dlat))
        r_hi = int(np.floor((lat + half_lat - self.lat0) / self.dlat))
        c_lo = max(int(np.floor((lon - half_lon - self.lon0) / self.dlon)), 0)
        c_hi = min(int(np.floor((lon + half_lon - self.lon0) / self.dlon)), self.columns - 1)
        if c_hi < c_lo or r_hi < 0:
            return np.zeros(0, dtype=np.int64)
        cell_rows = np.arange(max(r_lo, 0), r_hi + 1, dtype=np.int64)
        starts = np.searchsorted(self.keys, cell_rows * self.columns + c_lo, side="left")
        ends = np.searchsorted(self.keys, cell_rows * self.columns + c_hi, side="right")
        parts = [self.rows[s:e] for s, e in zip(starts, ends, strict=True) if e > s]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class OpeningColumns:
    """What a column query returns for the open openings, before the index is built.

    Per opening: ``company`` and ``task`` are codes into the company and task tables below,
    ``placement_types`` a code into ``placement_type_sets``; ``demand`` has the company's
    overrides applied.
    """

    opening_id: ObjectArray
    company: IntArray
    task: IntArray
    hours_per_week: FloatArray
    positions: IntArray
    placement_types: IntArray
    demand: FloatArray  # (m, 6)
    placement_type_sets: list[tuple[str, ...]]
    # companies (k,)
    company_id: ObjectArray
    company_name: ObjectArray
    company_municipality: ObjectArray
    company_sector: ObjectArray
    company_sector_code: IntArray
    company_lat: FloatArray
    company_lon: FloatArray
    company_paused: BoolArray
    company_capacity: FloatArray  # NaN: no monthly limit
    company_unskilled_many: BoolArray
    company_ambassador: BoolArray
    company_requires_danish: BoolArray
    company_requires_physical_health: BoolArray
    # tasks (t,)
    task_id: ObjectArray
    task_name: ObjectArray
    task_sector: ObjectArray  # the sector of the task's sector card (drives the demand index)
    task_text: ObjectArray  # folded name and synonyms, for wish similarity
    task_learnable_in_week: BoolArray
    task_nice_to: BoolArray
    task_learning_days: FloatArray
    task_requires_licence: BoolArray
    task_requires_clean_record: BoolArray
    task_requires_food_hygiene: BoolArray


@dataclass(frozen=True)
class Overlay:
    """The per-opening columns that change with placements and forecasts."""

    proposals: IntArray
    at_capacity: BoolArray  # the company has reached its monthly number of proposals
    # The companies' internship records (issue 14: evidence shrunk to the sector's rate).
    history_converted: FloatArray
    history_ended: FloatArray
    history_prior_rate: FloatArray
    demand_index: FloatArray


@dataclass(frozen=True)
class OpeningRecord:
    """One opening as the wording of a suggestion needs it."""

    opening_id: str
    company_id: str
    company_name: str
    municipality_code: str
    task_id: str
    task_name: str
    sector: str  # the company's sector: the workplace a citizen prefers or excludes
    task_sector: str  # the task's sector card: whose labour market the forecast describes
    placement_types: tuple[str, ...]


@dataclass(frozen=True)
class OpeningIndex:
    """Open openings as columns, with a spatial grid; built once per data version."""

    columns: OpeningColumns
    static: Openings  # overlay columns neutral (conversion 0, demand index 0.5)
    grid: SpatialGrid
    _positions: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.columns.opening_id)

    @classmethod
    def build(cls, columns: OpeningColumns) -> OpeningIndex:
        """Gather company and task attributes per opening and grid the located ones."""
        co, ta = columns.company, columns.task
        m = len(columns.opening_id)
        static = Openings(
            demand=columns.demand.reshape(m, 6).astype(float),
            learnable_in_week=columns.task_learnable_in_week[ta],
            nice_to=columns.task_nice_to[ta],
            learning_days=columns.task_learning_days[ta],
            requires_licence=columns.task_requires_licence[ta],
            requires_clean_record=columns.task_requires_clean_record[ta],
            requires_food_hygiene=columns.task_requires_food_hygiene[ta],
            hours_per_week=columns.hours_per_week,
            lat=columns.company_lat[co],
            lon=columns.company_lon[co],
            sector=columns.company_sector_code[co],
            unskilled_many=columns.company_unskilled_many[co],
            is_ambassador=columns.company_ambassador[co],
            history_converted=np.zeros(m),
            history_ended=np.zeros(m),
            history_prior_rate=np.full(m, PROGRAMME_INTERNSHIP_RATE),
            demand_index=np.full(m, NEUTRAL_DEMAND_INDEX),
            requires_danish=columns.company_requires_danish[co],
            requires_physical_health=columns.company_requires_physical_health[co],
        )
        return cls(columns=columns, static=static, grid=SpatialGrid.build(static.lat, static.lon))

    def rows_of(self, opening_ids: list[str]) -> IntArray:
        """Index rows of the given opening ids (unknown ids are dropped)."""
        position = self._positions.get("ids")
        if position is None:
            position = pd.Index(self.columns.opening_id)
            self._positions["ids"] = position
        found = np.asarray(position.get_indexer(pd.Index(opening_ids)), dtype=np.int64)
        return np.sort(found[found >= 0])

    def rows_of_company(self, company_id: str) -> IntArray:
        """Index rows of a company's open openings."""
        codes = np.flatnonzero(self.columns.company_id == company_id)
        if not len(codes):
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(self.columns.company, codes))

    def located(self, rows: IntArray) -> BoolArray:
        """Whether the openings' companies have coordinates."""
        return np.asarray(~(np.isnan(self.static.lat[rows]) | np.isnan(self.static.lon[rows])))

    def record(self, row: int) -> OpeningRecord:
        """The wording fields of one index row."""
        c, k = self.columns, int(self.columns.company[row])
        t = int(c.task[row])
        return OpeningRecord(
            opening_id=str(c.opening_id[row]),
            company_id=str(c.company_id[k]),
            company_name=str(c.company_name[k]),
            municipality_code=str(c.company_municipality[k]),
            task_id=str(c.task_id[t]),
            task_name=str(c.task_name[t]),
            sector=str(c.company_sector[k]),
            task_sector=str(c.task_sector[t]),
            placement_types=c.placement_type_sets[int(c.placement_types[row])],
        )


def make_overlay(
    index: OpeningIndex,
    *,
    proposals: dict[str, int],
    history: CompanyHistory | None = None,
    demand_index: dict[tuple[str, str], float],
) -> Overlay:
    """Per-opening proposals, capacity, conversion and demand from the small lookups."""
    c = index.columns
    m, k = len(index), len(c.company_id)
    counts = np.zeros(m, dtype=np.int64)
    if proposals:
        ids = list(proposals)
        position = (
            pd.Index(c.opening_id).get_indexer(pd.Index(ids)) if m else np.zeros(0, dtype=np.int64)
        )
        found = position >= 0
        counts[position[found]] = np.array([proposals[i] for i in ids], dtype=np.int64)[found]
    per_company = np.bincount(c.company, weights=counts, minlength=k) if m else np.zeros(k)
    full = ~np.isnan(c.company_capacity) & (per_company >= np.nan_to_num(c.company_capacity))
    history = history or CompanyHistory(by_company={}, sector_rate={})
    records = np.array([history.record(str(i)) for i in c.company_id], dtype=float).reshape(k, 2)
    prior = np.array([history.prior(str(s)) for s in c.company_sector], dtype=float)
    demand = _demand_per_opening(index, demand_index)
    return Overlay(
        proposals=counts,
        at_capacity=full[c.company] if m else np.zeros(0, dtype=bool),
        history_converted=records[c.company, 0] if m else np.zeros(0),
        history_ended=records[c.company, 1] if m else np.zeros(0),
        history_prior_rate=prior[c.company] if m else np.zeros(0),
        demand_index=demand,
    )


def _demand_per_opening(
    index: OpeningIndex, demand_index: dict[tuple[str, str], float]
) -> FloatArray:
    """The demand index of each opening's task sector in its company's municipality (issue 14).

    Floor washing at a builder is credited with the cleaning sector's openings, not the
    building sector's. Looked up once per (municipality, sector) pair, then gathered.
    """
    c = index.columns
    if not len(index):
        return np.zeros(0)
    municipality = c.company_municipality[c.company]
    sector = c.task_sector[c.task]
    pairs = pd.MultiIndex.from_arrays([municipality, sector])
    codes, distinct = pd.factorize(pairs)
    values = np.array(
        [demand_index.get((str(mun), str(sec)), NEUTRAL_DEMAND_INDEX) for mun, sec in distinct],
        dtype=float,
    )
    return np.asarray(values[codes], dtype=float)


@dataclass(frozen=True)
class OpeningBatch:
    """Some rows of the index, with the overlay applied: what scoring works on."""

    index: OpeningIndex
    rows: IntArray
    arrays: Openings
    proposals: IntArray
    positions: IntArray
    task: IntArray  # task code per batch row

    def __len__(self) -> int:
        return len(self.rows)

    def record(self, row: int) -> OpeningRecord:
        """The wording fields of batch row ``row``."""
        return self.index.record(int(self.rows[row]))


def overlaid(index: OpeningIndex, overlay: Overlay) -> Openings:
    """Every row's columns with the overlay's in place of the static neutral ones (no copy)."""
    return replace(
        index.static,
        history_converted=overlay.history_converted,
        history_ended=overlay.history_ended,
        history_prior_rate=overlay.history_prior_rate,
        demand_index=overlay.demand_index,
    )


def batch(index: OpeningIndex, overlay: Overlay, rows: IntArray) -> OpeningBatch:
    """The rows' columns with the overlay applied."""
    every = overlaid(index, overlay)
    arrays = Openings(
        **{name: getattr(every, name)[rows] for name in Openings.__dataclass_fields__}
    )
    return OpeningBatch(
        index=index,
        rows=rows,
        arrays=arrays,
        proposals=overlay.proposals[rows],
        positions=np.maximum(index.columns.positions[rows], 1),
        task=index.columns.task[rows],
    )


# Why an opening is left out of suggestions now (0: it is not), in the order they are counted.
LEFT_OUT_REASONS = ("company_paused", "company_at_capacity", "no_coordinates")


def suggestion_status(index: OpeningIndex, overlay: Overlay, rows: IntArray) -> IntArray:
    """Per row: 0 when its company takes suggestions now, else 1 + its LEFT_OUT_REASONS entry."""
    paused = index.columns.company_paused[index.columns.company[rows]]
    full = overlay.at_capacity[rows] & ~paused
    unlocated = ~index.located(rows) & ~paused & ~full
    return np.asarray(paused * 1 + full * 2 + unlocated * 3, dtype=np.int64)


def left_out_counts(status: IntArray) -> dict[str, int]:
    """How many rows each reason left out, from their ``suggestion_status``."""
    counts = np.bincount(status, minlength=len(LEFT_OUT_REASONS) + 1)
    return {reason: int(counts[i + 1]) for i, reason in enumerate(LEFT_OUT_REASONS)}


def open_for_suggestions(
    index: OpeningIndex, overlay: Overlay, rows: IntArray
) -> tuple[IntArray, dict[str, int]]:
    """The rows whose company takes suggestions now, and how many were left out and why."""
    status = suggestion_status(index, overlay, rows)
    return rows[status == 0], left_out_counts(status)


# --- citizens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CitizenBatch:
    """Citizens as arrays, plus what wording and filtering need (ids, wishes, task sets)."""

    arrays: Citizens
    frame: pd.DataFrame  # id, name, municipality_code, status, wishes, wish_task_ids, ...

    def __len__(self) -> int:
        return len(self.frame)


def task_sets_matrix(sets: pd.Series | list[set[str]], task_ids: ObjectArray) -> BoolArray:
    """Per (citizen, task code): is the task in the citizen's set (a loop over citizens' ids)."""
    position = {str(task): i for i, task in enumerate(task_ids)}
    matrix = np.zeros((len(sets), len(task_ids)), dtype=bool)
    for row, ids in enumerate(sets):
        columns = [position[t] for t in ids if t in position]
        if columns:
            matrix[row, columns] = True
    return matrix


def text_similarity(wishes: list[str], task_texts: list[str]) -> FloatArray:
    """Token-set similarity (0-1) of folded wish texts to folded task texts; no wish: 0."""
    if not wishes or not task_texts:
        return np.zeros((len(wishes), len(task_texts)))
    matrix = np.asarray(
        process.cdist(wishes, task_texts, scorer=fuzz.token_set_ratio, workers=1), dtype=float
    )
    matrix /= 100.0
    matrix[np.array([not w for w in wishes], dtype=bool), :] = 0.0
    return matrix


def wish_similarity(
    wishes: list[str], wish_task_sets: list[set[str]], task_ids: ObjectArray, task_texts: list[str]
) -> FloatArray:
    """Per (citizen, task code): 1 for a wished task, else the text similarity."""
    named = task_sets_matrix(wish_task_sets, task_ids)
    return np.where(named, 1.0, text_similarity(wishes, task_texts))


@dataclass
class CitizenIndex:
    """All citizens as columns with a grid, and a lazily filled (citizen x task) wish matrix.

    The wish matrix is filled per task column, for the citizens a request needs, so a candidate
    list computes each (citizen, task) similarity once per data version.
    """

    citizens: CitizenBatch
    grid: SpatialGrid
    task_ids: ObjectArray
    task_texts: list[str]
    folded_wishes: list[str]
    wish_tasks: BoolArray  # (n, t)
    excluded_tasks: BoolArray  # (n, t)
    similarity: FloatArray = field(init=False)  # (n, t), NaN where not yet computed

    def __post_init__(self) -> None:
        self.similarity = np.full(
            (len(self.citizens), len(self.task_ids)), np.nan, dtype=np.float32
        )

    @classmethod
    def build(
        cls,
        citizens: CitizenBatch,
        folded_wishes: list[str],
        task_ids: ObjectArray,
        task_texts: list[str],
    ) -> CitizenIndex:
        """Index the citizens against the task table of the opening index."""
        return cls(
            citizens=citizens,
            grid=SpatialGrid.build(citizens.arrays.lat, citizens.arrays.lon),
            task_ids=task_ids,
            task_texts=task_texts,
            folded_wishes=folded_wishes,
            wish_tasks=task_sets_matrix(list(citizens.frame["wish_task_ids"]), task_ids),
            excluded_tasks=task_sets_matrix(list(citizens.frame["excluded_tasks"]), task_ids),
        )

    @functools.cached_property
    def municipalities(self) -> tuple[IntArray, list[str]]:
        """Each citizen's municipality as a code into the list of distinct municipality codes."""
        codes, distinct = pd.factorize(self.citizens.frame["municipality_code"].astype(str))
        return np.asarray(codes, dtype=np.int64), [str(code) for code in distinct]

    @functools.cached_property
    def active(self) -> BoolArray:
        """Whether each citizen's status is active."""
        return np.asarray(self.citizens.frame["status"].to_numpy() == "active", dtype=bool)

    @property
    def longest_commute_km(self) -> float:
        """The longest commute any citizen accepts (0 without citizens)."""
        commute = self.citizens.arrays.max_commute_km
        return float(np.nanmax(commute)) if len(commute) else 0.0

    def excluded(self, ci: IntArray, task: IntArray) -> BoolArray:
        """Whether the citizen has excluded the task, per pair."""
        return np.asarray(self.excluded_tasks[ci, task], dtype=bool)

    def wish(self, ci: IntArray, task: IntArray) -> FloatArray:
        """Wish similarity per pair (citizen row, task code), computing what is missing."""
        values = self.similarity[ci, task]
        missing = np.isnan(values)
        if missing.any():
            for t in np.unique(task[missing]):  # per distinct task, not per pair
                who = np.unique(ci[missing & (task == t)])
                texts = [self.folded_wishes[i] for i in who]
                scores = text_similarity(texts, [self.task_texts[int(t)]])[:, 0]
                self.similarity[who, t] = np.where(self.wish_tasks[who, t], 1.0, scores)
            values = self.similarity[ci, task]
        return np.asarray(values, dtype=float)


def near(
    index: OpeningIndex, lat: float, lon: float, km: float, *, in_row_order: bool = True
) -> IntArray:
    """Rows in the box of half-width ``km`` around the point, as the old query; in row order
    unless the caller orders what it keeps itself (sorting all of them is the slow part).

    The box, not the circle: the commute hard filter then counts what lies beyond the limit.
    """
    rows = index.grid.box(lat, lon, km)
    if in_row_order:
        rows = np.sort(rows)
    dlat = km / KM_PER_DEGREE_LAT
    dlon = km / (KM_PER_DEGREE_LAT * max(float(np.cos(np.radians(lat))), 0.1))
    s = index.static
    inside = (np.abs(s.lat[rows] - lat) <= dlat) & (np.abs(s.lon[rows] - lon) <= dlon)
    return rows[inside]
