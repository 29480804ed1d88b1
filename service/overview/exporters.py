"""The company overview as CSV and XLSX files. Pure: rows in, bytes out.

CSV: semicolon-separated UTF-8 with a BOM (Danish Excel opens it as it is), the API's field
names as headers, ``true``/``false``, and ``<3`` where the JSON says ``"<3"``. XLSX: the same
columns with Danish headings, numbers as numbers, ``<3`` as text, and a second sheet that
explains the figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from service.overview.schemas import Disclosure, OverviewCompany

CSV_BOM = "\ufeff"

# (field name, Danish heading) in column order; contact_person_* flatten the contact person.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("company_id", "Id"),
    ("cvr", "CVR-nummer"),
    ("name", "Virksomhed"),
    ("postal_code", "Postnummer"),
    ("city", "By"),
    ("municipality_code", "Kommunekode"),
    ("municipality_name", "Kommune"),
    ("sector", "Branche (kode)"),
    ("sector_name", "Branche"),
    ("size_band", "Antal ansatte"),
    ("sector_type", "Ejerform"),
    ("contact_owner", "Kontaktejer (kode)"),
    ("contact_owner_name", "Kontaktejer"),
    ("contact_person_name", "Kontaktperson"),
    ("contact_person_phone", "Kontaktpersonens telefon"),
    ("contact_person_email", "Kontaktpersonens e-mail"),
    ("is_ambassador", "Ambassadørvirksomhed"),
    ("in_internship", "I virksomhedspraktik nu"),
    ("in_paid_hours", "I løntimer eller hybridjob nu"),
    ("hired", "Ordinært ansat nu"),
    ("internship_total", "Virksomhedspraktik i alt siden start"),
    ("paid_hours_total", "Løntimer eller hybridjob i alt siden start"),
    ("hired_total", "Ordinært ansat i alt siden start"),
    ("change_seq", "Ændringsnummer"),
    ("changed_at", "Ændret"),
)
FIELDS = tuple(field for field, _ in COLUMNS)
HEADINGS_DA = tuple(heading for _, heading in COLUMNS)


def _values(row: OverviewCompany) -> dict[str, object]:
    values: dict[str, object] = row.model_dump(exclude={"contact_person"})
    person = row.contact_person
    values["contact_person_name"] = person.name if person else None
    values["contact_person_phone"] = person.phone if person else None
    values["contact_person_email"] = person.email if person else None
    return values


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def companies_csv(rows: Iterable[OverviewCompany]) -> str:
    """The overview as CSV text (with its BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in rows:
        values = _values(row)
        writer.writerow([_csv_text(values[field]) for field in FIELDS])
    return CSV_BOM + buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime):
        # Excel has no time zones: write UTC without an offset (the heading says UTC).
        return value.replace(tzinfo=None)
    return value


def companies_xlsx(
    rows: Iterable[OverviewCompany],
    *,
    disclosure: Disclosure,
    generated_at: datetime,
    filters: dict[str, str],
) -> bytes:
    """The overview as an XLSX workbook: the companies, and a sheet about the figures."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Virksomheder"
    sheet.append([*HEADINGS_DA[:-1], "Ændret (UTC)"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    count = 0
    for row in rows:
        values = _values(row)
        sheet.append([_cell(values[field]) for field in FIELDS])
        count += 1
    about = workbook.create_sheet("Om tallene")
    about.append(["Udtræk fra Kantmatch: virksomheder med forløb (vidensdelingsværktøjet)"])
    about.append(["Dannet (UTC)", generated_at.replace(tzinfo=None)])
    about.append(["Virksomheder", count])
    about.append(["Filtre", ", ".join(f"{k}={v}" for k, v in filters.items()) or "ingen"])
    about.append(
        [
            "Tal",
            "Nøjagtige" if disclosure.exact_counts else (disclosure.rule or ""),
        ]
    )
    about.append(
        [
            "Nu",
            "Borgere i et igangværende forløb (status active) af typen; 'i alt siden start' "
            "tæller borgere med et påbegyndt forløb (active eller ended).",
        ]
    )
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
