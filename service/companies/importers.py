"""Company import from the job centres' CSV and XLSX lists, at any size: upsert by CVR.

One transaction per file, in three passes (issue 13):

1. Columns are cleaned whole with pandas: digits out of CVR numbers and codes, the Danish (or
   English) words of every list column, size bands ("6-19") or head counts ("12", "1.200")
   in "Antal ansatte", sector names or codes in any case and with or without æ/ø/å, and CVR
   numbers that stand twice in the file.
2. Each row is checked by ``check_row`` (checks on the raw cells) and by the API's own schema,
   so a row gets the same reasons as the API; a new company is then resolved by the companies
   service (sector, municipality, coordinates) and checked against the caller's reach.
3. New companies are written with bulk inserts (contacts and audit entries too); companies
   already registered are updated one by one through the service, each in a savepoint.

A rejected row stores nothing and is reported with its column and reason; a file that cannot
be read as a table, or is refused by the checks in ``service.tabular``, changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlmodel import Session, col, select

from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.companies import service as companies_service
from service.companies.codes import normalise_digits, size_band_for_employees
from service.companies.exceptions import UnreadableFileError
from service.companies.exporters import DIFFICULTY_DA, SECTOR_TYPE_DA, UNSKILLED_DA
from service.companies.models import Company
from service.companies.schemas import (
    CompanyCreate,
    CompanyUpdate,
    ContactPersonIn,
    ImportReport,
    ImportRowResult,
    RowProblem,
    SizeBand,
)
from service.cpr import CPR_REFUSED_DA, first_cpr_cell
from service.errors import KantmatchError
from service.i18n import validation_message
from service.importing import (
    RowImport,
    by_unique,
    read_import_table,
    run_rows,
)
from service.organisations.defaults import job_centre_key
from service.organisations.models import Organisation
from service.places import lookup_postal_code
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tabular import Progress, Source, fold_word, word_table

# Column headers people use, Danish and English (matched folded, by tabular.map_headers).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "cvr": ("cvr", "cvr nr", "cvrnr", "cvr nummer", "cvrnummer", "cvr number"),
    "p_number": ("p nummer", "p nr", "pnr", "p number", "p_number"),
    "name": (
        "navn",
        "name",
        "virksomhed",
        "virksomhedsnavn",
        "firmanavn",
        "company",
        "company name",
    ),
    "address": ("adresse", "address", "vejnavn", "gade"),
    "postal_code": ("postnr", "post nr", "postnummer", "postal code", "zip", "zip code"),
    "city": ("by", "city", "postdistrikt", "bynavn"),
    "municipality_code": ("kommunekode", "kommune kode", "kommunenr", "municipality code"),
    # Issue 13: explicit coordinates (WGS84, decimal point), else the postal code's centre.
    "lat": ("lat", "latitude", "breddegrad"),
    "lon": ("lon", "lng", "longitude", "længdegrad"),
    "db07_code": (
        "branchekode",
        "branche kode",
        "db07",
        "db07 kode",
        "db07 code",
        "industry code",
        "branchekode (db07)",
    ),
    "db25_code": ("db25", "db25 kode", "db25 code", "branchekode (db25)"),
    "sector": ("branche", "sektor slug", "sector"),
    "employees": ("antal ansatte", "ansatte", "medarbejdere", "employees", "number of employees"),
    "size_band": ("størrelse", "storrelse", "size band", "size"),
    "sector_type": ("ejerform", "sektortype", "sector type", "ownership"),
    "contact_owner": ("kontaktejer", "kontakt ejer", "ansvarlig", "contact owner"),
    "contact_name": ("kontaktperson", "kontakt person", "kontakt", "contact person", "contact"),
    "contact_title": ("stilling", "titel", "title", "job title"),
    "phone": ("telefon", "tlf", "tlf nr", "telefonnummer", "phone", "phone number"),
    "email": ("email", "e mail", "mail", "e mail adresse"),
    "is_ambassador": ("ambassadør", "ambassador", "ambassadørvirksomhed"),
    "accepts_visits": ("modtager besøg", "besøg", "busture", "accepts visits"),
    "unskilled_tasks": ("ufaglærte opgaver", "opgaver for ufaglærte", "unskilled tasks"),
    "is_paused": ("pause", "på pause", "paused", "is paused"),
    "monthly_capacity": ("kapacitet", "kapacitet pr måned", "monthly capacity"),
    "recruitment_difficulty": (
        "rekrutteringsbesvær",
        "svært at rekruttere",
        "recruitment difficulty",
    ),
}

_TRUE_WORDS = ("ja", "j", "x", "1", "true", "yes", "y", "sand")
_FALSE_WORDS = ("nej", "n", "0", "false", "no", "falsk")
_BOOLEANS = word_table({word: word in _TRUE_WORDS for word in (*_TRUE_WORDS, *_FALSE_WORDS)})
_CONTACT_OWNERS = word_table(
    {
        "jc lolland": "jc_lolland",
        "jobcenter lolland": "jc_lolland",
        "jc guldborgsund": "jc_guldborgsund",
        "jobcenter guldborgsund": "jc_guldborgsund",
        "blf": "blf",
        "business lolland falster": "blf",
    }
)
_SECTOR_TYPES = word_table(
    {
        "private": "private",
        "offentlig": "municipal",
        "kommune": "municipal",
        "municipal": "municipal",
        "andet": "other",
        "other": "other",
        **{word: value for value, word in SECTOR_TYPE_DA.items()},
    }
)
_UNSKILLED = word_table(
    {"fa": "few", "many": "many", "few": "few", "none": "none"}
    | {word: value for value, word in UNSKILLED_DA.items()}
)
_DIFFICULTY = word_table(
    {"mellem": "medium", "low": "low", "medium": "medium", "high": "high"}
    | {word: value for value, word in DIFFICULTY_DA.items()}
)
_SECTORS = word_table(
    {name: slug.value for slug, name in SECTOR_NAMES_DA.items()}
    | {slug.value: slug.value for slug in Sector}
)
_WORD_FIELDS: dict[str, dict[str, Any]] = {
    "is_ambassador": _BOOLEANS,
    "accepts_visits": _BOOLEANS,
    "is_paused": _BOOLEANS,
    "contact_owner": _CONTACT_OWNERS,
    "sector_type": _SECTOR_TYPES,
    "unskilled_tasks": _UNSKILLED,
    "recruitment_difficulty": _DIFFICULTY,
    "sector": _SECTORS,
}
_SIZE_BANDS = {band.value: band.value for band in SizeBand}
# Cells that are not fields of the API's company: the city follows the postal code, and the
# contact columns become one contact person.
_CONTACT_FIELDS = ("contact_name", "contact_title", "phone", "email")
_NOT_PAYLOAD = frozenset({"city", "employees", *_CONTACT_FIELDS})


def check_row(values: dict[str, str]) -> list[tuple[str, str]]:
    """Checks on one row's raw cells, before the schema's: (field, Danish reason) per problem.

    The one hook for checks that concern every cell of a row, such as a detector of CPR
    numbers typed into the wrong column (issue 17); an empty list lets the row on.
    """
    # Issue 17: a CPR-like value in any cell rejects the row (P-numbers are codes, not text).
    cpr_column = first_cpr_cell(values, codes={"p_number"})
    if cpr_column is not None:
        return [(cpr_column, CPR_REFUSED_DA)]
    return []


def _check_columns(columns: dict[int, str]) -> None:
    missing = [f for f in ("cvr", "name") if f not in columns.values()]
    if missing:
        names = {"cvr": "CVR", "name": "Navn"}
        wanted = ", ".join(names[f] for f in missing)
        raise UnreadableFileError(
            f"kolonnen {wanted} mangler i første række", f"column {wanted} missing in the first row"
        )


def _employees_band(value: str) -> str | None:
    """The size band of a cell: a band as the service writes it ("6-19") or a head count."""
    text = value.replace(" ", "").replace("–", "-")
    if text in _SIZE_BANDS:
        return _SIZE_BANDS[text]
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # thousands dots: "1.200"
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    if number < 0 or not number.is_integer():
        return None
    return size_band_for_employees(int(number))


def _industry_code(value: str) -> str:
    digits = normalise_digits(value)
    # Codes have 2, 4 or 6 digits; an odd length is a numeric cell that dropped the leading
    # zero of divisions 01-03 (011100 stored as the number 11100).
    return "0" + digits if digits.isdigit() and len(digits) in (1, 3, 5) else digits


def _word(table: dict[str, Any]) -> Callable[[str], Any]:
    # A value that is not one of the words passes through, for the schema to name.
    return lambda value: table.get(fold_word(value), value) if value else value


def _clean(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series[bool]]:
    """The columns in the API's terms, and which rows have an unreadable head count or band."""
    clean = raw.copy()
    for field in clean.columns:
        column = clean[field]
        if field in ("cvr", "p_number"):
            clean[field] = by_unique(column, normalise_digits)
        elif field in ("db07_code", "db25_code"):
            clean[field] = by_unique(column, _industry_code)
        elif field in _WORD_FIELDS:
            clean[field] = by_unique(column, _word(_WORD_FIELDS[field]))
    bad_size = pd.Series(False, index=clean.index)
    for field in ("size_band", "employees"):
        if field in clean.columns:
            bands = by_unique(clean[field], lambda v: _employees_band(v) if v else "")
            bad_size |= bands.isna()
            clean[field] = bands.fillna("")
    if "employees" in clean.columns:
        if "size_band" in clean.columns:
            given = clean["size_band"] != ""
            clean["size_band"] = clean["size_band"].where(given, clean["employees"])
        else:
            clean["size_band"] = clean["employees"]
    return clean, bad_size


