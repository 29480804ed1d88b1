"""Benchmark: scoring pairs with the vectorised matcher, against a per-pair Python baseline.

Run with ``make bench``. Data are random arrays in the shapes of the service (SYNTHETIC); the
point is the scaling of the scoring core, measured in one run beside its baseline:

- vectorised: features.pair_features + model.predict_proba + explain.score_parts over P pairs;
- baseline: the same arithmetic for each pair in a Python loop (what STYLE.md forbids), timed on
  a sample of pairs and reported per pair, so the two can be compared at any P.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from service.matching import explain, synthetic
from service.matching.features import (
    BIP_KEYS,
    Citizens,
    FloatArray,
    IntArray,
    Openings,
    pair_features,
)
from service.matching.model import ScoringModel, train


def random_world(n_citizens: int, n_openings: int, seed: int = 7) -> tuple[Citizens, Openings]:
    """Citizens and openings spread over Lolland-Falster (SYNTHETIC arrays)."""
    rng = np.random.default_rng(seed)
    n, m = n_citizens, n_openings
    bip = rng.integers(1, 6, size=(n, len(BIP_KEYS))).astype(float)
    bip[rng.random(bip.shape) < 0.05] = np.nan
    citizens = Citizens(
        bip=bip,
        danish_level=rng.integers(1, 6, n).astype(float),
        hours_available=rng.choice([5.0, 10.0, 20.0], n),
        max_commute_km=rng.choice([10.0, 20.0, 30.0], n),
        has_licence=rng.random(n) < 0.5,
        has_car=rng.random(n) < 0.4,
        lat=rng.uniform(54.6, 54.95, n),
        lon=rng.uniform(11.1, 12.1, n),
        criminal_record=rng.integers(-1, 2, n),
        cannot_lift_heavy=rng.random(n) < 0.2,
        cannot_handle_food=rng.random(n) < 0.05,
        preferred_sector=rng.random((n, 10)) < 0.15,
        excluded_sector=rng.random((n, 10)) < 0.05,
    )
    openings = Openings(
        demand=rng.integers(1, 6, size=(m, 6)).astype(float),
        learnable_in_week=rng.random(m) < 0.7,
        nice_to=rng.random(m) < 0.6,
        learning_days=rng.integers(1, 15, m).astype(float),
        requires_licence=rng.random(m) < 0.1,
        requires_clean_record=rng.random(m) < 0.1,
        requires_food_hygiene=rng.random(m) < 0.1,
        hours_per_week=rng.choice([5.0, 10.0, 20.0], m),
        lat=rng.uniform(54.6, 54.95, m),
        lon=rng.uniform(11.1, 12.1, m),
        sector=rng.integers(0, 10, m),
        unskilled_many=rng.random(m) < 0.38,
        is_ambassador=rng.random(m) < 0.16,
        history_converted=rng.integers(0, 3, m).astype(float),
        history_ended=rng.integers(2, 8, m).astype(float),
        history_prior_rate=np.full(m, 0.167),
        demand_index=rng.random(m),
        requires_danish=rng.random(m) < 0.2,
        requires_physical_health=rng.random(m) < 0.25,
    )
    return citizens, openings


def score_vectorised(
    citizens: Citizens, openings: Openings, ci: IntArray, oj: IntArray, model: ScoringModel
) -> FloatArray:
    """The service's scoring core over all pairs at once."""
    wish = np.zeros(len(ci))
    features = pair_features(citizens, openings, ci, oj, wish)
    probability = model.predict_proba(features)
    return np.asarray(explain.score_parts(features, probability)["score"].to_numpy(), dtype=float)


def score_per_pair(
    citizens: Citizens, openings: Openings, ci: IntArray, oj: IntArray, model: ScoringModel
) -> FloatArray:
    """Baseline: the same computation, one pair at a time."""
    out = np.empty(len(ci))
    for p in range(len(ci)):
        one_c, one_o = np.array([ci[p]]), np.array([oj[p]])
        out[p] = score_vectorised(citizens, openings, one_c, one_o, model)[0]
    return out


def best_of(repeats: int, work: Callable[..., object], *args: object) -> float:
    """Median wall time of a few runs of ``work(*args)``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print pairs per second for both, at the scales of one municipality and of Denmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-pairs", type=int, default=200)
    args = parser.parse_args()
    data = synthetic.generate(5000)
    model = train(data.frame, data.frame["label"], source="SYNTHETIC (benchmark)").model
    print("Kantmatch matching benchmark (SYNTHETIC arrays; median of 3 runs)")
    print(f"{'case':<44} {'pairs':>10} {'seconds':>9} {'pairs/s':>12}")
    for label, n, m in (
        ("one citizen x all openings (2 municipalities)", 1, 3_000),
        ("one citizen x openings in a commuting area", 1, 100_000),
        ("one opening x citizens of a municipality", 1_000, 1),
        ("all citizens x all openings (2 municipalities)", 663, 3_000),
    ):
        citizens, openings = random_world(n, m)
        ci = np.repeat(np.arange(n, dtype=np.int64), m)
        oj = np.tile(np.arange(m, dtype=np.int64), n)
        seconds = best_of(3, score_vectorised, citizens, openings, ci, oj, model)
        print(f"{label:<44} {len(ci):>10,} {seconds:>9.3f} {len(ci) / seconds:>12,.0f}")
    citizens, openings = random_world(1, 3_000)
    k = args.baseline_pairs
    ci, oj = np.zeros(k, dtype=np.int64), np.arange(k, dtype=np.int64)
    seconds = best_of(3, score_per_pair, citizens, openings, ci, oj, model)
    print(f"{'baseline: per-pair Python loop':<44} {k:>10,} {seconds:>9.3f} {k / seconds:>12,.0f}")
    same = np.allclose(
        score_per_pair(citizens, openings, ci, oj, model),
        score_vectorised(citizens, openings, ci, oj, model),
    )
    print(f"vectorised and per-pair scores agree: {same}")


if __name__ == "__main__":
    main()
