"""The scorer: a monotone, additive, calibrated scikit-learn model and its safe artifact.

Training (issue 14): a Pipeline whose estimator is ``CalibratedClassifierCV`` (sigmoid, one
estimator, ``ensemble=False``) around a ``HistGradientBoostingClassifier`` with

- ``monotonic_cst``: every BIP indicator, the caseworker's belief, wishes, hours fit and the
  company's record never lower the chance when they rise; every capacity-vs-demand gap, the
  commute share and hard-requirement conflicts never raise it (features.MONOTONE);
- ``interaction_cst="no_interactions"``: every tree uses one feature, so the log-odds is a sum
  of one shape function per feature.

The sigmoid calibration is a positive affine map of that log-odds, so the calibrated log-odds is
still additive and monotone. The artifact is JSON: per feature the bin thresholds and the
calibrated log-odds part of each bin (a lookup table), the intercept and metadata. Serving sums
``np.take`` lookups (ARCHITECTURE.md); each lookup is that feature's exact score part. Loading
never unpickles; it refuses tables that break their declared direction. A test checks that the
served chance equals the Pipeline's on random pairs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import platform
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from service import clock
from service.matching.features import BIP_KEYS, FEATURE_COLUMNS, MONOTONE, FloatArray

MODEL_COLUMNS: tuple[str, ...] = FEATURE_COLUMNS
ARTIFACT_FORMAT = "kantmatch-additive-v2"
BASELINE_COLUMN = "bip_mean"
# Features whose part is measured from 0 (no history = exactly neutral), the rest from the
# training median (a typical pair).
ZERO_REFERENCE = frozenset({"history_lift", "requirement_conflicts", "far_without_car"})
# What the API calls the chance (issue 14): an estimate, with its band.
CHANCE_LABEL_DA = "chance for lønnede timer (skøn)"
BAND_Z = 1.645  # 90 % Wilson interval of the observed rate in the chance's decile


def build_pipeline(
    columns: tuple[str, ...] = MODEL_COLUMNS, seed: int = 2020, rows: int = 20000
) -> Pipeline:
    """Column selection, then monotone additive gradient boosting with sigmoid calibration.

    Leaves hold at least 40 rows, fewer for a small outcome file (at least 5, about 2 %).
    """
    boosting = HistGradientBoostingClassifier(
        learning_rate=0.15,
        max_iter=80,
        max_leaf_nodes=6,
        min_samples_leaf=int(min(40, max(5, rows // 50))),
        l2_regularization=1.0,
        monotonic_cst=[MONOTONE[c] for c in columns],
        interaction_cst="no_interactions",
        early_stopping=False,
        random_state=seed,
    )
    return Pipeline(
        [
            ("columns", ColumnTransformer([("keep", "passthrough", list(columns))])),
            (
                "model",
                CalibratedClassifierCV(boosting, method="sigmoid", cv=3, ensemble=False),
            ),
        ]
    )


def build_baseline() -> Pipeline:
    """The baseline: readiness alone (mean BIP answer), a logistic regression."""
    return Pipeline(
        [
            ("columns", ColumnTransformer([("keep", "passthrough", [BASELINE_COLUMN])])),
            ("model", LogisticRegression(max_iter=1000)),
        ]
    )


def _wilson(successes: float, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = BAND_Z**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = BAND_Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def reliability_table(y: FloatArray, p: FloatArray, bins: int = 10) -> list[dict[str, float]]:
    """Calibration by decile: observed rate against mean predicted chance, with a 90 % band."""
    order = np.argsort(p, kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        if not len(part):
            continue
        low, high = _wilson(float(y[part].sum()), len(part))
        rows.append(
            {
                "bin_low": float(p[part].min()),
                "bin_high": float(p[part].max()),
                "n": len(part),
                "mean_predicted": float(p[part].mean()),
                "observed_rate": float(y[part].mean()),
                "band_low": low,
                "band_high": high,
            }
        )
    return rows


@dataclass
class ScoringModel:
    """A fitted additive scorer as lookup tables: enough to serve, explain and audit it."""

    columns: list[str]
    thresholds: list[list[float]]  # per feature, sorted bin edges
    parts: list[list[float]]  # per feature, the log-odds part of each bin (len(thresholds) + 1)
    intercept: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def contributions(self, frame: pd.DataFrame) -> FloatArray:
        """Each feature's exact additive part of the log-odds, per row (for explanations)."""
        # Column-major: each feature's parts are written to (and later summed from) one
        # contiguous column, which is what makes this a few passes over memory per feature.
        out = np.empty((len(frame), len(self.columns)), order="F")
        for j, column in enumerate(self.columns):  # per feature, not per pair
            out[:, j] = self.part(column, frame[column].to_numpy(dtype=float))
        return out

    def part(self, column: str, values: FloatArray) -> FloatArray:
        """One feature's additive part of the log-odds for the given values (0 when the model
        has no such column)."""
        tables = self._tables.get(column)
        if tables is None:
            return np.zeros(len(values))
        thresholds, parts = tables
        return np.asarray(np.take(parts, np.searchsorted(thresholds, values, side="left")))

    @functools.cached_property
    def _tables(self) -> dict[str, tuple[FloatArray, FloatArray]]:
        """Per column, the thresholds and parts as arrays (the artifact holds lists)."""
        return {
            column: (np.asarray(self.thresholds[j], dtype=float), np.asarray(self.parts[j]))
            for j, column in enumerate(self.columns)
        }

    def logit(self, frame: pd.DataFrame) -> FloatArray:
        """The calibrated log-odds, per row."""
        return np.asarray(self.contributions(frame).sum(axis=1) + self.intercept, dtype=float)

    def predict_proba(self, frame: pd.DataFrame) -> FloatArray:
        """The calibrated chance that the placement leads to paid hours, per row."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.logit(frame))), dtype=float)

    def chance_band(self, chance: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The 90 % band of the observed rate in the held-out decile each chance falls in."""
        table = self.metadata.get("metrics", {}).get("reliability") or []
        if not table:
            return np.zeros(len(chance)), np.ones(len(chance))
        highs = np.array([row["bin_high"] for row in table[:-1]])
        which = np.searchsorted(highs, chance, side="left")
        low = np.array([row["band_low"] for row in table])[which]
        high = np.array([row["band_high"] for row in table])[which]
        return np.asarray(low, dtype=float), np.asarray(high, dtype=float)

    def effect_signs(self) -> dict[str, str]:
        """Per feature, how its part moves as the value rises: '+', '-' or '0' (no effect)."""
        signs = {}
        for column, values in zip(self.columns, self.parts, strict=True):
            spread = values[-1] - values[0]
            signs[column] = "0" if abs(spread) < 1e-9 else ("+" if spread > 0 else "-")
        return signs

    def effect_ranges(self) -> dict[str, float]:
        """Per feature, the log-odds between its lowest and highest part."""
        return {
            c: round(float(max(v) - min(v)), 4)
            for c, v in zip(self.columns, self.parts, strict=True)
        }

    def to_json(self) -> str:
        """The artifact text."""
        return json.dumps({"format": ARTIFACT_FORMAT, **asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ScoringModel:
        """Load an artifact; refuses anything that is not a complete, consistent, monotone model."""
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != ARTIFACT_FORMAT:
            raise ValueError("not a Kantmatch model artifact (or one of an older format)")
        columns = raw.get("columns")
        if not isinstance(columns, list) or set(columns) - set(MODEL_COLUMNS):
            raise ValueError("model artifact columns do not match this version of Kantmatch")
        thresholds, parts = raw.get("thresholds"), raw.get("parts")
        if not isinstance(thresholds, list) or not isinstance(parts, list):
            raise ValueError("model artifact has no lookup tables")
        if not len(columns) == len(thresholds) == len(parts):
            raise ValueError("model artifact tables do not match its columns")
        values = [raw.get("intercept"), *(v for t in thresholds for v in t)]
        values += [v for p in parts for v in p]
        if not all(isinstance(v, int | float) and np.isfinite(v) for v in values):
            raise ValueError("model artifact holds non-numeric values")
        for column, edges, table in zip(columns, thresholds, parts, strict=True):
            if len(table) != len(edges) + 1 or np.any(np.diff(edges) <= 0):
                raise ValueError(f"model artifact table for {column} is malformed")
            steps = np.diff(np.asarray(table, dtype=float)) * MONOTONE[column]
            if MONOTONE[column] and np.any(steps < -1e-9):
                raise ValueError(f"model artifact breaks the direction of {column}")
        return cls(
            columns=[str(c) for c in columns],
            thresholds=[[float(v) for v in t] for t in thresholds],
            parts=[[float(v) for v in p] for p in parts],
            intercept=float(raw["intercept"]),
            metadata=dict(raw.get("metadata") or {}),
        )

    @property
    def data_hash(self) -> str:
        """Hash of the training data this model was fitted on."""
        return str(self.metadata.get("training_data_hash", ""))


def _bin_points(edges: FloatArray) -> FloatArray:
    """One value inside each bin of the sorted edges (bins are (e[i-1], e[i]])."""
    if not len(edges):
        return np.zeros(1)
    inner = (edges[:-1] + edges[1:]) / 2
    return np.concatenate([[edges[0] - 1.0], inner, [edges[-1] + 1.0]])


def from_pipeline(
    pipeline: Pipeline, columns: tuple[str, ...], reference: pd.Series, metadata: dict[str, Any]
) -> ScoringModel:
    """Compile a fitted Pipeline into per-feature lookup tables of calibrated log-odds.

    Because the boosting has no interactions, its raw log-odds at x equals the raw log-odds at
    the reference row plus, per feature, the change from moving that feature alone to x_j. The
    tables hold those changes per bin, scaled by the calibration's (positive) slope.
    """
    calibrated: CalibratedClassifierCV = pipeline.named_steps["model"]
    fitted = calibrated.calibrated_classifiers_[0]
    boosting: HistGradientBoostingClassifier = fitted.estimator
    sigmoid = fitted.calibrators[0]
    slope, offset = -float(sigmoid.a_), -float(sigmoid.b_)  # chance = expit(slope * raw + offset)
    if slope <= 0:
        raise ValueError("calibration found no positive relation; the model is not usable")
    base = pd.DataFrame([reference[list(columns)].to_numpy(dtype=float)], columns=list(columns))
    raw_base = float(boosting.decision_function(base.to_numpy())[0])
    # Bin edges of the fitted boosting (splits fall on them); the served-vs-Pipeline test
    # guards this use of the estimator's binning against library changes.
    edges_all = boosting._bin_mapper.bin_thresholds_
    thresholds: list[list[float]] = []
    parts: list[list[float]] = []
    for j, _ in enumerate(columns):
        edges = np.asarray(edges_all[j], dtype=float)
        points = _bin_points(edges)
        grid = np.repeat(base.to_numpy(), len(points), axis=0)
        grid[:, j] = points
        change = boosting.decision_function(grid) - raw_base
        thresholds.append([float(v) for v in edges])
        parts.append([float(v) for v in slope * change])
    intercept = slope * raw_base + offset
    return ScoringModel(
        columns=list(columns),
        thresholds=thresholds,
        parts=parts,
        intercept=float(intercept),
        metadata=metadata,
    )


def reference_row(data: pd.DataFrame) -> pd.Series:
    """The pair every part is measured from: medians, and 0 where 0 means 'nothing known'."""
    reference = data[list(MODEL_COLUMNS)].median()
    for column in ZERO_REFERENCE:
        reference[column] = 0.0
    return reference


def frame_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's values."""
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return hashlib.sha256(hashes.tobytes()).hexdigest()


@dataclass(frozen=True)
class TrainingResult:
    """A trained model with its held-out metrics beside the baseline's."""

    model: ScoringModel
    metrics: dict[str, Any]


def train(frame: pd.DataFrame, labels: pd.Series, **options: Any) -> TrainingResult:
    """Fit and judge the scorer (``fit_and_judge``) on one OpenMP thread.

    The boosting's threads spin against each other on a small shared machine (measured: 14 s
    on one thread, 112 s on two under load, for 8,000 rows); one thread is steady everywhere.
    """
    with threadpool_limits(limits=1, user_api="openmp"):
        return fit_and_judge(frame, labels, **options)


def fit_and_judge(
    frame: pd.DataFrame,
    labels: pd.Series,
    *,
    source: str,
    seed: int = 2020,
    version: str | None = None,
) -> TrainingResult:
    """Fit on 75 % of the rows; report AUC, Brier and calibration by decile on the rest.

    The baseline uses only the mean BIP answer (readiness alone, no task or place).
    """
    y = labels.to_numpy(dtype=float)
    if len(np.unique(y)) < 2:
        raise ValueError("training data needs both outcomes (paid hours and not)")
    data = frame[list(MODEL_COLUMNS)].astype(float).copy()
    data[BASELINE_COLUMN] = frame[[f"bip_{k}" for k in BIP_KEYS]].mean(axis=1)
    train_x, test_x, train_y, test_y = train_test_split(
        data, y, test_size=0.25, random_state=seed, stratify=y
    )
    held_out = from_pipeline(
        build_pipeline(seed=seed, rows=len(train_y)).fit(train_x, train_y),
        MODEL_COLUMNS,
        reference_row(train_x),
        {},
    )
    baseline = build_baseline().fit(train_x, train_y)
    p_model = held_out.predict_proba(test_x)
    p_base = baseline.predict_proba(test_x)[:, 1]
    metrics = {
        "n_train": len(train_y),
        "n_test": len(test_y),
        "positive_rate": float(y.mean()),
        "roc_auc": float(roc_auc_score(test_y, p_model)),
        "brier": float(brier_score_loss(test_y, p_model)),
        "baseline_roc_auc": float(roc_auc_score(test_y, p_base)),
        "baseline_brier": float(brier_score_loss(test_y, p_base)),
        "mean_predicted": float(p_model.mean()),
        "reliability": reliability_table(test_y, p_model),
    }
    if "combination" in frame:
        held = frame.loc[test_x.index, "combination"].to_numpy()
        metrics["by_combination"] = {
            str(c): {
                "observed_rate": float(test_y[held == c].mean()),
                "mean_predicted": float(p_model[held == c].mean()),
            }
            for c in sorted(set(held))
        }
    # The served model is refitted on all rows, as the held-out figures were only for judging it.
    final = build_pipeline(seed=seed, rows=len(y)).fit(data, y)
    trained_at = clock.now()
    data_hash = frame_hash(data.assign(label=y))
    metadata = {
        "version": version or f"{trained_at:%Y%m%d%H%M%S}-{data_hash[:8]}",
        "trained_at": trained_at.isoformat(),
        "training_source": source,
        "training_data_hash": data_hash,
        "estimator": "HistGradientBoostingClassifier(monotonic_cst, no_interactions) "
        "+ CalibratedClassifierCV(sigmoid, ensemble=False)",
        "monotone": dict(MONOTONE),
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "metrics": metrics,
    }
    model = from_pipeline(final, MODEL_COLUMNS, reference_row(data), metadata)
    return TrainingResult(model=model, metrics=metrics)