def _payload(cells: dict[Hashable, Any]) -> dict[str, Any]:
    """The API payload of one cleaned row (empty cells left out)."""
    payload: dict[str, Any] = {
        str(k): v for k, v in cells.items() if v != "" and k not in _NOT_PAYLOAD
    }
    if cells.get("contact_name"):
        payload["contacts"] = [
            {
                "name": cells["contact_name"],
                "title": cells.get("contact_title") or None,
                "phone": cells.get("phone") or None,
                "email": cells.get("email") or None,
                "is_primary": True,
            }
        ]
    return payload


def _default_contact_owner(payload: dict[str, Any]) -> str | None:
    """The job centre of the row's municipality, the owner of a new company without one."""
    place = lookup_postal_code(str(payload.get("postal_code", "")))
    municipality = payload.get("municipality_code") or (place and place.municipality_code)
    return job_centre_key(str(municipality)) if municipality else None


def _problems_from_validation(
    exc: ValidationError, row: int, cvr: str | None, header_of: dict[str, str]
) -> list[RowProblem]:
    problems = []
    errors = exc.errors()
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        field = location[0] if location else "row"
        if field == "contacts" and len(location) > 2:
            field = {"name": "contact_name", "title": "contact_title"}.get(location[2], location[2])
        if field == "contact_owner" and error["type"] == "missing":
            # The owner is derived from the municipality: a wrong or missing postal code is
            # the problem to report, and outside the two municipalities both must be given.
            if len(errors) > 1:
                continue
            problems.append(
                RowProblem(
                    row=row,
                    cvr=cvr,
                    field=header_of.get("contact_owner") or header_of.get("postal_code", field),
                    message="Postnummeret afgør ikke kommunen (ukendt, eller det dækker "
                    "flere kommuner), så kontaktejeren kan ikke udledes; angiv kommunekode "
                    "(og evt. kontaktejer, fx jc_aarhus eller blf)",
                )
            )
            continue
        problems.append(
            RowProblem(
                row=row,
                cvr=cvr,
                field=header_of.get(field, field),
                message=validation_message(error, "da"),
            )
        )
    return problems


