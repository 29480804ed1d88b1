"""The scorer: a scikit-learn Pipeline (scaling + logistic regression) and its safe artifact.

Training uses the Pipeline. The artifact is JSON: the fitted scaler's means and scales and the
logistic regression's coefficients, with metadata (version, time, training-data hash, library
versions, metrics). Serving recomputes the same probability from those numbers with numpy, so
loading a model never unpickles code; a test checks that served and Pipeline probabilities agree.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from service import clock
from service.matching.features import BIP_KEYS, FEATURE_COLUMNS, FloatArray

MODEL_COLUMNS: tuple[str, ...] = FEATURE_COLUMNS
ARTIFACT_FORMAT = "kantmatch-logistic-v1"
BASELINE_COLUMN = "bip_mean"


def build_pipeline(columns: tuple[str, ...] = MODEL_COLUMNS, c: float = 1.0) -> Pipeline:
    """Scaling inside one ColumnTransformer, then an interpretable logistic regression."""
    return Pipeline(
        [
            ("columns", ColumnTransformer([("scale", StandardScaler(), list(columns))])),
            ("model", LogisticRegression(C=c, max_iter=2000)),
        ]
    )


def reliability_table(y: FloatArray, p: FloatArray, bins: int = 10) -> list[dict[str, float]]:
    """Observed rate against mean predicted probability in equal-width bins (calibration)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                {
                    "bin_low": float(edges[b]),
                    "bin_high": float(edges[b + 1]),
                    "n": int(mask.sum()),
                    "mean_predicted": float(p[mask].mean()),
                    "observed_rate": float(y[mask].mean()),
                }
            )
    return rows


@dataclass
class ScoringModel:
    """A fitted scorer as plain numbers: enough to serve, explain and audit it."""

    columns: list[str]
    means: list[float]
    scales: list[float]
    coefficients: list[float]
    intercept: float
    metadata: dict[str, Any] = field(default_factory=dict)

    def standardized(self, frame: pd.DataFrame) -> FloatArray:
        """The feature matrix scaled as in training."""
        x = frame[self.columns].to_numpy(dtype=float)
        return np.asarray((x - np.asarray(self.means)) / np.asarray(self.scales), dtype=float)

    def contributions(self, frame: pd.DataFrame) -> FloatArray:
        """Each feature's additive part of the log-odds, per row (for explanations)."""
        return np.asarray(self.standardized(frame) * np.asarray(self.coefficients), dtype=float)

    def predict_proba(self, frame: pd.DataFrame) -> FloatArray:
        """The chance that the placement leads to paid hours, per row."""
        logit = self.contributions(frame).sum(axis=1) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=float)

    def to_json(self) -> str:
        """The artifact text."""
        return json.dumps({"format": ARTIFACT_FORMAT, **asdict(self)}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ScoringModel:
        """Load an artifact; refuses anything that is not a complete, consistent model."""
        raw = json.loads(text)
        if not isinstance(raw, dict) or raw.get("format") != ARTIFACT_FORMAT:
            raise ValueError("not a Kantmatch model artifact")
        lengths = {len(raw[k]) for k in ("columns", "means", "scales", "coefficients")}
        if len(lengths) != 1 or set(raw["columns"]) - set(MODEL_COLUMNS):
            raise ValueError("model artifact columns do not match this version of Kantmatch")
        values = [*raw["means"], *raw["scales"], *raw["coefficients"], raw["intercept"]]
        if not all(isinstance(v, int | float) and np.isfinite(v) for v in values):
            raise ValueError("model artifact holds non-numeric values")
        if any(s <= 0 for s in raw["scales"]):
            raise ValueError("model artifact has non-positive scales")
        return cls(
            columns=[str(c) for c in raw["columns"]],
            means=[float(v) for v in raw["means"]],
            scales=[float(v) for v in raw["scales"]],
            coefficients=[float(v) for v in raw["coefficients"]],
            intercept=float(raw["intercept"]),
            metadata=dict(raw.get("metadata") or {}),
        )

    @property
    def data_hash(self) -> str:
        """Hash of the training data this model was fitted on."""
        return str(self.metadata.get("training_data_hash", ""))


def from_pipeline(
    pipeline: Pipeline, columns: tuple[str, ...], metadata: dict[str, Any]
) -> ScoringModel:
    """Read the fitted numbers out of a trained Pipeline."""
    scaler: StandardScaler = pipeline.named_steps["columns"].named_transformers_["scale"]
    estimator: LogisticRegression = pipeline.named_steps["model"]
    return ScoringModel(
        columns=list(columns),
        means=[float(v) for v in scaler.mean_],
        scales=[float(v) for v in scaler.scale_],
        coefficients=[float(v) for v in estimator.coef_[0]],
        intercept=float(estimator.intercept_[0]),
        metadata=metadata,
    )


def frame_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's values."""
    hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return hashlib.sha256(hashes.tobytes()).hexdigest()


@dataclass(frozen=True)
class TrainingResult:
    """A trained model with its held-out metrics beside the baseline's."""

    model: ScoringModel
    metrics: dict[str, Any]


def train(
    frame: pd.DataFrame,
    labels: pd.Series,
    *,
    source: str,
    seed: int = 2020,
    version: str | None = None,
) -> TrainingResult:
    """Fit the pipeline on 75 % of the rows; report AUC, Brier and calibration on the rest.

    The baseline uses only the mean BIP answer (readiness alone, no task or place).
    """
    y = labels.to_numpy(dtype=float)
    if len(np.unique(y)) < 2:
        raise ValueError("training data needs both outcomes (paid hours and not)")
    data = frame[list(MODEL_COLUMNS)].copy()
    data[BASELINE_COLUMN] = frame[[f"bip_{k}" for k in BIP_KEYS]].mean(axis=1)
    train_x, test_x, train_y, test_y = train_test_split(
        data, y, test_size=0.25, random_state=seed, stratify=y
    )
    pipeline = build_pipeline().fit(train_x, train_y)
    baseline = build_pipeline((BASELINE_COLUMN,)).fit(train_x, train_y)
    p_model = pipeline.predict_proba(test_x)[:, 1]
    p_base = baseline.predict_proba(test_x)[:, 1]
    metrics = {
        "n_train": len(train_y),
        "n_test": len(test_y),
        "positive_rate": float(y.mean()),
        "roc_auc": float(roc_auc_score(test_y, p_model)),
        "brier": float(brier_score_loss(test_y, p_model)),
        "baseline_roc_auc": float(roc_auc_score(test_y, p_base)),
        "baseline_brier": float(brier_score_loss(test_y, p_base)),
        "reliability": reliability_table(test_y, p_model),
    }
    # The served model is refitted on all rows, as the held-out figures were only for judging it.
    final = build_pipeline().fit(data, y)
    trained_at = clock.now()
    data_hash = frame_hash(data.assign(label=y))
    metadata = {
        "version": version or f"{trained_at:%Y%m%d%H%M%S}-{data_hash[:8]}",
        "trained_at": trained_at.isoformat(),
        "training_source": source,
        "training_data_hash": data_hash,
        "libraries": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "metrics": metrics,
    }
    return TrainingResult(model=from_pipeline(final, MODEL_COLUMNS, metadata), metrics=metrics)
