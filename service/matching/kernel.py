"""The score-only kernel: ranks many pairs without building a feature frame per pair.

``scoring.score_pairs`` builds every feature and every score part of every pair as frames: what
the wording of a suggestion needs, for the twenty-odd pairs an answer shows. Choosing those
pairs needs only the score (and what the other lists order by), and most of a pair's parts do
not depend on the pair:

- parts of the opening alone (``features.OPENING_COLUMNS``: the task's and company's flags,
  the company's record, the demand index) are summed once per opening, per index, overlay and
  model (``Prepared``);
- everything else but the distance depends on the citizen and on a few attributes of the
  opening (``PROFILE_ATTRIBUTES``: its task, sector, demand levels, weekly hours and the
  company's start requirements). At national volume a million openings have 760 distinct
  profiles, so these parts, the hard filters and the preference, hours and fit factors are
  computed once per distinct (citizen, profile) by the very functions ``score_pairs`` uses,
  and gathered per pair;
- only the distance and its two features (``features.DISTANCE_COLUMNS``) are per pair.

Every part is the same number ``score_pairs`` computes; the log-odds sums them in another
order, so a score can differ in its last bits. The service therefore takes a shortlist of the
pairs within ``scoring.SHORTLIST_MARGIN`` of the k-th best and lets ``score_pairs`` order and
word those: the lists are exactly what ``score_pairs`` on all pairs would give
(tests/matching/test_kernel.py). Pure numeric code: no database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from service.matching import explain
from service.matching.features import (
    DISTANCE_COLUMNS,
    OPENING_COLUMNS,
    PAIR_FIT_COLUMNS,
    BoolArray,
    Citizens,
    FloatArray,
    IntArray,
    Openings,
    beyond_reach,
    distance_columns,
    hard_filters,
    haversine_radians_km,
    opening_columns,
    pair_columns,
)
from service.matching.index import OpeningIndex, Overlay, overlaid, suggestion_status
from service.matching.model import ScoringModel
from service.matching.scoring import TaskLookups, congestion, filter_counts, first_reasons

# The opening attributes that the pair features and hard filters read besides the distance and
# the opening-only columns (features.pair_features says so too). The task stands for its flags.
PROFILE_ATTRIBUTES = (
    "task",
    "sector",
    "demand",
    "hours_per_week",
    "requires_danish",
    "requires_physical_health",
)
# At most this many (citizen, profile) cells per pair are evaluated as a table; with more
# (many citizens, each with few openings) the parts are computed per pair instead.
CELLS_PER_PAIR = 1.0


@dataclass(frozen=True)
class Profiles:
    """Every index row's profile code, and one representative row per profile."""

    code: IntArray  # (m,)
    table: Openings  # one row per profile; only PROFILE_ATTRIBUTES are meaningful in it
    task: IntArray  # task code per profile

    def __len__(self) -> int:
        return len(self.task)


def profiles(index: OpeningIndex) -> Profiles:
    """Code the index rows by their PROFILE_ATTRIBUTES (one pass of factorize per column)."""
    s, m = index.static, len(index)
    columns: list[FloatArray | IntArray | BoolArray] = [
        index.columns.task,
        s.sector,
        *(s.demand[:, d] for d in range(s.demand.shape[1])),
        s.hours_per_week,
        s.requires_danish,
        s.requires_physical_health,
    ]
    key = np.zeros(m, dtype=np.int64)
    for column in columns:  # per attribute, not per row; the key is re-coded to stay small
        codes, uniques = pd.factorize(column)
        combined = key * (len(uniques) + 1) + codes
        key = np.asarray(pd.factorize(combined)[0], dtype=np.int64)
    _, first = np.unique(key, return_index=True)
    table = Openings(**{name: getattr(s, name)[first] for name in Openings.__dataclass_fields__})
    return Profiles(code=key, table=table, task=index.columns.task[first])


@dataclass(frozen=True)
class Prepared:
    """What the kernel reads per opening, for one index, overlay and model."""

    index: OpeningIndex
    overlay: Overlay
    model: ScoringModel
    profiles: Profiles
    opening_part: FloatArray  # the opening-only parts of the log-odds, summed, per row
    spreading: FloatArray  # per row
    status: IntArray  # index.suggestion_status of every row
    phi: FloatArray  # latitude in radians, its cosine, and longitude, per row
    cos_phi: FloatArray
    lon: FloatArray


def prepare(
    index: OpeningIndex, overlay: Overlay, model: ScoringModel, coded: Profiles | None = None
) -> Prepared:
    """The per-opening columns of the kernel (``coded``: the index's profiles, if at hand)."""
    m = len(index)
    rows = np.arange(m, dtype=np.int64)
    every = overlaid(index, overlay)
    values = opening_columns(every, rows)
    opening_part = np.zeros(m)
    for column in OPENING_COLUMNS:
        opening_part += model.part(column, values[column])
    phi = np.radians(index.static.lat)
    return Prepared(
        index=index,
        overlay=overlay,
        model=model,
        profiles=coded if coded is not None else profiles(index),
        opening_part=opening_part,
        spreading=explain.spreading_factor(
            congestion(overlay.proposals, np.maximum(index.columns.positions, 1))
        ),
        status=suggestion_status(index, overlay, rows),
        phi=phi,
        cos_phi=np.cos(phi),
        lon=index.static.lon,
    )