def _problems_from_domain_error(
    exc: KantmatchError, row: int, cvr: str | None, header_of: dict[str, str]
) -> list[RowProblem]:
    if not exc.fields:
        return [RowProblem(row=row, cvr=cvr, field="row", message=exc.message_da)]
    return [
        RowProblem(row=row, cvr=cvr, field=header_of.get(f.field, f.field), message=f.message_da)
        for f in exc.fields
    ]


def _merge_contacts(
    existing: list[ContactPersonIn], new: list[ContactPersonIn]
) -> list[ContactPersonIn]:
    by_name = {c.name.casefold(): c for c in existing}
    for contact in new:
        by_name[contact.name.casefold()] = contact
    return list(by_name.values())


def _update(session: Session, company: Company, payload: dict[str, Any], actor: Principal) -> None:
    """Update a registered company from one row; raises ValidationError or a domain error."""
    update = CompanyUpdate.model_validate({k: v for k, v in payload.items() if k != "cvr"})
    if update.contacts is not None:
        current = companies_service.contacts_by_company(session, [company.id]).get(company.id, [])
        update.contacts = _merge_contacts(
            [ContactPersonIn.model_validate(c, from_attributes=True) for c in current],
            update.contacts,
        )
    companies_service.update_company(session, company=company, data=update, actor=actor)


