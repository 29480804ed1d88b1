"""``kantmatch tasks ...`` and the sector-card load that ``kantmatch init`` runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.auth.principal import CLI_PRINCIPAL
from service.clidb import cli_settings, fail, session_scope
from service.sectors import Sector

if TYPE_CHECKING:
    from service.tasks.schemas import CatalogueStatus


tasks_app = typer.Typer(
    help="Task catalogue and sector cards.", no_args_is_help=True, rich_markup_mode=None
)
_LISTED_IDS = 15  # ids printed per kind of change; more are counted


def _ids(label: str, ids: list[str]) -> str:
    shown = ", ".join(ids[:_LISTED_IDS])
    more = f" (+{len(ids) - _LISTED_IDS} flere)" if len(ids) > _LISTED_IDS else ""
    return f"  {label}: {shown}{more}"


def describe(status: CatalogueStatus) -> list[str]:
    """The lines ``kantmatch init`` prints about a catalogue load."""
    if not status.changed:
        return [
            f"Opgavekataloget er uændret: version {status.version}, "
            f"{status.active_tasks} aktive opgaver."
        ]
    lines = [
        f"Opgavekataloget er indlæst som version {status.version}: "
        f"{len(status.added)} nye, {len(status.changed_tasks)} ændrede og "
        f"{len(status.deprecated)} udfasede opgaver ({status.active_tasks} aktive); "
        f"kort: {len(status.cards_added)} nye, {len(status.cards_changed)} ændrede, "
        f"{len(status.cards_removed)} fjernede."
    ]
    for label, ids in (
        ("nye", status.added),
        ("ændrede", status.changed_tasks),
        ("udfasede", status.deprecated),
        ("fjernede kort", status.cards_removed),
    ):
        if ids:
            lines.append(_ids(label, ids))
    lines.extend(f"  Advarsel: {w}" for w in status.warnings)
    return lines


def load_sector_cards() -> CatalogueStatus:
    """Load the sector cards into the database (after migrating) and print what changed."""
    from service.tasks import catalogue
    from service.tasks.cards import CardError, cards_dir, read_cards
    from service.tasks.exceptions import CatalogueConflictError

    settings = cli_settings()
    folder = cards_dir(settings.sector_cards_dir)
    try:
        card_set = read_cards(folder)
    except CardError as error:
        typer.echo(f"Fejl: sektorkortene i {folder} kan ikke indlæses:", err=True)
        for problem in error.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(code=1) from error
    try:
        with session_scope() as session:
            status = catalogue.sync_catalogue(
                session, card_set=card_set, source=str(folder), actor=CLI_PRINCIPAL
            )
    except CatalogueConflictError as error:
        fail(error)
    for line in describe(status):
        typer.echo(line)
    return status


@tasks_app.command("check")
def check(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder of cards (default: the configured one)")
    ] = None,
) -> None:
    """Validate the sector cards without touching the database."""
    from service.tasks.cards import CardError, cards_dir, read_cards

    folder = folder or cards_dir(cli_settings().sector_cards_dir)
    try:
        card_set = read_cards(folder)
    except CardError as error:
        for problem in error.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(code=1) from error
    for card in card_set.cards:
        typer.echo(f"{card.slug:<36} {card.sector:<36} {len(card.tasks):>3} opgaver")
    typer.echo(f"{len(card_set.cards)} kort, {len(card_set.tasks)} opgaver: alle gyldige.")


@tasks_app.command("normalize")
def normalize(
    text: Annotated[str, typer.Argument(help="What a consultant typed")],
    sector: Annotated[Sector | None, typer.Option(help="Prefer this sector's tasks")] = None,
    limit: Annotated[int, typer.Option(min=1, max=20)] = 5,
) -> None:
    """Print the normaliser's answer for a text as JSON (from the database's catalogue)."""
    from service.tasks import catalogue

    with session_scope(write=False) as session:
        answer = catalogue.normalise_text(session, text=text, sector=sector, limit=limit)
    typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=2))
