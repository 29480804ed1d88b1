"""Import real input tables for the forecast: validated whole, then made the active input."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date

from sqlmodel import Session, col, select

from labour_market import readers
from service import clock
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.forecasts import service as forecasts_service
from service.forecasts.exceptions import ForecastInputError
from service.forecasts.models import ForecastInput
from service.forecasts.schemas import InputImportResult, SourcePublic


def import_input(
    session: Session,
    *,
    content: bytes,
    filename: str,
    actor: Principal,
    source_name: str | None = None,
    source_date: date | None = None,
    licence: str | None = None,
    recompute: bool = True,
) -> InputImportResult:
    """Validate an input file, make it the active table of its kind and recompute.

    All or nothing: a file with any problem raises with every problem named, and stores nothing.
    """
    today = clock.now().date()
    try:
        kind = readers.detect_kind(content, filename)
        table = readers.read_input(kind, content, filename=filename, imported_on=today)
        source = dataclasses.replace(
            table.source,
            name=source_name or table.source.name,
            date=source_date.isoformat() if source_date else table.source.date,
            licence=licence if licence is not None else table.source.licence,
        )
        table = dataclasses.replace(table, source=source)
        tables, _ = forecasts_service.active_tables(session)
        tables[kind] = table
        readers.assemble_inputs(tables)
    except readers.InputError as error:
        raise ForecastInputError(error) from error
    previous = session.exec(
        select(ForecastInput).where(col(ForecastInput.kind) == kind, col(ForecastInput.is_active))
    ).all()
    for stored in previous:
        stored.is_active = False
        session.add(stored)
    stored_input = ForecastInput(
        kind=kind,
        filename=filename[:255],
        content=readers.decode_text(content, filename),
        sha256=hashlib.sha256(content).hexdigest(),
        source=forecasts_service.source_dict(source),
        imported_by=actor.name,
    )
    session.add(stored_input)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="import",
        entity_type="forecast_input",
        entity_id=stored_input.id,
        detail={"kind": kind, "filename": filename, "illustrative": source.illustrative},
    )
    run = forecasts_service.compute_forecast(session, actor=actor) if recompute else None
    return InputImportResult(
        kind=kind,
        filename=filename,
        source=SourcePublic.model_validate(forecasts_service.source_dict(source)),
        warnings=list(getattr(table, "warnings", ())),
        run_id=run.id if run else None,
    )


def reset_inputs(
    session: Session, *, actor: Principal, kind: readers.InputKind | None = None
) -> int:
    """Stop using imported tables (of one kind, or all): the shipped set is used again."""
    query = select(ForecastInput).where(col(ForecastInput.is_active))
    if kind is not None:
        query = query.where(ForecastInput.kind == kind)
    stored = session.exec(query).all()
    for item in stored:
        item.is_active = False
        session.add(item)
        record_audit(
            session,
            actor=actor,
            action="deactivate",
            entity_type="forecast_input",
            entity_id=item.id,
        )
    session.flush()
    return len(stored)
