"""Matching: the stored scorer, and ranked suggestions with receipts.

It ranks tasks for a person and people for a task, never people by overall employability;
every item carries its score parts, reasons and cautions, and a person decides.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from service.auth import policy
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.companies.models import Company
from service.forecasts import service as forecasts_service
from service.matching import explain, ranking, synthetic
from service.matching.data import (
    CitizenBatch,
    OpeningBatch,
    load_citizens,
    load_openings,
    task_membership,
)
from service.matching.exceptions import CitizenWithoutLocationError
from service.matching.features import DIMENSIONS, FILTER_REASONS_DA, hard_filters
from service.matching.model import CHANCE_LABEL_DA, ScoringModel, TrainingResult, train
from service.matching.models import ModelVersion
from service.matching.pairs import build_pair_features
from service.matching.schemas import (
    Candidate,
    CandidateList,
    CitizenMatches,
    FilteredCount,
    MatchItem,
    ModelInfo,
    ScoreParts,
)
from service.places import PROGRAMME_MUNICIPALITIES
from service.sectors import SECTOR_NAMES_DA

SYNTHETIC_SOURCE = "SYNTHETIC: generator calibrated to VIVE 2020 Tables 6.10, 6.12, 6.17"
NOTICE = (
    "Forslag, ikke afgørelser: hver score viser sine dele og grunde, og en person beslutter. "
    "Modellen er trænet på syntetiske data, indtil jobcentrets egne forløb er indlæst."
)
SECTOR_NAME_BY_SLUG = {sector.value: name for sector, name in SECTOR_NAMES_DA.items()}
# Wishes count as met above this similarity; the "wider" list holds good tasks below it.
WISH_MET = 0.5
FILTER_MESSAGES = {
    **FILTER_REASONS_DA,
    "company_paused": "virksomheden holder pause",
    "company_at_capacity": "virksomheden har nået sit månedlige antal forslag",
    "no_coordinates": "virksomheden mangler en placering",
    "excluded_task": "borgeren har fravalgt opgaven",
}


# --- the stored scorer ----------------------------------------------------------------------


def active_model_version(session: Session) -> ModelVersion | None:
    """The active scorer version, if one has been trained."""
    return session.exec(select(ModelVersion).where(col(ModelVersion.is_active))).first()


def store_model(
    session: Session, *, result: TrainingResult, actor: Principal, activate: bool = True
) -> ModelVersion:
    """Store a trained scorer; when ``activate``, it replaces the active one (kept, inactive)."""
    model = result.model
    row = ModelVersion(
        version=str(model.metadata["version"]),
        training_source=str(model.metadata["training_source"])[:300],
        training_data_hash=model.data_hash,
        metrics=result.metrics,
        artifact=model.to_json(),
    )
    if activate:
        for old in session.exec(select(ModelVersion).where(col(ModelVersion.is_active))).all():
            old.is_active = False
            session.add(old)
        row.is_active = True
        row.activated_at = row.trained_at
    session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="activate" if activate else "store",
        entity_type="model_version",
        entity_id=row.id,
        detail={"source": row.training_source, "roc_auc": result.metrics.get("roc_auc")},
    )
    return row


def train_synthetic_model(
    session: Session, *, actor: Principal, n: int = 20000, seed: int = synthetic.SYNTHETIC_SEED
) -> ModelVersion:
    """Train on the seeded synthetic data (SYNTHETIC) and activate the result."""
    data = synthetic.generate(n, seed)
    result = train(data.frame, data.frame["label"], source=f"{SYNTHETIC_SOURCE} (seed {seed})")
    return store_model(session, result=result, actor=actor)


def ensure_model(session: Session, *, actor: Principal) -> tuple[ModelVersion, bool]:
    """The active scorer, training the synthetic one first if none exists."""
    current = active_model_version(session)
    if current is not None:
        return current, False
    return train_synthetic_model(session, actor=actor), True


def load_model(row: ModelVersion) -> ScoringModel:
    """The scorer of a stored version (JSON, checked; never unpickled)."""
    return ScoringModel.from_json(row.artifact)


def model_info(row: ModelVersion) -> ModelInfo:
    """What the API says about the scorer behind its scores."""
    return ModelInfo(
        version=row.version,
        trained_at=row.trained_at,
        training_source=row.training_source,
        synthetic=row.training_source.startswith("SYNTHETIC"),
    )


# --- scoring ----------------------------------------------------------------------------------


def score_pairs(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    ci: np.ndarray[Any, Any],
    oj: np.ndarray[Any, Any],
    model: ScoringModel,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Features and score parts for the pairs that pass the hard filters, and what was removed."""
    features = build_pair_features(citizens, openings, ci, oj)
    removed = hard_filters(
        citizens.arrays, openings.arrays, ci, oj, features["distance_km"].to_numpy()
    )
    removed["excluded_task"] = task_membership(citizens.frame["excluded_tasks"], openings)[ci, oj]
    keep = np.ones(len(ci), dtype=bool)
    counts: dict[str, int] = {}
    for reason, mask in removed.items():  # per filter reason, not per pair
        newly = mask & keep
        counts[reason] = int(newly.sum())
        keep &= ~mask
    features = features[keep].reset_index(drop=True)
    features["citizen_row"] = ci[keep]
    features["opening_row"] = oj[keep]
    frame = openings.frame
    proposals = frame["proposals"].to_numpy()[oj[keep]]
    positions = frame["positions"].to_numpy()[oj[keep]]
    congestion = np.maximum(0, proposals - positions) / positions
    parts = explain.model_parts(features, model, congestion)
    return features, parts, counts


