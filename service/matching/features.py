"""Pair features for (citizen, opening), computed for many pairs at once with numpy.

Never a per-pair Python loop: every function takes arrays for P pairs (or for citizens and
openings plus index arrays) and returns arrays. Missing BIP answers count as neutral (3), not low.
Gender, age, ethnicity and diagnoses are not inputs here, so they cannot become features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from service.citizens.bip import INDICATORS

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

# DOMAIN.md, Table 6.17: the ten self-rated indicators, 1 = low readiness, 5 = high.
BIP_KEYS = INDICATORS
NEUTRAL = 3.0
# The task dimensions of the sector cards (demand 1-5) and the citizen capacity each is held
# against (issue 6): physical load against health, and so on.
DIMENSIONS = ("physical", "contact", "teamwork", "language", "pace", "independence")
EARTH_RADIUS_KM = 6371.0088
# Beyond this distance a citizen without a car depends on sparse rural public transport.
NO_CAR_COMFORT_KM = 10.0


@dataclass(frozen=True)
class Citizens:
    """Arrays describing n citizens (row i is citizen i)."""

    bip: FloatArray  # (n, 10) in BIP_KEYS order, NaN where unanswered
    danish_level: FloatArray  # (n,) 1-5, NaN unknown
    hours_available: FloatArray  # (n,)
    max_commute_km: FloatArray  # (n,)
    has_licence: BoolArray
    has_car: BoolArray
    lat: FloatArray
    lon: FloatArray
    criminal_record: IntArray  # 1 yes, 0 no, -1 unknown
    cannot_lift_heavy: BoolArray
    cannot_handle_food: BoolArray
    preferred_sector: BoolArray  # (n, n_sectors)
    excluded_sector: BoolArray  # (n, n_sectors)
    # The caseworker's belief in the citizen (1-5, BIP conversation), NaN unknown = neutral.
    caseworker_belief: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.bip.shape[0])

    def take(self, rows: IntArray) -> Citizens:
        """The citizens at the given rows (an unset optional column stays unset)."""
        values: dict[str, Any] = {
            name: None if (column := getattr(self, name)) is None else column[rows]
            for name in self.__dataclass_fields__
        }
        return Citizens(**values)


@dataclass(frozen=True)
class Openings:
    """Arrays describing m task openings at companies (row j is opening j)."""

    demand: FloatArray  # (m, 6) in DIMENSIONS order, 1-5 (company overrides applied)
    learnable_in_week: BoolArray
    nice_to: BoolArray
    learning_days: FloatArray
    requires_licence: BoolArray
    requires_clean_record: BoolArray
    requires_food_hygiene: BoolArray
    hours_per_week: FloatArray
    lat: FloatArray
    lon: FloatArray
    sector: IntArray  # index into the sector order of preferred/excluded_sector
    unskilled_many: BoolArray  # the company has many tasks an unskilled person learns quickly
    is_ambassador: BoolArray
    # The company's history (issue 14): ended internships, how many led to paid hours, and the
    # rate of its sector (the prior it is shrunk toward). No history = 0 of 0 = neutral.
    history_converted: FloatArray
    history_ended: FloatArray
    history_prior_rate: FloatArray
    demand_index: FloatArray  # the task's sector's demand index in the company's municipality
    requires_danish: BoolArray  # the company requires Danish language at the start
    requires_physical_health: BoolArray

    def __len__(self) -> int:
        return int(self.demand.shape[0])


def bip_filled(bip: FloatArray) -> FloatArray:
    """BIP answers with missing ones set to the neutral middle of the scale."""
    return np.where(np.isnan(bip), NEUTRAL, bip)


def capacities(citizens: Citizens, rows: IntArray | None = None) -> FloatArray:
    """Each citizen's (or the citizens at ``rows``') capacity (1-5) on the six task
    dimensions, from BIP and Danish level."""
    chosen = slice(None) if rows is None else rows
    bip = bip_filled(citizens.bip[chosen])
    col = {key: bip[:, i] for i, key in enumerate(BIP_KEYS)}
    level = citizens.danish_level[chosen]
    danish = np.where(np.isnan(level), NEUTRAL, level)
    independence = (col["can_manage_job"] + col["competences_usable"]) / 2
    return np.column_stack(
        [
            col["health"],
            col["contacting_strangers"],
            col["cooperation"],
            danish,
            col["daily_energy"],
            independence,
        ]
    )


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distance in km, element-wise."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    return haversine_radians_km(phi1, np.cos(phi1), lon1, phi2, np.cos(phi2), lon2)


def haversine_radians_km(
    phi1: FloatArray,
    cos_phi1: FloatArray,
    lon1: FloatArray,
    phi2: FloatArray,
    cos_phi2: FloatArray,
    lon2: FloatArray,
) -> FloatArray:
    """``haversine_km`` from latitudes in radians and their cosines, computed once per place."""
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + cos_phi1 * cos_phi2 * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


# Prior strength of the company-history shrinkage, in internships: a company's own record
# counts as much as its sector's rate once it has this many ended internships. Assumed (the
# evaluation publishes no per-company spread); `kantmatch model audit` prints it.
HISTORY_PRIOR_STRENGTH = 10.0
# Below this many ended internships a reason never quotes the company's record (issue 14).
HISTORY_MIN_QUOTED = 5

# The model's columns and the direction each may move the chance (issue 14): +1 never lowers
# it when the value rises, -1 never raises it. Enforced by the model (monotonic_cst) and
# checked again when an artifact is loaded.
MONOTONE: dict[str, int] = {
    **{f"bip_{key}": 1 for key in BIP_KEYS},
    "caseworker_belief": 1,
    **{f"gap_{dim}": -1 for dim in DIMENSIONS},
    "wish_similarity": 1,
    "preferred_sector": 1,
    "commute_share": -1,
    "far_without_car": -1,
    "hours_fit": 1,
    "learnable_in_week": 1,
    "nice_to": 1,
    "unskilled_many": 1,
    "is_ambassador": 1,
    "history_lift": 1,
    "demand_index": 1,
    "requirement_conflicts": -1,
}
FEATURE_COLUMNS = tuple(MONOTONE)
# Parts that depend on the pair (how this task suits this person), not on the person alone:
# what candidates for an opening are ordered by (service/matching/ranking.py).
PAIR_FIT_COLUMNS = (
    *(f"gap_{dim}" for dim in DIMENSIONS),
    "wish_similarity",
    "preferred_sector",
    "commute_share",
    "far_without_car",
    "hours_fit",
    "requirement_conflicts",
)


# Table 6.12: internship with or without support, (35 + 20) / (191 + 138) reached paid or
# supported hours: the prior where a sector has too little history of its own.
PROGRAMME_INTERNSHIP_RATE = 55 / 329


@dataclass(frozen=True)
class CompanyHistory:
    """Ended internships per company (converted, ended) and the prior rate per sector."""

    by_company: dict[str, tuple[int, int]]
    sector_rate: dict[str, float]

    def record(self, company_id: str) -> tuple[int, int]:
        """(converted, ended) for a company; (0, 0) for one without history."""
        return self.by_company.get(company_id, (0, 0))

    def prior(self, sector: str) -> float:
        """The rate a company of the sector is shrunk toward."""
        return self.sector_rate.get(sector, PROGRAMME_INTERNSHIP_RATE)


def shrunk_history(converted: FloatArray, ended: FloatArray, prior_rate: FloatArray) -> FloatArray:
    """Empirical-Bayes (beta-binomial) rate minus the sector's rate: 0 without history.

    The posterior mean of a Beta(m r, m (1 - r)) prior after k of n internships converted is
    (k + m r) / (n + m); the lift over r is what the model sees, so a new company is neutral.
    """
    m = HISTORY_PRIOR_STRENGTH
    posterior = (converted + m * prior_rate) / (ended + m)
    return np.asarray(posterior - prior_rate, dtype=float)


# The model columns that depend on the opening alone (matching/kernel.py sums their parts once
# per opening) and the ones that depend on the pair's distance (computed per pair there).
OPENING_COLUMNS = (
    "learnable_in_week",
    "nice_to",
    "unskilled_many",
    "is_ambassador",
    "history_lift",
    "demand_index",
)
DISTANCE_COLUMNS = ("commute_share", "far_without_car")


def opening_columns(openings: Openings, oj: IntArray) -> dict[str, FloatArray]:
    """The features of the openings at ``oj`` that do not depend on the citizen."""
    return {
        "learnable_in_week": openings.learnable_in_week[oj].astype(float),
        # Citizens start on nice-to tasks (DOMAIN.md); a task-side feature, so raising a
        # self-rating can never lower a score through it.
        "nice_to": openings.nice_to[oj].astype(float),
        "unskilled_many": openings.unskilled_many[oj].astype(float),
        "is_ambassador": openings.is_ambassador[oj].astype(float),
        "history_lift": shrunk_history(
            openings.history_converted[oj],
            openings.history_ended[oj],
            openings.history_prior_rate[oj],
        ),
        "demand_index": np.clip(openings.demand_index[oj], 0.0, 1.0),
    }


def distance_columns(
    citizens: Citizens, ci: IntArray, distance: FloatArray
) -> dict[str, FloatArray]:
    """The features that depend on the distance between the citizens at ``ci`` and their task."""
    max_commute = np.maximum(citizens.max_commute_km[ci], 1.0)
    no_car = ~citizens.has_car[ci]
    return {
        "commute_share": np.clip(distance / max_commute, 0.0, 3.0),
        "far_without_car": (no_car & (distance > NO_CAR_COMFORT_KM)).astype(float),
    }


def pair_features(
    citizens: Citizens,
    openings: Openings,
    citizen_index: IntArray,
    opening_index: IntArray,
    wish_similarity: FloatArray,
    distance_km: FloatArray | None = None,
) -> pd.DataFrame:
    """The model's feature frame for P pairs (citizen_index[p], opening_index[p])."""
    return pd.DataFrame(
        pair_columns(citizens, openings, citizen_index, opening_index, wish_similarity, distance_km)
    )


