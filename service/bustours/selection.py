"""Which companies a bus tour visits: group coverage first, then sector variety, then the rest.

Pure numeric code over arrays: no web, no database. Input is a relevance matrix R (citizens x
candidate companies, 0 = not relevant, otherwise a weight in (0, 1.1]), each candidate's sector
and a company bonus (open openings, sector demand, ambassador, nearness). A set of stops is
compared by the key

    (citizens covered, distinct sectors, sum over citizens of their best weight
     + BONUS_WEIGHT x sum of the stops' bonuses)

lexicographically: coverage is never traded for variety, nor variety for the preferences.

Method: greedy (add the stop that raises the key most), then pairwise swaps until no swap of
one chosen stop for one other candidate raises the key (a local optimum). Coverage is then
checked exactly: a search over the subsets of the group (at most 2^12 = 4,096 states for 12
citizens) gives the largest coverage any choice of stops can reach. If greedy and swaps fell
short of it, the exact cover is taken and improved by swaps that keep it. So coverage is always
optimal; variety and preferences are tie-breakers, where a local optimum is enough because a
caseworker reviews the list anyway.

Each greedy step and each swap round weighs every candidate at once: one array pass per stop
slot over the relevance matrix (issue 13: thousands of companies within reach of a start at
national volume). Near-ties resolve as a one-by-one scan in candidate order does (a trial
replaces the kept one only if its value is more than EPSILON higher), so the stops chosen do
not depend on the vectorisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from service.matching.features import BoolArray, FloatArray, IntArray

BONUS_WEIGHT = 0.5
MAX_GROUP = 16  # bit masks of citizens; the API allows 12
MAX_SWAP_ROUNDS = 100
EPSILON = 1e-9

Key = tuple[int, int, float]


@dataclass(frozen=True)
class Selection:
    """The chosen candidates (column indices of R) and what they cover."""

    chosen: tuple[int, ...]
    covered: BoolArray  # per citizen: some chosen stop is relevant
    coverable: BoolArray  # per citizen: some candidate at all is relevant
    best_coverage: int  # the most citizens any choice of stops could cover
    repaired: bool  # greedy and swaps fell short and the exact cover was used


def _key(
    relevance: FloatArray, sectors: Sequence[int], bonus: FloatArray, chosen: list[int]
) -> Key:
    if not chosen:
        return (0, 0, 0.0)
    best = relevance[:, chosen].max(axis=1)
    value = float(best.sum() + BONUS_WEIGHT * bonus[chosen].sum())
    return (int((best > 0).sum()), len({sectors[i] for i in chosen}), value)


@dataclass(frozen=True)
class _Trials:
    """The keys of many trial sets at once, slot by slot, each in candidate order."""

    tier: IntArray  # slots x candidates, flat: (covered, sectors) as one integer; -1 if chosen
    value: FloatArray  # slots x candidates, flat
    slots: list[int]
    candidates: int

    def slot_and_column(self, trial: int) -> tuple[int, int]:
        """The slot and candidate of a trial (its position in the flattened arrays)."""
        slot, column = divmod(trial, self.candidates)
        return self.slots[slot], column


def _tier(covered: IntArray | int, sectors: IntArray | int, candidates: int) -> IntArray:
    """(covered, sectors) as one integer ordered like the pair (sectors <= candidates)."""
    return np.asarray(np.asarray(covered, dtype=np.int64) * (candidates + 1) + sectors)


def _trials(
    relevance: FloatArray, codes: IntArray, bonus: FloatArray, chosen: list[int], slots: list[int]
) -> _Trials:
    """The key of ``chosen`` with the stop at each slot replaced by each candidate.

    A slot equal to ``len(chosen)`` appends instead (the greedy step). Candidates already
    chosen get tier -1, below every real trial.
    """
    m = relevance.shape[1]
    tiers = np.empty((len(slots), m), dtype=np.int64)
    values = np.empty((len(slots), m), dtype=float)
    kinds = np.zeros(int(codes.max(initial=0)) + 1, dtype=bool)
    for row, slot in enumerate(slots):  # a few slots; each is one pass over the candidates
        others = chosen[:slot] + chosen[slot + 1 :]
        held = relevance[:, others].max(axis=1) if others else np.zeros(relevance.shape[0])
        best = np.maximum(held[:, None], relevance)
        kinds[:] = False
        kinds[codes[others]] = True
        sectors = int(kinds.sum()) + ~kinds[codes]
        tiers[row] = _tier(np.count_nonzero(best > 0, axis=0), sectors, m)
        values[row] = best.sum(axis=0) + BONUS_WEIGHT * (bonus[others].sum() + bonus)
    tiers[:, chosen] = -1
    return _Trials(tier=tiers.reshape(-1), value=values.reshape(-1), slots=slots, candidates=m)


def _winner(trials: _Trials, current: tuple[int, float] | None) -> int | None:
    """The trial a one-by-one scan keeps: better tier, or same tier and value above + EPSILON.

    The scan starts from ``current`` (tier, value), or takes the first trial when it is None.
    Only trials of the highest tier can win; among them the scan keeps each one that beats
    the kept one by more than EPSILON, which this follows from record to record.
    """
    top = int(trials.tier.max(initial=-1))
    if top < 0 or (current is not None and top < current[0]):
        return None
    place = np.flatnonzero(trials.tier == top)
    value = trials.value[place]
    at = 0
    if current is not None and top == current[0]:
        above = np.flatnonzero(value > current[1] + EPSILON)
        if not len(above):
            return None
        at = int(above[0])
    while True:  # one step per new record: a few, however many candidates
        later = np.flatnonzero(value[at + 1 :] > value[at] + EPSILON)
        if not len(later):
            return int(place[at])
        at += 1 + int(later[0])


def _current(
    relevance: FloatArray, codes: IntArray, bonus: FloatArray, chosen: list[int]
) -> tuple[int, float]:
    """The key of ``chosen`` as (tier, value)."""
    covered, sectors, value = _key(relevance, codes.tolist(), bonus, chosen)
    return int(_tier(covered, sectors, relevance.shape[1])), value


def _greedy(
    relevance: FloatArray,
    codes: IntArray,
    bonus: FloatArray,
    stops: int,
    start: Sequence[int] = (),
) -> list[int]:
    chosen = list(start)
    while len(chosen) < min(stops, relevance.shape[1]):
        trials = _trials(relevance, codes, bonus, chosen, [len(chosen)])
        won = _winner(trials, None)
        assert won is not None  # there are candidates left
        chosen.append(trials.slot_and_column(won)[1])
    return chosen


def _swaps(
    relevance: FloatArray, codes: IntArray, bonus: FloatArray, chosen: list[int]
) -> list[int]:
    for _ in range(MAX_SWAP_ROUNDS):
        if not chosen:
            break
        current = _current(relevance, codes, bonus, chosen)
        trials = _trials(relevance, codes, bonus, chosen, list(range(len(chosen))))
        won = _winner(trials, current)
        if won is None:
            break
        slot, column = trials.slot_and_column(won)
        chosen = [*chosen[:slot], column, *chosen[slot + 1 :]]
    return chosen


def _masks(relevance: FloatArray) -> IntArray:
    """Per candidate: the citizens it is relevant for, as bits of one integer."""
    weights = 1 << np.arange(relevance.shape[0], dtype=np.int64)
    return np.asarray(((relevance > 0).astype(np.int64) * weights[:, None]).sum(axis=0))


def _popcount(values: IntArray) -> IntArray:
    counts: IntArray = np.zeros(values.shape, dtype=np.int64)
    rest = values.copy()
    while rest.any():
        counts += rest & 1
        rest >>= 1
    return counts


def exact_cover(relevance: FloatArray, stops: int) -> tuple[int, list[int]]:
    """The most citizens any ``stops`` candidates can cover, and candidates that do it.

    A breadth-first search over covered subsets of the group: level k holds every subset that k
    candidates can cover, each with the candidates that reached it first. Candidates with the
    same subset are interchangeable here, so only one of each subset is tried.
    """
    if relevance.shape[0] > MAX_GROUP:
        raise ValueError(f"at most {MAX_GROUP} citizens, got {relevance.shape[0]}")
    masks = _masks(relevance)
    distinct, first = np.unique(masks, return_index=True)
    keep = distinct != 0
    distinct, first = distinct[keep], first[keep]
    picks: dict[int, list[int]] = {0: []}
    frontier = np.array([0], dtype=np.int64)
    for _ in range(stops):
        if not len(distinct) or not len(frontier):
            break
        combined = (frontier[:, None] | distinct[None, :]).ravel()
        states, where = np.unique(combined, return_index=True)
        new_states = []
        for state, position in zip(states.tolist(), where.tolist(), strict=True):
            if state in picks:
                continue
            parent = int(frontier[position // len(distinct)])
            picks[state] = [*picks[parent], int(first[position % len(distinct)])]
            new_states.append(state)
        frontier = np.array(new_states, dtype=np.int64)
    states = np.array(list(picks), dtype=np.int64)
    counts = _popcount(states)
    best = int(counts.max())
    # Of the best covers, the one with the fewest stops (then the smallest subset number).
    winner = min(
        (s for s, c in zip(states.tolist(), counts.tolist(), strict=True) if c == best),
        key=lambda s: (len(picks[s]), s),
    )
    return best, picks[winner]


def select_stops(
    relevance: FloatArray, sectors: Sequence[str], bonus: FloatArray, stops: int
) -> Selection:
    """Choose up to ``stops`` candidates: optimal coverage, then variety, then preferences.

    Candidates relevant to nobody are never chosen: every stop is for someone.
    """
    useful = np.flatnonzero((relevance > 0).any(axis=0)) if relevance.size else np.zeros(0, int)
    matrix = relevance[:, useful]
    codes = np.asarray(pd.factorize(np.asarray(sectors, dtype=object)[useful])[0], dtype=np.int64)
    extra = bonus[useful]
    coverable: BoolArray = (
        np.asarray((matrix > 0).any(axis=1), dtype=bool)
        if matrix.size
        else np.zeros(relevance.shape[0], dtype=bool)
    )
    chosen = _swaps(matrix, codes, extra, _greedy(matrix, codes, extra, stops))
    covered_now = _key(matrix, codes.tolist(), extra, chosen)[0]
    best, cover = (covered_now, chosen)
    repaired = False
    if covered_now < int(coverable.sum()):
        best, cover = exact_cover(matrix, stops)
        if best > covered_now:
            filled = _greedy(matrix, codes, extra, stops, start=cover)
            chosen = _swaps(matrix, codes, extra, filled)
            repaired = True
    columns = tuple(int(useful[j]) for j in chosen)
    covered: BoolArray = (
        np.asarray((relevance[:, list(columns)] > 0).any(axis=1), dtype=bool)
        if columns
        else np.zeros(relevance.shape[0], dtype=bool)
    )
    return Selection(
        chosen=columns,
        covered=covered,
        coverable=coverable,
        best_coverage=best,
        repaired=repaired,
    )
