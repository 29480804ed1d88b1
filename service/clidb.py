"""What every command-line module shares: settings, one transaction per command, errors, progress.

The domain CLIs (`service/<domain>/cli.py`) import this module, never `service/cli.py`, which only
assembles them. Nothing heavy is imported here (not even pydantic or the settings), so
`kantmatch --help` starts quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

    from service.config import Settings
    from service.errors import KantmatchError
    from service.tabular import Progress


def cli_settings() -> Settings:
    """The settings, or a clear message (not a traceback) when the environment is invalid."""
    # Imported here: pydantic-settings alone takes half a second to import (issue 13).
    from pydantic import ValidationError

    from service.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        typer.echo("Fejl i indstillingerne (KANTMATCH_*):", err=True)
        for error in exc.errors():
            typer.echo(f"  {error['msg']}", err=True)
        raise typer.Exit(code=1) from exc


@contextmanager
def session_scope(*, write: bool = True) -> Iterator[Session]:
    """One transaction for the whole command: all of it is stored, or none of it.

    With ``write=False`` the session only reads (nothing is committed).
    """
    from sqlmodel import Session

    from service.db import make_engine, read_only

    settings = cli_settings()
    engine = make_engine(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        if write:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield session
        else:
            with Session(read_only(engine), expire_on_commit=False) as session:
                yield session
    finally:
        engine.dispose()


def _clock_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _thousands(number: float) -> str:
    return f"{number:,.0f}".replace(",", ".")


class ProgressLine:
    """An import's progress as one line: rows done, rows per second and the time left.

    The rate is measured between reports (the importers report after each chunk of rows), so
    reading the file does not count as slow rows and the first estimate is not a guess: until
    two reports have come, no time left is shown.
    """

    def __init__(self, write: Callable[[str], None], now: Callable[[], float]) -> None:
        self._write = write
        self._now = now
        self._first: tuple[float, int] | None = None

    def text(self, done: int, total: int) -> str:
        """The line for ``done`` of ``total`` rows."""
        now = self._now()
        if self._first is None:
            self._first = (now, done)
        share = done / total if total else 1.0
        line = f"Importerer: {_thousands(done)} af {_thousands(total)} rækker ({share:.0%})"
        started, rows_then = self._first
        if now > started and done > rows_then:
            rate = (done - rows_then) / (now - started)
            line += f", {_thousands(rate)} rækker/s"
            if done < total:
                line += f", ca. {_clock_text((total - done) / rate)} tilbage"
        return line

    def __call__(self, done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        self._write(f"\r{self.text(done, total)}\033[K{end}")


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """An import's progress callback drawing a line on a terminal; None when not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    import time

    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    yield ProgressLine(write, time.monotonic)


def exit_for_report(rejected_rows: int, unknown_columns: list[str]) -> None:
    """Print an import's unknown columns; exit 3 when rows were rejected (the rest stored)."""
    if unknown_columns:
        typer.echo(f"  Ukendte kolonner (ignoreret): {', '.join(unknown_columns)}")
    if rejected_rows:
        typer.echo(f"Fejl: {rejected_rows} rækker blev afvist (se ovenfor)", err=True)
        raise typer.Exit(code=3)


def fail(error: KantmatchError) -> NoReturn:
    """Print a service error in Danish with its fields and exit 1."""
    typer.echo(f"Fejl: {error.message_da}", err=True)
    for field in error.fields:
        typer.echo(f"  {field.field}: {field.message_da}", err=True)
    raise typer.Exit(code=1)
