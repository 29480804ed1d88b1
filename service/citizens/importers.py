"""Import of citizens and of BIP measurements from the job centres' CSV and XLSX files.

Danish (or English) headers; the skeleton is ``service.importing`` (one transaction per file,
chunks of rows, every rejected row reported with its column and reason and storing nothing). A
citizen file is cleaned a column at a time (each distinct cell converted once: yes/no words,
transport, sectors, numbers, dates, caseworkers, CPR hashes), each chunk's known case numbers
and CPR hashes are looked up in two queries, each row is checked by the API's own schema and
rules, and the chunk's new citizens are written with bulk inserts (issue 13); a known case
number is updated through the service in a savepoint. BIP rows are stored one at a time, each
in a savepoint. A file that cannot be read as a table changes nothing.

A CPR column is never stored: each number becomes a keyed hash (HMAC) used only to find the
same person twice, and to find the citizen a BIP row belongs to. CPR-like text in any other
column rejects the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

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
from service.citizens.service import NewCitizen
from service.cpr import CPR_REFUSED_DA, first_cpr_cell, normalise_cpr
from service.errors import KantmatchError
from service.i18n import validation_message
from service.importing import (
    ImportConflictError,
    RowImport,
    by_unique,
    read_import_table,
    run_rows,
)
from service.places import lookup_postal_code
from service.tabular import Progress, UnreadableFileError, date_text, fold_value, parse_yes_no

# A cleaned cell that was empty in the file (its field is left out of the row's payload).
_EMPTY = object()
_NO_CELLS: pd.Series[Any] = pd.Series([], dtype=object)


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


def _converter(name: str) -> Callable[[str], Any]:
    """How a (stripped, non-empty) cell of a citizen column becomes the API's value."""
    if name in BOOL_FIELDS:
        return lambda value: value if (yes_no := parse_yes_no(value)) is None else yes_no
    words = {
        "transport": TRANSPORT_WORDS,
        "criminal_record": CRIMINAL_RECORD_WORDS,
        "status": STATUS_WORDS,
        "audit_gender": GENDER_WORDS,
    }.get(name)
    if words is not None:
        table = words
        return lambda value: table.get(fold_value(value), value)
    if name == "municipality_code":
        return lambda value: MUNICIPALITY_BY_NAME.get(value.casefold(), value)
    if name in ("max_commute_km", "hours_per_week", "danish_level", "audit_birth_year"):
        return _number
    if name in ("preferred_sectors", "excluded_sectors"):
        return _sectors
    if name in ("preferred_tasks", "excluded_tasks"):
        return _split
    if name in ("programme_start_date", "programme_end_date"):
        return date_text
    return lambda value: value


def _caseworkers_of(session: Session, header: str) -> Callable[[str], Any]:
    """The caseworker cell's converter: user ids, or the row's rejection for an unknown one."""

    def convert(value: str) -> Any:
        try:
            return [_caseworker_id(session, part, header) for part in _split(value)]
        except RowRejectedError as rejected:
            return rejected

    return convert


