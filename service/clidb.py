"""What every command-line module shares: settings, one transaction per command, errors, progress.

The domain CLIs (`service/<domain>/cli.py`) import this module, never `service/cli.py`, which only
assembles them. Nothing heavy is imported here, so `kantmatch --help` starts quickly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from pydantic import ValidationError

from service.config import Settings, get_settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from service.errors import KantmatchError
    from service.tabular import Progress


def cli_settings() -> Settings:
    """The settings, or a clear message (not a traceback) when the environment is invalid."""
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


@contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """An import's progress callback drawing a bar on a terminal; None when not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    with typer.progressbar(length=1, label="Importerer", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        yield progress


def fail(error: KantmatchError) -> NoReturn:
    """Print a service error in Danish with its fields and exit 1."""
    typer.echo(f"Fejl: {error.message_da}", err=True)
    for field in error.fields:
        typer.echo(f"  {field.field}: {field.message_da}", err=True)
    raise typer.Exit(code=1)
