"""Compute, store and serve job-opening forecasts, the demand index and the chart."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from labour_market import readers
from labour_market.backtest import backtest_inputs, calibrated_settings
from labour_market.chart import ChartSeries, openings_chart_svg
from labour_market.codes import SECTOR_NAMES_DA, SECTORS
from labour_market.forecast import forecast_openings
from labour_market.signals import vacancy_signals
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.forecasts.exceptions import (
    ForecastMissingError,
    MunicipalityNotForecastError,
)
from service.forecasts.models import ForecastCell, ForecastInput, ForecastRow, ForecastRun
from service.forecasts.schemas import (
    BacktestPublic,
    DemandPublic,
    ForecastAnswer,
    ForecastRowPublic,
    ForecastRunPublic,
    SourcePublic,
    VacancySignalPublic,
)
from service.i18n import Lang
from service.places import municipality_name

METHOD = "replacement+damped_trend+projects/1"
KEEP_RUNS = 5
ILLUSTRATIVE_NOTICE = {
    "da": "ILLUSTRATIVE DATA: prognosen bygger på opdigtede tal i de rigtige tabellers form, "
    "ikke på statistik. Indlæs rigtige udtræk med 'kantmatch forecast import FIL'.",
    "en": "ILLUSTRATIVE DATA: the forecast rests on invented figures in the shape of the real "
    "tables, not on statistics. Load real extracts with 'kantmatch forecast import FILE'.",
}


def active_tables(session: Session) -> tuple[dict[readers.InputKind, Any], str]:
    """The table of every kind (an imported one if active, else the shipped) and their hash."""
    tables: dict[readers.InputKind, Any] = {}
    digest = hashlib.sha256()
    for kind in readers.INPUT_KINDS:
        stored = session.exec(
            select(ForecastInput).where(
                col(ForecastInput.kind) == kind, col(ForecastInput.is_active)
            )
        ).first()
        if stored is None:
            content = readers.shipped_content(kind)
            tables[kind] = readers.read_input(kind, content, filename=readers.SHIPPED_FILES[kind])
        else:
            content = stored.content.encode("utf-8")
            table = readers.read_input(kind, content, filename=stored.filename)
            tables[kind] = dataclasses.replace(table, source=readers.SourceInfo(**stored.source))
        digest.update(kind.encode() + b"\0" + hashlib.sha256(content).digest())
    return tables, digest.hexdigest()


def active_inputs(session: Session) -> readers.ForecastInputs:
    """The inputs the next forecast run will use."""
    tables, _ = active_tables(session)
    return readers.assemble_inputs(tables)


def source_dict(source: readers.SourceInfo) -> dict[str, Any]:
    return dataclasses.asdict(source)


def compute_forecast(session: Session, *, actor: Principal) -> ForecastRun:
    """Compute the forecast from the active inputs and store it as the newest run."""
    tables, inputs_hash = active_tables(session)
    inputs = readers.assemble_inputs(tables)
    settings, damping_scores, _ = calibrated_settings(inputs)
    forecast = forecast_openings(inputs, settings)
    years = inputs.employment.years
    backtest: dict[str, Any] = {}
    if len(years) >= 4:
        result = backtest_inputs(inputs)
        backtest = {
            "fitted_years": list(result.fitted_years),
            "holdout_years": list(result.holdout_years),
            "series": result.series,
            "damping": result.damping,
            "method_mae": round(result.method.mae, 2),
            "method_mape": round(result.method.mape, 3),
            "naive_mae": round(result.naive.mae, 2),
            "naive_mape": round(result.naive.mape, 3),
            "method_beats_naive": result.method_beats_naive,
        }
    warnings = [w for table in tables.values() for w in getattr(table, "warnings", ())]
    run = ForecastRun(
        computed_by=actor.name,
        method=METHOD,
        history_first_year=years[0],
        history_last_year=years[-1],
        horizon=settings.horizon,
        damping=settings.damping,
        trend_window=settings.window,
        band_z=settings.band_z,
        band_scale=[round(v, 6) for v in settings.band_scale],
        illustrative=inputs.illustrative,
        sources=[source_dict(s) for s in inputs.sources],
        backtest=backtest,
        warnings=warnings,
        inputs_sha256=inputs_hash,
    )
    session.add(run)
    session.flush()
    signals = vacancy_signals(inputs.vacancies, inputs.employment.municipalities)
    session.add_all(
        ForecastRow(run_id=run.id, **{str(k): _plain(v) for k, v in record.items()})
        for record in forecast.rows.to_dict("records")
    )
    session.add_all(
        ForecastCell(
            run_id=run.id,
            municipality_code=str(cell["municipality_code"]),
            sector=str(cell["sector"]),
            employment_last=float(cell["employment_last"]),
            replacement_rate=float(cell["replacement_rate"]),
            trend_slope=float(cell["trend_slope"]),
            openings_rate=float(cell["openings_rate"]),
            demand_index=float(cell["demand_index"]),
            projects=list(cell["projects"]),
            vacancies=signals.get((str(cell["municipality_code"]), str(cell["sector"]))),
        )
        for cell in forecast.cells.to_dict("records")
    )
    session.flush()
    _prune_runs(session)
    record_audit(
        session,
        actor=actor,
        action="compute",
        entity_type="forecast_run",
        entity_id=run.id,
        detail={
            "illustrative": run.illustrative,
            "damping": run.damping,
            "damping_mae": damping_scores,
        },
    )
    return run


def _plain(value: Any) -> Any:
    """numpy scalars as plain Python numbers for the database drivers."""
    return value.item() if hasattr(value, "item") else value


def _prune_runs(session: Session) -> None:
    """Keep the newest KEEP_RUNS runs."""
    old = session.exec(
        select(ForecastRun.id)
        .order_by(col(ForecastRun.computed_at).desc(), col(ForecastRun.id).desc())
        .offset(KEEP_RUNS)
    ).all()
    if old:
        for table in (ForecastRow, ForecastCell):
            session.execute(delete(table).where(col(table.run_id).in_(old)))
        session.execute(delete(ForecastRun).where(col(ForecastRun.id).in_(old)))
        session.flush()


def latest_run(session: Session) -> ForecastRun | None:
    """The newest stored forecast run, or None."""
    return session.exec(
        select(ForecastRun)
        .order_by(col(ForecastRun.computed_at).desc(), col(ForecastRun.id).desc())
        .limit(1)
    ).first()


def ensure_forecast(session: Session, *, actor: Principal) -> tuple[ForecastRun, bool]:
    """The newest run, computing one first when none is stored (True when computed now)."""
    run = latest_run(session)
    if run is not None:
        return run, False
    return compute_forecast(session, actor=actor), True


def _require_run(session: Session) -> ForecastRun:
    run = latest_run(session)
    if run is None:
        raise ForecastMissingError()
    return run


def demand_index(session: Session) -> dict[tuple[str, str], float]:
    """The newest run's demand index per (municipality code, sector); empty without a run."""
    run = latest_run(session)
    if run is None:
        return {}
    rows = session.exec(
        select(
            ForecastCell.municipality_code, ForecastCell.sector, ForecastCell.demand_index
        ).where(ForecastCell.run_id == run.id)
    ).all()
    return {(m, s): float(v) for m, s, v in rows}


