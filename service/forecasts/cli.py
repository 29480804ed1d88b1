"""``kantmatch forecast run|show|import|reset|backtest``: a thin shell over the service."""

from __future__ import annotations

import csv
import io
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labour_market.tables import INPUT_KINDS
from service.auth.principal import CLI_PRINCIPAL
from service.clidb import fail, session_scope
from service.sectors import Sector

if TYPE_CHECKING:
    from service.forecasts.schemas import ForecastAnswer


forecast_app = typer.Typer(
    help="Job-opening forecasts (jobåbninger).", no_args_is_help=True, rich_markup_mode=None
)

MAX_PRINTED_PROBLEMS = 50


class OutputFormat(StrEnum):
    """How ``forecast show`` prints."""

    table = "table"
    csv = "csv"
    json = "json"


def _print_run_summary(answer: ForecastAnswer) -> None:
    run = answer.run
    if answer.notice:
        typer.echo(answer.notice)
    typer.echo(
        f"Prognose {run.id} beregnet {run.computed_at:%Y-%m-%d %H:%M} UTC på historik "
        f"{run.history_first_year}-{run.history_last_year}; dæmpning {run.damping:.1f}, "
        f"vindue {run.trend_window} år"
    )
    if run.backtest is not None:
        bt = run.backtest
        typer.echo(
            f"Backtest {bt.holdout_years[0]}-{bt.holdout_years[-1]}: dæmpet tendens MAE "
            f"{bt.method_mae:.1f} job / MAPE {bt.method_mape:.2f} %, naiv (sidste værdi) MAE "
            f"{bt.naive_mae:.1f} / MAPE {bt.naive_mape:.2f} %"
        )
    for warning in run.warnings:
        typer.echo(f"Advarsel: {warning}")


def _print_sources(answer: ForecastAnswer) -> None:
    typer.echo("Kilder:")
    for source in answer.sources:
        flag = " [ILLUSTRATIV]" if source.illustrative else ""
        typer.echo(f"  {source.kind}: {source.name}, {source.date}, {source.licence}{flag}")


def compute_forecast_if_missing() -> None:
    """Compute the forecast when the database holds none (called by ``kantmatch init``)."""
    from service.errors import KantmatchError
    from service.forecasts import service as forecasts_service

    try:
        with session_scope() as session:
            run, computed = forecasts_service.ensure_forecast(session, actor=CLI_PRINCIPAL)
            illustrative = run.illustrative
    except KantmatchError as error:
        typer.echo(f"Advarsel: prognosen kunne ikke beregnes: {error.message_da}", err=True)
        return
    if computed:
        note = " (ILLUSTRATIVE DATA)" if illustrative else ""
        typer.echo(f"Jobåbningsprognose beregnet{note}.")


@forecast_app.command("run")
def run_forecast() -> None:
    """Compute the forecast from the active inputs (shipped illustrative set or imported)."""
    from service.errors import KantmatchError
    from service.forecasts import service as forecasts_service

    try:
        with session_scope() as session:
            run = forecasts_service.compute_forecast(session, actor=CLI_PRINCIPAL)
            answer = forecasts_service.get_forecast(session, years=run.horizon)
    except KantmatchError as error:
        fail(error)
    _print_run_summary(answer)
    _print_sources(answer)


@forecast_app.command("show")
def show_forecast(
    municipality: Annotated[str | None, typer.Option(help="Municipality code, e.g. 360")] = None,
    sector: Annotated[Sector | None, typer.Option(help="Sector slug")] = None,
    years: Annotated[int, typer.Option(min=1, max=5, help="Years ahead")] = 5,
    output: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json")] = (
        OutputFormat.table
    ),
) -> None:
    """Print the newest forecast: a table, or CSV/JSON for programs."""
    from service.errors import KantmatchError
    from service.forecasts import service as forecasts_service

    try:
        with session_scope() as session:
            answer = forecasts_service.get_forecast(
                session,
                municipality_code=municipality,
                sector=sector.value if sector else None,
                years=years,
            )
    except KantmatchError as error:
        fail(error)
    if output == OutputFormat.json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    if output == OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
        fields = ["municipality_code", "sector", "year", "openings", "low", "high"]
        fields += ["replacement", "expansion", "project", "employment", "illustrative"]
        writer.writerow(fields)
        for item in answer.items:
            values = item.model_dump()
            writer.writerow([*(values[f] for f in fields[:-1]), answer.illustrative])
        typer.echo(buffer.getvalue(), nl=False)
        return
    _print_run_summary(answer)
    header = (
        f"{'kommune':<19}{'branche':<36}{'år':>5}{'åbninger':>10}{'lav':>8}{'høj':>8}"
        f"{'afgang':>8}{'tendens':>9}{'projekt':>9}"
    )
    typer.echo(header)
    for item in answer.items:
        typer.echo(
            f"{item.municipality_name + ' (' + item.municipality_code + ')':<19}"
            f"{item.sector_name[:35]:<36}{item.year:>5}{item.openings:>10.0f}{item.low:>8.0f}"
            f"{item.high:>8.0f}{item.replacement:>8.0f}{item.expansion:>9.0f}{item.project:>9.0f}"
        )
    typer.echo("Efterspørgselsindeks (0-1, 0,5 = median):")
    for cell in answer.demand:
        typer.echo(f"  {cell.municipality_code} {cell.sector:<36}{cell.demand_index:>6.2f}")
    _print_sources(answer)


