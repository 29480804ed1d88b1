"""Backtests of the employment trend: the damped trend against a naive last-value forecast.

Openings themselves are never observed, so the backtest scores the part of the forecast that
is: the employment path behind the expansion demand. It also chooses the damping parameter
(on rolling origins that end before the held-out years) and measures the errors the bands use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labour_market.forecast import (
    BAND_Z,
    DAMPING_GRID,
    FALLBACK_BAND_SCALE,
    HORIZON,
    TREND_WINDOW,
    DampedTrend,
    Settings,
    employment_matrix,
)
from labour_market.readers import ForecastInputs

HOLDOUT_YEARS = 5
MIN_TRAIN_YEARS = 5
# Fewer residuals than this per year ahead: the band falls back to FALLBACK_BAND_SCALE.
MIN_BAND_RESIDUALS = 10


@dataclass(frozen=True)
class Scores:
    """Mean absolute error (jobs) and mean absolute percentage error, overall and per year ahead."""

    mae: float
    mape: float
    mae_by_horizon: tuple[float, ...]
    mape_by_horizon: tuple[float, ...]


@dataclass(frozen=True)
class BacktestResult:
    """The damped trend's and the naive forecast's errors on the held-out years."""

    fitted_years: tuple[int, int]
    holdout_years: tuple[int, ...]
    series: int
    damping: float
    window: int
    damping_scores: dict[float, float]
    method: Scores
    naive: Scores

    @property
    def method_beats_naive(self) -> bool:
        """Whether the damped trend has the lower MAE and MAPE."""
        return self.method.mae < self.naive.mae and self.method.mape < self.naive.mape


def _paths(
    years: np.ndarray,
    levels: np.ndarray,
    origin: int,
    dampings: Sequence[float],
    window: int,
    horizon: int,
) -> np.ndarray:
    """Forecasts from an origin (index of the last year used): (dampings, horizon, series)."""
    trend = DampedTrend(1.0, window).fit(years[: origin + 1], levels[: origin + 1])
    out = np.empty((len(dampings), horizon, levels.shape[1]))
    for k, damping in enumerate(dampings):
        steps = np.cumsum(damping ** np.arange(1, horizon + 1, dtype=float))
        out[k] = np.maximum(trend.level_[None, :] + steps[:, None] * trend.slope_[None, :], 0.0)
    return out


def _origins(n_years: int, last_target: int) -> range:
    """Origins with at least MIN_TRAIN_YEARS of history and a target year up to last_target."""
    return range(min(MIN_TRAIN_YEARS, n_years) - 1, last_target)


def choose_damping(
    years: np.ndarray,
    levels: np.ndarray,
    *,
    last_target: int,
    grid: Sequence[float] = DAMPING_GRID,
    window: int = TREND_WINDOW,
    horizon: int = HORIZON,
) -> tuple[float, dict[float, float]]:
    """The damping with the lowest MAE on rolling origins whose targets end at ``last_target``."""
    totals = np.zeros(len(grid))
    count = 0
    for origin in _origins(len(years), last_target):
        steps = min(horizon, last_target - origin)
        paths = _paths(years, levels, origin, grid, window, steps)
        actual = levels[origin + 1 : origin + 1 + steps]
        totals += np.abs(paths - actual[None]).sum(axis=(1, 2))
        count += actual.size
    if count == 0:
        return grid[-1], {}
    scores = {float(d): float(t / count) for d, t in zip(grid, totals, strict=True)}
    # Ties go to the stronger damping (listed first): the more cautious forecast.
    best = min(grid, key=lambda d: scores[float(d)])
    return float(best), scores


def _scores(predicted: np.ndarray, actual: np.ndarray) -> Scores:
    errors = np.abs(predicted - actual)
    positive = actual > 0
    relative = np.where(positive, errors / np.where(positive, actual, 1.0), np.nan)
    return Scores(
        mae=float(errors.mean()),
        mape=float(np.nanmean(relative) * 100),
        mae_by_horizon=tuple(float(v) for v in errors.mean(axis=1)),
        mape_by_horizon=tuple(float(v) * 100 for v in np.nanmean(relative, axis=1)),
    )


def backtest(
    years: np.ndarray,
    levels: np.ndarray,
    *,
    holdout: int = HOLDOUT_YEARS,
    window: int = TREND_WINDOW,
    grid: Sequence[float] = DAMPING_GRID,
    damping: float | None = None,
) -> BacktestResult:
    """Hold out the last ``holdout`` years; score the damped trend and the naive forecast.

    Without a given ``damping`` it is chosen on the years before the held-out ones only.
    """
    n = len(years)
    if holdout < 1 or n - holdout < 3:
        raise ValueError(f"{n} years cannot hold out {holdout} and still fit a trend on 3")
    origin = n - 1 - holdout
    scores: dict[float, float] = {}
    if damping is None:
        damping, scores = choose_damping(
            years, levels, last_target=origin, grid=grid, window=window, horizon=holdout
        )
    predicted = _paths(years, levels, origin, [damping], window, holdout)[0]
    actual = levels[origin + 1 :]
    naive = np.repeat(levels[origin][None, :], holdout, axis=0)
    return BacktestResult(
        fitted_years=(int(years[0]), int(years[origin])),
        holdout_years=tuple(int(y) for y in years[origin + 1 :]),
        series=levels.shape[1],
        damping=damping,
        window=window,
        damping_scores=scores,
        method=_scores(predicted, actual),
        naive=_scores(naive, actual),
    )


def band_scale(
    years: np.ndarray,
    levels: np.ndarray,
    *,
    damping: float,
    window: int = TREND_WINDOW,
    horizon: int = HORIZON,
) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Per year ahead: RMS of (error in the yearly change) / employment at the origin.

    Returns the scales and how many residuals each rests on; too few gives the fallback.
    """
    sums = np.zeros(horizon)
    counts = np.zeros(horizon, dtype=int)
    for origin in _origins(len(years), len(years) - 1):
        steps = min(horizon, len(years) - 1 - origin)
        path = _paths(years, levels, origin, [damping], window, steps)[0]
        base = levels[origin]
        error = path - levels[origin + 1 : origin + 1 + steps]
        change_error = np.diff(np.vstack([np.zeros_like(base)[None, :], error]), axis=0)
        valid = base > 0
        relative = change_error[:, valid] / base[valid][None, :]
        sums[:steps] += (relative**2).sum(axis=1)
        counts[:steps] += relative.shape[1]
    scale = tuple(
        float(np.sqrt(s / c)) if c >= MIN_BAND_RESIDUALS else FALLBACK_BAND_SCALE
        for s, c in zip(sums, counts, strict=True)
    )
    return scale, tuple(int(c) for c in counts)


