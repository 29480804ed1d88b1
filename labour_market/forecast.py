"""Job openings per municipality × sector × year: replacement + expansion + project demand.

openings(h) = max(0, replacement(h) + expansion(h) + project(h)) for h = 1..horizon years after
the last year T of the employment history (docs/forecasts.md has the worked formulas):

- replacement(h) = Σ_bands E_band(T) × exit_rate_band × trend(T+h-1) / E(T): the last observed
  age structure times the age-specific exit rates, scaled with the projected employment;
- expansion(h) = trend(T+h) - trend(T+h-1), the trend being a damped linear trend;
- project(h) = Σ_projects max(0, P(T+h) - P(T+h-1)) + turnover × P(T+h-1), P being a project's
  extra jobs in the sector;
- the band is ± z × s_h × E(T) around the sum (floored at 0), s_h the root mean square of the
  backtest's relative errors in the yearly change at horizon h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from labour_market.codes import SECTORS
from labour_market.readers import ForecastInputs, Projects

HORIZON = 5
TREND_WINDOW = 10
DAMPING_GRID: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
# Two-sided 80 % band under normally distributed errors (the 90th percentile of N(0, 1)).
BAND_Z = 1.2816
# Relative yearly-change error used when the history is too short for a backtest.
FALLBACK_BAND_SCALE = 0.01


class DampedTrend:
    """A linear trend fitted on the last ``window`` years, its slope damped by ``damping``.

    Every column of the level matrix is one series. The forecast starts from the last observed
    level L and adds the fitted slope b times damping^i for year i ahead:
    ŷ(T+h) = L + b × (φ + φ² + ... + φ^h). φ = 1 is a straight line, φ → 0 the last value.
    """

    def __init__(self, damping: float = 0.8, window: int = TREND_WINDOW) -> None:
        self.damping = damping
        self.window = window

    def fit(self, years: np.ndarray, levels: np.ndarray) -> DampedTrend:
        """Fit the slope of every series by least squares over the last ``window`` years."""
        if not 0 <= self.damping <= 1:
            raise ValueError("damping must be between 0 and 1")
        if self.window < 2:
            raise ValueError("window must be at least 2 years")
        years = np.asarray(years, dtype=float)
        levels = np.asarray(levels, dtype=float)
        if levels.ndim != 2 or levels.shape[0] != years.shape[0] or years.shape[0] < 2:
            raise ValueError("levels must be (years, series) with at least 2 years")
        recent = slice(max(0, years.shape[0] - self.window), None)
        model = LinearRegression().fit(years[recent].reshape(-1, 1), levels[recent])
        self.slope_: np.ndarray = np.asarray(model.coef_, dtype=float).reshape(-1)
        self.level_: np.ndarray = levels[-1].copy()
        self.last_year_ = int(years[-1])
        return self

    def predict(self, horizon: int) -> np.ndarray:
        """Levels for the years T+1..T+horizon, shape (horizon, series), never below 0."""
        if not hasattr(self, "slope_"):
            raise RuntimeError("DampedTrend is not fitted yet; call fit() first")
        steps = np.cumsum(self.damping ** np.arange(1, horizon + 1, dtype=float))
        path = self.level_[None, :] + steps[:, None] * self.slope_[None, :]
        clipped: np.ndarray = np.maximum(path, 0.0)
        return clipped


@dataclass(frozen=True)
class Settings:
    """Parameters of one forecast run."""

    damping: float
    window: int = TREND_WINDOW
    horizon: int = HORIZON
    band_scale: tuple[float, ...] = field(default_factory=lambda: (FALLBACK_BAND_SCALE,) * HORIZON)
    band_z: float = BAND_Z

    def __post_init__(self) -> None:
        if len(self.band_scale) < self.horizon:
            raise ValueError("band_scale needs one value per year ahead")


@dataclass(frozen=True)
class Forecast:
    """``rows`` per municipality × sector × year; ``cells`` per municipality × sector."""

    rows: pd.DataFrame
    cells: pd.DataFrame
    last_year: int
    settings: Settings


def employment_matrix(
    inputs: ForecastInputs,
) -> tuple[np.ndarray, list[tuple[str, str]], np.ndarray]:
    """Years, the (municipality, sector) series, and total employment (years × series)."""
    frame = inputs.employment.frame
    totals = frame.groupby(["year", "municipality_code", "sector"])["employed"].sum()
    table = totals.unstack(["municipality_code", "sector"], fill_value=0)
    municipalities = sorted(str(m) for m in frame["municipality_code"].unique())
    series = [(m, s) for m in municipalities for s in SECTORS]
    table = table.reindex(columns=pd.MultiIndex.from_tuples(series), fill_value=0.0)
    years = np.array(sorted(int(y) for y in table.index), dtype=int)
    table = table.reindex(years, fill_value=0.0)
    return years, series, table.to_numpy(dtype=float)


def replacement_rates(inputs: ForecastInputs, series: Sequence[tuple[str, str]]) -> np.ndarray:
    """Per series: Σ_bands E_band(T) × exit rate / E(T) in the last year T (0 without jobs)."""
    frame = inputs.employment.frame
    last = frame[frame["year"] == frame["year"].max()]
    rate_of_band = {
        band.label: inputs.exit_rates.total(band) or 0.0 for band in inputs.employment.bands
    }
    index = {key: i for i, key in enumerate(series)}
    exits = np.zeros(len(series))
    employed = np.zeros(len(series))
    for municipality, sector, band, count in zip(
        last["municipality_code"], last["sector"], last["age_band"], last["employed"], strict=True
    ):
        i = index.get((str(municipality), str(sector)))
        if i is not None:
            exits[i] += float(count) * rate_of_band[str(band)]
            employed[i] += float(count)
    rates: np.ndarray = np.divide(exits, employed, out=np.zeros_like(exits), where=employed > 0)
    return rates


def project_openings(
    projects: Projects | None, series: Sequence[tuple[str, str]], last_year: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
    """Project openings and extra jobs per year ahead and series, and the projects behind them."""
    openings = np.zeros((horizon, len(series)))
    jobs = np.zeros((horizon, len(series)))
    names: list[list[str]] = [[] for _ in series]
    index = {key: i for i, key in enumerate(series)}
    for project in projects.projects if projects else ():
        for sector, by_year in project.extra_jobs.items():
            i = index.get((project.municipality_code, sector))
            if i is None:
                continue
            names[i].append(project.name)
            for h in range(1, horizon + 1):
                now = by_year.get(last_year + h, 0.0)
                before = by_year.get(last_year + h - 1, 0.0)
                openings[h - 1, i] += max(0.0, now - before) + project.annual_turnover * before
                jobs[h - 1, i] += now
    return openings, jobs, names


def demand_index(openings_rate: np.ndarray, employed: np.ndarray | None = None) -> np.ndarray:
    """rate / (rate + median rate): 0.5 at the median cell, towards 1 where jobs open fastest.

    The median is taken over the cells with employment (all cells when ``employed`` is None);
    a cell without employment gets 0.
    """
    rates = np.maximum(np.asarray(openings_rate, dtype=float), 0.0)
    has_jobs = np.ones(rates.shape, dtype=bool) if employed is None else np.asarray(employed) > 0
    if not has_jobs.any():
        return np.zeros_like(rates)
    median = float(np.median(rates[has_jobs]))
    denominator = rates + median
    index = np.divide(rates, denominator, out=np.zeros_like(rates), where=denominator > 0)
    return np.where(has_jobs, index, 0.0)


def forecast_openings(inputs: ForecastInputs, settings: Settings) -> Forecast:
    """Openings with low/high bands per municipality × sector × year, and the demand index."""
    years, series, levels = employment_matrix(inputs)
    horizon = settings.horizon
    trend = DampedTrend(settings.damping, settings.window).fit(years, levels)
    path = trend.predict(horizon)
    base = levels[-1]
    previous = np.vstack([base[None, :], path[:-1]])
    expansion = path - previous
    rates = replacement_rates(inputs, series)
    replacement = rates[None, :] * previous
    last_year = int(years[-1])
    project, project_jobs, project_names = project_openings(
        inputs.projects, series, last_year, horizon
    )
    total = replacement + expansion + project
    half_width = (
        settings.band_z * np.asarray(settings.band_scale[:horizon])[:, None] * base[None, :]
    )
    openings = np.maximum(total, 0.0)
    low = np.maximum(total - half_width, 0.0)
    high = np.maximum(total + half_width, 0.0)
    records = []
    for h in range(horizon):
        for i, (municipality, sector) in enumerate(series):
            records.append(
                {
                    "municipality_code": municipality,
                    "sector": sector,
                    "year": last_year + h + 1,
                    "horizon": h + 1,
                    "employment": path[h, i],
                    "replacement": replacement[h, i],
                    "expansion": expansion[h, i],
                    "project": project[h, i],
                    "project_jobs": project_jobs[h, i],
                    "openings": openings[h, i],
                    "low": low[h, i],
                    "high": high[h, i],
                }
            )
    rows = pd.DataFrame.from_records(records)
    mean_openings = openings.mean(axis=0)
    openings_rate = np.divide(mean_openings, base, out=np.zeros_like(mean_openings), where=base > 0)
    cells = pd.DataFrame(
        {
            "municipality_code": [m for m, _ in series],
            "sector": [s for _, s in series],
            "employment_last": base,
            "replacement_rate": rates,
            "trend_slope": trend.slope_,
            "openings_rate": openings_rate,
            "demand_index": demand_index(openings_rate, base),
            "projects": project_names,
        }
    )
    return Forecast(rows=rows, cells=cells, last_year=last_year, settings=settings)