def _non_empty(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    return lambda cell: convert(value) if (value := cell.strip()) else _EMPTY


def _clean_citizens(raw: pd.DataFrame, session: Session, header_of: dict[str, str]) -> pd.DataFrame:
    """Every column converted once per distinct cell; an empty cell becomes ``_EMPTY``.

    A cell that cannot be converted at all (an unknown caseworker) holds the row's rejection;
    the CPR column stays as it is (hashed with the secret key by ``_CitizenRows._hash``).
    """
    columns: dict[Hashable, pd.Series[Any]] = {}
    for name in raw.columns:
        if name == "cpr":
            columns[name] = raw[name]
            continue
        if name == "caseworker":
            convert = _caseworkers_of(session, header_of[name])
        else:
            convert = _converter(str(name))
        columns[name] = by_unique(raw[name], _non_empty(convert))
    return pd.DataFrame(columns, index=raw.index)


def _citizen_payload(values: dict[Hashable, Any]) -> dict[str, Any]:
    """The API payload of one cleaned row (empty cells left out, limits nested)."""
    payload: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    for key, converted in values.items():
        name = str(key)
        if converted is _EMPTY or name == "cpr":
            continue
        if isinstance(converted, RowRejectedError):
            raise converted
        if name == "caseworker":
            payload["caseworker_ids"] = converted
        elif name in LIMIT_FIELDS:
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


def _reject(ctx: _Context, row: int, raw: dict[str, str], exc: Exception) -> None:
    """Report every problem of a rejected row (it stores nothing)."""
    external_ref = raw.get("external_ref", "").strip() or None
    ctx.report.rejected.extend(
        CitizenRowProblem(row=row, external_ref=external_ref, field=f, message=m)
        for f, m in _problems(exc, ctx)
    )


def _municipality_of(payload: dict[str, Any], actor: Principal) -> str | None:
    given = payload.get("municipality_code")
    if given:
        return str(given)
    place = lookup_postal_code(str(payload.get("postal_code", "")))
    if place is not None:
        return place.municipality_code
    return actor.municipality_code


_NewRow = tuple[int, NewCitizen, str | None]


class _CitizenRows(RowImport[_NewRow]):
    """The rows of one citizen file: checked one by one, new citizens written per chunk."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.by_ref: dict[tuple[str, str], Citizen] = {}
        self.by_hash: dict[str, Citizen] = {}
        self.wish_tasks: dict[str, list[str]] = {}
        self.hashes: dict[str, str | RowRejectedError | None] = {}

    def _hash(self, value: str) -> str | None:
        """The row's CPR hash (None without a CPR number); raises on an invalid number."""
        if value not in self.hashes:
            try:
                self.hashes[value] = _hash_cpr(value, self.ctx)
            except RowRejectedError as rejected:
                self.hashes[value] = rejected
        hashed = self.hashes[value]
        if isinstance(hashed, RowRejectedError):
            raise hashed
        return hashed

    def prepare(self, chunk: pd.DataFrame) -> None:
        """The registered citizens the chunk's case numbers and CPR numbers name (two queries)."""
        session = self.ctx.session
        refs = sorted({str(v) for v in chunk.get("external_ref", _NO_CELLS).tolist() if v})
        statement = select(Citizen).where(col(Citizen.external_ref).in_(refs))
        self.by_ref = {(c.municipality_code, c.external_ref): c for c in session.exec(statement)}
        hashes: set[str] = set()
        for cell in chunk.get("cpr", _NO_CELLS).tolist():
            try:
                hashed = self._hash(str(cell))
            except RowRejectedError:
                continue  # reported by the row's own check
            if hashed is not None:
                hashes.add(hashed)
        statement = select(Citizen).where(col(Citizen.cpr_hmac).in_(sorted(hashes)))
        self.by_hash = {str(c.cpr_hmac): c for c in session.exec(statement)} if hashes else {}

    def check(
        self, row: int, cells: dict[Hashable, Any], values: dict[Hashable, Any]
    ) -> _NewRow | None:
        ctx = self.ctx
        raw = {str(k): str(v) for k, v in cells.items()}
        try:
            new, keys = self._check(raw, values)
        except (ValidationError, KantmatchError, RowRejectedError) as exc:
            _reject(ctx, row, raw, exc)
            return None
        ctx.seen.update(dict.fromkeys(keys, row))
        if isinstance(new, Citizen):
            ctx.report.updated.append(
                CitizenRowResult(row=row, external_ref=new.external_ref, citizen_id=new.id)
            )
            return None
        return (row, new, keys[1] if len(keys) > 1 else None)

    def _check(
        self, raw: dict[str, str], values: dict[Hashable, Any]
    ) -> tuple[NewCitizen | Citizen, list[str]]:
        """A new citizen to write, or the registered one updated; raises on any problem."""
        ctx = self.ctx
        _check_no_cpr(raw, ctx.header_of)
        hashed = self._hash(raw.get("cpr", ""))
        payload = _citizen_payload(values)
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
            self.by_ref.get((municipality, external_ref)) if municipality and external_ref else None
        )
        if hashed is not None:
            twin = self.by_hash.get(hashed)
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
        keys = [key, hashed] if hashed else [key]
        if existing is None:
            data = CitizenCreate.model_validate(payload)
            wishes = data.wishes or ""
            new = citizens_service.resolve_new_citizen(
                ctx.session, data, actor=ctx.actor, wish_task_ids=self.wish_tasks.get(wishes)
            )
            self.wish_tasks.setdefault(wishes, new.values["wish_task_ids"])
            return new, keys
        return self._update(existing, payload, hashed), keys

    def _update(self, existing: Citizen, payload: dict[str, Any], hashed: str | None) -> Citizen:
        session = self.ctx.session
        with session.begin_nested():
            update = CitizenUpdate.model_validate(payload)
            citizen = citizens_service.update_citizen(
                session, citizen=existing, data=update, actor=self.ctx.actor
            )
            if hashed is not None and citizen.cpr_hmac is None:
                citizen.cpr_hmac = hashed
                session.add(citizen)
                session.flush()
        return citizen

    def write(self, accepted: list[_NewRow]) -> None:
        ctx = self.ctx
        try:
            ids = citizens_service.insert_citizens(
                ctx.session,
                citizens=[(new, hashed) for _, new, hashed in accepted],
                actor=ctx.actor,
            )
        except IntegrityError as exc:
            raise ImportConflictError(
                "sagsnumre eller CPR-numre", "case numbers or CPR numbers"
            ) from exc
        ctx.report.created.extend(
            # Stored values, so not validated again.
            CitizenRowResult.model_construct(
                row=row, external_ref=new.values["external_ref"], citizen_id=cid
            )
            for (row, new, _), cid in zip(accepted, ids, strict=True)
        )


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


