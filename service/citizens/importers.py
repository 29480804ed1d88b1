"""Import of citizens and of BIP measurements from the job centres' CSV and XLSX files.

Danish (or English) headers, one row at a time: a row is stored whole or not at all (each row
runs in a savepoint) and every rejected row is reported with its column and reason. A file that
cannot be read as a table changes nothing. A CPR column is never stored: each number becomes a
keyed hash (HMAC) used only to find the same person twice, and to find the citizen a BIP row
belongs to. CPR-like text in any other column rejects the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from service.auth import policy
from service.auth.audit import record_audit
from service.auth.models import User
from service.auth.principal import Principal
from service.citizens import measurements
from service.citizens import service as citizens_service
from service.citizens.bip import INDICATORS
from service.citizens.cpr import cpr_hmac
from service.citizens.import_columns import (
    BIP_HEADERS,
    BOOL_FIELDS,
    CITIZEN_HEADERS,
    CRIMINAL_RECORD_WORDS,
    GENDER_WORDS,
    LIMIT_FIELDS,
    MISSING_ANSWER_WORDS,
    MUNICIPALITY_BY_NAME,
    SECTOR_BY_WORD,
    STATUS_WORDS,
    TRANSPORT_WORDS,
    fold_key,
)
from service.citizens.models import Citizen
from service.citizens.schemas import (
    BipMeasurementCreate,
    CitizenCreate,
    CitizenImportReport,
    CitizenRowProblem,
    CitizenRowResult,
    CitizenUpdate,
)
from service.cpr import CPR_REFUSED_DA, first_cpr_cell, normalise_cpr
from service.errors import KantmatchError
from service.i18n import validation_message
from service.places import lookup_postal_code
from service.tabular import (
    Progress,
    UnreadableFileError,
    data_rows,
    date_text,
    fold_value,
    map_headers,
    parse_yes_no,
    read_table,
)


class RowRejectedError(Exception):
    """One row cannot be stored; carries the field (file column) and the Danish reason."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class _Context:
    """What every row of one import shares."""

    session: Session
    actor: Principal
    secret_key: str
    header_of: dict[str, str]
    report: CitizenImportReport
    seen: dict[str, int] = field(default_factory=dict)


def _require_columns(columns: dict[int, str], needed: dict[str, str], any_of: bool) -> None:
    present = set(columns.values())
    missing = [label for name, label in needed.items() if name not in present]
    if (any_of and len(missing) == len(needed)) or (not any_of and missing):
        wanted = (" eller " if any_of else ", ").join(missing)
        wanted_en = (" or " if any_of else ", ").join(missing)
        raise UnreadableFileError(
            f"kolonnen {wanted} mangler i første række",
            f"column {wanted_en} missing in the first row",
        )


def _number(value: str) -> Any:
    """A whole number from a cell ("3", "3,0"), else the text for the schema to reject."""
    text = value.strip().replace(" ", "")
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,|\n]", value) if part.strip()]


def _sectors(value: str) -> list[str]:
    """Sector names or slugs in one cell; names may contain commas, so they are found first."""
    rest = value.casefold()
    found: list[str] = []
    for name, slug in sorted(SECTOR_BY_WORD.items(), key=lambda item: -len(item[0])):
        if name in rest:
            found.append(slug)
            rest = rest.replace(name, " ")
    found.extend(part for part in _split(rest) if part.strip())
    return list(dict.fromkeys(found))


_IDENTIFIER_COLUMNS = frozenset({"caseworker", "preferred_tasks", "excluded_tasks"})


def _check_no_cpr(values: dict[str, str], header_of: dict[str, str]) -> None:
    name = first_cpr_cell(values, identifiers=_IDENTIFIER_COLUMNS, skip={"cpr"})
    if name is not None:
        raise RowRejectedError(header_of.get(name, name), CPR_REFUSED_DA)


def _hash_cpr(value: str, ctx: _Context) -> str | None:
    if not value.strip():
        return None
    digits = normalise_cpr(value)
    if digits is None:
        # The cell's content is not repeated: it may be a mistyped CPR number.
        raise RowRejectedError(
            ctx.header_of["cpr"], "Er ikke et gyldigt CPR-nummer (DDMMÅÅ-XXXX); rækken er afvist"
        )
    return cpr_hmac(digits, ctx.secret_key)


