"""Matching: the stored scorer, and ranked suggestions with receipts.

It ranks tasks for a person and people for a task, never people by overall employability;
every item carries its score parts, reasons and cautions, and a person decides.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.companies.models import Company
from service.forecasts import service as forecasts_service
from service.matching import explain, kernel, ranking, synthetic
from service.matching.cache import IndexView, cache_for
from service.matching.data import load_citizens
from service.matching.exceptions import CitizenWithoutLocationError, MatcherBusyError
from service.matching.features import DIMENSIONS, FILTER_REASONS_DA, FloatArray, IntArray
from service.matching.index import (
    CitizenBatch,
    CitizenIndex,
    OpeningBatch,
    batch,
    left_out_counts,
    near,
    open_for_suggestions,
)
from service.matching.model import CHANCE_LABEL_DA, ScoringModel, TrainingResult, train
from service.matching.models import ModelVersion
from service.matching.schemas import (
    Candidate,
    CandidateList,
    CitizenMatches,
    FilteredCount,
    MatchItem,
    ModelInfo,
    ScoreParts,
)
from service.matching.scoring import (
    DirectLookups,
    ScoredPairs,
    near_group_best,
    score_pairs,
    shortlist,
    top_rows,
)
from service.places import PROGRAMME_MUNICIPALITIES
from service.sectors import SECTOR_NAMES_DA
from service.turns import Turns

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


@dataclass(frozen=True)
class LoadedModel:
    """The active version (plain values, safe to keep across requests) and its scorer."""

    id: str
    info: ModelInfo
    model: ScoringModel


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


# --- wording ----------------------------------------------------------------------------------


Forecasts = tuple[dict[tuple[str, str], tuple[float, int]], bool]


def _forecast_lookup(session: Session, today: date) -> Forecasts:
    """Expected openings next year per (municipality, sector), and whether they are illustrative."""
    run = forecasts_service.latest_run(session)
    illustrative = True if run is None else bool(run.illustrative)
    return forecasts_service.openings_next_year(session, year=today.year + 1), illustrative


def picked_rows(
    scored: ScoredPairs, rows: list[int]
) -> dict[int, tuple[pd.Series, dict[str, Any]]]:
    """The feature row and score parts of each row to word, taken from the frames at once.

    ``explain`` reads a feature row by column name only, so a plain mapping serves it; building
    a pandas Series (or ``iloc``) per row on the wide frame costs more than the scoring.
    """
    unique = sorted(set(rows))

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        rows_only = frame.take(unique)
        columns = {str(c): rows_only[c].to_numpy().tolist() for c in rows_only.columns}
        return [{c: values[i] for c, values in columns.items()} for i in range(len(unique))]

    features, parts = records(scored.features), records(scored.parts)
    return {
        row: (cast("pd.Series", f), p) for row, f, p in zip(unique, features, parts, strict=True)
    }


def _context(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    features: pd.Series,
    forecasts: Forecasts,
    view: explain.View = "full",
) -> explain.PairContext:
    c = int(features["citizen_row"])
    o = int(features["opening_row"])
    opening = openings.record(o)
    # The forecast, like the demand index, is the task's sector's (issue 14).
    forecast = forecasts[0].get((opening.municipality_code, opening.task_sector))
    return explain.PairContext(
        sector_name=SECTOR_NAME_BY_SLUG.get(opening.sector, opening.sector),
        task_name=opening.task_name,
        municipality_name=PROGRAMME_MUNICIPALITIES.get(
            opening.municipality_code, opening.municipality_code
        ),
        max_commute_km=float(citizens.arrays.max_commute_km[c]),
        hours_available=float(citizens.arrays.hours_available[c]),
        opening_hours=float(openings.arrays.hours_per_week[o]),
        placement_types=opening.placement_types,
        health=float(features["bip_health"]),
        daily_energy=float(features["bip_daily_energy"]),
        can_manage_job=float(features["bip_can_manage_job"]),
        largest_gap=max(float(features[f"gap_{d}"]) for d in DIMENSIONS),
        forecast_openings=forecast[0] if forecast else None,
        forecast_year=forecast[1] if forecast else None,
        forecast_sector_name=SECTOR_NAME_BY_SLUG.get(opening.task_sector, opening.task_sector),
        forecast_illustrative=forecasts[1],
        prior_rate=float(openings.arrays.history_prior_rate[o]),
        has_car=bool(citizens.arrays.has_car[c]),
        view=view,
    )


def _parts(parts: dict[str, Any]) -> ScoreParts:
    return ScoreParts(**{k: round(float(parts[k]), 4) for k in ScoreParts.model_fields})


def _match_item(
    citizens: CitizenBatch,
    openings: OpeningBatch,
    picked: tuple[pd.Series, dict[str, Any]],
    forecasts: Forecasts,
    today: date,
    view: explain.View = "full",
) -> MatchItem:
    features, parts = picked
    context = _context(citizens, openings, features, forecasts, view)
    reasons, cautions = explain.reasons_and_cautions(features, context)
    proposal = explain.propose(context, today)
    opening = openings.record(int(features["opening_row"]))
    groups = {g: float(parts[f"lo_{g}"]) for g in explain.PART_GROUPS}
    return MatchItem(
        opening_id=opening.opening_id,
        company_id=opening.company_id,
        company_name=opening.company_name,
        task_id=opening.task_id,
        task_name=opening.task_name,
        sector=opening.sector,
        distance_km=round(float(features["distance_km"]), 1),
        score=round(float(parts["score"]), 4),
        chance=round(float(parts["chance"]), 4),
        chance_band=(round(float(parts["chance_low"]), 3), round(float(parts["chance_high"]), 3)),
        chance_label=CHANCE_LABEL_DA,
        parts=_parts(parts),
        log_odds=explain.visible_log_odds(groups, view),
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


def _pairs(n: int, m: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Every (citizen row, opening row) pair of n citizens and m openings."""
    ci = np.repeat(np.arange(n, dtype=np.int64), m)
    oj = np.tile(np.arange(m, dtype=np.int64), n)
    return ci, oj


