"""From the model's chance to a receipt: score parts, reasons, cautions and a proposed placement.

The score (docs/model-card.md) orders the tasks for one citizen:

    score = chance x preference x feasibility x spreading

- chance: the calibrated "chance for lønnede timer (skøn)" with its band (model.py);
- preference = 0.6 + 0.4 x max(wish similarity, preferred sector): wishes raise a score but a
  task outside them is never ruled out (the "wider" list shows such tasks on purpose);
- feasibility = commute x hours x fit, where commute = 1 - 0.3 x (distance / max commute), x 0.85
  without a car beyond 10 km; hours = 0.7 + 0.3 x hours fit; fit = 1 / (1 + 0.5 x the sum of
  demand levels above the citizen's capacity);
- spreading = 1 / (1 + 0.5 x proposals beyond the company's monthly capacity / capacity).
Every factor is non-decreasing in each self-rating and non-increasing in each task demand, so
the score is too (tests/matching/test_monotone.py). Candidates for a task are ordered by fit,
not by this score (ranking.py). Everything here is vectorised over the pairs; only the wording
of the final top items is a loop.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import pandas as pd

from service.matching.features import (
    DIMENSIONS,
    HISTORY_MIN_QUOTED,
    NO_CAR_COMFORT_KM,
    PAIR_FIT_COLUMNS,
    FloatArray,
)
from service.matching.model import ScoringModel

PREFERENCE_FLOOR = 0.6
COMMUTE_WEIGHT = 0.3
NO_CAR_FACTOR = 0.85
HOURS_FLOOR = 0.7
GAP_WEIGHT = 0.5
CONGESTION_WEIGHT = 0.5
# Table 6.16: citizens with supplementary benefit worked about 9 paid hours a week.
START_HOURS_WITH_BENEFIT = 9.0
SHORT_INTERNSHIP_HOURS = 6.0
REVIEW_AFTER_WEEKS = 4
SHORT_REVIEW_AFTER_WEEKS = 2
STEP_TO_PAID_HOURS_WEEK = 13
# Proposal thresholds on the specific indicators (1-5; missing answers count as 3).
VERY_LOW = 2.0  # health or daily_energy at or below: at most a short internship with a mentor
PAID_HOURS_FROM = 3.0  # health, daily_energy and can_manage_job at least: paid hours possible
ORDINARY_FROM = 4.0

View = Literal["full", "task_side"]

CAUTION_BY_DIMENSION = {
    "physical": "opgaven er fysisk krævende",
    "contact": "opgaven kræver meget kontakt med kunder eller fremmede",
    "teamwork": "opgaven kræver tæt samarbejde med kolleger",
    "language": "opgaven kræver gode danskkundskaber",
    "pace": "opgaven har højt tempo eller tidspres",
    "independence": "opgaven kræver, at man arbejder selvstændigt",
}
# The model's parts grouped for the receipt; "readiness" and "task_fit" come from single BIP
# answers and are shown to caseworkers only (policy.sees_readiness_parts).
PART_GROUPS: dict[str, tuple[str, ...]] = {
    "readiness": (
        "bip_job_goal",
        "bip_substance_abuse",
        "bip_daily_energy",
        "bip_social_support",
        "bip_cooperation",
        "bip_contacting_strangers",
        "bip_health",
        "bip_competences_usable",
        "bip_can_manage_job",
        "bip_job_search_knowledge",
        "caseworker_belief",
    ),
    "task_fit": tuple(f"gap_{d}" for d in DIMENSIONS),
    "wishes": ("wish_similarity", "preferred_sector"),
    "commute": ("commute_share", "far_without_car"),
    "hours": ("hours_fit",),
    "task": ("learnable_in_week", "nice_to"),
    "company": ("unskilled_many", "is_ambassador", "history_lift", "requirement_conflicts"),
    "demand": ("demand_index",),
}
READINESS_GROUPS = frozenset({"readiness", "task_fit"})


def commute_factor(commute_share: FloatArray, far_without_car: FloatArray) -> FloatArray:
    """The commute part of feasibility, per pair."""
    commute = 1 - COMMUTE_WEIGHT * np.clip(commute_share, 0, 1)
    return np.asarray(commute * np.where(far_without_car > 0, NO_CAR_FACTOR, 1.0), dtype=float)


def spreading_factor(congestion: FloatArray | np.float64) -> FloatArray:
    """The spreading part: lower for openings already proposed beyond the company's capacity."""
    return np.asarray(1 / (1 + CONGESTION_WEIGHT * congestion), dtype=float)