_New = tuple[int, dict[str, Any], list[ContactPersonIn]]
_Update = tuple[int, Company, dict[str, Any]]


class _CompanyRows(RowImport[_New | _Update]):
    """The rows of one company file: checked one by one, new companies written per chunk."""

    def __init__(
        self,
        session: Session,
        actor: Principal,
        header_of: dict[str, str],
        first_row_of: dict[str, int],
        report: ImportReport,
    ) -> None:
        self.session = session
        self.actor = actor
        self.header_of = header_of
        self.first_row_of = first_row_of
        self.report = report
        self.registered: dict[str, Company] = {}
        # Held for the whole import: the session's identity map keeps objects only while
        # someone refers to them, and every new row's contact owner is looked up by key.
        self.organisations = list(session.exec(select(Organisation)))
        self.owners: dict[tuple[str, str], str | None] = {}  # (postal code, municipality)

    def reject(self, row: int, cvr: str | None, field: str, message: str) -> None:
        self.report.rejected.append(
            RowProblem(row=row, cvr=cvr, field=self.header_of.get(field, field), message=message)
        )

    def prepare(self, chunk: pd.DataFrame) -> None:
        cvrs = [c for c in chunk["cvr"].tolist() if c]
        self.registered = {
            company.cvr: company
            for company in self.session.exec(select(Company).where(col(Company.cvr).in_(cvrs)))
        }

    def check(
        self, row: int, cells: dict[Hashable, Any], values: dict[Hashable, Any]
    ) -> _New | _Update | None:
        size_unreadable = values.pop("_bad_size")
        cvr = str(values.get("cvr") or "") or None
        problems = check_row({str(k): str(v) for k, v in cells.items()})
        if problems:
            for field, message in problems:
                # A refused cell is not repeated, nor is the CVR if that is where it stands.
                self.reject(row, None if field == "cvr" else cvr, field, message)
            return None
        first = self.first_row_of.get(cvr or "", row)
        if first != row:
            self.reject(
                row, cvr, "cvr", f"CVR-nummeret står også i række {first}; rækken er sprunget over"
            )
            return None
        if size_unreadable:
            field = next(
                f
                for f in ("employees", "size_band")
                if cells.get(f) and _employees_band(str(cells[f])) is None
            )
            self.reject(
                row,
                cvr,
                field,
                "Antal ansatte skal være et helt tal (fx 12) eller en størrelse som "
                f"tjenesten skriver den (0-5, 6-19, 20-49, 50-99, 100+), ikke {cells[field]!r}",
            )
            return None
        payload = _payload(values)
        if cvr in self.registered:
            return (row, self.registered[cvr], payload)
        if "contact_owner" not in payload:
            place = (str(payload.get("postal_code", "")), str(payload.get("municipality_code", "")))
            if place not in self.owners:
                self.owners[place] = _default_contact_owner(payload)
            owner = self.owners[place]
            payload = {**payload, "contact_owner": owner} if owner else payload
        try:
            data = CompanyCreate.model_validate(payload)
            stored = companies_service.resolve_new_company(self.session, data, actor=self.actor)
        except ValidationError as exc:
            self.report.rejected.extend(_problems_from_validation(exc, row, cvr, self.header_of))
        except KantmatchError as exc:
            self.report.rejected.extend(_problems_from_domain_error(exc, row, cvr, self.header_of))
        else:
            return (row, stored, data.contacts or [])
        return None

    def write(self, accepted: list[_New | _Update]) -> None:
        new = [item for item in accepted if not isinstance(item[1], Company)]
        ids = companies_service.insert_companies(
            self.session,
            companies=[(values, contacts) for _, values, contacts in new],
            actor=self.actor,
        )
        self.report.created.extend(
            # Values the schema has checked and the database stored: not validated again.
            ImportRowResult.model_construct(
                row=row, cvr=values["cvr"], company_id=company_id, name=values["name"]
            )
            for (row, values, _), company_id in zip(new, ids, strict=True)
        )
        for item in accepted:
            if isinstance(item[1], Company):
                row, company, payload = item
                self._update(row, company, payload)

    def _update(self, row: int, company: Company, payload: dict[str, Any]) -> None:
        savepoint = self.session.begin_nested()
        try:
            _update(self.session, company, payload, self.actor)
            savepoint.commit()
        except ValidationError as exc:
            savepoint.rollback()
            self.report.rejected.extend(
                _problems_from_validation(exc, row, company.cvr, self.header_of)
            )
        except KantmatchError as exc:
            savepoint.rollback()
            self.report.rejected.extend(
                _problems_from_domain_error(exc, row, company.cvr, self.header_of)
            )
        else:
            self.report.updated.append(
                ImportRowResult(row=row, cvr=company.cvr, company_id=company.id, name=company.name)
            )