def pair_columns(
    citizens: Citizens,
    openings: Openings,
    citizen_index: IntArray,
    opening_index: IntArray,
    wish_similarity: FloatArray,
    distance_km: FloatArray | None = None,
) -> dict[str, FloatArray]:
    """The model's features (and what explanations read) for P pairs, as numpy columns.

    ``wish_similarity`` holds, per pair, the similarity (0-1) of the citizen's wishes to the task;
    ``distance_km`` the pairs' distances where the caller has already computed them.

    Besides the distance, the citizen and ``opening_columns``, a feature may read only the
    opening attributes that ``kernel.PROFILE_ATTRIBUTES`` lists: the score-only kernel computes
    the rest once per distinct combination of them (tests/matching/test_kernel.py holds the two
    paths equal).
    """
    ci, oj = citizen_index, opening_index
    bip = bip_filled(citizens.bip[ci])
    capacity = capacities(citizens, ci)
    demand = openings.demand[oj]
    gap = np.clip(demand - capacity, 0.0, 4.0)
    distance = (
        distance_km
        if distance_km is not None
        else haversine_km(citizens.lat[ci], citizens.lon[ci], openings.lat[oj], openings.lon[oj])
    )
    preferred = citizens.preferred_sector[ci, openings.sector[oj]]
    danish = np.where(np.isnan(citizens.danish_level[ci]), NEUTRAL, citizens.danish_level[ci])
    conflicts = (openings.requires_danish[oj] & (danish <= 2)).astype(float) + (
        openings.requires_physical_health[oj] & (capacity[:, 0] <= 2)
    ).astype(float)
    hours_fit = np.minimum(citizens.hours_available[ci], openings.hours_per_week[oj]) / np.maximum(
        openings.hours_per_week[oj], 1.0
    )
    belief = (
        np.full(len(ci), NEUTRAL)
        if citizens.caseworker_belief is None
        else np.where(
            np.isnan(citizens.caseworker_belief[ci]), NEUTRAL, citizens.caseworker_belief[ci]
        )
    )
    data: dict[str, FloatArray] = {f"bip_{k}": bip[:, i] for i, k in enumerate(BIP_KEYS)}
    data["caseworker_belief"] = belief
    data.update({f"gap_{d}": gap[:, i] for i, d in enumerate(DIMENSIONS)})
    data.update(
        wish_similarity=np.clip(wish_similarity, 0.0, 1.0),
        preferred_sector=preferred.astype(float),
        **distance_columns(citizens, ci, distance),
        hours_fit=np.clip(hours_fit, 0.0, 1.0),
        **opening_columns(openings, oj),
        requirement_conflicts=conflicts,
    )
    # Kept for explanations; not model columns.
    data["distance_km"] = distance
    data["danish_level"] = danish
    data["demand_language"] = demand[:, DIMENSIONS.index("language")]
    data["history_converted"] = openings.history_converted[oj]
    data["requires_danish"] = openings.requires_danish[oj].astype(float)
    data["requires_physical_health"] = openings.requires_physical_health[oj].astype(float)
    data["history_ended"] = openings.history_ended[oj]
    return data