def score_factors(features: pd.DataFrame | Mapping[str, Any]) -> dict[str, FloatArray]:
    """Preference, commute, hours and fit per pair: the parts that need no chance (from a
    feature frame or a mapping of feature columns)."""

    def column(name: str) -> FloatArray:
        return np.asarray(features[name], dtype=float)

    preference = PREFERENCE_FLOOR + (1 - PREFERENCE_FLOOR) * np.maximum(
        column("wish_similarity"), column("preferred_sector")
    )
    commute = commute_factor(column("commute_share"), column("far_without_car"))
    hours = HOURS_FLOOR + (1 - HOURS_FLOOR) * column("hours_fit")
    gaps = np.column_stack([column(f"gap_{d}") for d in DIMENSIONS]).sum(axis=1)
    fit = 1 / (1 + GAP_WEIGHT * gaps)
    return {"preference": preference, "commute": commute, "hours": hours, "fit": fit}


def score_parts(
    features: pd.DataFrame,
    chance: FloatArray,
    congestion: FloatArray | None = None,
    band: tuple[FloatArray, FloatArray] | None = None,
) -> pd.DataFrame:
    """The multiplicative parts of the score and the score itself, per pair."""
    factors = score_factors(features)
    preference, commute = factors["preference"], factors["commute"]
    hours, fit = factors["hours"], factors["fit"]
    spreading = spreading_factor(congestion if congestion is not None else np.float64(0.0))
    feasibility = commute * hours * fit
    low, high = band if band is not None else (np.zeros(len(chance)), np.ones(len(chance)))
    parts = pd.DataFrame(
        {
            "chance": chance,
            "chance_low": low,
            "chance_high": high,
            "preference": preference,
            "commute": commute,
            "hours": hours,
            "fit": fit,
            "feasibility": feasibility,
            "spreading": np.broadcast_to(spreading, chance.shape),
        }
    )
    parts["score"] = np.clip(chance * preference * feasibility * parts["spreading"], 0, 1)
    return parts


def model_parts(
    features: pd.DataFrame, model: ScoringModel, congestion: FloatArray | None = None
) -> pd.DataFrame:
    """Chance, band, score parts, the pair fit (ranking.py) and the grouped log-odds, per pair.

    The one place serving turns a feature frame into what the answers show (both the service
    and the matching index's scoring call it).
    """
    contributions = model.contributions(features)
    # Every sum of parts the answers need (total, pair fit, each group) in one matrix product.
    # (sums x features) @ (features x pairs): the column-major parts read as one row-major block,
    # several times faster than contributions @ matrix; each sum comes out contiguous.
    sums = _sum_matrix(tuple(model.columns)).T @ contributions.T
    chance = 1.0 / (1.0 + np.exp(-(sums[0] + model.intercept)))
    parts = score_parts(features, chance, congestion, model.chance_band(chance))
    parts["pair_fit"] = sums[1]
    for j, group in enumerate(PART_GROUPS, start=2):
        parts[f"lo_{group}"] = sums[j]
    return parts


@functools.cache
def _sum_matrix(columns: tuple[str, ...]) -> FloatArray:
    """0/1 weights, features x sums: the total, the pair fit, then each PART_GROUPS group.

    The pair fit (features.PAIR_FIT_COLUMNS) is what candidate lists sort by (ranking.py).
    """
    sums = [
        set(columns),
        set(PAIR_FIT_COLUMNS),
        *(set(members) for members in PART_GROUPS.values()),
    ]
    return np.array([[c in members for members in sums] for c in columns], dtype=float)


