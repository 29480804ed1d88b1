"""``kantmatch init`` computes the first forecast; ``kantmatch forecast ...`` on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service import cli
from service.config import get_settings
from service.db import make_engine
from service.forecasts.models import ForecastInput, ForecastRun
from tests.conftest import fresh_database_url


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh database for the command line, chosen by KANTMATCH_DATABASE_URL."""
    url = fresh_database_url(backend, request, "kantmatch_forecast_cli")
    monkeypatch.setenv("KANTMATCH_DATABASE_URL", url)
    monkeypatch.delenv("KANTMATCH_ENVIRONMENT", raising=False)
    monkeypatch.delenv("KANTMATCH_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def count(url: str, model: type[ForecastRun] | type[ForecastInput]) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(model)).one()
    finally:
        engine.dispose()


def test_init_computes_the_forecast_once_and_the_commands_work(
    database_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()

    init = runner.invoke(cli.app, ["init"])
    again = runner.invoke(cli.app, ["init"])
    table = runner.invoke(cli.app, ["forecast", "show", "--municipality", "360", "--years", "1"])
    as_csv = runner.invoke(
        cli.app, ["forecast", "show", "--sector", "industri", "--format", "csv", "--years", "2"]
    )

    assert init.exit_code == 0, init.output
    assert "Jobåbningsprognose beregnet (ILLUSTRATIVE DATA)." in init.stdout
    assert "Jobåbningsprognose" not in again.stdout
    assert count(database_url, ForecastRun) == 1
    assert table.exit_code == 0, table.output
    assert table.stdout.startswith("ILLUSTRATIVE DATA")
    assert "Backtest 2020-2024: dæmpet tendens MAE" in table.stdout
    assert "Lolland (360)      Bygge og anlæg" in table.stdout
    assert "[ILLUSTRATIV]" in table.stdout
    lines = as_csv.stdout.splitlines()
    assert lines[0] == (
        "municipality_code;sector;year;openings;low;high;replacement;expansion;project;"
        "employment;illustrative"
    )
    assert [line.split(";")[:3] for line in lines[1:]] == [
        ["360", "industri", "2025"],
        ["360", "industri", "2026"],
        ["376", "industri", "2025"],
        ["376", "industri", "2026"],
    ]
    assert all(line.endswith(";True") for line in lines[1:])

    bad = tmp_path / "ras.csv"
    bad.write_bytes(
        "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD\nLolland;47 Detailhandel;25-29 år;2023;ti\n"
        "Lolland;4 Handel og transport mv.;25-29 år;2023;1\n".encode("latin-1")
    )
    refused = runner.invoke(cli.app, ["forecast", "import", str(bad)])

    assert refused.exit_code == 1
    assert "Filen ras.csv kan ikke bruges" in refused.stderr
    assert "linje 2, INDHOLD: 'ti' er ikke et tal" in refused.stderr
    assert "linje 3, BRANCHE07" in refused.stderr
    assert count(database_url, ForecastInput) == 0

    rates = tmp_path / "afgang.csv"
    rates.write_bytes(
        "ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE\n16-59 år;0;1 %\n"
        "60 år og derover;9 %;2 %\n".encode("latin-1")
    )
    imported = runner.invoke(
        cli.app,
        ["forecast", "import", str(rates), "--source", "Egne rater", "--date", "2025-01-31"],
    )

    assert imported.exit_code == 0, imported.output
    assert "Indlæst som exit_rates: afgang.csv; kilde: Egne rater" in imported.stdout
    assert count(database_url, ForecastRun) == 2

    backtest = runner.invoke(cli.app, ["forecast", "backtest"])
    assert backtest.exit_code == 0, backtest.output
    assert "damped trend" in backtest.stdout
    assert "naive last value" in backtest.stdout
    assert "exit_rates: Egne rater, 2025-01-31" in backtest.stdout

    reset = runner.invoke(cli.app, ["forecast", "reset"])
    assert reset.exit_code == 0, reset.output
    assert "1 importerede tabeller er sat ud af brug" in reset.stdout