def _caseworker_id(session: Session, value: str, header: str) -> str:
    """The user id of a caseworker named in a cell by e-mail or user id."""
    text = value.strip()
    statement = policy.caseworkers(select(User))
    user = session.exec(statement.where(User.email == text.lower())).first() or session.get(
        User, text
    )
    if user is None or not policy.is_active_in_roles(user, policy.CASEWORKER_ROLE_NAMES):
        raise RowRejectedError(header, "Ingen sagsbehandler med den e-mail eller det id")
    return user.id


def _citizen_payload(values: dict[str, str], ctx: _Context) -> dict[str, Any]:
    """The API payload for one citizen row (empty cells are left out)."""
    payload: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for name, raw in values.items():
        value = raw.strip()
        if not value or name == "cpr":
            continue
        folded = fold_value(value)
        converted: Any = value
        if name in BOOL_FIELDS:
            yes_no = parse_yes_no(value)
            converted = value if yes_no is None else yes_no
        elif name == "transport":
            converted = TRANSPORT_WORDS.get(folded, value)
        elif name == "criminal_record":
            converted = CRIMINAL_RECORD_WORDS.get(folded, value)
        elif name == "status":
            converted = STATUS_WORDS.get(folded, value)
        elif name == "audit_gender":
            converted = GENDER_WORDS.get(folded, value)
        elif name == "municipality_code":
            converted = MUNICIPALITY_BY_NAME.get(value.casefold(), value)
        elif name in ("max_commute_km", "hours_per_week", "danish_level", "audit_birth_year"):
            converted = _number(value)
        elif name in ("preferred_sectors", "excluded_sectors"):
            converted = _sectors(value)
        elif name in ("preferred_tasks", "excluded_tasks"):
            converted = _split(value)
        elif name in ("programme_start_date", "programme_end_date"):
            converted = date_text(value)
        elif name == "caseworker":
            payload["caseworker_ids"] = [
                _caseworker_id(ctx.session, part, ctx.header_of[name]) for part in _split(value)
            ]
            continue
        if name in LIMIT_FIELDS:
            limits[LIMIT_FIELDS[name]] = converted
        else:
            payload[name] = converted
    if limits:
        payload["limits"] = limits
    return payload


def _column_of(location: tuple[Any, ...] | list[Any], ctx: _Context) -> str:
    parts = [str(p) for p in location]
    if not parts:
        return "række"
    name = parts[0]
    if name == "limits" and len(parts) > 1:
        name = {v: k for k, v in LIMIT_FIELDS.items()}.get(parts[1], parts[1])
    elif name == "answers":
        name = parts[1] if len(parts) > 1 else "indikatorer"
    elif name == "caseworker_ids":
        name = "caseworker"
    return ctx.header_of.get(name, name)


def _problems(exc: Exception, ctx: _Context) -> list[tuple[str, str]]:
    if isinstance(exc, ValidationError):
        return [
            (_column_of(tuple(e.get("loc", ())), ctx), validation_message(e, "da"))
            for e in exc.errors()
        ]
    if isinstance(exc, RowRejectedError):
        return [(exc.field, exc.message)]
    assert isinstance(exc, KantmatchError)
    if not exc.fields:
        return [("række", exc.message_da)]
    return [(_column_of((f.field,), ctx), f.message_da) for f in exc.fields]


def _municipality_of(payload: dict[str, Any], actor: Principal) -> str | None:
    given = payload.get("municipality_code")
    if given:
        return str(given)
    place = lookup_postal_code(str(payload.get("postal_code", "")))
    if place is not None:
        return place.municipality_code
    return actor.municipality_code