@dataclass(frozen=True)
class _Exact:
    """Some pairs of one citizen scored by score_pairs, in index row order."""

    openings: OpeningBatch
    scored: ScoredPairs


def _exactly(
    citizens: CitizenBatch,
    view: IndexView,
    rows: IntArray,
    model: ScoringModel,
    lookups: DirectLookups,
) -> _Exact:
    """The kernel's shortlist of openings for one citizen, scored by score_pairs in row order
    (the order ties are broken in), so the lists are exactly what it gives on every pair."""
    openings = batch(view.index, view.overlay, np.sort(rows))
    ci, oj = _pairs(1, len(openings))
    return _Exact(openings, score_pairs(citizens, openings, ci, oj, model, lookups=lookups))


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
    lat, lon = float(citizens.arrays.lat[0]), float(citizens.arrays.lon[0])
    if np.isnan(lat) or np.isnan(lon):
        raise CitizenWithoutLocationError()
    cache = cache_for(session)
    view = cache.view(session, today=today)
    prepared = cache.prepared(view, model)
    reach = float(citizens.arrays.max_commute_km[0])
    rows = near(view.index, lat, lon, reach, in_row_order=False)
    status = prepared.status[rows]
    left_out = left_out_counts(status)
    rows = rows[status == 0]
    m = len(rows)
    lookups = DirectLookups.for_index(citizens, view.index)
    ranked = kernel.rank(prepared, citizens.arrays, lookups, np.zeros(m, dtype=np.int64), rows)
    has_wishes = bool(citizens.frame["wishes"].iat[0]) or bool(
        citizens.arrays.preferred_sector[0].any() or citizens.frame["wish_task_ids"].iat[0]
    )
    # The kernel only shortlists; score_pairs scores, orders and words the shortlist (_exactly).
    # The main list is the score order (wishes already weigh in through the preference part).
    # Wider: good tasks outside the stated wishes, ranked by feasibility, not by the wish part.
    # Its top lies among the main shortlist's rows outside the wishes and the best of the rest.
    main = shortlist(ranked.score, limit)
    outside = ranked.wished < WISH_MET
    rest = outside.copy()
    rest[main] = False
    k_wider = max(3, limit // 5)
    pool = np.flatnonzero(rest) if has_wishes else np.zeros(0, dtype=np.int64)
    chosen = np.union1d(main, pool[shortlist(ranked.feasible[pool], k_wider)])
    exact = _exactly(citizens, view, ranked.rows[chosen], model, lookups)
    parts = exact.scored.parts
    within = [int(i) for i in top_rows(parts["score"].to_numpy(), limit)]
    wider: list[int] = []
    if has_wishes:
        candidates = exact.scored.features["wish_similarity"].to_numpy()
        wished = np.maximum(candidates, exact.scored.features["preferred_sector"].to_numpy())
        others = np.flatnonzero(wished < WISH_MET)
        others = others[~np.isin(others, within)]
        feasible = (parts["chance"] * parts["feasibility"]).to_numpy()[others]
        wider = [int(others[i]) for i in top_rows(feasible, k_wider)]
    forecasts = _forecast_lookup(session, today)
    view_of = policy.match_view(actor)
    picked = picked_rows(exact.scored, within + wider)
    items = [
        _match_item(citizens, exact.openings, picked[i], forecasts, today, view_of) for i in within
    ]
    wider_items = [
        _match_item(citizens, exact.openings, picked[i], forecasts, today, view_of) for i in wider
    ]
    citizens_service.audit_citizen(
        session, actor, "read_matches", citizen.id, {"items": len(items), "wider": len(wider_items)}
    )
    return CitizenMatches(
        citizen_id=citizen.id,
        items=items,
        wider=wider_items,
        filtered=_filtered({**left_out, **ranked.counts}, actor),
        considered=m,
        model=info,
        notice=NOTICE,
    )


# The requests that score take turns, one per core, first come first served: more at once only
# share the cores (under the GIL) and lengthen every one of them, and each holds its score
# frames in memory (32 at once at national volume: p99 7.5 s and 4.0 GB without the turns).
COMPUTE_TURNS = Turns(timeout_s=60.0, slots=os.cpu_count() or 1)


@contextmanager
def compute_turn() -> Iterator[None]:
    """Hold one of the matcher's turns (503 when none came free within a minute)."""
    if not COMPUTE_TURNS.acquire():
        raise MatcherBusyError()
    try:
        yield
    finally:
        COMPUTE_TURNS.release()


def citizen_matches(
    session: Session, *, citizen: Citizen, actor: Principal, loaded: LoadedModel, limit: int
) -> CitizenMatches:
    """Ranked open openings for a citizen by the active scorer, as of today (API and pages)."""
    with compute_turn():
        return suggest_openings_for_citizen(
            session,
            citizen=citizen,
            actor=actor,
            info=loaded.info,
            model=loaded.model,
            limit=limit,
            today=clock.today(),
        )


def _candidate_pairs(
    people: CitizenIndex, openings: OpeningBatch, actor: Principal
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(citizen row, opening row) pairs of visible, active citizens who might reach an opening.

    Openings of one company share a place, so the grid is asked once per distinct place, with
    the longest commute any citizen accepts; the commute filter then applies each one's own.
    """
    codes, municipalities = people.municipalities
    visible = np.array([policy.reaches_municipality(actor, m) for m in municipalities], dtype=bool)
    active = people.active & visible[codes] if len(codes) else people.active
    longest = people.longest_commute_km
    ci_parts, oj_parts = [], []
    places = np.column_stack([openings.arrays.lat, openings.arrays.lon])
    distinct, place_of = np.unique(places, axis=0, return_inverse=True)
    for p, (lat, lon) in enumerate(distinct):  # per distinct place (one per company)
        rows = people.grid.box(float(lat), float(lon), longest)
        rows = np.sort(rows[active[rows]])
        members = np.flatnonzero(place_of.reshape(-1) == p)
        ci_parts.append(np.repeat(rows, len(members)))
        oj_parts.append(np.tile(members, len(rows)))
    if not ci_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    ci, oj = np.concatenate(ci_parts), np.concatenate(oj_parts)
    order = np.lexsort((oj, ci))  # citizen order, as the candidate lists always had
    return ci[order], oj[order]


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
    cache = cache_for(session)
    view = cache.view(session, today=today)
    index = view.index
    rows = index.rows_of([opening_id]) if opening_id else index.rows_of_company(company.id)
    rows, left_out = open_for_suggestions(index, view.overlay, rows)
    openings = batch(index, view.overlay, rows)
    opening_ids = [openings.record(i).opening_id for i in range(len(openings))]
    people = cache.citizens(session, view)
    ci, oj = _candidate_pairs(people, openings, actor)
    ranked = kernel.rank(cache.prepared(view, model), people.citizens.arrays, people, ci, rows[oj])
    eligible = len(np.unique(ranked.ci))
    items: list[Candidate] | None = None
    if policy.candidate_view(actor) == "names":
        # The kernel shortlists each person's pairs near their best fit, and the people whose
        # best is near the limit-th; score_pairs orders those exactly (as on every pair).
        persons, person = np.unique(ranked.ci, return_inverse=True)
        close, best_fit = near_group_best(person.reshape(-1), len(persons), ranked.pair_fit)
        listed = persons[shortlist(best_fit, limit)]
        wanted = ranked.pair[close & np.isin(ranked.ci, listed)]
        scored = score_pairs(
            people.citizens, openings, ci[wanted], oj[wanted], model, lookups=people
        )
        features, parts = scored.features, scored.parts
        citizen_rows = features["citizen_row"].to_numpy()
        # One line per citizen: their best-fitting opening here, ordered by fit (issue 14).
        best = ranking.best_candidates(
            citizen_rows, parts["pair_fit"].to_numpy(), citizen_rows, limit
        )
        forecasts = _forecast_lookup(session, today)
        view_of = policy.match_view(actor)
        items = []
        frame = people.citizens.frame
        picked = picked_rows(scored, [int(r) for r in best])
        for row in best:
            match = _match_item(
                people.citizens, openings, picked[int(row)], forecasts, today, view_of
            )
            c = int(citizen_rows[int(row)])
            citizen_id = str(frame["id"].iat[c])
            items.append(
                Candidate(
                    citizen_id=citizen_id,
                    name=str(frame["name"].iat[c]),
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
        filtered=_filtered({**left_out, **ranked.counts}, actor),
        model=info,
        notice=NOTICE,
    )


# --- fairness audit ---------------------------------------------------------------------------

AGE_BANDS = ((0, 29, "under 30"), (30, 39, "30-39"), (40, 49, "40-49"), (50, 59, "50-59"))
TOP_K = 10


def company_candidates(
    session: Session,
    *,
    company: Company,
    opening_id: str | None,
    actor: Principal,
    loaded: LoadedModel,
    limit: int,
) -> CandidateList:
    """Candidates for one opening (or all of a company's open ones) by the active scorer, as of
    today (API and pages)."""
    with compute_turn():
        return suggest_candidates(
            session,
            company=company,
            opening_id=opening_id,
            actor=actor,
            info=loaded.info,
            model=loaded.model,
            limit=limit,
            today=clock.today(),
        )


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
    view = cache_for(session).view(session, today=today)
    rows, _ = open_for_suggestions(view.index, view.overlay, np.arange(len(view.index)))
    openings = batch(view.index, view.overlay, rows)
    ci, oj = _pairs(len(citizens), len(openings))
    pairs = score_pairs(citizens, openings, ci, oj, model)
    features, parts = pairs.features, pairs.parts
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
    # Exposure in the candidate lists as they are ordered: by fit (ranking.py, issue 14).
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


# --- bus tours: the group's fit with companies near each citizen (issue 13, tourscale) ---------


@dataclass(frozen=True)
class CompanyFit:
    """Per (citizen, company) pair that passed the hard filters: the best score of the
    company's open openings for the citizen (arrays of equal length, citizen-major).

    ``citizen`` is a position in the given citizen ids, ``company`` a company code of the
    index view's columns. The scores are the kernel's (within 1e-12 of score_pairs'; the
    tours show them to 4 decimals); which opening is a company's best is score_pairs' choice.
    Reasons are worded only when asked for, for the few pairs shown, by score_pairs.
    """

    citizen: IntArray
    company: IntArray
    score: FloatArray
    _rows: IntArray  # the index row of the pair's best opening
    _citizen_rows: IntArray  # the pair's row in _citizens
    _citizens: CitizenBatch
    _view: IndexView
    _model: ScoringModel

    def reasons(
        self, session: Session, pairs: list[tuple[int, int]], today: date
    ) -> dict[tuple[int, int], list[str]]:
        """The matcher's reasons for each (citizen position, company code)'s best opening."""
        result: dict[tuple[int, int], list[str]] = {pair: [] for pair in pairs}
        found = {}
        for pair in pairs:  # the chosen stops' pairs: a handful
            hit = np.flatnonzero((self.citizen == pair[0]) & (self.company == pair[1]))
            if len(hit):
                found[pair] = int(hit[0])
        if not found:
            return result
        rows = np.unique(self._rows[list(found.values())])
        openings = batch(self._view.index, self._view.overlay, rows)
        at = list(found.values())
        ci = self._citizen_rows[at]
        oj = np.searchsorted(rows, self._rows[at])
        scored = score_pairs(self._citizens, openings, ci, oj, self._model)
        picked = picked_rows(scored, list(range(len(at))))
        forecasts = _forecast_lookup(session, today)
        for n, pair in enumerate(found):
            features, _ = picked[n]
            context = _context(self._citizens, openings, features, forecasts)
            result[pair], _ = explain.reasons_and_cautions(features, context)
        return result


def company_fit_near(
    session: Session,
    *,
    citizen_ids: list[str],
    view: IndexView,
    companies: IntArray,
    model: ScoringModel,
) -> CompanyFit:
    """The group's best score per company of ``companies`` (codes in ``view``'s index).

    For planning group visits (bus tours). Only openings within each citizen's commute box
    are scored (the grid), so a pair the commute filter would drop is never built; the other
    hard filters apply as in the match lists. The kernel scores every pair; where several
    are near their (citizen, company)'s best, score_pairs decides which is. The caller has
    checked that it may see the citizens.
    """
    citizens = load_citizens(session, citizen_ids=citizen_ids)
    index = view.index
    prepared = cache_for(session).prepared(view, model)
    wanted = np.zeros(len(index.columns.company_id), dtype=bool)
    wanted[companies] = True
    arrays = citizens.arrays
    ci_parts, row_parts = [], []
    for c in range(len(citizens)):  # per citizen of the group: a handful of grid lookups
        lat, lon, km = float(arrays.lat[c]), float(arrays.lon[c]), float(arrays.max_commute_km[c])
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue
        rows = near(index, lat, lon, km, in_row_order=False)
        rows = rows[wanted[index.columns.company[rows]] & (prepared.status[rows] == 0)]
        ci_parts.append(np.full(len(rows), c, dtype=np.int64))
        row_parts.append(rows)
    empty = np.zeros(0, dtype=np.int64)
    ci = np.concatenate(ci_parts) if ci_parts else empty
    pair_rows = np.concatenate(row_parts) if row_parts else empty
    lookups = DirectLookups.for_index(citizens, index)
    ranked = kernel.rank(prepared, arrays, lookups, ci, pair_rows)
    # Per (citizen, company): the best score, and its opening. Where several pairs are within
    # the margin of the best, score_pairs decides between them (ties: the earlier row).
    k = len(index.columns.company_id)
    group = ranked.ci * k + index.columns.company[ranked.rows]
    groups, of = kernel.distinct(group, len(citizens) * k)
    close, best = near_group_best(of, len(groups), ranked.score)
    at = np.flatnonzero(close)
    chosen = np.zeros(len(groups), dtype=np.int64)
    chosen[of[at]] = at
    contested = at[np.bincount(of[at], minlength=len(groups))[of[at]] > 1]
    if len(contested):
        rows = np.unique(ranked.rows[contested])
        scored = score_pairs(
            citizens,
            batch(index, view.overlay, rows),
            ranked.ci[contested],
            np.searchsorted(rows, ranked.rows[contested]),
            model,
            lookups=lookups,
        )
        exact = scored.parts["score"].to_numpy()  # every pair passes: the kernel kept them
        order = np.lexsort((ranked.rows[contested], -exact, of[contested]))
        winners = order[np.r_[True, of[contested][order][1:] != of[contested][order][:-1]]]
        chosen[of[contested[winners]]] = contested[winners]
    ids = citizens.frame["id"].to_numpy()
    position = {str(cid): i for i, cid in enumerate(citizen_ids)}
    where = np.array([position[str(ids[int(r)])] for r in range(len(ids))], dtype=np.int64)
    return CompanyFit(
        where[ranked.ci[chosen]],
        np.asarray(groups % k, dtype=np.int64),
        np.asarray(best, dtype=float),
        np.asarray(ranked.rows[chosen], dtype=np.int64),
        np.asarray(ranked.ci[chosen], dtype=np.int64),
        citizens,
        view,
        model,
    )