# --- wording ----------------------------------------------------------------------------------


Forecasts = tuple[dict[tuple[str, str], tuple[float, int]], bool]


def _forecast_lookup(session: Session, today: date) -> Forecasts:
    """Expected openings next year per (municipality, sector), and whether they are illustrative."""
    run = forecasts_service.latest_run(session)
    illustrative = True if run is None else bool(run.illustrative)
    return forecasts_service.openings_next_year(session, year=today.year + 1), illustrative


def _context(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    features: pd.DataFrame,
    row: int,
    forecasts: Forecasts,
    view: explain.View = "full",
) -> explain.PairContext:
    c = int(features["citizen_row"].to_numpy()[row])
    o = int(features["opening_row"].to_numpy()[row])
    opening = openings.frame.iloc[o]
    # The task's sector card names the sector and its forecast (issue 14), in the company's
    # municipality.
    sector = str(opening.get("task_sector", opening["sector"]))
    municipality = str(opening["municipality_code"])
    forecast = forecasts[0].get((municipality, sector))
    values = features.iloc[row]
    gaps = [float(values[f"gap_{d}"]) for d in DIMENSIONS]
    return explain.PairContext(
        sector_name=SECTOR_NAME_BY_SLUG.get(sector, sector),
        task_name=str(opening["task_name"]),
        municipality_name=PROGRAMME_MUNICIPALITIES.get(municipality, municipality),
        max_commute_km=float(citizens.arrays.max_commute_km[c]),
        hours_available=float(citizens.arrays.hours_available[c]),
        opening_hours=float(openings.arrays.hours_per_week[o]),
        placement_types=tuple(opening["placement_types"]),
        health=float(values["bip_health"]),
        daily_energy=float(values["bip_daily_energy"]),
        can_manage_job=float(values["bip_can_manage_job"]),
        largest_gap=max(gaps),
        forecast_openings=forecast[0] if forecast else None,
        forecast_year=forecast[1] if forecast else None,
        forecast_illustrative=forecasts[1],
        prior_rate=float(openings.arrays.history_prior_rate[o]),
        has_car=bool(citizens.arrays.has_car[c]),
        view=view,
    )


def _parts(parts: pd.DataFrame, row: int) -> ScoreParts:
    values = parts.iloc[row]
    return ScoreParts(**{k: round(float(values[k]), 4) for k in ScoreParts.model_fields})


def _log_odds(parts: pd.DataFrame, row: int, view: explain.View) -> dict[str, float]:
    values = parts.iloc[row]
    groups = {g: float(values[f"lo_{g}"]) for g in explain.PART_GROUPS}
    return explain.visible_log_odds(groups, view)