# The demand index of a municipality x sector without data: the median cell's value by
# construction (rate / (rate + median)), i.e. neither tight nor slack. Always flagged.
FALLBACK_DEMAND_INDEX = 0.5
FALLBACK_NOTICE = {
    "da": "Prognosen har ingen tal for kommune {codes}; efterspørgselsindekset er sat til den "
    "neutrale værdi 0,5 (markeret fallback) og der vises ingen jobåbninger.",
    "en": "The forecast has no figures for municipality {codes}; the demand index is the "
    "neutral 0.5 (flagged fallback) and no openings are shown.",
}


def demand_with_fallback(
    session: Session, *, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[float, bool]]:
    """Per (municipality, sector): the demand index and whether it is the flagged fallback."""
    index = demand_index(session)
    return {
        key: (index[key], False) if key in index else (FALLBACK_DEMAND_INDEX, True) for key in keys
    }


def forecast_municipalities(session: Session) -> set[str]:
    """The municipalities the newest run has figures for (empty without a run)."""
    run = latest_run(session)
    if run is None:
        return set()
    rows = session.exec(
        select(ForecastCell.municipality_code).where(ForecastCell.run_id == run.id).distinct()
    ).all()
    return set(rows)


def _fallback_demand(municipality_code: str, sector: str | None) -> list[DemandPublic]:
    return [
        DemandPublic(
            municipality_code=municipality_code,
            sector=s,
            demand_index=FALLBACK_DEMAND_INDEX,
            openings_rate=0.0,
            employment_last=0.0,
            replacement_rate=0.0,
            projects=[],
            current_vacancies=None,
            fallback=True,
        )
        for s in SECTORS
        if sector is None or s == sector
    ]


