"""The ``kantmatch`` command line: a thin shell over the same service functions as the API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.auth.principal import CLI_PRINCIPAL, Role
from service.citizens import cli as citizens_cli
from service.clidb import cli_settings, exit_for_report, fail, progress_bar, session_scope
from service.forecasts.cli import compute_forecast_if_missing, forecast_app
from service.matching.cli import model_app, train_model_if_missing
from service.reminders import cli as reminders_cli
from service.tasks.cli import load_sector_cards, tasks_app

app = typer.Typer(
    help="Kantmatch: opgaver frem for stillinger.", no_args_is_help=True, rich_markup_mode=None
)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True, rich_markup_mode=None)
users_app = typer.Typer(help="Users.", no_args_is_help=True, rich_markup_mode=None)
import_app = typer.Typer(help="Import files.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
app.add_typer(tasks_app, name="tasks")
app.add_typer(forecast_app, name="forecast")
app.add_typer(model_app, name="model")
import_app.command("citizens")(citizens_cli.import_citizens)
import_app.command("bip")(citizens_cli.import_bip)
app.command("worker")(reminders_cli.worker)


@app.command()
def init() -> None:
    """Create or migrate the database to the newest schema and load the sector cards."""
    from service.db import make_engine
    from service.migrations_runner import head_revision, upgrade_database

    settings = cli_settings()
    engine = make_engine(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    typer.echo(f"Databasen er migreret til {head_revision()} ({engine.url.render_as_string()})")
    load_sector_cards()
    compute_forecast_if_missing()
    train_model_if_missing()


@app.command()
def demo(
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same data")
    ] = 2020,
) -> None:
    """Load fictional demo users and companies (once; refused in production)."""
    from service.demo import load_demo
    from service.demo.logins import DEMO_PASSWORD, ensure_demo_logins

    if cli_settings().environment == "production":
        typer.echo(
            "Fejl: demodata indlæses ikke i produktion (KANTMATCH_ENVIRONMENT=production)", err=True
        )
        raise typer.Exit(code=1)
    with session_scope() as session:
        result = load_demo(session, seed=seed)
        logins = ensure_demo_logins(session)  # issue 16: one web login per role
    if result.already_loaded:
        typer.echo("Demodata findes allerede; intet ændret.")
    else:
        typer.echo(f"Demodata indlæst: {result.companies_created} fiktive virksomheder.")
    typer.echo("Demo-API-nøgler (kun til demo; send som 'Authorization: Bearer <nøgle>'):")
    for key, name in result.keys.items():
        typer.echo(f"  {key:<28} {name}")
    typer.echo(f"Demo-logins til siderne (adgangskode for alle: {DEMO_PASSWORD}):")
    for email, name in logins.items():
        typer.echo(f"  {email:<44} {name}")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option(help="admin, caseworker, company_consultant, ...")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")],
    municipality: Annotated[str | None, typer.Option(help="Municipality code, e.g. 360")] = None,
) -> None:
    """Create a user with a key and print only the key (it is not stored and not shown again)."""
    from pydantic import ValidationError

    from service.auth import service as auth_service
    from service.errors import KantmatchError, validation_failed_from

    try:
        with session_scope() as session:
            _, key = auth_service.create_user_with_key(
                session, name=name, role=role, municipality_code=municipality, actor=CLI_PRINCIPAL
            )
    except ValidationError as exc:  # e.g. a scoped role without --municipality
        fail(validation_failed_from(exc))
    except KantmatchError as error:
        fail(error)
    typer.echo(key)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    role: Annotated[Role, typer.Option()],
    municipality: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user who logs in with e-mail and password (stored as an argon2 hash)."""
    from pydantic import ValidationError

    from service.auth import service as auth_service
    from service.auth.schemas import UserCreate
    from service.errors import KantmatchError, validation_failed_from

    try:
        data = UserCreate(
            name=name, email=email, role=role, municipality_code=municipality, password=password
        )
        with session_scope() as session:
            user = auth_service.create_user(session, data=data, actor=CLI_PRINCIPAL)
    except ValidationError as exc:
        fail(validation_failed_from(exc))
    except KantmatchError as error:
        fail(error)
    typer.echo(f"Bruger oprettet: {user.id} {user.name} ({role})")


