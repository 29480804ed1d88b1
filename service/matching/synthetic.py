"""Seeded synthetic training data that reproduces the evaluation's published aggregates.

SYNTHETIC: no real citizen is in here. What is calibrated to VIVE 2020, and what is assumed:

- Placement combinations in the shares of Table 6.12 (internship with mentor or guidance 191,
  internship only 138, mentor or guidance without internship 162) and success per combination
  as Table 6.12 (18.3 %, 14.5 %, 9.9 %), scaled by 92/103 because our label is outcome
  categories 1-3 of Table 6.10 (paid hours with or without benefit, flex job: 92 of 663), where
  Table 6.12 counts categories 1-5 (103). [published]
- BIP answers given the outcome, with each indicator's mean as Table 6.17 for the group that got
  paid hours and the group that did not, 1-5 integers, indicators correlated through one shared
  readiness factor. [published means; the correlation is assumed]
- Pair-level effects are ASSUMPTIONS, not findings: successful placements were drawn with tasks
  that fit the citizen's capacity better, shorter commutes, wishes nearer the task, sectors with
  more demand (Thuesen, Rotger & Jakobsen 2020 report that placements in sectors short of labour
  succeed more often, without an effect size usable here), nice-to tasks at low readiness, and
  companies that convert internships more often. The effect sizes are in ASSUMED_SHIFTS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from service.matching.features import (
    BIP_KEYS,
    EARTH_RADIUS_KM,
    Citizens,
    FloatArray,
    Openings,
    capacities,
    pair_features,
)

SYNTHETIC_SEED = 2020
# Table 6.17: mean answer by group (got paid hours, n=82; did not, n=475).
BIP_MEANS_PAID = dict(
    zip(BIP_KEYS, (3.82, 4.83, 4.04, 3.73, 4.10, 3.86, 3.80, 4.08, 4.16, 3.90), strict=True)
)
BIP_MEANS_NOT = dict(
    zip(BIP_KEYS, (2.80, 4.60, 2.99, 3.79, 3.89, 3.37, 2.70, 3.44, 2.94, 3.02), strict=True)
)
# Table 6.12, rescaled to outcome categories 1-3 (92 of the 103 successes).
COMBINATIONS = {
    "internship_and_support": (191, 0.183 * 92 / 103),
    "internship_only": (138, 0.145 * 92 / 103),
    "support_only": (162, 0.099 * 92 / 103),
}
# Assumed shifts between successful and unsuccessful placements (see the module docstring).
ASSUMED_SHIFTS = {
    "demand_minus_capacity": 0.3,  # unsuccessful: tasks 0.3 levels further above capacity
    "commute_share": 0.08,
    "wish_similarity": 0.08,
    "demand_index": 0.06,
    "conversion_rate": 0.05,
    "preferred_sector": 0.05,
}
LATENT_SD = 1.1
# Synthetic citizens live at one point (Maribo); only distances matter.
ORIGIN_LAT, ORIGIN_LON = 54.777, 11.500
SHARED_FACTOR_WEIGHT = 0.6


def _discrete_mean(location: FloatArray, sd: float) -> FloatArray:
    """Expected value of round(N(location, sd)) clipped to 1..5."""
    edges = np.array([1.5, 2.5, 3.5, 4.5])
    cdf = norm.cdf((edges[None, :] - location[:, None]) / sd)
    probabilities = np.diff(np.column_stack([np.zeros(len(location)), cdf, np.ones(len(location))]))
    return np.asarray(probabilities @ np.arange(1, 6), dtype=float)


def _location_for_mean(target: float, sd: float) -> float:
    """The latent location whose rounded, clipped draws have the target mean (bisection)."""
    low, high = -3.0, 9.0
    for _ in range(60):
        mid = (low + high) / 2
        if _discrete_mean(np.array([mid]), sd)[0] < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class SyntheticData:
    """Synthetic placements: citizen answers, pair features and the outcome label."""

    frame: pd.DataFrame  # the pair features of features.FEATURE_COLUMNS, combination, label
    seed: int


def generate(n: int = 20000, seed: int = SYNTHETIC_SEED) -> SyntheticData:
    """Generate n synthetic placements (SYNTHETIC; calibrated as the module docstring says)."""
    rng = np.random.default_rng(seed)
    names = list(COMBINATIONS)
    weights = np.array([COMBINATIONS[c][0] for c in names], dtype=float)
    combination = rng.choice(len(names), size=n, p=weights / weights.sum())
    rates = np.array([COMBINATIONS[c][1] for c in names])
    label = rng.random(n) < rates[combination]

    # BIP | label: one shared factor plus noise per indicator, location set for the target mean.
    # The blend of shared factor and noise has unit variance, so the latent sd stays LATENT_SD.
    shared = rng.standard_normal(n)
    bip = np.empty((n, len(BIP_KEYS)))
    for k, key in enumerate(BIP_KEYS):
        noise = rng.standard_normal(n)
        latent = SHARED_FACTOR_WEIGHT * shared + np.sqrt(1 - SHARED_FACTOR_WEIGHT**2) * noise
        loc_paid = _location_for_mean(BIP_MEANS_PAID[key], LATENT_SD)
        loc_not = _location_for_mean(BIP_MEANS_NOT[key], LATENT_SD)
        location = np.where(label, loc_paid, loc_not)
        bip[:, k] = np.clip(np.rint(location + LATENT_SD * latent), 1, 5)

    failed = (~label).astype(float)
    shift = ASSUMED_SHIFTS
    n_sectors = 10
    max_commute = rng.choice([10.0, 15.0, 20.0, 30.0], size=n)
    no = np.zeros(n, dtype=bool)
    preferred = np.zeros((n, n_sectors), dtype=bool)
    sector = rng.integers(0, n_sectors, n)
    preferred[np.arange(n), sector] = rng.random(n) < (0.35 - shift["preferred_sector"] * failed)
    citizens = Citizens(
        bip=bip,
        danish_level=np.clip(np.rint(rng.normal(4.0, 1.0, n)), 1, 5),
        hours_available=rng.choice([5.0, 10.0, 15.0, 20.0, 30.0], size=n),
        max_commute_km=max_commute,
        has_licence=rng.random(n) < 0.55,
        has_car=rng.random(n) < 0.45,
        lat=np.full(n, ORIGIN_LAT),
        lon=np.full(n, ORIGIN_LON),
        criminal_record=np.zeros(n, dtype=np.int64),
        cannot_lift_heavy=no,
        cannot_handle_food=no,
        preferred_sector=preferred,
        excluded_sector=np.zeros((n, n_sectors), dtype=bool),
    )
    capacity = capacities(citizens)
    demand = np.clip(
        np.rint(
            capacity
            + rng.normal(-0.3, 1.0, capacity.shape)
            + shift["demand_minus_capacity"] * failed[:, None]
        ),
        1,
        5,
    )
    distance = np.clip(
        max_commute * (rng.beta(2, 3, n) + shift["commute_share"] * failed), 0.2, None
    )
    openings = Openings(
        demand=demand,
        learnable_in_week=rng.random(n) < 0.7,
        nice_to=rng.random(n) < 0.6,
        learning_days=rng.choice([1.0, 3.0, 5.0, 10.0], size=n),
        requires_licence=no,
        requires_clean_record=no,
        requires_food_hygiene=no,
        hours_per_week=rng.choice([5.0, 10.0, 15.0, 20.0], size=n),
        lat=np.full(n, ORIGIN_LAT),
        # Due east of the citizen at the drawn distance (the haversine recovers it to metres).
        lon=ORIGIN_LON + np.degrees(distance / (EARTH_RADIUS_KM * np.cos(np.radians(ORIGIN_LAT)))),
        sector=sector,
        unskilled_many=rng.random(n) < 0.38,
        is_ambassador=rng.random(n) < 51 / 311,
        conversion_rate=np.clip(rng.beta(2, 8, n) + shift["conversion_rate"] * label, 0, 1),
        demand_index=np.clip(rng.beta(3, 3, n) - shift["demand_index"] * failed, 0, 1),
        requires_danish=rng.random(n) < 0.21,
        requires_physical_health=rng.random(n) < 0.26,
    )
    wish = np.clip(rng.beta(2, 3, n) - shift["wish_similarity"] * failed, 0, 1)
    index = np.arange(n, dtype=np.int64)
    frame = pair_features(citizens, openings, index, index, wish)
    frame["combination"] = np.array(names)[combination]
    frame["label"] = label
    return SyntheticData(frame=frame, seed=seed)
