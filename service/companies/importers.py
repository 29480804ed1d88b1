"""Company import from the job centres' CSV and XLSX lists: upsert by CVR, row by row.

A row is stored whole or not at all (each row runs in a savepoint); every rejected row is
reported with the column and the reason. A file that cannot be read as a table changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.companies import service as companies_service
from service.companies.codes import normalise_digits, size_band_for_employees
from service.companies.exceptions import UnreadableFileError
from service.companies.models import Company
from service.companies.schemas import (
    CompanyCreate,
    CompanyUpdate,
    ContactPersonIn,
    ImportReport,
    ImportRowResult,
    RowProblem,
)
from service.cpr import CPR_REFUSED_DA, first_cpr_cell
from service.errors import KantmatchError
from service.i18n import validation_message
from service.organisations.defaults import job_centre_key
from service.places import lookup_postal_code
from service.sectors import SECTOR_NAMES_DA
from service.tabular import Progress, map_headers, read_table
from service.tabular import data_rows as _data_rows
from service.tabular import fold_value as _fold_value

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
    "db07_code": ("branchekode", "branche kode", "db07", "db07 kode", "db07 code", "industry code"),
    "db25_code": ("db25", "db25 kode", "db25 code"),
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
}

_TRUE = {"ja", "j", "x", "1", "true", "yes", "y", "sand"}
_FALSE = {"nej", "n", "0", "false", "no", "falsk", ""}
_CONTACT_OWNERS = {
    "jc lolland": "jc_lolland",
    "jobcenter lolland": "jc_lolland",
    "jc guldborgsund": "jc_guldborgsund",
    "jobcenter guldborgsund": "jc_guldborgsund",
    "blf": "blf",
    "business lolland falster": "blf",
}
_SECTOR_TYPES = {
    "privat": "private",
    "private": "private",
    "kommunal": "municipal",
    "offentlig": "municipal",
    "municipal": "municipal",
    "anden": "other",
    "andet": "other",
    "other": "other",
}
_UNSKILLED = {"mange": "many", "få": "few", "fa": "few", "ingen": "none"}
_SECTOR_BY_NAME = {name.casefold(): slug.value for slug, name in SECTOR_NAMES_DA.items()}


def _map_headers(header: list[str]) -> tuple[dict[int, str], list[str]]:
    columns, unknown = map_headers(header, HEADER_ALIASES)
    missing = [f for f in ("cvr", "name") if f not in columns.values()]
    if missing:
        names = {"cvr": "CVR", "name": "Navn"}
        wanted = ", ".join(names[f] for f in missing)
        raise UnreadableFileError(
            f"kolonnen {wanted} mangler i første række", f"column {wanted} missing in the first row"
        )
    return columns, unknown


def _convert(field: str, value: str) -> Any:
    """Turn a spreadsheet cell into what the API schema expects (bad values pass through)."""
    folded = _fold_value(value)
    if field in ("is_ambassador", "accepts_visits", "is_paused"):
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        return value
    if field == "contact_owner":
        return _CONTACT_OWNERS.get(folded, value)
    if field == "sector_type":
        return _SECTOR_TYPES.get(folded, value)
    if field == "unskilled_tasks":
        return _UNSKILLED.get(folded, value)
    if field == "sector":
        return _SECTOR_BY_NAME.get(value.strip().casefold(), value.strip())
    if field in ("db07_code", "db25_code"):
        digits = normalise_digits(value)
        # Codes have 2, 4 or 6 digits; an odd length is a numeric cell that dropped the leading
        # zero of divisions 01-03 (011100 stored as the number 11100).
        return "0" + digits if digits.isdigit() and len(digits) in (1, 3, 5) else digits
    if field in ("cvr", "p_number"):
        return normalise_digits(value)
    return value


def _parse_employees(value: str) -> int | None:
    """A head count from a cell ("12", "12,0", "1.200" with a thousands dot), or None."""
    text = value.strip().replace(" ", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    if number < 0 or not number.is_integer():
        return None
    return int(number)


class _EmployeesError(Exception):
    """The head count cell is not a whole number."""


def _row_payload(cells: dict[str, str]) -> dict[str, Any]:
    """The API payload for one row of cells keyed by field; _EmployeesError for a bad count."""
    payload: dict[str, Any] = {}
    for field, value in cells.items():
        if value == "" or field in ("city", "contact_name", "contact_title", "phone", "email"):
            continue
        payload[field] = _convert(field, value)
    employees = payload.pop("employees", None)
    if employees is not None and "size_band" not in payload:
        count = _parse_employees(employees)
        if count is None:
            raise _EmployeesError(employees)
        payload["size_band"] = size_band_for_employees(count)
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


def _upsert_row(
    session: Session, payload: dict[str, Any], actor: Principal
) -> tuple[Company, bool]:
    """Create or update one company; raises ValidationError or a domain error."""
    existing = companies_service.find_company_by_cvr(session, cvr=str(payload.get("cvr", "")))
    if existing is None:
        if "contact_owner" not in payload:
            owner = _default_contact_owner(payload)
            payload = {**payload, "contact_owner": owner} if owner else payload
        return companies_service.create_company(
            session, data=CompanyCreate.model_validate(payload), actor=actor
        ), True
    update = CompanyUpdate.model_validate({k: v for k, v in payload.items() if k != "cvr"})
    if update.contacts is not None:
        current = companies_service.contacts_by_company(session, [existing.id]).get(existing.id, [])
        update.contacts = _merge_contacts(
            [ContactPersonIn.model_validate(c, from_attributes=True) for c in current],
            update.contacts,
        )
    return companies_service.update_company(
        session, company=existing, data=update, actor=actor
    ), False


def _import_row(
    session: Session,
    values: dict[str, str],
    row_number: int,
    header_of: dict[str, str],
    seen: dict[str, int],
    report: ImportReport,
    actor: Principal,
) -> None:
    """Store one row in its own savepoint, or add its problems to the report."""
    cvr = normalise_digits(values.get("cvr", "")) or None
    cpr_column = first_cpr_cell(values, codes={"p_number"})
    if cpr_column is not None:
        # The cell is not repeated, nor is it the row's CVR if that is where it stands.
        report.rejected.append(
            RowProblem(
                row=row_number,
                cvr=None if cpr_column == "cvr" else cvr,
                field=header_of.get(cpr_column, cpr_column),
                message=CPR_REFUSED_DA,
            )
        )
        return
    if cvr and cvr in seen:
        report.rejected.append(
            RowProblem(
                row=row_number,
                cvr=cvr,
                field=header_of["cvr"],
                message=f"CVR-nummeret står også i række {seen[cvr]}; rækken er sprunget over",
            )
        )
        return
    try:
        payload = _row_payload(values)
    except _EmployeesError as exc:
        report.rejected.append(
            RowProblem(
                row=row_number,
                cvr=cvr,
                field=header_of["employees"],
                message=f"Antal ansatte skal være et helt tal (fx 12), ikke {exc.args[0]!r}",
            )
        )
        return
    savepoint = session.begin_nested()
    try:
        company, created = _upsert_row(session, payload, actor)
        savepoint.commit()
    except ValidationError as exc:
        savepoint.rollback()
        report.rejected.extend(_problems_from_validation(exc, row_number, cvr, header_of))
    except KantmatchError as exc:
        savepoint.rollback()
        report.rejected.extend(_problems_from_domain_error(exc, row_number, cvr, header_of))
    else:
        if cvr:
            seen[cvr] = row_number
        result = ImportRowResult(
            row=row_number, cvr=company.cvr, company_id=company.id, name=company.name
        )
        (report.created if created else report.updated).append(result)


def import_companies(
    session: Session,
    *,
    content: bytes,
    filename: str | None,
    actor: Principal,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a company list; each valid row is created or updated, each bad row reported."""
    table = read_table(content, filename)
    if not table:
        raise UnreadableFileError("filen har ingen rækker", "the file has no rows")
    columns, unknown = _map_headers(table[0])
    header_of = {field: table[0][index] for index, field in columns.items()}
    rows = list(_data_rows(table))
    report = ImportReport(
        file_name=filename,
        dry_run=dry_run,
        rows=len(rows),
        created=[],
        updated=[],
        rejected=[],
        unknown_columns=unknown,
    )
    seen: dict[str, int] = {}
    outer = session.begin_nested() if dry_run else None
    for done, (row_number, cells) in enumerate(rows, start=1):
        values = {field: (cells[i] if i < len(cells) else "") for i, field in columns.items()}
        _import_row(session, values, row_number, header_of, seen, report, actor)
        if progress is not None:
            progress(done, len(rows))
    if outer is not None:
        outer.rollback()
    else:
        record_audit(
            session,
            actor=actor,
            action="import",
            entity_type="company",
            detail={
                "file": filename,
                "created": len(report.created),
                "updated": len(report.updated),
                "rejected_rows": len({p.row for p in report.rejected}),
            },
        )
    return report