def import_companies(
    session: Session,
    *,
    content: bytes | None = None,
    path: Path | None = None,
    filename: str | None,
    actor: Principal,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a company list (its bytes, or a file on disk): new CVRs created, known updated."""
    source: Source = path if path is not None else (content or b"")
    table = read_import_table(source, filename, HEADER_ALIASES, check_columns=_check_columns)
    raw = table.frame
    clean, bad_size = _clean(raw)
    clean["_bad_size"] = bad_size
    cvr_rows = pd.Series(clean.index, index=clean.index)[clean["cvr"] != ""]
    first_row_of = cvr_rows.groupby(clean["cvr"]).transform("min")
    report = ImportReport(
        file_name=filename,
        dry_run=dry_run,
        rows=len(raw),
        created=[],
        updated=[],
        rejected=[],
        unknown_columns=table.unknown_columns,
    )
    rows = _CompanyRows(
        session,
        actor,
        table.header_of,
        dict(zip(clean.loc[first_row_of.index, "cvr"], first_row_of, strict=True)),
        report,
    )

    def audit(numbers: dict[str, int]) -> None:
        detail = {"file": filename, **numbers}
        record_audit(session, actor=actor, action="import", entity_type="company", detail=detail)

    run_rows(session, raw, clean, rows, report, dry_run=dry_run, progress=progress, audit=audit)
    return report
