"""The pure matching core: features, synthetic calibration data and the scorer."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from service.matching import synthetic
from service.matching.features import (
    BIP_KEYS,
    MONOTONE,
    Citizens,
    Openings,
    capacities,
    hard_filters,
    haversine_km,
    pair_features,
)
from service.matching.model import (
    MODEL_COLUMNS,
    ScoringModel,
    build_pipeline,
    from_pipeline,
    reference_row,
    train,
)

N_SECTORS = 10


def citizens(n: int = 1, **overrides: object) -> Citizens:
    values: dict[str, object] = {
        "bip": np.full((n, 10), 3.0),
        "danish_level": np.full(n, 4.0),
        "hours_available": np.full(n, 15.0),
        "max_commute_km": np.full(n, 20.0),
        "has_licence": np.ones(n, dtype=bool),
        "has_car": np.ones(n, dtype=bool),
        "lat": np.full(n, 54.831),
        "lon": np.full(n, 11.135),
        "criminal_record": np.zeros(n, dtype=np.int64),
        "cannot_lift_heavy": np.zeros(n, dtype=bool),
        "cannot_handle_food": np.zeros(n, dtype=bool),
        "preferred_sector": np.zeros((n, N_SECTORS), dtype=bool),
        "excluded_sector": np.zeros((n, N_SECTORS), dtype=bool),
    }
    values.update(overrides)
    return Citizens(**values)  # type: ignore[arg-type]


def openings(m: int = 1, **overrides: object) -> Openings:
    values: dict[str, object] = {
        "demand": np.full((m, 6), 2.0),
        "learnable_in_week": np.ones(m, dtype=bool),
        "nice_to": np.ones(m, dtype=bool),
        "learning_days": np.full(m, 3.0),
        "requires_licence": np.zeros(m, dtype=bool),
        "requires_clean_record": np.zeros(m, dtype=bool),
        "requires_food_hygiene": np.zeros(m, dtype=bool),
        "hours_per_week": np.full(m, 10.0),
        "lat": np.full(m, 54.777),
        "lon": np.full(m, 11.500),
        "sector": np.zeros(m, dtype=np.int64),
        "unskilled_many": np.zeros(m, dtype=bool),
        "is_ambassador": np.zeros(m, dtype=bool),
        "history_converted": np.zeros(m),
        "history_ended": np.zeros(m),
        "history_prior_rate": np.full(m, 0.167),
        "demand_index": np.full(m, 0.5),
        "requires_danish": np.zeros(m, dtype=bool),
        "requires_physical_health": np.zeros(m, dtype=bool),
    }
    values.update(overrides)
    return Openings(**values)  # type: ignore[arg-type]


PAIR = (np.array([0], dtype=np.int64), np.array([0], dtype=np.int64))


class TestFeatures:
    def test_nakskov_to_maribo_is_about_24_km(self) -> None:
        # 0.054 deg north (6.0 km) and 0.365 deg east at cos(54.8 deg) = 0.576 (23.4 km).
        distance = haversine_km(
            np.array([54.831]), np.array([11.135]), np.array([54.777]), np.array([11.500])
        )
        assert distance[0] == pytest.approx(24.2, abs=0.4)

    def test_missing_bip_answers_count_as_neutral_not_low(self) -> None:
        answered = citizens(bip=np.full((1, 10), 3.0))
        missing = citizens(bip=np.full((1, 10), np.nan))

        features_answered = pair_features(answered, openings(), *PAIR, np.zeros(1))
        features_missing = pair_features(missing, openings(), *PAIR, np.zeros(1))

        pd.testing.assert_frame_equal(features_answered, features_missing)

    def test_capacity_is_held_against_the_matching_demand(self) -> None:
        bip = np.full((1, 10), 3.0)
        bip[0, BIP_KEYS.index("health")] = 1.0
        heavy = np.array([[5.0, 1, 1, 1, 1, 1]])

        features = pair_features(citizens(bip=bip), openings(demand=heavy), *PAIR, np.zeros(1))

        assert capacities(citizens(bip=bip))[0, 0] == 1.0
        assert features["gap_physical"][0] == 4.0
        assert features["gap_contact"][0] == 0.0

    def test_hard_filters_name_each_reason(self) -> None:
        c = citizens(
            2,
            has_licence=np.array([False, True]),
            criminal_record=np.array([1, 0], dtype=np.int64),
            cannot_lift_heavy=np.array([True, False]),
            max_commute_km=np.array([5.0, 50.0]),
        )
        o = openings(
            1,
            requires_licence=np.array([True]),
            requires_clean_record=np.array([True]),
            demand=np.array([[4.0, 1, 1, 1, 1, 1]]),
        )
        ci = np.array([0, 1], dtype=np.int64)
        oj = np.array([0, 0], dtype=np.int64)
        distance = haversine_km(c.lat[ci], c.lon[ci], o.lat[oj], o.lon[oj])

        removed = hard_filters(c, o, ci, oj, distance)

        assert removed["licence_missing"].tolist() == [True, False]
        assert removed["clean_record"].tolist() == [True, False]
        assert removed["heavy_lifting"].tolist() == [True, False]
        assert removed["commute"].tolist() == [True, False]
        assert removed["excluded_sector"].tolist() == [False, False]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """The default synthetic training set."""
    return synthetic.generate().frame


@pytest.fixture(scope="module")
def trained() -> tuple[pd.DataFrame, ScoringModel, dict[str, object]]:
    """A scorer trained on a smaller synthetic set, with its held-out metrics."""
    frame = synthetic.generate(6000).frame
    result = train(frame, frame["label"], source="synthetic (test)")
    return frame, result.model, result.metrics


class TestSyntheticData:
    def test_grouped_by_their_own_outcome_the_answers_reproduce_table_6_17(
        self, data: pd.DataFrame, capsys: pytest.CaptureFixture[str]
    ) -> None:
        means = synthetic.group_means(data)
        with capsys.disabled():
            print(
                "\n[Table 6.17, SYNTHETIC, paid / not]",
                {k: (round(a, 2), round(b, 2)) for k, (a, b) in means.items()},
            )
        for key in BIP_KEYS:
            assert means[key][0] == pytest.approx(synthetic.BIP_MEANS_PAID[key], abs=0.15)
            assert means[key][1] == pytest.approx(synthetic.BIP_MEANS_NOT[key], abs=0.15)

    def test_success_by_combination_follows_table_6_12(self, data: pd.DataFrame) -> None:
        success = data["outcome_category"] <= 5  # categories 1-5, as Table 6.12 counts them
        rates = success.groupby(data["combination"]).mean()
        for name, (_, rate) in synthetic.COMBINATIONS.items():
            assert rates[name] == pytest.approx(rate, abs=0.025)
        assert rates["internship_and_support"] > rates["internship_only"] > rates["support_only"]

    def test_categories_per_citizen_follow_table_6_10(self, data: pd.DataFrame) -> None:
        shares = data["outcome_category"].value_counts(normalize=True)
        published = {1: 26, 2: 43, 3: 23, 4: 6, 5: 5, 6: 14, 7: 546}
        for category, count in published.items():
            assert shares[category] == pytest.approx(count / 663, abs=0.01)
        assert data["label"].mean() == pytest.approx(92 / 663, abs=0.01)

    def test_the_outcome_is_drawn_from_the_answers_never_against_readiness(self) -> None:
        # The structural model has no negative loading and no negative readiness effect.
        assert min(synthetic.LOADINGS.values()) >= 0
        assert synthetic.THETA > 0
        for column, effect in synthetic.PAIR_EFFECTS.items():
            assert np.sign(effect) == MONOTONE[column], column

    def test_same_seed_same_data(self) -> None:
        first = synthetic.generate(500, seed=7).frame
        again = synthetic.generate(500, seed=7).frame
        other = synthetic.generate(500, seed=8).frame

        pd.testing.assert_frame_equal(first, again)
        assert not first.equals(other)


class TestScorer:
    def test_model_beats_the_mean_bip_baseline_and_prints_its_metrics(
        self,
        trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        _, _, metrics = trained
        with capsys.disabled():
            print(
                "\n[model quality, held-out SYNTHETIC data] "
                f"ROC AUC {metrics['roc_auc']:.3f} "
                f"(baseline mean BIP {metrics['baseline_roc_auc']:.3f}); "
                f"Brier {metrics['brier']:.4f} (baseline {metrics['baseline_brier']:.4f})"
            )
        assert metrics["roc_auc"] > metrics["baseline_roc_auc"]  # type: ignore[operator]
        assert metrics["brier"] < metrics["baseline_brier"]  # type: ignore[operator]

    def test_calibration_by_decile_is_close_to_observed_and_prints_it(
        self,
        trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]],
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        _, _, metrics = trained
        table = metrics["reliability"]
        assert isinstance(table, list)
        assert len(table) == 10
        assert sum(row["n"] for row in table) == metrics["n_test"]
        with capsys.disabled():
            print(
                "\n[calibration by decile, held-out SYNTHETIC] predicted/observed:",
                [(round(r["mean_predicted"], 3), round(r["observed_rate"], 3)) for r in table],
            )
        for row in table:
            assert row["observed_rate"] == pytest.approx(row["mean_predicted"], abs=0.06)
            assert row["band_low"] <= row["observed_rate"] <= row["band_high"]
        assert metrics["mean_predicted"] == pytest.approx(92 / 663, abs=0.02)

    def test_served_chances_equal_the_pipeline_s_also_between_training_values(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        frame, _, _ = trained
        x = frame[list(MODEL_COLUMNS)].astype(float)
        y = frame["label"].to_numpy(dtype=float)
        with threadpool_limits(limits=1, user_api="openmp"):
            pipeline = build_pipeline().fit(x, y)
        model = from_pipeline(pipeline, MODEL_COLUMNS, reference_row(x), {})
        jittered = x + np.random.default_rng(3).normal(0, 0.4, x.shape)

        for probe in (x, jittered):
            np.testing.assert_allclose(
                model.predict_proba(probe), pipeline.predict_proba(probe)[:, 1], atol=1e-9
            )

    def test_parts_are_exact_and_a_company_without_history_is_neutral(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        frame, model, _ = trained
        parts = model.contributions(frame)
        np.testing.assert_allclose(parts.sum(axis=1) + model.intercept, model.logit(frame))
        new = frame.assign(history_lift=0.0)
        assert np.all(model.contributions(new)[:, model.columns.index("history_lift")] == 0.0)
        signs = model.effect_signs()
        assert signs["history_lift"] == "+"
        assert signs["requirement_conflicts"] == "-"
        assert signs["gap_language"] == "-"

    def test_artifact_round_trip_and_refuses_tampering(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        frame, model, _ = trained
        loaded = ScoringModel.from_json(model.to_json())
        np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
        assert loaded.metadata["training_source"] == "synthetic (test)"
        assert len(loaded.data_hash) == 64

        raw = json.loads(model.to_json())
        health = raw["columns"].index("bip_health")
        reversed_health = [
            list(reversed(p)) if i == health else p for i, p in enumerate(raw["parts"])
        ]
        for broken in (
            {**raw, "format": "pickle"},
            {**raw, "columns": [*raw["columns"][:-1], "age"]},
            {**raw, "parts": raw["parts"][:-1]},
            {**raw, "parts": reversed_health},
        ):
            with pytest.raises(ValueError, match="artifact"):
                ScoringModel.from_json(json.dumps(broken))

    def test_no_protected_attribute_is_a_model_column(self) -> None:
        forbidden = {
            "gender",
            "sex",
            "age",
            "birth",
            "ethnicity",
            "nationality",
            "diagnosis",
            "cpr",
        }
        assert not [c for c in MODEL_COLUMNS if forbidden & set(c.split("_"))]
