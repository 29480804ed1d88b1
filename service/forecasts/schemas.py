"""Response shapes of the forecasts API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.schemas import UtcDatetime


class SourcePublic(BaseModel):
    """Where one input table comes from."""

    kind: str = Field(description="employment, exit_rates, vacancies or projects")
    name: str
    date: str
    licence: str
    illustrative: bool = Field(description="True: invented figures, not statistics")
    filename: str
    note: str = ""


class BacktestPublic(BaseModel):
    """The damped trend against a naive last-value forecast on held-out years of employment."""

    fitted_years: list[int]
    holdout_years: list[int]
    series: int
    damping: float
    method_mae: float = Field(description="Mean absolute error in jobs, damped trend")
    method_mape: float = Field(description="Mean absolute percentage error, damped trend")
    naive_mae: float
    naive_mape: float
    method_beats_naive: bool


class ForecastRunPublic(BaseModel):
    """How and when the forecast was computed."""

    id: str
    computed_at: UtcDatetime
    method: str
    history_first_year: int
    history_last_year: int
    horizon: int
    damping: float = Field(description="Yearly damping of the trend slope (1 = none)")
    trend_window: int = Field(description="Years of history the trend is fitted on")
    band_z: float
    band_scale: list[float] = Field(
        description="Relative error of the yearly change per year ahead"
    )
    backtest: BacktestPublic | None
    warnings: list[str]


class ForecastRowPublic(BaseModel):
    """Expected job openings in one municipality, sector and year, with the parts and the band."""

    municipality_code: str
    municipality_name: str
    sector: str
    sector_name: str
    year: int
    years_ahead: int
    openings: float = Field(description="replacement + expansion + project, at least 0")
    low: float
    high: float
    replacement: float = Field(description="Jobs left by people who retire or leave")
    expansion: float = Field(description="Change of employment along the damped trend")
    project: float = Field(description="Openings from large projects")
    employment: float = Field(description="Projected employment along the trend")
    project_jobs: float = Field(description="Extra jobs the projects hold that year")


class VacancySignalPublic(BaseModel):
    """The current vacancies of the region in the sector's DB07 10-group (not a forecast)."""

    region_code: str
    region_name: str
    db07_10_group: int
    db07_10_group_name: str
    latest_quarter: str
    mean_last_4_quarters: float
    mean_4_quarters_before: float | None
    change_pct: float | None


class DemandPublic(BaseModel):
    """The demand index of one municipality and sector (what the matcher weighs)."""

    municipality_code: str
    sector: str
    demand_index: float = Field(description="0-1; 0.5 at the median openings rate")
    openings_rate: float = Field(description="Mean yearly openings / employment in the last year")
    employment_last: float
    replacement_rate: float
    projects: list[str]
    current_vacancies: VacancySignalPublic | None = Field(
        description="Current signal beside the forecast, not part of it"
    )
    fallback: bool = Field(
        default=False,
        description="True where the municipality has no data: the neutral value 0.5 is used",
    )


class ForecastAnswer(BaseModel):
    """Job-opening forecasts with their bands, sources and the illustrative flag."""

    illustrative: bool = Field(description="True while any input table is illustrative")
    notice: str | None
    sources: list[SourcePublic]
    run: ForecastRunPublic
    items: list[ForecastRowPublic]
    demand: list[DemandPublic]
    fallback_municipalities: list[str] = Field(
        default_factory=list,
        description="Municipalities asked for that have no forecast: their demand rows are the "
        "neutral fallback (flagged), and they have no opening rows",
    )


class InputImportResult(BaseModel):
    """What an import stored and the run it triggered."""

    kind: str
    filename: str
    source: SourcePublic
    warnings: list[str]
    run_id: str | None
