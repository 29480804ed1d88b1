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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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
    relevance: FloatArray, sectors: Sequence[str], bonus: FloatArray, chosen: list[int]
) -> Key:
    if not chosen:
        return (0, 0, 0.0)
    best = relevance[:, chosen].max(axis=1)
    value = float(best.sum() + BONUS_WEIGHT * bonus[chosen].sum())
    return (int((best > 0).sum()), len({sectors[i] for i in chosen}), value)


def _better(new: Key, old: Key) -> bool:
    if new[:2] != old[:2]:
        return new[:2] > old[:2]
    return new[2] > old[2] + EPSILON


def _greedy(
    relevance: FloatArray,
    sectors: Sequence[str],
    bonus: FloatArray,
    stops: int,
    start: Sequence[int] = (),
) -> list[int]:
    chosen = list(start)
    while len(chosen) < min(stops, relevance.shape[1]):
        best_j, best_key = -1, (0, 0, 0.0)
        for j in range(relevance.shape[1]):
            if j in chosen:
                continue
            key = _key(relevance, sectors, bonus, [*chosen, j])
            if best_j < 0 or _better(key, best_key):
                best_j, best_key = j, key
        chosen.append(best_j)
    return chosen


def _swaps(
    relevance: FloatArray, sectors: Sequence[str], bonus: FloatArray, chosen: list[int]
) -> list[int]:
    current = _key(relevance, sectors, bonus, chosen)
    for _ in range(MAX_SWAP_ROUNDS):
        best: tuple[list[int], Key] | None = None
        for position in range(len(chosen)):
            for j in range(relevance.shape[1]):
                if j in chosen:
                    continue
                trial = [*chosen[:position], j, *chosen[position + 1 :]]
                key = _key(relevance, sectors, bonus, trial)
                if _better(key, best[1] if best else current):
                    best = (trial, key)
        if best is None:
            break
        chosen, current = best
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
    useful = [j for j in range(relevance.shape[1]) if (relevance[:, j] > 0).any()]
    matrix = relevance[:, useful]
    names = [sectors[j] for j in useful]
    extra = bonus[useful]
    coverable: BoolArray = (
        np.asarray((matrix > 0).any(axis=1), dtype=bool)
        if matrix.size
        else np.zeros(relevance.shape[0], dtype=bool)
    )
    chosen = _swaps(matrix, names, extra, _greedy(matrix, names, extra, stops))
    covered_now = _key(matrix, names, extra, chosen)[0]
    best, cover = (covered_now, chosen)
    repaired = False
    if covered_now < int(coverable.sum()):
        best, cover = exact_cover(matrix, stops)
        if best > covered_now:
            filled = _greedy(matrix, names, extra, stops, start=cover)
            chosen = _swaps(matrix, names, extra, filled)
            repaired = True
    columns = tuple(useful[j] for j in chosen)
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
