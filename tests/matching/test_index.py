"""The matching index on its own (pure numpy): the grid, reach, lookups and top-k ordering.

The reference in every test is the brute force the index replaces: every row, every pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from service.matching import synthetic
from service.matching.features import BIP_KEYS, Citizens
from service.matching.index import (
    CitizenBatch,
    CitizenIndex,
    OpeningColumns,
    OpeningIndex,
    SpatialGrid,
    batch,
    make_overlay,
    near,
    open_for_suggestions,
    text_similarity,
)
from service.matching.model import ScoringModel, train
from service.matching.scoring import DirectLookups, score_pairs, top_rows

TASKS = ("lager.pakning", "detail.fyld", "koekken.opvask")
TASK_TEXTS = ["pakke varer pakning", "fylde varer op", "vaske op opvask"]


def random_columns(m: int, k: int, seed: int = 3) -> OpeningColumns:
    """m openings at k companies spread over Denmark, three tasks (SYNTHETIC)."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(54.6, 57.7, k)
    lon = rng.uniform(8.1, 12.6, k)
    lat[0] = np.nan  # one company without coordinates
    obj = np.empty(k, dtype=object)
    obj[:] = [f"c{i:05d}" for i in range(k)]
    names = obj.copy()
    municipalities = np.empty(k, dtype=object)
    municipalities[:] = rng.choice(["101", "360", "851"], k).tolist()
    sectors = np.empty(k, dtype=object)
    sectors[:] = ["detailhandel"] * k
    ids = np.empty(m, dtype=object)
    ids[:] = [f"o{j:07d}" for j in range(m)]
    task_ids = np.empty(3, dtype=object)
    task_ids[:] = list(TASKS)
    texts = np.empty(3, dtype=object)
    texts[:] = TASK_TEXTS
    capacity = np.full(k, np.nan)
    capacity[1] = 1.0
    return OpeningColumns(
        opening_id=ids,
        company=rng.integers(0, k, m),
        task=rng.integers(0, 3, m),
        hours_per_week=rng.choice([5.0, 10.0, 20.0], m),
        positions=np.ones(m, dtype=np.int64),
        placement_types=np.zeros(m, dtype=np.int64),
        demand=rng.integers(1, 6, (m, 6)).astype(float),
        placement_type_sets=[("virksomhedspraktik",)],
        company_id=obj,
        company_name=names,
        company_municipality=municipalities,
        company_sector=sectors,
        company_sector_code=np.zeros(k, dtype=np.int64),
        company_lat=lat,
        company_lon=lon,
        company_paused=np.arange(k) == 2,
        company_capacity=capacity,
        company_unskilled_many=rng.random(k) < 0.4,
        company_ambassador=rng.random(k) < 0.2,
        company_requires_danish=np.zeros(k, dtype=bool),
        company_requires_physical_health=np.zeros(k, dtype=bool),
        task_id=task_ids,
        task_name=task_ids.copy(),
        task_sector=np.array(["andre_brancher", "detailhandel", "industri"], dtype=object),
        task_text=texts,
        task_learnable_in_week=np.array([True, True, False]),
        task_nice_to=np.array([True, False, True]),
        task_learning_days=np.array([2.0, 3.0, 10.0]),
        task_requires_licence=np.zeros(3, dtype=bool),
        task_requires_clean_record=np.zeros(3, dtype=bool),
        task_requires_food_hygiene=np.zeros(3, dtype=bool),
    )