def openings_next_year(session: Session, *, year: int) -> dict[tuple[str, str], tuple[float, int]]:
    """Forecast openings per (municipality code, sector) in a year (or the run's nearest year)."""
    run = latest_run(session)
    if run is None:
        return {}
    years = session.exec(
        select(ForecastRow.year).where(ForecastRow.run_id == run.id).distinct()
    ).all()
    if not years:
        return {}
    chosen = min(years, key=lambda y: (abs(y - year), y))
    rows = session.exec(
        select(ForecastRow.municipality_code, ForecastRow.sector, ForecastRow.openings).where(
            ForecastRow.run_id == run.id, ForecastRow.year == chosen
        )
    ).all()
    return {(m, s): (float(v), chosen) for m, s, v in rows}


def forecast_version(session: Session) -> str | None:
    """The newest run's id: caches of the demand index compare it to notice a new run."""
    run = latest_run(session)
    return run.id if run else None


def _sector_order(sector: str) -> int:
    return SECTORS.index(sector) if sector in SECTORS else len(SECTORS)


def _municipality_name(code: str) -> str:
    return municipality_name(code) or code


def run_public(run: ForecastRun) -> ForecastRunPublic:
    """The API shape of a run."""
    return ForecastRunPublic(
        id=run.id,
        computed_at=run.computed_at,
        method=run.method,
        history_first_year=run.history_first_year,
        history_last_year=run.history_last_year,
        horizon=run.horizon,
        damping=run.damping,
        trend_window=run.trend_window,
        band_z=run.band_z,
        band_scale=list(run.band_scale),
        backtest=BacktestPublic.model_validate(run.backtest) if run.backtest else None,
        warnings=list(run.warnings),
    )


