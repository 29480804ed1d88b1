"""Import real input tables for the forecast: validated whole, then made the active input."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date

from sqlmodel import Session, col, select

from labour_market import readers, tables
from service import clock
from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.cpr import CPR_REFUSED_DA, CPR_REFUSED_EN, looks_like_cpr
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
        # Before the readers, whose messages may quote a cell: the file is stored as it is.
        refuse_cpr(
            kind,
            readers.decode_text(content, filename),
            filename=filename,
            options={"filename": filename, "source": source_name, "licence": licence},
        )
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


def _cpr_problem(line: int | None, column: str | None) -> tables.Problem:
    return tables.Problem(line, column, CPR_REFUSED_DA, CPR_REFUSED_EN)


def _key_of(line: str) -> str | None:
    """The key a comment or YAML line sets ("# kilde: ..." -> "kilde", "- name: ..." -> "name")."""
    key, sep, _ = line.strip().lstrip("#-").partition(":")
    key = key.strip().strip("\"'")
    return key[:40] if sep and key and not looks_like_cpr(key) else None


def refuse_cpr(
    kind: readers.InputKind, text: str, *, filename: str, options: dict[str, str | None]
) -> None:
    """Raise InputError naming every line (and column or key) and option that holds a CPR-like
    value: the one detector, as for every other import (issue 17). The value is never echoed."""
    problems = [
        _cpr_problem(None, name)
        for name, value in options.items()
        if value and looks_like_cpr(value)
    ]
    rows: dict[int, list[str]] = {}
    header: list[str] = []
    if kind != "projects":
        try:
            table = tables.parse_table(text, filename)
        except readers.InputError:
            pass  # the reader says what is wrong with the table; its lines are checked whole
        else:
            rows, header = dict(table.rows), table.header
    for number, line in enumerate(text.splitlines(), start=1):
        # A cell's CPR number is in its line too (no delimiter is a separator): check lines,
        # then name the cell.
        if not looks_like_cpr(line):
            continue
        if number not in rows:
            problems.append(_cpr_problem(number, _key_of(line)))
            continue
        for index, cell in enumerate(rows[number]):
            if looks_like_cpr(cell):
                column = header[index] if index < len(header) else f"kolonne {index + 1}"
                problems.append(_cpr_problem(number, column))
    tables.raise_if(problems, filename)


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