@forecast_app.command("import")
def import_input(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[
        str | None, typer.Option(help="Source name, e.g. 'Danmarks Statistik, RAS301'")
    ] = None,
    source_date: Annotated[
        str | None, typer.Option("--date", help="Date of the extract (YYYY-MM-DD)")
    ] = None,
    licence: Annotated[str | None, typer.Option(help="Licence of the data")] = None,
    recompute: Annotated[
        bool, typer.Option("--run/--no-run", help="Recompute the forecast afterwards")
    ] = True,
) -> None:
    """Check a real extract (every bad line is named) and make it the active input of its kind."""
    from service.errors import KantmatchError
    from service.forecasts import importers

    try:
        parsed_date = date.fromisoformat(source_date) if source_date else None
    except ValueError as exc:
        typer.echo(f"Fejl: --date skal være en dato (ÅÅÅÅ-MM-DD), ikke {source_date!r}", err=True)
        raise typer.Exit(code=1) from exc
    try:
        with session_scope() as session:
            result = importers.import_input(
                session,
                content=file.read_bytes(),
                filename=file.name,
                actor=CLI_PRINCIPAL,
                source_name=source,
                source_date=parsed_date,
                licence=licence,
                recompute=recompute,
            )
    except KantmatchError as error:
        typer.echo(f"Fejl: {error.message_da}", err=True)
        for field in error.fields[:MAX_PRINTED_PROBLEMS]:
            typer.echo(f"  {field.field}: {field.message_da}", err=True)
        if len(error.fields) > MAX_PRINTED_PROBLEMS:
            typer.echo(f"  ... og {len(error.fields) - MAX_PRINTED_PROBLEMS} fejl mere", err=True)
        raise typer.Exit(code=1) from error
    flag = " (illustrativ)" if result.source.illustrative else ""
    typer.echo(f"Indlæst som {result.kind}{flag}: {result.filename}; kilde: {result.source.name}")
    for warning in result.warnings:
        typer.echo(f"Advarsel: {warning}")
    if result.run_id:
        typer.echo(f"Prognosen er genberegnet ({result.run_id}).")
    else:
        typer.echo("Kør 'kantmatch forecast run' for at genberegne prognosen.")


@forecast_app.command("reset")
def reset_inputs(
    kind: Annotated[
        str | None,
        typer.Argument(help=f"One of {', '.join(INPUT_KINDS)}; all kinds when left out"),
    ] = None,
) -> None:
    """Stop using imported tables: the shipped illustrative set is used again, and recompute."""
    from service.errors import KantmatchError
    from service.forecasts import importers
    from service.forecasts import service as forecasts_service

    if kind is not None and kind not in INPUT_KINDS:
        typer.echo(f"Fejl: ukendt tabel {kind!r}; brug en af {', '.join(INPUT_KINDS)}", err=True)
        raise typer.Exit(code=1)
    try:
        with session_scope() as session:
            count = importers.reset_inputs(session, actor=CLI_PRINCIPAL, kind=kind or None)
            forecasts_service.compute_forecast(session, actor=CLI_PRINCIPAL)
    except KantmatchError as error:
        fail(error)
    typer.echo(f"{count} importerede tabeller er sat ud af brug; prognosen er genberegnet.")


@forecast_app.command("backtest")
def backtest() -> None:
    """Print the backtest of the active inputs: damped trend against the naive forecast."""
    from labour_market.backtest import backtest_inputs, format_backtest
    from service.errors import KantmatchError
    from service.forecasts import service as forecasts_service

    try:
        with session_scope() as session:
            inputs = forecasts_service.active_inputs(session)
    except KantmatchError as error:
        fail(error)
    typer.echo(format_backtest(backtest_inputs(inputs)))
    if inputs.illustrative:
        typer.echo(
            "ILLUSTRATIVE DATA: tallene er opdigtede; backtesten viser kun, at koden virker."
        )
    for source in inputs.sources:
        flag = " [ILLUSTRATIV]" if source.illustrative else ""
        typer.echo(f"  {source.kind}: {source.name}, {source.date}{flag}")