def citizen_batch(n: int, seed: int = 5) -> CitizenBatch:
    """n citizens over Denmark with wishes and an excluded task (SYNTHETIC)."""
    rng = np.random.default_rng(seed)
    bip = rng.integers(1, 6, (n, len(BIP_KEYS))).astype(float)
    arrays = Citizens(
        bip=bip,
        danish_level=rng.integers(1, 6, n).astype(float),
        hours_available=np.full(n, 10.0),
        max_commute_km=rng.choice([10.0, 25.0, 40.0], n),
        has_licence=np.ones(n, dtype=bool),
        has_car=rng.random(n) < 0.5,
        lat=rng.uniform(54.6, 57.7, n),
        lon=rng.uniform(8.1, 12.6, n),
        criminal_record=np.zeros(n, dtype=np.int64),
        cannot_lift_heavy=np.zeros(n, dtype=bool),
        cannot_handle_food=np.zeros(n, dtype=bool),
        preferred_sector=np.zeros((n, 10), dtype=bool),
        excluded_sector=np.zeros((n, 10), dtype=bool),
    )
    frame = pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(n)],
            "name": [f"Borger {i}" for i in range(n)],
            "municipality_code": ["360"] * n,
            "status": ["active"] * n,
            "wishes": rng.choice(["fylde varer op", "", "opvask i et koekken"], n).tolist(),
            "wish_task_ids": [{"lager.pakning"} if i % 7 == 0 else set() for i in range(n)],
            "excluded_tasks": [{"koekken.opvask"} if i % 5 == 0 else set() for i in range(n)],
            "has_car": arrays.has_car,
        }
    )
    return CitizenBatch(arrays=arrays, frame=frame)


@pytest.fixture(scope="module")
def model() -> ScoringModel:
    data = synthetic.generate(3000, seed=4)
    return train(data.frame, data.frame["label"], source="SYNTHETIC (test)").model


def test_grid_box_holds_exactly_the_rows_of_the_old_query_box() -> None:
    rng = np.random.default_rng(1)
    index = OpeningIndex.build(random_columns(20_000, 4_000))
    lat, lon = index.static.lat, index.static.lon
    for _ in range(25):
        point_lat, point_lon = rng.uniform(54.6, 57.7), rng.uniform(8.1, 12.6)
        km = float(rng.choice([3.0, 15.0, 60.0]))
        dlat = km / 111.0
        dlon = km / (111.0 * np.cos(np.radians(point_lat)))
        brute = np.flatnonzero(
            (np.abs(lat - point_lat) <= dlat) & (np.abs(lon - point_lon) <= dlon)
        )
        assert near(index, point_lat, point_lon, km).tolist() == brute.tolist()


def test_grid_skips_rows_without_coordinates() -> None:
    grid = SpatialGrid.build(np.array([55.0, np.nan, 55.01]), np.array([11.0, 11.0, np.nan]))
    assert grid.rows.tolist() == [0]
    assert grid.box(55.0, 11.0, 50.0).tolist() == [0]


def test_a_citizen_scored_on_the_rows_within_reach_gets_the_brute_force_top_20(
    model: ScoringModel,
) -> None:
    index = OpeningIndex.build(random_columns(30_000, 6_000))
    overlay = make_overlay(index, proposals={}, demand_index={})
    people = citizen_batch(12)
    everything, _ = open_for_suggestions(index, overlay, np.arange(len(index)))
    for c in range(12):
        one = CitizenBatch(
            arrays=people.arrays.take(np.array([c], dtype=np.int64)),
            frame=people.frame.iloc[[c]].reset_index(drop=True),
        )
        reach = float(one.arrays.max_commute_km[0])
        rows, _ = open_for_suggestions(
            index, overlay, near(index, float(one.arrays.lat[0]), float(one.arrays.lon[0]), reach)
        )
        fast = score_pairs(
            one,
            batch(index, overlay, rows),
            np.zeros(len(rows), dtype=np.int64),
            np.arange(len(rows)),
            model,
        )
        full = batch(index, overlay, everything)
        slow = score_pairs(
            one, full, np.zeros(len(everything), dtype=np.int64), np.arange(len(everything)), model
        )
        fast_top = rows[
            fast.features["opening_row"].to_numpy()[top_rows(fast.parts["score"].to_numpy(), 20)]
        ]
        slow_top = everything[
            slow.features["opening_row"].to_numpy()[top_rows(slow.parts["score"].to_numpy(), 20)]
        ]
        assert fast_top.tolist() == slow_top.tolist()
        assert len(fast_top) > 0
        # The rows beyond reach only fail the commute filter: nothing else is lost.
        assert fast.counts["excluded_task"] == slow.counts["excluded_task"]


