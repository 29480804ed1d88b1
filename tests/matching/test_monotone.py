"""Property tests (hypothesis): the scorer can never punish a better self-rating.

Raising any one self-rating (a BIP answer, the Danish level) never lowers the chance or the
score of any pair; raising any one of a task's demands never raises them; a company without
history is exactly neutral. Over random citizens and openings, on a model trained on SYNTHETIC
data.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import explain, synthetic
from service.matching.features import BIP_KEYS, DIMENSIONS, pair_features
from service.matching.model import ScoringModel, train
from tests.matching.test_model import PAIR, citizens, openings


@pytest.fixture(scope="module")
def model() -> ScoringModel:
    frame = synthetic.generate(4000, seed=21).frame
    return train(frame, frame["label"], source="synthetic (test)").model


answers = st.lists(
    st.one_of(st.integers(1, 5).map(float), st.just(float("nan"))), min_size=10, max_size=10
)
demands = st.lists(st.integers(1, 5).map(float), min_size=6, max_size=6)
pairs = st.fixed_dictionaries(
    {
        "bip": answers,
        "danish": st.integers(1, 5).map(float),
        "belief": st.integers(1, 5).map(float),
        "demand": demands,
        "km": st.floats(0.0, 0.25),
        "wish": st.floats(0.0, 1.0),
        "ended": st.integers(0, 12),
        "share": st.floats(0.0, 1.0),
        "requires_danish": st.booleans(),
        "requires_health": st.booleans(),
        "nice_to": st.booleans(),
    }
)


def chance_and_score(model: ScoringModel, pair: dict[str, object]) -> tuple[float, float]:
    ended = float(pair["ended"])  # type: ignore[arg-type]
    c = citizens(
        bip=np.array([pair["bip"]], dtype=float),
        danish_level=np.array([pair["danish"]], dtype=float),
        caseworker_belief=np.array([pair["belief"]], dtype=float),
    )
    o = openings(
        demand=np.array([pair["demand"]], dtype=float),
        lon=np.array([11.135 + float(pair["km"])]),  # type: ignore[arg-type]
        lat=np.array([54.831]),
        history_ended=np.array([ended]),
        history_converted=np.array([np.floor(ended * float(pair["share"]))]),  # type: ignore[arg-type]
        requires_danish=np.array([pair["requires_danish"]]),
        requires_physical_health=np.array([pair["requires_health"]]),
        nice_to=np.array([pair["nice_to"]]),
    )
    features = pair_features(c, o, *PAIR, np.array([pair["wish"]], dtype=float))
    chance = model.predict_proba(features)
    parts = explain.score_parts(features, chance)
    return float(chance[0]), float(parts["score"].to_numpy()[0])


@settings(max_examples=150, deadline=None)
@given(pair=pairs, which=st.integers(0, len(BIP_KEYS)))
def test_raising_any_one_self_rating_never_lowers_a_score(
    model: ScoringModel, pair: dict[str, object], which: int
) -> None:
    before = chance_and_score(model, pair)
    raised = dict(pair)
    if which == len(BIP_KEYS):  # the Danish level
        raised["danish"] = min(5.0, float(pair["danish"]) + 1)  # type: ignore[arg-type]
    else:
        bip = list(pair["bip"])  # type: ignore[call-overload]
        bip[which] = min(5.0, (3.0 if np.isnan(bip[which]) else bip[which]) + 1)
        raised["bip"] = bip
    after = chance_and_score(model, raised)
    assert after[0] >= before[0] - 1e-12
    assert after[1] >= before[1] - 1e-12


@settings(max_examples=150, deadline=None)
@given(pair=pairs, which=st.integers(0, len(DIMENSIONS) - 1))
def test_raising_a_task_s_demand_never_raises_a_score(
    model: ScoringModel, pair: dict[str, object], which: int
) -> None:
    before = chance_and_score(model, pair)
    demand = list(pair["demand"])  # type: ignore[call-overload]
    demand[which] = min(5.0, demand[which] + 1)
    after = chance_and_score(model, {**pair, "demand": demand})
    assert after[0] <= before[0] + 1e-12
    assert after[1] <= before[1] + 1e-12


def test_a_new_company_is_neutral_and_its_part_is_zero(model: ScoringModel) -> None:
    new = openings(history_ended=np.zeros(1), history_converted=np.zeros(1))
    features = pair_features(citizens(), new, *PAIR, np.zeros(1))
    parts = model.contributions(features)[0]
    assert features["history_lift"].iat[0] == 0.0
    assert parts[model.columns.index("history_lift")] == 0.0
    # A good record raises the chance, a poor one lowers it; a new company sits between.
    good = openings(history_ended=np.full(1, 8.0), history_converted=np.full(1, 5.0))
    poor = openings(history_ended=np.full(1, 8.0), history_converted=np.zeros(1))
    chances = [
        float(model.predict_proba(pair_features(citizens(), o, *PAIR, np.zeros(1)))[0])
        for o in (poor, new, good)
    ]
    assert chances[0] < chances[1] < chances[2]


def test_shown_chances_stay_in_the_evaluation_s_range(model: ScoringModel) -> None:
    # The best imaginable pair for a fully ready citizen: still an estimate, well below 1.
    best = dataclasses.replace(citizens(), bip=np.full((1, 10), 5.0))
    features = pair_features(best, openings(demand=np.ones((1, 6))), *PAIR, np.ones(1))
    assert float(model.predict_proba(features)[0]) < 0.95