def _store_citizen(values: dict[str, str], ctx: _Context) -> tuple[Citizen, bool, list[str]]:
    """Create or update the citizen of one row; raises on any problem."""
    _check_no_cpr(values, ctx.header_of)
    hashed = _hash_cpr(values.get("cpr", ""), ctx)
    payload = _citizen_payload(values, ctx)
    municipality = _municipality_of(payload, ctx.actor)
    external_ref = str(payload.get("external_ref", ""))
    key = f"{municipality}/{external_ref}"
    for seen_key in (key, hashed):
        if seen_key and seen_key in ctx.seen:
            raise RowRejectedError(
                ctx.header_of["cpr" if seen_key == hashed else "external_ref"],
                f"Samme borger står også i række {ctx.seen[seen_key]}; rækken er sprunget over",
            )
    if municipality is not None:
        citizens_service.check_caseworker_scope(ctx.actor, municipality)
    existing = (
        citizens_service.find_by_external_ref(
            ctx.session, municipality_code=municipality, external_ref=external_ref
        )
        if municipality and external_ref
        else None
    )
    if hashed is not None:
        twin = citizens_service.find_by_cpr_hmac(ctx.session, cpr_hmac=hashed)
        if twin is not None and (existing is None or twin.id != existing.id):
            visible = policy.reaches_municipality(ctx.actor, twin.municipality_code)
            where = f"borger {twin.id}" if visible else "en borger i en anden kommune"
            raise RowRejectedError(
                ctx.header_of["cpr"], f"Samme person er allerede registreret som {where}"
            )
        if existing is not None and existing.cpr_hmac not in (None, hashed):
            raise RowRejectedError(
                ctx.header_of["cpr"],
                "Sagsnummeret hører til en anden person end CPR-nummeret; rækken er afvist",
            )
    if existing is None:
        citizen = citizens_service.create_citizen(
            ctx.session,
            data=CitizenCreate.model_validate(payload),
            actor=ctx.actor,
            cpr_hmac=hashed,
        )
        created = True
    else:
        update = CitizenUpdate.model_validate(payload)
        citizen = citizens_service.update_citizen(
            ctx.session, citizen=existing, data=update, actor=ctx.actor
        )
        if hashed is not None and citizen.cpr_hmac is None:
            citizen.cpr_hmac = hashed
            ctx.session.add(citizen)
            ctx.session.flush()
        created = False
    return citizen, created, [key, hashed] if hashed else [key]


def _answer(value: str) -> Any:
    if fold_value(value) in MISSING_ANSWER_WORDS:
        return None
    return _number(value)


def _find_bip_citizen(values: dict[str, str], hashed: str | None, ctx: _Context) -> Citizen:
    """The citizen of a BIP row, by case number and/or CPR hash, within the caller's reach."""
    external_ref = values.get("external_ref", "").strip()
    municipality_cell = values.get("municipality_code", "").strip()
    municipality = MUNICIPALITY_BY_NAME.get(municipality_cell.casefold(), municipality_cell)
    if not municipality:
        municipality = policy.municipality_scope(ctx.actor) or ""
    by_ref: Citizen | None = None
    if external_ref:
        statement = select(Citizen).where(Citizen.external_ref == external_ref)
        if municipality:
            statement = statement.where(Citizen.municipality_code == municipality)
        matches = [
            c
            for c in ctx.session.exec(statement).all()
            if policy.reaches_municipality(ctx.actor, c.municipality_code)
        ]
        if len(matches) > 1:
            raise RowRejectedError(
                ctx.header_of["external_ref"],
                "Sagsnummeret findes i begge kommuner; angiv kommunekode",
            )
        by_ref = matches[0] if matches else None
        if by_ref is None:
            raise RowRejectedError(
                ctx.header_of["external_ref"],
                "Ingen borger med det sagsnummer (opret borgeren først)",
            )
    by_cpr: Citizen | None = None
    if hashed is not None:
        twin = citizens_service.find_by_cpr_hmac(ctx.session, cpr_hmac=hashed)
        if twin is not None and policy.reaches_municipality(ctx.actor, twin.municipality_code):
            by_cpr = twin
        if by_cpr is None and by_ref is None:
            raise RowRejectedError(
                ctx.header_of["cpr"], "Ingen borger med det CPR-nummer (opret borgeren først)"
            )
    if by_ref is not None and by_cpr is not None and by_ref.id != by_cpr.id:
        raise RowRejectedError(
            ctx.header_of["cpr"], "Sagsnummer og CPR-nummer hører til to forskellige borgere"
        )
    citizen = by_ref or by_cpr
    if citizen is None:
        raise RowRejectedError(
            ctx.header_of.get("external_ref") or ctx.header_of.get("cpr", "række"),
            "Angiv sagsnummer eller CPR-nummer",
        )
    return citizen


def _store_bip(values: dict[str, str], ctx: _Context) -> tuple[Citizen, bool, list[str]]:
    """Create or replace the BIP measurement of one row; raises on any problem."""
    _check_no_cpr(values, ctx.header_of)
    hashed = _hash_cpr(values.get("cpr", ""), ctx)
    citizen = _find_bip_citizen(values, hashed, ctx)
    key = f"{citizen.id}/{date_text(values.get('measured_on', ''))}"
    if key in ctx.seen:
        raise RowRejectedError(
            ctx.header_of.get("measured_on", "dato"),
            f"Samme borger og dato står også i række {ctx.seen[key]}; rækken er sprunget over",
        )
    payload = {
        "measured_on": date_text(values.get("measured_on", "")) or None,
        "answers": {k: _answer(values[k]) for k in INDICATORS if k in values},
        "caseworker_belief": _answer(values.get("caseworker_belief", "")),
    }
    data = BipMeasurementCreate.model_validate(payload)
    _, created = measurements.record_bip(
        ctx.session, citizen=citizen, data=data, actor=ctx.actor, replace_existing=True
    )
    return citizen, created, [key]


