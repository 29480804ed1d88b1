"""From model probability to a receipt: score parts, reasons, cautions and a proposed placement.

The score is documented in docs/model-card.md:

    score = probability x preference x feasibility x spreading

- probability: the model's chance that the placement leads to paid hours;
- preference = 0.6 + 0.4 x max(wish similarity, preferred sector): wishes raise a score but a
  task outside them is never ruled out (the "wider" list shows such tasks on purpose);
- feasibility = commute x hours x fit, where commute = 1 - 0.3 x (distance / max commute), x 0.85
  without a car beyond 10 km; hours = 0.7 + 0.3 x hours fit; fit = 1 / (1 + 0.5 x the sum of
  demand levels above the citizen's capacity);
- spreading = 1 / (1 + 0.5 x proposals beyond the company's monthly capacity / capacity).
Everything here is vectorised over the pairs; only the wording of the final top items is a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from service.matching.features import DIMENSIONS, NO_CAR_COMFORT_KM, FloatArray

PREFERENCE_FLOOR = 0.6
COMMUTE_WEIGHT = 0.3
NO_CAR_FACTOR = 0.85
HOURS_FLOOR = 0.7
GAP_WEIGHT = 0.5
CONGESTION_WEIGHT = 0.5
# Table 6.16: citizens with supplementary benefit worked about 9 paid hours a week.
START_HOURS_WITH_BENEFIT = 9.0
REVIEW_AFTER_WEEKS = 4
STEP_TO_PAID_HOURS_WEEK = 13
LOW_READINESS = 3.0
HIGH_READINESS = 4.0

CAUTION_BY_DIMENSION = {
    "physical": "opgaven er fysisk krævende",
    "contact": "opgaven kræver meget kontakt med kunder eller fremmede",
    "teamwork": "opgaven kræver tæt samarbejde med kolleger",
    "language": "opgaven kræver gode danskkundskaber",
    "pace": "opgaven har højt tempo eller tidspres",
    "independence": "opgaven kræver, at man arbejder selvstændigt",
}


def score_parts(
    features: pd.DataFrame, probability: FloatArray, congestion: FloatArray | None = None
) -> pd.DataFrame:
    """The multiplicative parts of the score and the score itself, per pair."""
    preference = PREFERENCE_FLOOR + (1 - PREFERENCE_FLOOR) * np.maximum(
        features["wish_similarity"].to_numpy(), features["preferred_sector"].to_numpy()
    )
    commute = 1 - COMMUTE_WEIGHT * np.clip(features["commute_share"].to_numpy(), 0, 1)
    commute = commute * np.where(features["far_without_car"].to_numpy() > 0, NO_CAR_FACTOR, 1.0)
    hours = HOURS_FLOOR + (1 - HOURS_FLOOR) * features["hours_fit"].to_numpy()
    gaps = features[[f"gap_{d}" for d in DIMENSIONS]].to_numpy().sum(axis=1)
    fit = 1 / (1 + GAP_WEIGHT * gaps)
    spreading = 1 / (1 + CONGESTION_WEIGHT * (congestion if congestion is not None else 0.0))
    feasibility = commute * hours * fit
    parts = pd.DataFrame(
        {
            "probability": probability,
            "preference": preference,
            "commute": commute,
            "hours": hours,
            "fit": fit,
            "feasibility": feasibility,
            "spreading": np.broadcast_to(spreading, probability.shape),
        }
    )
    parts["score"] = np.clip(probability * preference * feasibility * parts["spreading"], 0, 1)
    return parts


@dataclass(frozen=True)
class PairContext:
    """What the wording of one suggestion needs besides its feature row."""

    sector_name: str
    task_name: str
    municipality_name: str
    max_commute_km: float
    hours_available: float
    opening_hours: float
    placement_types: tuple[str, ...]
    readiness: float  # mean BIP answer, missing as neutral: chooses the placement type only
    forecast_openings: float | None = None
    forecast_year: int | None = None
    has_car: bool = True


@dataclass(frozen=True)
class Proposal:
    """A proposed placement for one pair."""

    placement_type: str
    hours_per_week: float
    review_date: date | None
    step_to_paid_hours_by: date | None
    next_action: str


def propose(context: PairContext, today: date) -> Proposal:
    """Placement type, starting hours and next action, from readiness and what is offered.

    Low readiness: an internship with a review date and a planned step to paid hours (internship
    is not a goal in itself). Moderate: paid hours or a hybrid job when offered. High: ordinary
    work when offered. Hours start low, near the 9 a week of Table 6.16, within availability.
    """
    offered = set(context.placement_types)
    cap = min(context.hours_available, context.opening_hours)
    if context.readiness >= HIGH_READINESS and "ordinary" in offered:
        kind = "ordinary"
    elif context.readiness >= LOW_READINESS and offered & {"loentimer", "hybridjob"}:
        kind = "loentimer" if "loentimer" in offered else "hybridjob"
    elif "virksomhedspraktik" in offered or not offered:
        kind = "virksomhedspraktik"
    else:
        kind = sorted(offered)[0]
    start = cap if kind == "ordinary" else min(cap, START_HOURS_WITH_BENEFIT)
    hours = float(max(min(3.0, cap), round(start)))
    if kind == "virksomhedspraktik":
        action = (
            "tilbyd mentor ved praktikstart"
            if context.readiness < LOW_READINESS
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


def reasons_and_cautions(row: pd.Series, context: PairContext) -> tuple[list[str], list[str]]:
    """Plain Danish sentences explaining one suggestion (no BIP answers, no health details)."""
    reasons: list[str] = []
    cautions: list[str] = []
    if row["preferred_sector"] > 0:
        reasons.append(f"ønsker at arbejde i {context.sector_name.lower()}")
    if row["wish_similarity"] >= 0.5:
        reasons.append(f"opgaven '{context.task_name}' ligner borgerens jobønsker")
    distance = float(row["distance_km"])
    reasons.append(f"{distance:.0f} km – inden for grænsen på {context.max_commute_km:.0f} km")
    if context.forecast_openings and context.forecast_year:
        reasons.append(
            f"branchen venter {context.forecast_openings:.0f} jobåbninger i "
            f"{context.municipality_name} i {context.forecast_year}"
        )
    if row["learnable_in_week"] > 0:
        reasons.append("opgaven kan læres på under en uge")
    if row["nice_to_at_low_readiness"] > 0:
        reasons.append("en nice-to-opgave: god til en blød start")
    if row["is_ambassador"] > 0:
        reasons.append("ambassadørvirksomhed")
    if row["unskilled_many"] > 0:
        reasons.append("virksomheden har mange opgaver, som ufaglærte hurtigt kan lære")
    if row["conversion_rate"] >= 0.2:
        reasons.append(
            f"{row['conversion_rate']:.0%} af praktikkerne her er blevet til lønnede timer"
        )
    for dim in DIMENSIONS:
        if row[f"gap_{dim}"] >= 2:
            cautions.append(CAUTION_BY_DIMENSION[dim])
    if row["far_without_car"] > 0 or (not context.has_car and distance > NO_CAR_COMFORT_KM):
        cautions.append(f"ingen bil og {distance:.0f} km – tjek den offentlige transport")
    if context.hours_available < context.opening_hours:
        cautions.append(
            f"virksomheden regner med {context.opening_hours:.0f} timer om ugen, "
            f"borgeren kan {context.hours_available:.0f} lige nu"
        )
    if row["requirement_conflicts"] > 0:
        cautions.append("virksomheden har krav ved start, som borgeren måske ikke opfylder endnu")
    return reasons, cautions
