"""``kantmatch worker``: the process that sends due SMS reminders.

Heavy modules are imported inside the command, so ``kantmatch --help`` stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from service.clidb import cli_settings

if TYPE_CHECKING:
    from service.reminders.worker import WorkerRun


def _report(run: WorkerRun) -> None:
    if not run.gateway_configured:
        typer.echo(
            "Ingen SMS-gateway sat op (KANTMATCH_SMS_GATEWAY_URL, KANTMATCH_SMS_TOKEN): intet "
            f"sendt; {run.still_queued} besked(er) venter i køen."
        )
        return
    typer.echo(
        f"SMS: {run.sent} sendt, {run.retrying} prøves igen, {run.failed} fejlet, "
        f"{run.stale} afbrudte markeret fejlet; {run.still_queued} i kø."
    )


def worker(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes")] = 30.0,
) -> None:
    """Send due SMS reminders through the gateway (each exactly once), every few seconds."""
    from service.db import make_engine
    from service.reminders.worker import run_forever, send_due

    settings = cli_settings()
    engine = make_engine(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        if once:
            _report(send_due(engine, settings))
            return
        run_forever(engine, settings, interval_seconds=interval, report=_report)
    except KeyboardInterrupt:
        typer.echo("Stoppet.")
    finally:
        engine.dispose()