def get_forecast(
    session: Session,
    *,
    municipality_code: str | None = None,
    sector: str | None = None,
    years: int = 5,
    lang: Lang = "da",
) -> ForecastAnswer:
    """The newest forecast, filtered, with its sources and the illustrative flag."""
    run = _require_run(session)
    row_query = select(ForecastRow).where(
        ForecastRow.run_id == run.id, col(ForecastRow.horizon) <= years
    )
    cell_query = select(ForecastCell).where(ForecastCell.run_id == run.id)
    if municipality_code is not None:
        row_query = row_query.where(ForecastRow.municipality_code == municipality_code)
        cell_query = cell_query.where(ForecastCell.municipality_code == municipality_code)
    if sector is not None:
        row_query = row_query.where(ForecastRow.sector == sector)
        cell_query = cell_query.where(ForecastCell.sector == sector)
    rows = sorted(
        session.exec(row_query).all(),
        key=lambda r: (r.municipality_code, _sector_order(r.sector), r.year),
    )
    cells = sorted(
        session.exec(cell_query).all(),
        key=lambda c: (c.municipality_code, _sector_order(c.sector)),
    )
    fallback: list[str] = []
    if municipality_code is not None and not cells:
        if municipality_name(municipality_code) is None:
            raise MunicipalityNotForecastError(municipality_code)
        fallback = [municipality_code]
    notices = [ILLUSTRATIVE_NOTICE[lang]] if run.illustrative else []
    if fallback:
        notices.append(FALLBACK_NOTICE[lang].format(codes=", ".join(fallback)))
    return ForecastAnswer(
        illustrative=run.illustrative,
        notice=" ".join(notices) or None,
        fallback_municipalities=fallback,
        sources=[SourcePublic.model_validate(s) for s in run.sources],
        run=run_public(run),
        items=[
            ForecastRowPublic(
                municipality_code=r.municipality_code,
                municipality_name=_municipality_name(r.municipality_code),
                sector=r.sector,
                sector_name=SECTOR_NAMES_DA.get(r.sector, r.sector),
                year=r.year,
                years_ahead=r.horizon,
                openings=round(r.openings, 1),
                low=round(r.low, 1),
                high=round(r.high, 1),
                replacement=round(r.replacement, 1),
                expansion=round(r.expansion, 1),
                project=round(r.project, 1),
                employment=round(r.employment, 1),
                project_jobs=round(r.project_jobs, 1),
            )
            for r in rows
        ],
        demand=[
            DemandPublic(
                municipality_code=c.municipality_code,
                sector=c.sector,
                demand_index=round(c.demand_index, 4),
                openings_rate=round(c.openings_rate, 4),
                employment_last=round(c.employment_last, 1),
                replacement_rate=round(c.replacement_rate, 4),
                projects=list(c.projects),
                current_vacancies=(
                    VacancySignalPublic.model_validate(c.vacancies) if c.vacancies else None
                ),
            )
            for c in cells
        ]
        + [d for code in fallback for d in _fallback_demand(code, sector)],
    )


def chart_svg(session: Session, *, municipality_code: str) -> str:
    """The SVG chart of one municipality's openings per sector over the horizon, with bands."""
    run = _require_run(session)
    rows = session.exec(
        select(ForecastRow).where(
            ForecastRow.run_id == run.id, ForecastRow.municipality_code == municipality_code
        )
    ).all()
    if not rows:
        raise MunicipalityNotForecastError(municipality_code)
    by_sector: dict[str, list[ForecastRow]] = {}
    for row in sorted(rows, key=lambda r: (_sector_order(r.sector), r.year)):
        by_sector.setdefault(row.sector, []).append(row)
    series = [
        ChartSeries(
            label=SECTOR_NAMES_DA.get(sector, sector),
            years=[r.year for r in items],
            openings=[r.openings for r in items],
            low=[r.low for r in items],
            high=[r.high for r in items],
        )
        for sector, items in by_sector.items()
    ]
    first, last = run.history_last_year + 1, run.history_last_year + run.horizon
    sources = [
        f"{s['name']} ({s['date']}; {s['licence'] or 'licens ikke oplyst'})"
        + (" [ILLUSTRATIV]" if s["illustrative"] else "")
        for s in run.sources
    ]
    return openings_chart_svg(
        title=f"Forventede jobåbninger pr. år, {_municipality_name(municipality_code)} "
        f"({municipality_code}), {first}-{last}",
        subtitle=f"Beregnet {run.computed_at:%Y-%m-%d} på historik {run.history_first_year}-"
        f"{run.history_last_year}: afgang efter alder + dæmpet tendens (dæmpning "
        f"{run.damping:.1f}) + store projekter",
        series=series,
        illustrative=run.illustrative,
        source_lines=sources,
    )
