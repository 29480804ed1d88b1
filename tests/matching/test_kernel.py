"""The score-only kernel against the path it shortlists for: ``score_pairs`` on every pair.

The reference in every test is the brute force the kernel replaces: every pair in reach scored
by ``score_pairs`` and ordered by ``top_rows``, as suggestions were computed before the kernel.
The kernel's own scores may differ in their last bits (the parts are summed in another order);
the lists the service answers must not differ at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from benchmarks import national
from service import clock
from service.auth.principal import Principal, Role
from service.citizens.models import Citizen
from service.companies.models import Company
from service.db import make_engine
from service.matching import kernel, ranking
from service.matching import service as matching_service
from service.matching.cache import cache_for
from service.matching.data import load_citizens
from service.matching.features import CompanyHistory
from service.matching.index import (
    CitizenBatch,
    OpeningIndex,
    Overlay,
    batch,
    make_overlay,
    near,
    open_for_suggestions,
)
from service.matching.model import ScoringModel
from service.matching.scoring import DirectLookups, score_pairs, shortlist, top_rows
from service.migrations_runner import upgrade_database
from service.tasks.models import TaskOpening
from tests.conftest import fresh_database_url
from tests.matching.test_index import citizen_batch, model, random_columns  # noqa: F401

ADMIN = Principal(user_id=None, name="test", role=Role.admin)


def varied_index(m: int, k: int, seed: int = 3) -> OpeningIndex:
    """``random_columns`` with start requirements, licence and record demands, varied hours."""
    rng = np.random.default_rng(seed)
    columns = random_columns(m, k, seed)
    # Demand levels are the task's, overridden at one opening in ten (as companies do).
    demand = rng.integers(1, 6, (3, 6)).astype(float)[columns.task]
    changed = rng.random(m) < 0.1
    demand[changed, rng.integers(0, 6, int(changed.sum()))] = rng.integers(1, 6, int(changed.sum()))
    columns = dataclasses.replace(
        columns,
        demand=demand,
        hours_per_week=rng.choice([4.0, 8.0, 15.0, 30.0, 37.0], m),
        company_sector_code=rng.integers(0, 10, k),
        company_requires_danish=rng.random(k) < 0.3,
        company_requires_physical_health=rng.random(k) < 0.3,
        task_requires_licence=np.array([False, True, False]),
        task_requires_clean_record=np.array([False, False, True]),
        task_requires_food_hygiene=np.array([True, False, False]),
    )
    return OpeningIndex.build(columns)


def varied_citizens(n: int, seed: int = 5) -> CitizenBatch:
    """``citizen_batch`` with missing answers, limits, records, sectors and fewer hours."""
    rng = np.random.default_rng(seed)
    people = citizen_batch(n, seed)
    a = people.arrays
    bip = a.bip.copy()
    bip[rng.random(bip.shape) < 0.1] = np.nan
    arrays = dataclasses.replace(
        a,
        bip=bip,
        hours_available=rng.choice([0.0, 6.0, 10.0, 25.0], n, p=[0.05, 0.35, 0.3, 0.3]),
        has_licence=rng.random(n) < 0.6,
        criminal_record=rng.choice([-1, 0, 1], n),
        cannot_lift_heavy=rng.random(n) < 0.2,
        cannot_handle_food=rng.random(n) < 0.2,
        preferred_sector=rng.random((n, 10)) < 0.15,
        excluded_sector=rng.random((n, 10)) < 0.1,
        caseworker_belief=rng.choice([np.nan, 2.0, 4.0], n),
        max_commute_km=rng.choice([10.0, 40.0, 120.0], n),
    )
    return CitizenBatch(arrays=arrays, frame=people.frame)


def overlay_for(index: OpeningIndex) -> Overlay:
    """An overlay with proposals beyond capacity, company records and a demand index."""
    c = index.columns
    rng = np.random.default_rng(9)
    busy = rng.choice(len(index), 300, replace=False)
    history = CompanyHistory(
        by_company={str(cid): (int(rng.integers(0, 4)), 6) for cid in c.company_id[::3]},
        sector_rate={"detailhandel": 0.2},
    )
    return make_overlay(
        index,
        proposals={str(c.opening_id[j]): int(rng.integers(1, 4)) for j in busy},
        history=history,
        demand_index={("101", "industri"): 0.9, ("360", "detailhandel"): 0.2},
    )


@pytest.mark.parametrize("citizens_per_opening", ["many openings each", "one opening each"])
def test_the_kernel_keeps_counts_and_scores_every_pair_as_score_pairs(
    model: ScoringModel,  # noqa: F811
    citizens_per_opening: str,
) -> None:
    index = varied_index(20_000, 3_000)
    overlay = overlay_for(index)
    people = varied_citizens(40)
    rows, _ = open_for_suggestions(index, overlay, np.arange(len(index)))
    coded = kernel.profiles(index)
    if citizens_per_opening == "many openings each":  # the (citizen, profile) table
        ci = np.repeat(np.arange(40, dtype=np.int64), len(rows))
        oj = np.tile(np.arange(len(rows), dtype=np.int64), 40)
        assert len(np.unique(ci * len(coded) + coded.code[rows[oj]])) < len(ci) / 5
    else:  # as many cells as pairs: the kernel computes per pair
        ci = np.arange(40, dtype=np.int64)
        oj = np.random.default_rng(2).choice(len(rows), 40, replace=False)
        far = dataclasses.replace(people.arrays, max_commute_km=np.full(40, 1000.0))
        people = CitizenBatch(arrays=far, frame=people.frame)
    openings = batch(index, overlay, rows)
    lookups = DirectLookups.of(people, openings)
    reference = score_pairs(people, openings, ci, oj, model, lookups)
    prepared = kernel.prepare(index, overlay, model)
    ranked = kernel.rank(prepared, people.arrays, lookups, ci, rows[oj])

    assert ranked.counts == reference.counts
    assert sum(reference.counts.values()) > 0  # the filters did remove pairs
    assert ranked.ci.tolist() == reference.features["citizen_row"].tolist()
    expected_rows = rows[reference.features["opening_row"].to_numpy()]
    assert ranked.rows.tolist() == expected_rows.tolist()
    parts = reference.parts
    assert np.abs(ranked.score - parts["score"].to_numpy()).max() < 1e-12
    feasible = (parts["chance"] * parts["feasibility"]).to_numpy()
    assert np.abs(ranked.feasible - feasible).max() < 1e-12
    assert np.abs(ranked.pair_fit - parts["pair_fit"].to_numpy()).max() < 1e-12
    wished = np.maximum(
        reference.features["wish_similarity"].to_numpy(),
        reference.features["preferred_sector"].to_numpy(),
    )
    assert ranked.wished.tolist() == wished.tolist()
    assert len(np.unique(parts["score"].round(6))) > len(ci) // 40  # the scores do spread


def test_profiles_code_rows_by_exactly_the_profile_attributes() -> None:
    index = varied_index(5_000, 400)
    coded = kernel.profiles(index)
    s = index.static
    key = np.column_stack(
        [
            index.columns.task,
            s.sector,
            s.demand,
            s.hours_per_week,
            s.requires_danish,
            s.requires_physical_health,
        ]
    )
    distinct, inverse = np.unique(key, axis=0, return_inverse=True)
    assert len(coded) == len(distinct)
    # Same code exactly when same attributes: the two codings are one relabelling.
    pairs = set(zip(coded.code.tolist(), inverse.reshape(-1).tolist(), strict=True))
    assert len(pairs) == len(distinct)
    assert coded.table.hours_per_week[coded.code].tolist() == s.hours_per_week.tolist()
    assert (coded.table.demand[coded.code] == s.demand).all()


@pytest.mark.parametrize("size", [50, 10_000_000])  # a presence table; the sort
def test_distinct_is_numpy_unique_with_the_inverse(size: int) -> None:
    rng = np.random.default_rng(5)
    key = rng.integers(0, 50, size=300) * (size // 50)
    used, of = kernel.distinct(key, size)
    expected, inverse = np.unique(key, return_inverse=True)
    assert used.tolist() == expected.tolist()
    assert of.tolist() == inverse.tolist()
    assert used[of].tolist() == key.tolist()


def test_a_shortlist_holds_the_top_k_of_any_values_within_half_its_margin() -> None:
    rng = np.random.default_rng(4)
    values = np.round(rng.random(5_000), 3)  # many ties
    for k in (1, 5, 20):
        listed = shortlist(values, k)
        for _ in range(20):
            noisy = values + rng.uniform(-5e-10, 5e-10, len(values))
            top = top_rows(noisy, k)
            assert set(top.tolist()) <= set(listed.tolist())
            # Re-ranked on the shortlist alone, in position order, the top is the same.
            again = listed[top_rows(noisy[listed], k)]
            assert again.tolist() == top.tolist()
    assert shortlist(values, 0).tolist() == []
    assert shortlist(values[:3], 5).tolist() == [0, 1, 2]


# --- the service's lists against the brute force, on stored data, both backends ---------------


@dataclasses.dataclass(frozen=True)
class Lists:
    items: list[tuple[str, float, float]]  # opening id, score, chance
    wider: list[tuple[str, float, float]]
    filtered: dict[str, int]
    considered: int


def brute_force(
    session: Session, citizen_id: str, scorer: ScoringModel, today: date
) -> Lists | None:
    """Suggestions as computed before the kernel: score_pairs on every opening in reach (None
    for a citizen without a place)."""
    citizens = load_citizens(session, citizen_ids=[citizen_id])
    a = citizens.arrays
    if np.isnan(a.lat[0]) or np.isnan(a.lon[0]):
        return None
    view = cache_for(session).view(session, today=today)
    in_reach = near(view.index, float(a.lat[0]), float(a.lon[0]), float(a.max_commute_km[0]))
    rows, left_out = open_for_suggestions(view.index, view.overlay, in_reach)
    openings = batch(view.index, view.overlay, rows)
    m = len(openings)
    scored = score_pairs(citizens, openings, np.zeros(m, dtype=np.int64), np.arange(m), scorer)
    features, parts = scored.features, scored.parts
    wished = np.maximum(
        features["wish_similarity"].to_numpy(), features["preferred_sector"].to_numpy()
    )
    has_wishes = bool(citizens.frame["wishes"].iat[0]) or bool(
        a.preferred_sector[0].any() or citizens.frame["wish_task_ids"].iat[0]
    )
    within = top_rows(parts["score"].to_numpy(), 20)
    outside = wished < matching_service.WISH_MET
    outside[within] = False
    wider = np.zeros(0, dtype=np.int64)
    if has_wishes and outside.any():
        feasible = (parts["chance"] * parts["feasibility"]).to_numpy()
        pool = np.flatnonzero(outside)
        wider = pool[top_rows(feasible[pool], 4)]

    opening_rows = features["opening_row"].to_numpy()
    scores, chances = parts["score"].to_numpy(), parts["chance"].to_numpy()

    def listed(positions: np.ndarray) -> list[tuple[str, float, float]]:
        return [
            (
                openings.record(int(opening_rows[i])).opening_id,
                round(float(scores[i]), 4),
                round(float(chances[i]), 4),
            )
            for i in positions
        ]

    counts = {k: v for k, v in {**left_out, **scored.counts}.items() if v}
    return Lists(listed(within), listed(wider), counts, m)


def served(session: Session, citizen_id: str, scorer: ScoringModel, today: date) -> Lists:
    """The service's answer for the same citizen."""
    row = matching_service.active_model_version(session)
    assert row is not None
    citizen = session.get(Citizen, citizen_id)
    assert citizen is not None
    answer = matching_service.suggest_openings_for_citizen(
        session,
        citizen=citizen,
        actor=ADMIN,
        info=matching_service.model_info(row),
        model=scorer,
        limit=20,
        today=today,
    )
    return Lists(
        [(i.opening_id, i.score, i.chance) for i in answer.items],
        [(i.opening_id, i.score, i.chance) for i in answer.wider],
        {f.reason: f.count for f in answer.filtered},
        answer.considered,
    )