@import_app.command("companies")
def import_companies(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option(help="Check the file without storing")] = False,
) -> None:
    """Import a CSV or XLSX company list (upsert by CVR) and report every rejected row.

    Exit code 0: every row stored; 3: some rows rejected (the others stored); 1: nothing stored.
    """
    from service.companies.importers import import_companies as run_import
    from service.errors import KantmatchError

    try:
        with session_scope() as session, progress_bar() as progress:
            report = run_import(
                session,
                path=file,
                filename=file.name,
                actor=CLI_PRINCIPAL,
                dry_run=dry_run,
                progress=progress,
            )
    except KantmatchError as error:
        fail(error)
    prefix = "Prøvekørsel (intet gemt): " if dry_run else ""
    rejected = len({p.row for p in report.rejected})
    typer.echo(
        f"{prefix}{report.rows} rækker: {len(report.created)} oprettet, "
        f"{len(report.updated)} opdateret, {rejected} afvist"
    )
    for problem in report.rejected:
        typer.echo(
            f"  række {problem.row} ({problem.cvr or '-'}) {problem.field}: {problem.message}"
        )
    exit_for_report(rejected, report.unknown_columns)


@import_app.command("postal-codes")
def import_postal_codes(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option(help="Check the file without storing")] = False,
) -> None:
    """Import DAWA's postnumre CSV (postal-code centres); one broken line and nothing is stored."""
    from service.citizens.models import Citizen
    from service.companies.models import Company
    from service.places import refresh_postal_coordinates
    from service.postal_import import import_postal_codes as run_import

    refreshed = {"virksomheder": 0, "borgere": 0}
    with session_scope() as session:
        report = run_import(session, content=file.read_bytes(), filename=file.name, dry_run=dry_run)
        if report.stored:  # stored rows get the new centres unless their own were given
            refreshed["virksomheder"] = refresh_postal_coordinates(session, Company)
            refreshed["borgere"] = refresh_postal_coordinates(session, Citizen)
    for problem in report.rejected:
        typer.echo(f"  linje {problem.line} {problem.field}: {problem.message}")
    for problem in report.skipped:
        typer.echo(f"  linje {problem.line} sprunget over: {problem.message}")
    if report.rejected:
        typer.echo(
            f"{len(report.rejected)} fejl i {file.name}: intet gemt (ret linjerne og kør igen)"
        )
        raise typer.Exit(1)
    prefix = "Prøvekørsel (intet gemt): " if dry_run or not report.stored else ""
    typer.echo(
        f"{prefix}{len(report.rows)} postnumre med koordinater, "
        f"{len(report.skipped)} sprunget over ({report.source})"
    )
    if report.stored:
        typer.echo(
            f"Nye koordinater: {refreshed['virksomheder']} virksomheder, "
            f"{refreshed['borgere']} borgere (egne koordinater bevaret)"
        )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Where to write the backup")],
) -> None:
    """Write a consistent backup of the database to FILE (safe while the server runs)."""
    from service.backup import backup as run_backup
    from service.errors import KantmatchError

    try:
        result = run_backup(cli_settings().database_url, file)
    except KantmatchError as error:
        fail(error)
    kind = "SQLite-kopi" if result.backend == "sqlite" else "pg_dump (custom-format)"
    typer.echo(f"Sikkerhedskopi skrevet: {result.path} ({kind}, skema {result.revision})")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the database without asking")] = False,
) -> None:
    """Replace the whole database with a backup (stop the server first), then migrate it."""
    from service.backup import restore as run_restore
    from service.errors import KantmatchError

    settings = cli_settings()
    if not yes:
        typer.confirm("Hele databasens indhold erstattes af sikkerhedskopien. Fortsæt?", abort=True)
    try:
        result = run_restore(settings.database_url, file)
    except KantmatchError as error:
        fail(error)
    typer.echo(f"Gendannet fra {result.path} (skema {result.revision}).")
    if result.migrated_to:
        typer.echo(f"Databasen er derefter migreret til {result.migrated_to}.")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (use PostgreSQL for more than 1)")
    ] = 1,
) -> None:
    """Start the HTTP server (several workers: use PostgreSQL, see docs/operations.md)."""
    import uvicorn

    settings = cli_settings()
    if workers > 1 and settings.is_sqlite:
        typer.echo(
            "Advarsel: flere arbejdsprocesser på SQLite venter kun på hinanden gennem SQLites "
            "busy timeout; brug PostgreSQL til --workers over 1 (docs/operations.md).",
            err=True,
        )
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


def main() -> None:
    """Entry point of the console script."""
    app()
