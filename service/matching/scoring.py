"""Score pairs of the index: hard filters first, then features, probability and score parts.

Pure numeric code over the index's arrays (no database). The hard filters are cheap boolean
columns, so they run on every pair; the feature frame and the model only on the pairs that pass.
Wish similarity and excluded tasks come from a ``TaskLookups`` that answers per
(citizen row, task code), computed once per distinct task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from service.matching import explain
from service.matching.features import (
    BoolArray,
    FloatArray,
    IntArray,
    hard_filters,
    haversine_km,
    pair_features,
)
from service.matching.index import (
    CitizenBatch,
    OpeningBatch,
    OpeningIndex,
    task_sets_matrix,
    wish_similarity,
)
from service.matching.model import ScoringModel
from service.tasks.normaliser import fold


class TaskLookups(Protocol):
    """Per (citizen row, task code): the wish similarity and whether the task is excluded."""

    def wish(self, ci: IntArray, task: IntArray) -> FloatArray:
        """Wish similarity (0-1) per pair."""
        ...

    def excluded(self, ci: IntArray, task: IntArray) -> BoolArray:
        """Whether the citizen has excluded the task, per pair."""
        ...


@dataclass(frozen=True)
class DirectLookups:
    """Lookups for a few citizens, computed against the whole task table at once."""

    wish_matrix: FloatArray
    excluded_matrix: BoolArray

    @classmethod
    def of(cls, citizens: CitizenBatch, openings: OpeningBatch) -> DirectLookups:
        """The citizens' similarity to every task of the openings' index."""
        return cls.for_index(citizens, openings.index)

    @classmethod
    def for_index(cls, citizens: CitizenBatch, index: OpeningIndex) -> DirectLookups:
        """The citizens' similarity to every task of the index."""
        c = index.columns
        return cls(
            wish_similarity(
                [fold(w) for w in citizens.frame["wishes"]],
                list(citizens.frame["wish_task_ids"]),
                c.task_id,
                list(c.task_text),
            ),
            task_sets_matrix(list(citizens.frame["excluded_tasks"]), c.task_id),
        )

    def wish(self, ci: IntArray, task: IntArray) -> FloatArray:
        """Wish similarity (0-1) per pair."""
        return np.asarray(self.wish_matrix[ci, task], dtype=float)

    def excluded(self, ci: IntArray, task: IntArray) -> BoolArray:
        """Whether the citizen has excluded the task, per pair."""
        return np.asarray(self.excluded_matrix[ci, task], dtype=bool)


@dataclass(frozen=True)
class ScoredPairs:
    """The pairs that passed the hard filters: features (with citizen_row, opening_row), score
    parts, and how many pairs each filter removed."""

    features: pd.DataFrame
    parts: pd.DataFrame
    counts: dict[str, int]


def first_reasons(removed: dict[str, BoolArray], pairs: int) -> IntArray:
    """Per pair, the position in ``removed`` of the first reason that removes it (-1: none)."""
    first = np.full(pairs, -1, dtype=np.int64)
    for position in reversed(range(len(removed))):  # per filter reason, not per pair
        first[list(removed.values())[position]] = position
    return first


def filter_counts(reasons: list[str], first: IntArray) -> tuple[BoolArray, dict[str, int]]:
    """Which pairs pass (no first reason), and how many each reason removed first."""
    counts = np.bincount(first + 1, minlength=len(reasons) + 1)
    return first < 0, {reason: int(counts[i + 1]) for i, reason in enumerate(reasons)}


def apply_filters(removed: dict[str, BoolArray], pairs: int) -> tuple[BoolArray, dict[str, int]]:
    """Which pairs pass every filter, and how many each removed (a pair counts under the first
    reason that removes it, in the dictionary's order)."""
    return filter_counts(list(removed), first_reasons(removed, pairs))


def score_pairs(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    ci: IntArray,
    oj: IntArray,
    model: ScoringModel,
    lookups: TaskLookups | None = None,
) -> ScoredPairs:
    """Filter, then score the pairs (citizens row ci[p], openings row oj[p])."""
    lookups = lookups if lookups is not None else DirectLookups.of(citizens, openings)
    c, o = citizens.arrays, openings.arrays
    distance = haversine_km(c.lat[ci], c.lon[ci], o.lat[oj], o.lon[oj])
    removed = hard_filters(c, o, ci, oj, distance)
    removed["excluded_task"] = lookups.excluded(ci, openings.task[oj])
    keep, counts = apply_filters(removed, len(ci))
    ci, oj = ci[keep], oj[keep]
    similarity = lookups.wish(ci, openings.task[oj])
    features = pair_features(c, o, ci, oj, similarity, distance[keep])
    features["citizen_row"] = ci
    features["opening_row"] = oj
    parts = explain.model_parts(
        features, model, congestion(openings.proposals[oj], openings.positions[oj])
    )
    return ScoredPairs(features=features, parts=parts, counts=counts)


def congestion(proposals: IntArray, positions: IntArray) -> FloatArray:
    """Proposals this month beyond the opening's positions, per position (0 when within)."""
    return np.asarray(np.maximum(0, proposals - positions) / positions, dtype=float)


# The kernel's scores (kernel.py) differ from score_pairs' only in the last bits, from the order
# the parts are summed (about 1e-16). Every pair within this of the k-th largest kernel score is
# re-scored by score_pairs, which then decides the order: the lists stay exactly score_pairs'.
SHORTLIST_MARGIN = 1e-9


def shortlist(values: FloatArray, k: int, margin: float = SHORTLIST_MARGIN) -> IntArray:
    """Positions (ascending) of every value within ``margin`` of the k-th largest.

    If other values differ from these by at most ``margin / 2`` each, their top k (ties
    included) lies among these positions.
    """
    if k <= 0 or not len(values):
        return np.zeros(0, dtype=np.int64)
    if k >= len(values):
        return np.arange(len(values), dtype=np.int64)
    threshold = np.partition(values, len(values) - k)[len(values) - k]
    return np.flatnonzero(values >= threshold - margin)


def near_group_best(
    group: IntArray, groups: int, values: FloatArray, margin: float = SHORTLIST_MARGIN
) -> tuple[BoolArray, FloatArray]:
    """Per pair, whether its value is within ``margin`` of the best of its group (0..groups-1):
    the pairs that may be their group's best under values within ``margin / 2``; and per
    group its best value."""
    best = np.full(groups, -np.inf)
    np.maximum.at(best, group, values)
    return values >= best[group] - margin, best


def top_rows(values: FloatArray, k: int) -> IntArray:
    """Positions of the k largest values, largest first, ties in position order (stable)."""
    if k >= len(values):
        return np.argsort(-values, kind="stable")
    # argpartition finds the k-th largest; everything at least as large is then sorted stably.
    threshold = np.partition(values, len(values) - k)[len(values) - k]
    candidates = np.flatnonzero(values >= threshold)
    order = candidates[np.argsort(-values[candidates], kind="stable")]
    return order[:k]
