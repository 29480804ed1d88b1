"""Seeded synthetic training data drawn from a documented structural model (SYNTHETIC).

No real citizen is in here. Each row is one citizen of the programme with the task they were
placed at; the outcome is drawn *from* the citizen and the pair, never the other way round:

1. Readiness. A latent readiness F ~ N(0, 1). Each BIP answer is a noisy self-report of it:
   answer_k = clip(round(location_k + 1.1 (l_k F + sqrt(1 - l_k^2) e_k)), 1, 5), with
   location_k set so the population mean is Table 6.17's "all" column and the loading l_k >= 0
   (LOADINGS) calibrated so that grouping the rows by their own outcome reproduces the table's
   two groups (82 / 475) within 0.15. social_support gets no loading (its gap is -0.05, not
   significant). The caseworker's belief is a report of F too (assumed loading 0.5).
2. The pair. The task's demands (1-5 on the six dimensions) are drawn independently of the
   citizen, and so are the commute, hours, wishes, the company's qualities and the demand index.
   The company has a true effect u_c ~ N(0, 0.5) on the log-odds; its record (0-12 ended
   internships, none for 40 % of companies) is drawn from that true rate.
3. The outcome. log-odds = a_g + THETA F + sum of PAIR_EFFECTS x feature + u_c, where a_g is
   solved per placement combination g so that the share with paid or supported hours or study
   grant (categories 1-5 of Table 6.10) is Table 6.12's rate: internship with mentor or guidance
   18.3 %, internship only 14.5 %, mentor or guidance only 9.9 %, other 54.3 %, no active
   placement 9.5 % (groups of 191 / 138 / 162 / 35 / 137 of 663). [published]
   Every direction follows the evaluation: readiness, belief, fit, wishes, a shorter commute and
   a sector short of labour never hurt. The sizes of the pair effects are ASSUMPTIONS.
4. Categories. A success is category 1, 2, 3, 4 or 5 in the proportions 26 : 43 : 23 : 6 : 5,
   a non-success 6 or 7 as 14 : 546 (Table 6.10). The label is categories 1-3 (paid hours,
   92 of 663).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from service.matching.features import (
    BIP_KEYS,
    EARTH_RADIUS_KM,
    Citizens,
    FloatArray,
    Openings,
    pair_features,
)

SYNTHETIC_SEED = 2020
# Table 6.17: mean answer at the first measurement, all (n=557) and by group (82 / 475).
BIP_MEANS_ALL = dict(
    zip(BIP_KEYS, (2.95, 4.64, 3.15, 3.78, 3.92, 3.44, 2.86, 3.54, 3.12, 3.15), strict=True)
)
BIP_MEANS_PAID = dict(
    zip(BIP_KEYS, (3.82, 4.83, 4.04, 3.73, 4.10, 3.86, 3.80, 4.08, 4.16, 3.90), strict=True)
)
BIP_MEANS_NOT = dict(
    zip(BIP_KEYS, (2.80, 4.60, 2.99, 3.79, 3.89, 3.37, 2.70, 3.44, 2.94, 3.02), strict=True)
)
# Table 6.12: citizens per combination and the share with categories 1-5 of Table 6.10.
COMBINATIONS = {
    "internship_and_support": (191, 0.183),
    "internship_only": (138, 0.145),
    "support_only": (162, 0.099),
    "other": (35, 0.543),
    "no_active_placement": (137, 0.095),
}
# Table 6.10: categories among successes (1-5) and among the rest (6-7).
SUCCESS_CATEGORIES = {1: 26, 2: 43, 3: 23, 4: 6, 5: 5}
OTHER_CATEGORIES = {6: 14, 7: 546}
PAID_HOURS_CATEGORIES = frozenset({1, 2, 3})
# Calibrated loadings of each answer on readiness (see calibrate_loadings; >= 0 by design).
LOADINGS = dict(
    zip(BIP_KEYS, (0.868, 0.471, 0.909, 0.0, 0.203, 0.414, 0.92, 0.584, 0.95, 0.769), strict=True)
)
BELIEF_LOADING = 0.5
THETA = 1.6  # log-odds per sd of readiness (assumed; the loadings are calibrated with it)
LATENT_SD = 1.1
# Assumed pair effects on the log-odds (per unit of the feature); signs per the evaluation.
PAIR_EFFECTS = {
    "gap_physical": -0.30,
    "gap_contact": -0.25,
    "gap_teamwork": -0.20,
    "gap_language": -0.45,
    "gap_pace": -0.30,
    "gap_independence": -0.20,
    "wish_similarity": 1.2,
    "preferred_sector": 0.6,
    "commute_share": -0.8,
    "far_without_car": -0.4,
    "hours_fit": 0.5,
    "learnable_in_week": 0.3,
    "nice_to": 0.3,
    "unskilled_many": 0.2,
    "is_ambassador": 0.2,
    "demand_index": 1.0,
    "requirement_conflicts": -0.8,
}
COMPANY_EFFECT_SD = 0.5
SECTOR_RATE = 0.167  # Table 6.12: internship groups, (35 + 20) / (191 + 138)
# Synthetic citizens live at one point (Maribo); only distances matter.
ORIGIN_LAT, ORIGIN_LON = 54.777, 11.500
N_SECTORS = 10


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


def _solve_intercept(logit: FloatArray, target: float) -> float:
    """The shift a with mean(expit(a + logit)) = target (bisection; expit is monotone)."""
    low, high = -15.0, 15.0
    for _ in range(50):
        mid = (low + high) / 2
        if expit(mid + logit).mean() < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


@dataclass(frozen=True)
class SyntheticData:
    """Synthetic placements: pair features, combination, outcome category and label."""

    frame: pd.DataFrame  # the pair features of features.FEATURE_COLUMNS, combination, label
    seed: int


def _draw_answers(
    rng: np.random.Generator, readiness: FloatArray, loadings: dict[str, float]
) -> FloatArray:
    n = len(readiness)
    bip = np.empty((n, len(BIP_KEYS)))
    for k, key in enumerate(BIP_KEYS):
        load = loadings[key]
        latent = load * readiness + np.sqrt(1 - load**2) * rng.standard_normal(n)
        # The population's mean answer is Table 6.17's "all" column whatever the loading.
        location = _location_for_mean(BIP_MEANS_ALL[key], LATENT_SD)
        bip[:, k] = np.clip(np.rint(location + LATENT_SD * latent), 1, 5)
    return bip


def generate(
    n: int = 20000, seed: int = SYNTHETIC_SEED, loadings: dict[str, float] | None = None
) -> SyntheticData:
    """Generate n synthetic citizens with a placement each (SYNTHETIC; see the docstring)."""
    rng = np.random.default_rng(seed)
    names = list(COMBINATIONS)
    weights = np.array([COMBINATIONS[c][0] for c in names], dtype=float)
    combination = rng.choice(len(names), size=n, p=weights / weights.sum())
    readiness = rng.standard_normal(n)
    bip = _draw_answers(rng, readiness, loadings or LOADINGS)
    belief = np.clip(
        np.rint(
            3.0
            + LATENT_SD
            * (BELIEF_LOADING * readiness + np.sqrt(1 - BELIEF_LOADING**2) * rng.standard_normal(n))
        ),
        1,
        5,
    )
    no = np.zeros(n, dtype=bool)
    sector = rng.integers(0, N_SECTORS, n)
    preferred = np.zeros((n, N_SECTORS), dtype=bool)
    preferred[np.arange(n), sector] = rng.random(n) < 0.3
    max_commute = rng.choice([10.0, 15.0, 20.0, 30.0], size=n)
    citizens = Citizens(
        bip=bip,
        danish_level=np.where(rng.random(n) < 0.8, 5.0, rng.choice([1.0, 2.0, 3.0, 4.0], size=n)),
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
        excluded_sector=np.zeros((n, N_SECTORS), dtype=bool),
        caseworker_belief=belief,
    )
    demand = np.clip(np.rint(rng.normal(2.4, 1.0, (n, 6))), 1, 5)
    distance = np.clip(max_commute * rng.beta(2, 3, n), 0.2, None)
    company_effect = rng.normal(0.0, COMPANY_EFFECT_SD, n)
    ended = np.where(rng.random(n) < 0.4, 0, rng.integers(1, 13, n)).astype(float)
    true_rate = expit(np.log(SECTOR_RATE / (1 - SECTOR_RATE)) + company_effect)
    converted = rng.binomial(ended.astype(np.int64), true_rate).astype(float)
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
        history_converted=converted,
        history_ended=ended,
        history_prior_rate=np.full(n, SECTOR_RATE),
        demand_index=rng.beta(3, 3, n),
        requires_danish=rng.random(n) < 0.21,
        requires_physical_health=rng.random(n) < 0.26,
    )
    wish = np.where(rng.random(n) < 0.25, 1.0, rng.beta(2, 3, n) * 0.6)
    index = np.arange(n, dtype=np.int64)
    frame = pair_features(citizens, openings, index, index, wish)
    logit = THETA * readiness + 0.15 * (belief - 3.0) + company_effect
    for column, effect in PAIR_EFFECTS.items():
        logit = logit + effect * frame[column].to_numpy(dtype=float)
    success = np.zeros(n, dtype=bool)
    for g, name in enumerate(names):
        members = combination == g
        if members.any():
            shift = _solve_intercept(logit[members], COMBINATIONS[name][1])
            success[members] = rng.random(int(members.sum())) < expit(shift + logit[members])
    category = np.empty(n, dtype=np.int64)
    for mask, table in ((success, SUCCESS_CATEGORIES), (~success, OTHER_CATEGORIES)):
        keys = np.array(list(table))
        shares = np.array(list(table.values()), dtype=float)
        category[mask] = rng.choice(keys, size=int(mask.sum()), p=shares / shares.sum())
    frame["combination"] = np.array(names)[combination]
    frame["outcome_category"] = category
    frame["label"] = np.isin(category, list(PAID_HOURS_CATEGORIES))
    return SyntheticData(frame=frame, seed=seed)


def group_means(frame: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Mean answer per indicator for rows with paid hours and without (Table 6.17's groups)."""
    paid = frame["label"].to_numpy(dtype=bool)
    return {
        key: (
            float(frame.loc[paid, f"bip_{key}"].mean()),
            float(frame.loc[~paid, f"bip_{key}"].mean()),
        )
        for key in BIP_KEYS
    }


def calibrate_loadings(n: int = 200000, rounds: int = 8) -> dict[str, float]:
    """Re-derive LOADINGS: scale each loading by the target gap over the generated gap.

    A development tool (the shipped constants came from it); loadings stay in [0, 0.95].
    """
    loadings = dict(LOADINGS)
    for _ in range(rounds):
        means = group_means(generate(n, loadings=loadings).frame)
        for key in BIP_KEYS:
            target = BIP_MEANS_PAID[key] - BIP_MEANS_NOT[key]
            seen = means[key][0] - means[key][1]
            if target <= 0:
                loadings[key] = 0.0
            elif seen > 0:
                loadings[key] = float(np.clip(loadings[key] * target / seen, 0.0, 0.95))
            else:
                loadings[key] = 0.3
    return {k: round(v, 3) for k, v in loadings.items()}