def visible_log_odds(values: dict[str, float], view: View) -> dict[str, float]:
    """The groups a viewer may see: task-side groups only for the "task_side" view."""
    return {
        name: round(value, 3)
        for name, value in values.items()
        if view == "full" or name not in READINESS_GROUPS
    }


@dataclass(frozen=True)
class PairContext:
    """What the wording of one suggestion needs besides its feature row."""

    sector_name: str  # the company's sector: the workplace a citizen prefers or excludes
    task_name: str
    municipality_name: str
    max_commute_km: float
    hours_available: float
    opening_hours: float
    placement_types: tuple[str, ...]
    health: float = 3.0  # BIP answers that choose the proposal (missing = 3)
    daily_energy: float = 3.0
    can_manage_job: float = 3.0
    largest_gap: float = 0.0  # the task's largest demand above the citizen's capacity
    forecast_openings: float | None = None  # openings forecast in the task's sector
    forecast_year: int | None = None
    forecast_sector_name: str = ""  # the task's sector (its sector card), which the forecast is
    forecast_illustrative: bool = True
    prior_rate: float = 0.0
    has_car: bool = True
    view: View = "full"


@dataclass(frozen=True)
class Proposal:
    """A proposed placement for one pair."""

    placement_type: str
    hours_per_week: float
    review_date: date | None
    step_to_paid_hours_by: date | None
    next_action: str


def propose(context: PairContext, today: date) -> Proposal:
    """Placement type, starting hours and next action from the indicators that matter.

    Health, daily energy and can_manage_job, and how far the task's demands exceed the
    citizen's capacity, decide it (not the mean answer). Very low health or energy (2 or less):
    never paid or ordinary work first, at most a short internship with few hours, mentor support
    from the start and a planned step to paid hours. Ordinary work needs 4+ on all three, no
    demand above capacity and the company offering it. Paid hours (or a hybrid job) need 3+ on
    all three and at most one level of demand above capacity. Otherwise an internship with a
    review after 4 weeks and a planned step to paid hours by week 13 (internship is not a goal in
    itself). Hours start low, near the 9 a week of Table 6.16, within availability.
    """
    offered = set(context.placement_types)
    cap = min(context.hours_available, context.opening_hours)
    lowest = min(context.health, context.daily_energy)
    ready = min(lowest, context.can_manage_job)
    if lowest <= VERY_LOW:
        hours = float(max(min(3.0, cap), min(cap, SHORT_INTERNSHIP_HOURS)))
        action = (
            "kort praktik med mentorstøtte fra start: tilbyd mentor ved praktikstart, "
            "få timer og en plan for løntimer"
        )
        if offered and "virksomhedspraktik" not in offered:
            action = "spørg virksomheden om en kort praktik med mentor; " + action
        return Proposal(
            "virksomhedspraktik",
            hours,
            today + timedelta(weeks=SHORT_REVIEW_AFTER_WEEKS),
            today + timedelta(weeks=STEP_TO_PAID_HOURS_WEEK),
            action,
        )
    if ready >= ORDINARY_FROM and context.largest_gap <= 0 and "ordinary" in offered:
        kind = "ordinary"
    elif (
        ready >= PAID_HOURS_FROM
        and context.largest_gap <= 1
        and offered & {"loentimer", "hybridjob"}
    ):
        kind = "loentimer" if "loentimer" in offered else "hybridjob"
    elif "virksomhedspraktik" in offered or not offered:
        kind = "virksomhedspraktik"
    else:
        kind = sorted(offered - {"ordinary"} or offered)[0]
    start = cap if kind == "ordinary" else min(cap, START_HOURS_WITH_BENEFIT)
    hours = float(max(min(3.0, cap), round(start)))
    if kind == "virksomhedspraktik":
        action = (
            "tilbyd mentor ved praktikstart og aftal en plan for løntimer"
            if ready < PAID_HOURS_FROM
            else "ring til virksomheden og aftal praktik med plan for løntimer"
        )
        return Proposal(
            kind,
            hours,
            today + timedelta(weeks=REVIEW_AFTER_WEEKS),
            today + timedelta(weeks=STEP_TO_PAID_HOURS_WEEK),
            action,
        )
    action = "ring til virksomheden" if kind == "ordinary" else "lav en løntimeaftale med budget"
    return Proposal(kind, hours, None, None, action)