class _BipRows(RowImport[_NewRow]):
    """The rows of one BIP file, each stored (or not at all) in a savepoint as it is checked."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx

    def check(self, row: int, cells: dict[Hashable, Any], values: dict[Hashable, Any]) -> None:
        ctx = self.ctx
        raw = {str(k): str(v) for k, v in cells.items()}
        savepoint = ctx.session.begin_nested()
        try:
            citizen, created, keys = _store_bip(raw, ctx)
            savepoint.commit()
        except (ValidationError, KantmatchError, RowRejectedError) as exc:
            savepoint.rollback()
            _reject(ctx, row, raw, exc)
            return
        ctx.seen.update(dict.fromkeys(keys, row))
        result = CitizenRowResult(row=row, external_ref=citizen.external_ref, citizen_id=citizen.id)
        (ctx.report.created if created else ctx.report.updated).append(result)

    def write(self, accepted: list[_NewRow]) -> None:
        """Nothing left to write: each row was stored as it was checked (``check`` keeps none)."""


@dataclass(frozen=True)
class _Importer:
    """One kind of citizen file (citizens, or BIP measurements), called as its import."""

    kind: Literal["citizens", "bip"]
    aliases: dict[str, tuple[str, ...]]
    check_columns: Callable[[dict[int, str]], None]
    audit_action: str

    def __call__(
        self,
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
        """Import the file (its bytes, or a path on disk) in the caller's transaction."""
        source = path if path is not None else (content or b"")
        table = read_import_table(
            source, filename, self.aliases, check_columns=self.check_columns, fold=fold_key
        )
        report = CitizenImportReport(
            kind=self.kind,
            file_name=filename,
            dry_run=dry_run,
            rows=len(table.frame),
            created=[],
            updated=[],
            rejected=[],
            unknown_columns=table.unknown_columns,
        )
        ctx = _Context(session, actor, secret_key, table.header_of, report)
        rows: RowImport[_NewRow]
        if self.kind == "citizens":
            clean = _clean_citizens(table.frame, session, table.header_of)
            rows = _CitizenRows(ctx)
        else:
            clean, rows = table.frame, _BipRows(ctx)

        def audit(numbers: dict[str, int]) -> None:
            # Counts only: no file name, names or case numbers in the audit log.
            record_audit(
                session,
                actor=actor,
                action=self.audit_action,
                entity_type=citizens_service.ENTITY,
                detail=numbers,
            )

        run_rows(
            session,
            table.frame,
            clean,
            rows,
            report,
            dry_run=dry_run,
            progress=progress,
            audit=audit,
        )
        return report


def _check_bip_columns(columns: dict[int, str]) -> None:
    _require_columns(columns, {"measured_on": "Dato"}, any_of=False)
    _require_columns(columns, {"external_ref": "Sagsnummer", "cpr": "CPR"}, any_of=True)
    if not set(columns.values()) & set(INDICATORS):
        raise UnreadableFileError(
            "ingen af de ti BIP-indikatorer står som kolonne",
            "none of the ten BIP indicators is a column",
        )


# A citizen list: new case numbers created, known ones updated, bad rows reported.
import_citizens = _Importer(
    kind="citizens",
    aliases=CITIZEN_HEADERS,
    check_columns=lambda columns: _require_columns(
        columns, {"name": "Navn", "external_ref": "Sagsnummer"}, any_of=False
    ),
    audit_action="import",
)
# BIP measurements: one row per citizen and date (a known date is replaced).
import_bip = _Importer(
    kind="bip",
    aliases=BIP_HEADERS,
    check_columns=_check_bip_columns,
    audit_action="bip_import",
)