@dataclass(frozen=True)
class Ranked:
    """The pairs that passed the hard filters, with what the lists order them by."""

    pair: IntArray  # the pair's position among the pairs given to rank
    ci: IntArray  # citizen row per pair
    rows: IntArray  # index row per pair
    score: FloatArray
    feasible: FloatArray  # chance x feasibility: the order of the wider list
    pair_fit: FloatArray  # the pair-fit log-odds: the order of candidate lists
    wished: FloatArray  # max(wish similarity, preferred sector)
    counts: dict[str, int]  # pairs removed per hard filter


@dataclass(frozen=True)
class _Cells:
    """The distinct (citizen, profile) cells of some pairs and the cell of each pair."""

    citizen: IntArray
    profile: IntArray
    of_pair: IntArray


def distinct(key: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """The sorted distinct values of ``key`` (each in 0..size-1) and each key's position among
    them: ``np.unique(key, return_inverse=True)``, by a presence table where that is cheaper
    than sorting the keys."""
    if size <= 16 * len(key) + 4096:
        present = np.zeros(size, dtype=bool)
        present[key] = True
        used = np.flatnonzero(present)
        position = np.zeros(size, dtype=np.int64)
        position[used] = np.arange(len(used), dtype=np.int64)
        return used, position[key]
    used, inverse = np.unique(key, return_inverse=True)
    return used, np.asarray(inverse, dtype=np.int64).reshape(-1)


def _cells(ci: IntArray, code: IntArray, n: int, k: int) -> _Cells:
    """Distinct (citizen, profile) cells, or one cell per pair when that is not fewer."""
    seen = np.zeros(n, dtype=bool)
    seen[ci] = True
    people = np.flatnonzero(seen)  # the batch's citizens, numbered 0.. among themselves
    number = np.zeros(n, dtype=np.int64)
    number[people] = np.arange(len(people), dtype=np.int64)
    used, of_pair = distinct(number[ci] * k + code, len(people) * k)
    if len(used) > CELLS_PER_PAIR * len(ci):
        return _Cells(ci, code, np.arange(len(ci), dtype=np.int64))
    return _Cells(people[used // k], used % k, of_pair)


def rank(
    prepared: Prepared,
    citizens: Citizens,
    lookups: TaskLookups,
    ci: IntArray,
    rows: IntArray,
) -> Ranked:
    """Filter and score the pairs (citizen row ci[p], index row rows[p]) for ranking only."""
    p, model = prepared, prepared.model
    coded = p.profiles
    cells = _cells(ci, coded.code[rows], len(citizens), len(coded))
    cc, cp = cells.citizen, cells.profile
    # Per cell, by score_pairs' own functions (the distance columns are filled in per pair).
    no_distance = np.zeros(len(cc))
    by_cell = hard_filters(citizens, coded.table, cc, cp, no_distance)
    by_cell["excluded_task"] = lookups.excluded(cc, coded.task[cp])
    features = pair_columns(
        citizens, coded.table, cc, cp, lookups.wish(cc, coded.task[cp]), no_distance
    )
    factors = explain.score_factors(features)
    cell_part = np.zeros(len(cc))
    cell_fit = np.zeros(len(cc))
    for column in model.columns:
        if column in DISTANCE_COLUMNS or column in OPENING_COLUMNS:
            continue
        part = model.part(column, features[column])
        cell_part += part
        if column in PAIR_FIT_COLUMNS:
            cell_fit += part
    wished = np.maximum(features["wish_similarity"], features["preferred_sector"])
    # Per pair: the distance, the filters in score_pairs' order, then the sum of the parts.
    of_pair = cells.of_pair
    c = citizens
    phi1 = np.radians(c.lat)
    distance = haversine_radians_km(
        phi1[ci], np.cos(phi1)[ci], c.lon[ci], p.phi[rows], p.cos_phi[rows], p.lon[rows]
    )
    # The commute filter is the one per pair: a pair fails it first unless a reason before it
    # (in score_pairs' order) already removed its cell.
    reasons = list(by_cell)
    at_commute = reasons.index("commute")
    by_cell["commute"] = np.zeros(len(cc), dtype=bool)
    first = first_reasons(by_cell, len(cc))[of_pair]
    later = (first < 0) | (first > at_commute)
    first[later & beyond_reach(c, ci, distance)] = at_commute
    keep, counts = filter_counts(reasons, first)
    ci, rows, of_pair, distance = ci[keep], rows[keep], of_pair[keep], distance[keep]
    near_columns = distance_columns(c, ci, distance)
    logit = cell_part[of_pair] + p.opening_part[rows] + model.intercept
    fit = cell_fit[of_pair]
    for column in DISTANCE_COLUMNS:
        part = model.part(column, near_columns[column])
        logit = logit + part
        if column in PAIR_FIT_COLUMNS:
            fit = fit + part
    chance = 1.0 / (1.0 + np.exp(-logit))
    commute = explain.commute_factor(near_columns["commute_share"], near_columns["far_without_car"])
    feasibility = commute * factors["hours"][of_pair] * factors["fit"][of_pair]
    preference = factors["preference"][of_pair]
    score = np.clip(chance * preference * feasibility * p.spreading[rows], 0, 1)
    return Ranked(
        pair=np.flatnonzero(keep),
        ci=ci,
        rows=rows,
        score=np.asarray(score, dtype=float),
        feasible=np.asarray(chance * feasibility, dtype=float),
        pair_fit=np.asarray(fit, dtype=float),
        wished=np.asarray(wished[of_pair], dtype=float),
        counts=counts,
    )