def _match_item(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    features: pd.DataFrame,
    parts: pd.DataFrame,
    row: int,
    forecasts: Forecasts,
    today: date,
    view: explain.View = "full",
) -> MatchItem:
    context = _context(citizens, openings, features, row, forecasts, view)
    reasons, cautions = explain.reasons_and_cautions(features.iloc[row], context)
    proposal = explain.propose(context, today)
    opening = openings.frame.iloc[int(features["opening_row"].to_numpy()[row])]
    values = parts.iloc[row]
    return MatchItem(
        opening_id=str(opening["opening_id"]),
        company_id=str(opening["company_id"]),
        company_name=str(opening["company_name"]),
        task_id=str(opening["task_id"]),
        task_name=str(opening["task_name"]),
        sector=str(opening["sector"]),
        distance_km=round(float(features["distance_km"].to_numpy()[row]), 1),
        score=round(float(values["score"]), 4),
        chance=round(float(values["chance"]), 4),
        chance_band=(round(float(values["chance_low"]), 3), round(float(values["chance_high"]), 3)),
        chance_label=CHANCE_LABEL_DA,
        parts=_parts(parts, row),
        log_odds=_log_odds(parts, row, view),
        reasons=reasons,
        cautions=cautions,
        placement_type=proposal.placement_type,
        hours_per_week=proposal.hours_per_week,
        review_date=proposal.review_date,
        step_to_paid_hours_by=proposal.step_to_paid_hours_by,
        next_action=proposal.next_action,
    )


# Reasons that come from a citizen's limits or record: only caseworkers (and admins) may learn
# them, even as counts (API.md: consultants never see health or limits).
LIMIT_REASONS = frozenset({"clean_record", "heavy_lifting", "food_handling"})


def _filtered(counts: dict[str, int], actor: Principal) -> list[FilteredCount]:
    sees_limits = policy.may_see_sensitive(actor)
    return [
        FilteredCount(reason=reason, message=FILTER_MESSAGES[reason], count=count)
        for reason, count in counts.items()
        if count and (sees_limits or reason not in LIMIT_REASONS)
    ]


# --- suggestions ------------------------------------------------------------------------------