# Hard filters: a pair failing one is removed before scoring and the reason is reported.
FILTER_REASONS_DA = {
    "excluded_sector": "borgeren har fravalgt branchen",
    "licence_missing": "opgaven kræver kørekort",
    "clean_record": "opgaven kræver ren straffeattest",
    "food_handling": "borgeren kan ikke håndtere fødevarer",
    "heavy_lifting": "opgaven er fysisk tung, og borgeren kan ikke løfte tungt",
    "commute": "afstanden er over borgerens grænse",
    "no_hours": "borgeren har ingen timer til rådighed",
}


def hard_filters(
    citizens: Citizens,
    openings: Openings,
    citizen_index: IntArray,
    opening_index: IntArray,
    distance_km: FloatArray,
) -> dict[str, BoolArray]:
    """For each filter reason, which of the P pairs it removes."""
    ci, oj = citizen_index, opening_index
    return {
        "excluded_sector": citizens.excluded_sector[ci, openings.sector[oj]],
        "licence_missing": openings.requires_licence[oj] & ~citizens.has_licence[ci],
        "clean_record": openings.requires_clean_record[oj] & (citizens.criminal_record[ci] == 1),
        "food_handling": openings.requires_food_hygiene[oj] & citizens.cannot_handle_food[ci],
        "heavy_lifting": (openings.demand[oj, 0] >= 4) & citizens.cannot_lift_heavy[ci],
        "commute": beyond_reach(citizens, ci, distance_km),
        "no_hours": citizens.hours_available[ci] <= 0,
    }


def beyond_reach(citizens: Citizens, ci: IntArray, distance_km: FloatArray) -> BoolArray:
    """Whether each pair's distance is over the citizen's commute limit."""
    # An unknown place (no coordinates) cannot be shown to be within reach.
    return np.asarray(~(distance_km <= citizens.max_commute_km[ci]), dtype=bool)


def all_pairs(n: int, m: int) -> tuple[IntArray, IntArray]:
    """Index arrays of every (citizen, opening) pair of n citizens and m openings."""
    return (
        np.repeat(np.arange(n, dtype=np.int64), m),
        np.tile(np.arange(m, dtype=np.int64), n),
    )