def _level(value: float) -> str:
    return str(int(value)) if not math.isnan(value) else "ukendt"


def reasons_and_cautions(row: pd.Series, context: PairContext) -> tuple[list[str], list[str]]:
    """Plain Danish sentences explaining one suggestion.

    The "task_side" view (consultants) words every caution about the task and the company,
    never about the citizen's own answers; the "full" view (caseworkers) may name the citizen's
    stated Danish level beside the requirement. No view quotes a BIP answer.
    """
    reasons: list[str] = []
    cautions: list[str] = []
    full = context.view == "full"
    if row["preferred_sector"] > 0:
        reasons.append(f"ønsker at arbejde i {context.sector_name.lower()}")
    if row["wish_similarity"] >= 0.5:
        reasons.append(f"opgaven '{context.task_name}' ligner borgerens jobønsker")
    distance = float(row["distance_km"])
    reasons.append(f"{distance:.0f} km – inden for grænsen på {context.max_commute_km:.0f} km")
    if context.forecast_openings and context.forecast_year:
        flag = " (illustrativt tal)" if context.forecast_illustrative else ""
        reasons.append(
            f"{context.forecast_sector_name.lower()} venter {context.forecast_openings:.0f} "
            f"jobåbninger i {context.municipality_name} i {context.forecast_year}{flag}"
        )
    if row["learnable_in_week"] > 0:
        reasons.append("opgaven kan læres på under en uge")
    if row["nice_to"] > 0:
        reasons.append("en nice-to-opgave: god til en blød start")
    if row["is_ambassador"] > 0:
        reasons.append("ambassadørvirksomhed")
    if row["unskilled_many"] > 0:
        reasons.append("virksomheden har mange opgaver, som ufaglærte hurtigt kan lære")
    ended, converted = int(row["history_ended"]), int(row["history_converted"])
    if ended >= HISTORY_MIN_QUOTED:
        record = f"{converted} af {ended} praktikker her er blevet til lønnede timer"
        if converted / ended >= context.prior_rate:
            reasons.append(record)
        else:
            cautions.append(f"{record} (branchen: {context.prior_rate:.0%})")
    for dim in DIMENSIONS:
        if dim == "language":
            continue
        if row[f"gap_{dim}"] >= 2:
            cautions.append(CAUTION_BY_DIMENSION[dim])
    demand_language = float(row["demand_language"])
    danish = float(row["danish_level"])
    if row["gap_language"] >= 1:
        wording = f"opgaven kræver dansk på niveau {_level(demand_language)}"
        cautions.append(f"{wording}; borgeren har angivet {_level(danish)}" if full else wording)
    if row["requires_danish"] > 0 and danish <= 2:
        wording = "virksomheden kræver dansk ved start"
        cautions.append(
            f"{wording}; borgeren har angivet niveau {_level(danish)}" if full else wording
        )
    danish_conflict = 1 if row["requires_danish"] > 0 and danish <= 2 else 0
    # Only caseworkers learn that the citizen's health conflicts with the requirement.
    if (
        full
        and row["requires_physical_health"] > 0
        and row["requirement_conflicts"] > (danish_conflict)
    ):
        cautions.append("virksomheden kræver godt fysisk helbred ved start")
    if row["far_without_car"] > 0 or (not context.has_car and distance > NO_CAR_COMFORT_KM):
        cautions.append(f"ingen bil og {distance:.0f} km – tjek den offentlige transport")
    if context.hours_available < context.opening_hours:
        cautions.append(
            f"virksomheden regner med {context.opening_hours:.0f} timer om ugen, "
            f"borgeren kan {context.hours_available:.0f} lige nu"
        )
    return reasons, cautions