def suggest_openings_for_citizen(
    session: Session,
    *,
    citizen: Citizen,
    actor: Principal,
    info: ModelInfo,
    model: ScoringModel,
    limit: int,
    today: date,
) -> CitizenMatches:
    """Ranked open task openings for one citizen, with wider suggestions outside the wishes."""
    citizens_service.check_read_scope(actor, citizen.municipality_code)
    citizens = load_citizens(session, citizen_ids=[citizen.id])
    lat = citizens.arrays.lat[0]
    if np.isnan(lat):
        raise CitizenWithoutLocationError()
    reach = float(citizens.arrays.max_commute_km[0])
    near = (float(lat), float(citizens.arrays.lon[0]), reach)
    openings, left_out = load_openings(session, today=today, near=near)
    m = len(openings.frame)
    ci = np.zeros(m, dtype=np.int64)
    oj = np.arange(m, dtype=np.int64)
    features, parts, counts = score_pairs(citizens, openings, ci, oj, model)
    order = np.argsort(-parts["score"].to_numpy(), kind="stable")
    wished = np.maximum(
        features["wish_similarity"].to_numpy(), features["preferred_sector"].to_numpy()
    )
    has_wishes = bool(citizens.frame["wishes"].iat[0]) or bool(
        citizens.arrays.preferred_sector[0].any() or citizens.frame["wish_task_ids"].iat[0]
    )
    # The main list is the score order (wishes already weigh in through the preference part).
    within = [int(i) for i in order[:limit]]
    # Wider: good tasks outside the stated wishes, ranked by feasibility, not by the wish part.
    wider_order = np.argsort(-(parts["chance"] * parts["feasibility"]).to_numpy(), kind="stable")
    shown = set(within)
    wider = [int(i) for i in wider_order if has_wishes and wished[i] < WISH_MET and i not in shown]
    forecasts = _forecast_lookup(session, today)
    view = policy.match_view(actor)
    items = [
        _match_item(citizens, openings, features, parts, i, forecasts, today, view) for i in within
    ]
    wider_items = [
        _match_item(citizens, openings, features, parts, i, forecasts, today, view)
        for i in wider[: max(3, limit // 5)]
    ]
    citizens_service.audit_citizen(
        session, actor, "read_matches", citizen.id, {"items": len(items), "wider": len(wider_items)}
    )
    return CitizenMatches(
        citizen_id=citizen.id,
        items=items,
        wider=wider_items,
        filtered=_filtered({**left_out, **counts}, actor),
        considered=m,
        model=info,
        notice=NOTICE,
    )


def _visible_citizen_ids(session: Session, actor: Principal) -> list[str]:
    statement = policy.within_reach(
        select(Citizen.id).where(col(Citizen.status) == "active"),
        actor,
        col(Citizen.municipality_code),
    )
    return list(session.exec(statement.order_by(col(Citizen.id))).all())


def suggest_candidates(
    session: Session,
    *,
    company: Company,
    opening_id: str | None,
    actor: Principal,
    info: ModelInfo,
    model: ScoringModel,
    limit: int,
    today: date,
) -> CandidateList:
    """Ranked citizens for one opening or all of a company's; names for staff, counts for BLF."""
    openings, left_out = load_openings(
        session,
        today=today,
        opening_ids=[opening_id] if opening_id else None,
        company_id=company.id,
    )
    opening_ids = openings.frame["opening_id"].tolist()
    citizen_ids = _visible_citizen_ids(session, actor)
    citizens = load_citizens(session, citizen_ids=citizen_ids)
    n, m = len(citizens.frame), len(openings.frame)
    ci = np.repeat(np.arange(n, dtype=np.int64), m)
    oj = np.tile(np.arange(m, dtype=np.int64), n)
    features, parts, counts = score_pairs(citizens, openings, ci, oj, model)
    eligible = int(features["citizen_row"].nunique()) if len(features) else 0
    items: list[Candidate] | None = None
    if policy.candidate_view(actor) == "names":
        # One line per citizen: their best-fitting opening here, ordered by fit (issue 14).
        citizen_rows = features["citizen_row"].to_numpy()
        best = ranking.best_candidates(
            citizen_rows, parts["pair_fit"].to_numpy(), citizen_rows, limit
        )
        forecasts = _forecast_lookup(session, today)
        view = policy.match_view(actor)
        items = []
        for row in best:
            match = _match_item(
                citizens, openings, features, parts, int(row), forecasts, today, view
            )
            c = int(features["citizen_row"].to_numpy()[int(row)])
            citizen_id = str(citizens.frame["id"].iat[c])
            items.append(
                Candidate(
                    citizen_id=citizen_id,
                    name=str(citizens.frame["name"].iat[c]),
                    opening_id=match.opening_id,
                    task_name=match.task_name,
                    fit=round(float(parts["pair_fit"].to_numpy()[int(row)]), 4),
                    score=match.score,
                    chance=match.chance,
                    chance_band=match.chance_band,
                    chance_label=match.chance_label,
                    parts=match.parts,
                    log_odds=match.log_odds,
                    reasons=match.reasons,
                    cautions=match.cautions,
                    placement_type=match.placement_type,
                    hours_per_week=match.hours_per_week,
                    next_action=match.next_action,
                )
            )
            citizens_service.audit_citizen(
                session, actor, "read_as_candidate", citizen_id, {"company_id": company.id}
            )
    return CandidateList(
        company_id=company.id,
        opening_ids=opening_ids,
        items=items,
        eligible=eligible,
        filtered=_filtered({**left_out, **counts}, actor),
        model=info,
        notice=NOTICE,
    )


# --- fairness audit ---------------------------------------------------------------------------

AGE_BANDS = ((0, 29, "under 30"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"))
TOP_K = 10


def _age_band(birth_year: float, year: int) -> str:
    if np.isnan(birth_year):
        return "ukendt"
    age = year - int(birth_year)
    for low, high, label in AGE_BANDS:
        if low <= age <= high:
            return label
    return "60+"


def fairness_audit(
    session: Session, *, model: ScoringModel, today: date, top_k: int = TOP_K
) -> dict[str, list[dict[str, Any]]]:
    """Mean scores and top-k exposure by gender and by age band, over all active citizens.

    Gender and birth year are read here, after scoring, and only for this audit: they are not
    features. Exposure = a group's share of the top-k candidates per opening divided by its
    share of the candidates, averaged over openings (1.0 = exposed in proportion).
    """
    citizen_ids = list(
        session.exec(
            select(Citizen.id).where(col(Citizen.status) == "active").order_by(col(Citizen.id))
        ).all()
    )
    citizens = load_citizens(session, citizen_ids=citizen_ids)
    openings, _ = load_openings(session, today=today)
    n, m = len(citizens.frame), len(openings.frame)
    ci = np.repeat(np.arange(n, dtype=np.int64), m)
    oj = np.tile(np.arange(m, dtype=np.int64), n)
    features, parts, _ = score_pairs(citizens, openings, ci, oj, model)
    attributes = citizens_service.fairness_attributes(session, citizen_ids=citizen_ids)
    gender = np.array([attributes.get(c, (None, None))[0] or "ukendt" for c in citizen_ids])
    birth = np.array(
        [
            np.nan if attributes.get(c, (None, None))[1] is None else attributes[c][1]
            for c in citizen_ids
        ],
        dtype=float,
    )
    band = np.array([_age_band(b, today.year) for b in birth])
    scored = pd.DataFrame(
        {
            "citizen": features["citizen_row"].to_numpy(),
            "opening": features["opening_row"].to_numpy(),
            "score": parts["score"].to_numpy(),
            "fit": parts["pair_fit"].to_numpy(),
        }
    )
    # Exposure in the candidate lists as they are ordered: by fit (ranking.py).
    scored["rank"] = scored.groupby("opening")["fit"].rank(ascending=False, method="first")
    result: dict[str, list[dict[str, Any]]] = {}
    for name, groups in (("gender", gender), ("age_band", band)):
        scored["group"] = groups[scored["citizen"].to_numpy()]
        pool = scored.groupby(["opening", "group"]).size().unstack(fill_value=0)
        top_counts = scored[scored["rank"] <= top_k].groupby(["opening", "group"]).size()
        top = top_counts.unstack(fill_value=0).reindex(columns=pool.columns, fill_value=0)
        pool_share = pool.div(pool.sum(axis=1), axis=0)
        top_share = top.div(top.sum(axis=1).replace(0, np.nan), axis=0)
        exposure = (top_share / pool_share.replace(0, np.nan)).mean()
        means = scored.groupby("group")["score"].mean()
        counts = pd.Series(groups).value_counts()
        result[name] = [
            {
                "group": str(group),
                "citizens": int(counts.get(group, 0)),
                "mean_score": round(float(means.get(group, np.nan)), 4),
                "top_k_exposure": round(float(exposure.get(group, np.nan)), 3),
            }
            for group in sorted(counts.index)
        ]
    return result


def company_fit_for_citizens(
    session: Session, *, citizen_ids: list[str], model: ScoringModel, today: date
) -> dict[str, dict[str, tuple[float, list[str]]]]:
    """Per citizen, per company: the best score of its open openings and that pair's reasons.

    For planning group visits (bus tours): which companies are relevant for whom. Hard filters
    apply as in the match lists; the caller has checked that it may see the citizens.
    """
    if not citizen_ids:
        return {}
    citizens = load_citizens(session, citizen_ids=citizen_ids)
    openings, _ = load_openings(session, today=today)
    n, m = len(citizens.frame), len(openings.frame)
    ci = np.repeat(np.arange(n, dtype=np.int64), m)
    oj = np.tile(np.arange(m, dtype=np.int64), n)
    features, parts, _ = score_pairs(citizens, openings, ci, oj, model)
    if not len(features):
        return {cid: {} for cid in citizen_ids}
    best = (
        pd.DataFrame(
            {
                "citizen": features["citizen_row"].to_numpy(),
                "company": openings.frame["company_id"].to_numpy()[features["opening_row"]],
                "score": parts["score"].to_numpy(),
            }
        )
        .reset_index()
        .sort_values(["score", "index"], ascending=[False, True])
        .drop_duplicates(["citizen", "company"])
    )
    forecasts = _forecast_lookup(session, today)
    result: dict[str, dict[str, tuple[float, list[str]]]] = {cid: {} for cid in citizen_ids}
    for row, citizen_row, company_id, score in best[
        ["index", "citizen", "company", "score"]
    ].itertuples(index=False):
        context = _context(citizens, openings, features, int(row), forecasts, "full")
        reasons, _ = explain.reasons_and_cautions(features.iloc[int(row)], context)
        citizen_id = str(citizens.frame["id"].to_numpy()[int(citizen_row)])
        result[citizen_id][str(company_id)] = (round(float(score), 4), reasons)
    return result