@pytest.fixture(scope="module")
def stored(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A SYNTHETIC national sample (0.5 % of national volume over all 98 municipalities) with
    a trained scorer. (The demo data takes 25-45 s to load with its placement history; the
    overlay's proposals and records are covered by the tests above.)"""
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_kernel"))
    upgrade_database(engine)
    national.generate(engine, scale=0.005, seed=11)
    yield engine
    engine.dispose()


def test_served_lists_are_the_brute_force_lists(stored: Engine) -> None:
    today = clock.today()
    with Session(stored) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        scorer = matching_service.load_model(row)
        ids = list(session.exec(select(Citizen.id).order_by(col(Citizen.id))).all())
        chosen = np.random.default_rng(1).choice(ids, min(60, len(ids)), replace=False)
        seen_wider = seen_filtered = compared = 0
        for citizen_id in chosen:
            expected = brute_force(session, str(citizen_id), scorer, today)
            if expected is None:
                continue
            compared += 1
            answer = served(session, str(citizen_id), scorer, today)
            assert answer == expected, citizen_id
            seen_wider += len(answer.wider)
            seen_filtered += sum(answer.filtered.values())
        session.rollback()
    # The comparison covered the wider lists and the filter counts, not only empty answers.
    assert compared >= 40
    assert seen_wider > 0
    assert seen_filtered > 0


def brute_force_candidates(
    session: Session, company: Company, opening_id: str | None, scorer: ScoringModel, today: date
) -> tuple[list[tuple[str, str, float, float]], int, dict[str, int]]:
    """Candidates as computed before the kernel: score_pairs on every (citizen, opening) pair."""
    cache = cache_for(session)
    view = cache.view(session, today=today)
    index = view.index
    rows = index.rows_of([opening_id]) if opening_id else index.rows_of_company(company.id)
    rows, left_out = open_for_suggestions(index, view.overlay, rows)
    openings = batch(index, view.overlay, rows)
    people = cache.citizens(session, view)
    ci, oj = matching_service._candidate_pairs(people, openings, ADMIN)
    scored = score_pairs(people.citizens, openings, ci, oj, scorer, lookups=people)
    citizen_rows = scored.features["citizen_row"].to_numpy()
    fit = scored.parts["pair_fit"].to_numpy()
    best = ranking.best_candidates(citizen_rows, fit, citizen_rows, 20)
    ids = people.citizens.frame["id"].to_numpy()
    opening_rows = scored.features["opening_row"].to_numpy()
    score = scored.parts["score"].to_numpy()
    items = [
        (
            str(ids[citizen_rows[r]]),
            openings.record(int(opening_rows[r])).opening_id,
            round(float(fit[r]), 4),
            round(float(score[r]), 4),
        )
        for r in best
    ]
    counts = {k: v for k, v in {**left_out, **scored.counts}.items() if v}
    return items, len(np.unique(citizen_rows)), counts


def test_served_candidates_are_the_brute_force_candidates(stored: Engine) -> None:
    today = clock.today()
    with Session(stored) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        scorer = matching_service.load_model(row)
        info = matching_service.model_info(row)
        openings = list(
            session.exec(
                select(TaskOpening)
                .where(col(TaskOpening.status) == "open")
                .order_by(col(TaskOpening.id))
            ).all()
        )
        rng = np.random.default_rng(3)
        picked = [openings[int(i)] for i in rng.choice(len(openings), 20, replace=False)]
        listed = 0
        for n, opening in enumerate(picked):
            company = session.get(Company, opening.company_id)
            assert company is not None
            # Half for one opening, half for every open opening of the company.
            opening_id = opening.id if n % 2 else None
            expected = brute_force_candidates(session, company, opening_id, scorer, today)
            answer = matching_service.suggest_candidates(
                session,
                company=company,
                opening_id=opening_id,
                actor=ADMIN,
                info=info,
                model=scorer,
                limit=20,
                today=today,
            )
            assert answer.items is not None
            got = [(c.citizen_id, c.opening_id, c.fit, c.score) for c in answer.items]
            filtered = {f.reason: f.count for f in answer.filtered}
            assert (got, answer.eligible, filtered) == expected, opening.id
            listed += len(got)
        session.rollback()
    assert listed > 100


def test_company_fit_near_finds_the_brute_force_best_per_citizen_and_company(
    stored: Engine,
) -> None:
    today = clock.today()
    with Session(stored) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        scorer = matching_service.load_model(row)
        view = cache_for(session).view(session, today=today)
        index = view.index
        ids = list(session.exec(select(Citizen.id).order_by(col(Citizen.id))).all())
        rng = np.random.default_rng(5)
        companies = np.sort(rng.choice(len(index.columns.company_id), 400, replace=False))
        for _ in range(4):
            group = [str(c) for c in rng.choice(ids, 8, replace=False)]
            fit = matching_service.company_fit_near(
                session, citizen_ids=group, view=view, companies=companies, model=scorer
            )
            # Brute force: every open opening of the companies in each citizen's box.
            citizens = load_citizens(session, citizen_ids=group)
            a = citizens.arrays
            wanted = np.isin(index.columns.company, companies)
            rows, _ = open_for_suggestions(index, view.overlay, np.flatnonzero(wanted))
            openings = batch(index, view.overlay, rows)
            ci_parts, oj_parts = [], []
            for c in range(len(group)):
                if np.isnan(a.lat[c]) or np.isnan(a.lon[c]):
                    continue
                box = near(index, float(a.lat[c]), float(a.lon[c]), float(a.max_commute_km[c]))
                mine = np.flatnonzero(np.isin(rows, box))
                ci_parts.append(np.full(len(mine), c, dtype=np.int64))
                oj_parts.append(mine)
            scored = score_pairs(
                citizens, openings, np.concatenate(ci_parts), np.concatenate(oj_parts), scorer
            )
            citizen_row = scored.features["citizen_row"].to_numpy()
            company = index.columns.company[openings.rows[scored.features["opening_row"]]]
            score = scored.parts["score"].to_numpy()
            # The best opening per (citizen, company): highest score, then the earlier row.
            best: dict[tuple[str, int], tuple[float, int]] = {}
            opening_rows = openings.rows[scored.features["opening_row"].to_numpy()]
            for c, k, v, r in zip(
                citizen_row.tolist(),
                company.tolist(),
                score.tolist(),
                opening_rows.tolist(),
                strict=True,
            ):
                key = (str(citizens.frame["id"].iat[c]), int(k))
                if key not in best or v > best[key][0]:
                    best[key] = (v, int(r))
            got = {
                (group[int(c)], int(k)): (float(v), int(r))
                for c, k, v, r in zip(fit.citizen, fit.company, fit.score, fit._rows, strict=True)
            }
            assert got.keys() == best.keys()
            assert len(got) > 20
            for key, (value, opening_row) in best.items():
                assert got[key][1] == opening_row, key  # the same opening is the best
                assert abs(got[key][0] - value) < 1e-12  # the kernel's score (4 decimals shown)
        session.rollback()
