"""The pure matching core: features, synthetic calibration data and the scorer."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from service.matching import synthetic
from service.matching.features import (
    BIP_KEYS,
    Citizens,
    Openings,
    capacities,
    hard_filters,
    haversine_km,
    pair_features,
)
from service.matching.model import MODEL_COLUMNS, ScoringModel, build_pipeline, train

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
        "conversion_rate": np.zeros(m),
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
    frame = synthetic.generate(8000).frame
    result = train(frame, frame["label"], source="synthetic (test)")
    return frame, result.model, result.metrics


class TestSyntheticData:
    def test_bip_means_reproduce_table_6_17(self, data: pd.DataFrame) -> None:
        paid = data[data["label"]]
        other = data[~data["label"]]
        for key in BIP_KEYS:
            assert paid[f"bip_{key}"].mean() == pytest.approx(
                synthetic.BIP_MEANS_PAID[key], abs=0.1
            )
            assert other[f"bip_{key}"].mean() == pytest.approx(
                synthetic.BIP_MEANS_NOT[key], abs=0.1
            )

    def test_success_by_combination_follows_table_6_12(self, data: pd.DataFrame) -> None:
        rates = data.groupby("combination")["label"].mean()
        for name, (_, rate) in synthetic.COMBINATIONS.items():
            assert rates[name] == pytest.approx(rate, abs=0.02)
        assert rates["internship_and_support"] > rates["internship_only"] > rates["support_only"]

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

    def test_calibration_table_is_close_to_observed(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        _, _, metrics = trained
        table = metrics["reliability"]
        assert isinstance(table, list)
        assert sum(row["n"] for row in table) == metrics["n_test"]
        big = [row for row in table if row["n"] >= 100]
        assert big
        for row in big:
            assert row["observed_rate"] == pytest.approx(row["mean_predicted"], abs=0.08)

    def test_served_probabilities_equal_the_pipeline_s(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        frame, model, _ = trained
        x = frame[list(MODEL_COLUMNS)]
        pipeline = build_pipeline().fit(x, frame["label"].to_numpy(dtype=float))

        np.testing.assert_allclose(
            model.predict_proba(x), pipeline.predict_proba(x)[:, 1], rtol=1e-6, atol=1e-9
        )

    def test_artifact_round_trip_and_refuses_tampering(
        self, trained: tuple[pd.DataFrame, ScoringModel, dict[str, object]]
    ) -> None:
        frame, model, _ = trained
        loaded = ScoringModel.from_json(model.to_json())
        np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
        assert loaded.metadata["training_source"] == "synthetic (test)"
        assert len(loaded.data_hash) == 64

        raw = json.loads(model.to_json())
        for broken in (
            {**raw, "format": "pickle"},
            {**raw, "columns": [*raw["columns"][:-1], "age"]},
            {**raw, "scales": [0.0] * len(raw["scales"])},
            {**raw, "coefficients": raw["coefficients"][:-1]},
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