def calibrated_settings(
    inputs: ForecastInputs, *, window: int = TREND_WINDOW, horizon: int = HORIZON
) -> tuple[Settings, dict[float, float], tuple[int, ...]]:
    """Settings for a run: damping chosen on the whole history, bands from its residuals."""
    years, _, levels = employment_matrix(inputs)
    damping, scores = choose_damping(
        years, levels, last_target=len(years) - 1, window=window, horizon=horizon
    )
    scale, counts = band_scale(years, levels, damping=damping, window=window, horizon=horizon)
    settings = Settings(
        damping=damping, window=window, horizon=horizon, band_scale=scale, band_z=BAND_Z
    )
    return settings, scores, counts


def backtest_inputs(inputs: ForecastInputs, *, holdout: int = HOLDOUT_YEARS) -> BacktestResult:
    """The backtest on the employment history of a set of inputs."""
    years, _, levels = employment_matrix(inputs)
    return backtest(years, levels, holdout=min(holdout, len(years) - 3))


def format_backtest(result: BacktestResult) -> str:
    """A plain-text table of the backtest for the terminal and the test log."""
    first, last = result.fitted_years
    held = f"{result.holdout_years[0]}-{result.holdout_years[-1]}"
    lines = [
        f"Backtest: trend fitted on {first}-{last}, held out {held} "
        f"({result.series} series, window {result.window} years, damping {result.damping:.1f})",
        f"  {'':<18}{'MAE (jobs)':>12}{'MAPE':>9}   by year ahead (MAPE)",
    ]
    for label, scores in (("damped trend", result.method), ("naive last value", result.naive)):
        by_year = " ".join(f"{v:5.1f}%" for v in scores.mape_by_horizon)
        lines.append(f"  {label:<18}{scores.mae:>12.1f}{scores.mape:>8.2f}%   {by_year}")
    if result.damping_scores:
        grid = ", ".join(f"{d:.1f}: {s:.1f}" for d, s in result.damping_scores.items())
        lines.append(f"  damping chosen by MAE on rolling origins before {held}: {grid}")
    return "\n".join(lines)