def test_paused_companies_and_companies_at_capacity_are_left_out_and_counted() -> None:
    columns = random_columns(5_000, 50)
    index = OpeningIndex.build(columns)
    at_company_1 = np.flatnonzero(columns.company == 1)
    overlay = make_overlay(
        index,
        proposals={str(columns.opening_id[at_company_1[0]]): 1},
        demand_index={},
    )
    rows, left_out = open_for_suggestions(index, overlay, np.arange(len(index)))
    companies = columns.company[rows]
    assert not np.isin(companies, [0, 1, 2]).any()
    assert left_out == {
        "company_paused": int((columns.company == 2).sum()),
        "company_at_capacity": len(at_company_1),
        "no_coordinates": int((columns.company == 0).sum()),
    }


def test_the_demand_index_follows_the_tasks_sector_in_the_companys_municipality() -> None:
    # Every company here is a shop (detailhandel); the three tasks belong to three sector cards.
    columns = random_columns(2_000, 40)
    index = OpeningIndex.build(columns)
    demand = {("101", "industri"): 0.9, ("360", "industri"): 0.2, ("101", "detailhandel"): 0.7}
    overlay = make_overlay(index, proposals={}, demand_index=demand)
    municipality = columns.company_municipality[columns.company]
    sector = columns.task_sector[columns.task]
    expected = [
        demand.get((str(m), str(s)), 0.5) for m, s in zip(municipality, sector, strict=True)
    ]
    assert overlay.demand_index.tolist() == pytest.approx(expected)
    # An industry task in Copenhagen gets industry's 0.9, not the shop sector's 0.7.
    industry_in_101 = (municipality == "101") & (sector == "industri")
    assert industry_in_101.any()
    assert set(overlay.demand_index[industry_in_101].tolist()) == {0.9}
    assert index.record(int(np.flatnonzero(industry_in_101)[0])).task_sector == "industri"


def test_wish_similarity_is_computed_once_per_citizen_and_distinct_task() -> None:
    people = citizen_batch(40)
    task_ids = np.empty(3, dtype=object)
    task_ids[:] = list(TASKS)
    people_index = CitizenIndex.build(people, list(people.frame["wishes"]), task_ids, TASK_TEXTS)
    ci = np.repeat(np.arange(40), 50)  # 50 openings each, of three distinct tasks
    task = np.tile(np.arange(50) % 3, 40)
    values = people_index.wish(ci, task)
    expected = text_similarity(list(people.frame["wishes"]), TASK_TEXTS)
    named = np.array([[t in s for t in TASKS] for s in people.frame["wish_task_ids"]])
    assert np.allclose(values, np.where(named, 1.0, expected)[ci, task], atol=1e-6)
    # 40 citizens x 3 tasks were filled, no more (the matrix is per task, not per opening).
    assert int((~np.isnan(people_index.similarity)).sum()) == 120
    assert people_index.excluded(np.array([0, 1]), np.array([2, 2])).tolist() == [True, False]


def test_direct_and_index_lookups_agree(model: ScoringModel) -> None:
    index = OpeningIndex.build(random_columns(3_000, 300))
    overlay = make_overlay(index, proposals={}, demand_index={})
    people = citizen_batch(30)
    rows, _ = open_for_suggestions(index, overlay, np.arange(len(index)))
    openings = batch(index, overlay, rows)
    ci = np.repeat(np.arange(30), len(rows))
    oj = np.tile(np.arange(len(rows)), 30)
    people_index = CitizenIndex.build(
        people, list(people.frame["wishes"]), index.columns.task_id, list(index.columns.task_text)
    )
    direct = score_pairs(people, openings, ci, oj, model, DirectLookups.of(people, openings))
    cached = score_pairs(people, openings, ci, oj, model, people_index)
    assert direct.counts == cached.counts
    assert np.allclose(direct.parts["score"], cached.parts["score"], atol=1e-6)


def test_top_rows_is_the_stable_descending_order() -> None:
    values = np.array([0.2, 0.9, 0.5, 0.9, 0.1, 0.5, 0.5])
    assert top_rows(values, 4).tolist() == [1, 3, 2, 5]
    assert top_rows(values, 10).tolist() == np.argsort(-values, kind="stable").tolist()