def _run(
    kind: str,
    session: Session,
    *,
    content: bytes | None = None,
    path: Path | None = None,
    filename: str | None,
    actor: Principal,
    secret_key: str,
    dry_run: bool,
    progress: Progress | None,
    aliases: dict[str, tuple[str, ...]],
    check_columns: Callable[[dict[int, str]], None],
    store: Callable[[dict[str, str], _Context], tuple[Citizen, bool, list[str]]],
) -> CitizenImportReport:
    table = read_table(path if path is not None else (content or b""), filename)
    if not table:
        raise UnreadableFileError("filen har ingen rækker", "the file has no rows")
    columns, unknown = map_headers(table[0], aliases, fold_key)
    check_columns(columns)
    rows = list(data_rows(table))
    report = CitizenImportReport(
        kind=kind,
        file_name=filename,
        dry_run=dry_run,
        rows=len(rows),
        created=[],
        updated=[],
        rejected=[],
        unknown_columns=unknown,
    )
    ctx = _Context(
        session=session,
        actor=actor,
        secret_key=secret_key,
        header_of={name: table[0][index] for index, name in columns.items()},
        report=report,
    )
    outer = session.begin_nested() if dry_run else None
    for done, (row_number, cells) in enumerate(rows, start=1):
        values = {name: (cells[i] if i < len(cells) else "") for i, name in columns.items()}
        external_ref = values.get("external_ref", "").strip() or None
        savepoint = session.begin_nested()
        try:
            citizen, created, keys = store(values, ctx)
            savepoint.commit()
        except (ValidationError, KantmatchError, RowRejectedError) as exc:
            savepoint.rollback()
            report.rejected.extend(
                CitizenRowProblem(row=row_number, external_ref=external_ref, field=f, message=m)
                for f, m in _problems(exc, ctx)
            )
        else:
            ctx.seen.update(dict.fromkeys(keys, row_number))
            result = CitizenRowResult(
                row=row_number, external_ref=citizen.external_ref, citizen_id=citizen.id
            )
            (report.created if created else report.updated).append(result)
        if progress is not None:
            progress(done, len(rows))
    if outer is not None:
        outer.rollback()
    else:
        # Counts only: no file name, names or case numbers in the audit log.
        record_audit(
            session,
            actor=actor,
            action="import" if kind == "citizens" else "bip_import",
            entity_type=citizens_service.ENTITY,
            detail={
                "created": len(report.created),
                "updated": len(report.updated),
                "rejected_rows": len({p.row for p in report.rejected}),
            },
        )
    return report


def import_citizens(
    session: Session,
    *,
    content: bytes | None = None,
    path: Path | None = None,
    filename: str | None,
    actor: Principal,
    secret_key: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CitizenImportReport:
    """Import a citizen list: new case numbers created, known ones updated, bad rows reported."""
    return _run(
        "citizens",
        session,
        content=content,
        path=path,
        filename=filename,
        actor=actor,
        secret_key=secret_key,
        dry_run=dry_run,
        progress=progress,
        aliases=CITIZEN_HEADERS,
        check_columns=lambda columns: _require_columns(
            columns, {"name": "Navn", "external_ref": "Sagsnummer"}, any_of=False
        ),
        store=_store_citizen,
    )


def import_bip(
    session: Session,
    *,
    content: bytes | None = None,
    path: Path | None = None,
    filename: str | None,
    actor: Principal,
    secret_key: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> CitizenImportReport:
    """Import BIP measurements: one row per citizen and date (a known date is replaced)."""

    def check(columns: dict[int, str]) -> None:
        _require_columns(columns, {"measured_on": "Dato"}, any_of=False)
        _require_columns(columns, {"external_ref": "Sagsnummer", "cpr": "CPR"}, any_of=True)
        if not set(columns.values()) & set(INDICATORS):
            raise UnreadableFileError(
                "ingen af de ti BIP-indikatorer står som kolonne",
                "none of the ten BIP indicators is a column",
            )

    return _run(
        "bip",
        session,
        content=content,
        path=path,
        filename=filename,
        actor=actor,
        secret_key=secret_key,
        dry_run=dry_run,
        progress=progress,
        aliases=BIP_HEADERS,
        check_columns=check,
        store=_store_bip,
    )
