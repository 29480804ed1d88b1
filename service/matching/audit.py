"""``kantmatch model audit`` (issue 14): what the scorer does, in numbers a person can check.

- the sign and size of every feature's effect (from the model's own lookup tables);
- calibration by decile on held-out data and the mean chance against Table 6.12;
- people for a task, not people by readiness: per opening type (nice_to / need_to), the
  correlation of candidate rank with the candidates' mean BIP answer, and the top-k's mean BIP
  against all citizens' mean (candidates ordered as the API orders them, ranking.py);
- exposure by gender and age band (service.fairness_audit).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from service.citizens.models import Citizen
from service.matching import service as matching_service
from service.matching.cache import cache_for
from service.matching.data import load_citizens
from service.matching.features import HISTORY_PRIOR_STRENGTH, all_pairs, bip_filled
from service.matching.index import OpeningBatch, batch, open_for_suggestions
from service.matching.model import ScoringModel
from service.matching.scoring import score_pairs
from service.matching.synthetic import COMBINATIONS

# A nice_to opening's top candidates should look like the citizens in general (issue 14).
TOP_MEAN_BIP_TOLERANCE = 0.4


def readiness_by_opening_type(
    citizen_row: np.ndarray[Any, Any],
    opening_row: np.ndarray[Any, Any],
    fit: np.ndarray[Any, Any],
    chance: np.ndarray[Any, Any],
    mean_bip: np.ndarray[Any, Any],
    nice_to: np.ndarray[Any, Any],
    top_k: int = 10,
) -> dict[str, dict[str, float]]:
    """Per opening type: corr(rank, mean BIP), corr(chance, mean BIP), top-k and all mean BIP.

    Rank 1 is the first candidate, so a negative rank correlation means readier people first.
    """
    frame = pd.DataFrame(
        {
            "citizen": citizen_row,
            "opening": opening_row,
            "fit": fit,
            "chance": chance,
            "bip": mean_bip[citizen_row],
        }
    )
    # Ties broken by the citizen's position, as ranking.best_candidates does.
    frame = frame.sort_values(["opening", "fit", "citizen"], ascending=[True, False, True])
    frame["rank"] = frame.groupby("opening").cumcount() + 1
    result: dict[str, dict[str, float]] = {}
    for label, wanted in (("nice_to", True), ("need_to", False)):
        part = frame[nice_to[frame["opening"].to_numpy()] == wanted]
        rank_corr, chance_corr, top = [], [], []
        for _, group in part.groupby("opening"):
            if len(group) < 2 * top_k:
                continue
            rank_corr.append(group["rank"].corr(group["bip"], method="spearman"))
            chance_corr.append(group["chance"].corr(group["bip"], method="spearman"))
            top.append(group.loc[group["rank"] <= top_k, "bip"].mean())
        result[label] = {
            "openings": len(top),
            "rank_vs_mean_bip": round(float(np.nanmean(rank_corr)), 3) if top else float("nan"),
            "chance_vs_mean_bip": round(float(np.nanmean(chance_corr)), 3) if top else float("nan"),
            "top_k_mean_bip": round(float(np.mean(top)), 3) if top else float("nan"),
            "all_mean_bip": round(float(mean_bip.mean()), 3),
        }
    return result


def open_openings(
    session: Session, *, today: date, opening_ids: list[str] | None = None
) -> OpeningBatch:
    """The open openings of the matching index (all, or the given ones) as one batch."""
    view = cache_for(session).view(session, today=today)
    index = view.index
    rows = index.rows_of(opening_ids) if opening_ids is not None else np.arange(len(index))
    kept, _ = open_for_suggestions(index, view.overlay, rows)
    return batch(index, view.overlay, kept)


def model_audit(
    session: Session, *, model: ScoringModel, today: date, top_k: int = 10
) -> dict[str, Any]:
    """Everything ``kantmatch model audit`` prints, as plain values."""
    metrics = model.metadata.get("metrics", {})
    ids = list(
        session.exec(
            select(Citizen.id).where(col(Citizen.status) == "active").order_by(col(Citizen.id))
        ).all()
    )
    readiness: dict[str, dict[str, float]] = {}
    if ids:
        citizens = load_citizens(session, citizen_ids=ids)
        openings = open_openings(session, today=today)
        ci, oj = all_pairs(len(citizens.frame), len(openings))
        scored = score_pairs(citizens, openings, ci, oj, model)
        features, parts = scored.features, scored.parts
        readiness = readiness_by_opening_type(
            features["citizen_row"].to_numpy(),
            features["opening_row"].to_numpy(),
            parts["pair_fit"].to_numpy(),
            parts["chance"].to_numpy(),
            bip_filled(citizens.arrays.bip).mean(axis=1),
            openings.arrays.nice_to,
            top_k,
        )
    return {
        "signs": model.effect_signs(),
        "ranges": model.effect_ranges(),
        "monotone": model.metadata.get("monotone", {}),
        "calibration": metrics.get("reliability", []),
        "mean_predicted": metrics.get("mean_predicted"),
        "positive_rate": metrics.get("positive_rate"),
        "by_combination": metrics.get("by_combination", {}),
        "table_6_12": {name: rate for name, (_, rate) in COMBINATIONS.items()},
        "history_prior_strength": HISTORY_PRIOR_STRENGTH,
        "readiness": readiness,
        "exposure": matching_service.fairness_audit(session, model=model, today=today, top_k=top_k)
        if ids
        else {},
    }
