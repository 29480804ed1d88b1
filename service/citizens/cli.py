"""``kantmatch import citizens FILE`` and ``kantmatch import bip FILE``.

Registered on the ``import`` sub-app in ``service/cli.py``; the commands run the same importers
as the HTTP endpoints, as the trusted command-line operator, in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from service.auth.principal import CLI_PRINCIPAL
from service.clidb import cli_settings, exit_for_report, fail, progress_bar, session_scope

ImportFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
DryRun = Annotated[bool, typer.Option(help="Check the file without storing")]


def _run(kind: Literal["citizens", "bip"], file: Path, dry_run: bool) -> None:
    """Run the import; exit 0 when every row was stored, 3 when some were rejected."""
    from service.citizens import importers
    from service.errors import KantmatchError

    run = importers.import_citizens if kind == "citizens" else importers.import_bip
    secret_key = cli_settings().secret_key
    try:
        with session_scope() as session, progress_bar() as progress:
            report = run(
                session,
                path=file,
                filename=file.name,
                actor=CLI_PRINCIPAL,
                secret_key=secret_key,
                dry_run=dry_run,
                progress=progress,
            )
    except KantmatchError as error:
        fail(error)
    prefix = "Prøvekørsel (intet gemt): " if dry_run else ""
    what = "borgere" if kind == "citizens" else "BIP-målinger"
    typer.echo(
        f"{prefix}{report.rows} rækker ({what}): {len(report.created)} oprettet, "
        f"{len(report.updated)} opdateret, {len({p.row for p in report.rejected})} afvist"
    )
    for problem in report.rejected:
        typer.echo(
            f"  række {problem.row} ({problem.external_ref or '-'}) "
            f"{problem.field}: {problem.message}"
        )
    exit_for_report(len({p.row for p in report.rejected}), report.unknown_columns)


def import_citizens(file: ImportFile, dry_run: DryRun = False) -> None:
    """Import a CSV or XLSX citizen list (Danish headers); CPR numbers are kept only as a hash."""
    _run("citizens", file, dry_run)


def import_bip(file: ImportFile, dry_run: DryRun = False) -> None:
    """Import BIP measurements from CSV or XLSX (Danish headers), one row per citizen and date."""
    _run("bip", file, dry_run)
