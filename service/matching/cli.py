"""``kantmatch model train|show|audit``: a thin shell over the matching service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service import clock
from service.auth.principal import CLI_PRINCIPAL

if TYPE_CHECKING:
    from sqlmodel import Session

    from service.matching.models import ModelVersion

from service.clidb import fail, session_scope

model_app = typer.Typer(
    help="The matching model (scorer).", no_args_is_help=True, rich_markup_mode=None
)


def train_model_if_missing() -> None:
    """Train the synthetic scorer when none is stored (called by ``kantmatch init``)."""
    from service.matching import service as matching_service

    with session_scope() as session:
        row, trained = matching_service.ensure_model(session, actor=CLI_PRINCIPAL)
        version, auc = row.version, row.metrics.get("roc_auc")
    if trained:
        typer.echo(f"Matchmodel trænet på SYNTETISKE data (version {version}, ROC AUC {auc:.3f}).")


def _print_metrics(metrics: dict[str, object]) -> None:
    typer.echo(
        f"  ROC AUC {metrics['roc_auc']:.3f} (basislinje, kun gennemsnitlig BIP: "
        f"{metrics['baseline_roc_auc']:.3f}); Brier {metrics['brier']:.4f} "
        f"(basislinje {metrics['baseline_brier']:.4f}); n={metrics['n_train']}+{metrics['n_test']}"
    )


@model_app.command("train")
def train_model(
    outcomes: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="The job centre's placements with outcomes (CSV/XLSX)"
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic generator")] = 2020,
    rows: Annotated[int, typer.Option(help="Synthetic rows", min=1000, max=500000)] = 20000,
) -> None:
    """Train a new scorer on the job centre's outcomes, or on SYNTHETIC data without a file."""
    from service.errors import KantmatchError
    from service.matching import service as matching_service
    from service.matching.outcomes import train_from_outcomes

    if outcomes is None:
        with session_scope() as session:
            row = matching_service.train_synthetic_model(
                session, actor=CLI_PRINCIPAL, n=rows, seed=seed
            )
            version, metrics = row.version, dict(row.metrics)
        # Printed once the transaction has committed: the model is really active now.
        typer.echo(f"Ny aktiv model {version} (SYNTETISKE data, seed {seed}):")
        _print_metrics(metrics)
        return
    try:
        with session_scope() as session:
            report = train_from_outcomes(
                session, content=outcomes.read_bytes(), filename=outcomes.name, actor=CLI_PRINCIPAL
            )
            model = report.model
            metrics = model.metrics if model else {}
            version = model.version if model else ""
    except KantmatchError as error:
        fail(error)
    typer.echo(f"{report.rows} rækker: {report.used} brugt, {len(report.rejected)} afvist")
    for number, reason in report.rejected[:50]:
        typer.echo(f"  række {number}: {reason}")
    if report.activated:
        typer.echo(f"Ny aktiv model {version} trænet på jobcentrets forløb:")
    else:
        typer.echo(
            f"Model {version} er gemt, men IKKE aktiveret: den slog ikke basislinjen "
            "(gennemsnitlig BIP) på de tilbageholdte forløb."
        )
    _print_metrics(metrics)


def _active_model(session: Session) -> ModelVersion:
    """The active scorer's row, or a clear message and exit 1 when none is trained."""
    from service.matching import service as matching_service

    row = matching_service.active_model_version(session)
    if row is None:
        typer.echo("Ingen model er trænet endnu (kør 'kantmatch init').", err=True)
        raise typer.Exit(code=1)
    return row


@model_app.command("show")
def show_model(
    as_json: Annotated[bool, typer.Option("--json", help="Print the metadata as JSON")] = False,
) -> None:
    """The active scorer: version, training source and held-out metrics."""

    with session_scope() as session:
        row = _active_model(session)
        info = {
            "id": row.id,
            "version": row.version,
            "trained_at": row.trained_at.isoformat(),
            "training_source": row.training_source,
            "training_data_hash": row.training_data_hash,
            "metrics": row.metrics,
        }
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    typer.echo(f"Aktiv model {info['version']} ({info['training_source']})")
    _print_metrics(row.metrics)


@model_app.command("audit")
def audit_model(
    top_k: Annotated[int, typer.Option(help="Top-k list length for exposure")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the audit as JSON")] = False,
) -> None:
    """Effect signs, calibration, candidate rank vs readiness, exposure by gender and age."""
    from service.matching import service as matching_service
    from service.matching.audit import model_audit

    with session_scope() as session:
        row = _active_model(session)
        report = model_audit(
            session, model=matching_service.load_model(row), today=clock.today(), top_k=top_k
        )
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        return
    typer.echo("Retning for hver egenskab (+ hæver chancen, - sænker den, 0 ingen effekt):")
    for column, sign in report["signs"].items():
        wanted = {1: "+", -1: "-"}.get(report["monotone"].get(column, 0), "fri")
        typer.echo(
            f"  {column:<28} {sign}  (krav {wanted}; spænd {report['ranges'][column]:.3f} log-odds)"
        )
    typer.echo("\nKalibrering pr. decil (tilbageholdte SYNTETISKE forløb): skøn / observeret")
    for line in report["calibration"]:
        typer.echo(
            f"  {line['bin_low']:.3f}-{line['bin_high']:.3f}  n={line['n']:<5} "
            f"{line['mean_predicted']:.3f} / {line['observed_rate']:.3f} "
            f"(90 %: {line['band_low']:.3f}-{line['band_high']:.3f})"
        )
    if report["mean_predicted"] is not None:
        typer.echo(
            f"  gennemsnitligt skøn {report['mean_predicted']:.3f}, observeret "
            f"{report['positive_rate']:.3f} (Tabel 6.10: 92 af 663 = 0,139)"
        )
    for name, values in report["by_combination"].items():
        rate = report["table_6_12"].get(name)
        typer.echo(
            f"  {name:<24} observeret {values['observed_rate']:.3f} "
            f"(Tabel 6.12, kategori 1-5: {rate:.3f})"
        )
    typer.echo(
        f"\nKandidatrang mod gennemsnitlig BIP (top-{top_k}; negativ = de mest parate først):"
    )
    for kind, values in report["readiness"].items():
        typer.echo(
            f"  {kind:<8} opslag {values['openings']:<4} rang~BIP {values['rank_vs_mean_bip']:+.2f}"
            f"  chance~BIP {values['chance_vs_mean_bip']:+.2f}  top-{top_k} BIP "
            f"{values['top_k_mean_bip']:.2f} mod alle {values['all_mean_bip']:.2f}"
        )
    typer.echo("")
    for name, title in (("gender", "Køn"), ("age_band", "Aldersgruppe")):
        typer.echo(
            f"{title:<14} {'borgere':>8} {'gns. score':>11} {f'top-{top_k} eksponering':>20}"
        )
        for line in report["exposure"].get(name, []):
            typer.echo(
                f"{line['group']:<14} {line['citizens']:>8} {line['mean_score']:>11.4f} "
                f"{line['top_k_exposure']:>20.3f}"
            )
        typer.echo("")
    typer.echo(
        "Køn og alder bruges kun her, efter scoringen; de er ikke modellens input. "
        "Eksponering 1,0 = gruppen optræder i top-listerne i samme andel som blandt kandidaterne."
    )
