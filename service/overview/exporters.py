"""The company overview as CSV and XLSX files. Pure: rows in, bytes out.

Both are written by the shared ``service.exports`` (Danish CSV: semicolons, UTF-8 with BOM,
``ja``/``nej``; XLSX: numbers as numbers; text never a formula in either). The columns have the
Danish headings below in both files, ``<3`` stands where the JSON says ``"<3"``, and the XLSX
has a second sheet that explains the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from service.exports import Cell, Sheet, csv_document, xlsx_document
from service.overview.schemas import Disclosure, OverviewCompany

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


def _values(row: OverviewCompany) -> dict[str, Any]:
    values: dict[str, Any] = row.model_dump(exclude={"contact_person"})
    person = row.contact_person
    values["contact_person_name"] = person.name if person else None
    values["contact_person_phone"] = person.phone if person else None
    values["contact_person_email"] = person.email if person else None
    return values


def _cells(rows: Iterable[OverviewCompany]) -> Iterator[Sequence[Cell]]:
    for row in rows:
        values = _values(row)
        yield [values[field] for field in FIELDS]


# The change time is UTC; Excel and CSV have no time zones, so the heading says so.
_HEADINGS = (*HEADINGS_DA[:-1], "Ændret (UTC)")


def companies_csv(rows: Iterable[OverviewCompany]) -> str:
    """The overview as CSV text (with its BOM), Danish headings."""
    return csv_document(_HEADINGS, _cells(rows))


def companies_xlsx(
    rows: Iterable[OverviewCompany],
    *,
    disclosure: Disclosure,
    generated_at: datetime,
    filters: dict[str, str],
) -> bytes:
    """The overview as an XLSX workbook: the companies, and a sheet about the figures."""
    listed = list(rows)
    about: list[Sequence[Cell]] = [
        ["Udtræk fra Kantmatch: virksomheder med forløb (vidensdelingsværktøjet)"],
        ["Dannet (UTC)", generated_at],
        ["Virksomheder", len(listed)],
        ["Filtre", ", ".join(f"{k}={v}" for k, v in filters.items()) or "ingen"],
        ["Tal", "Nøjagtige" if disclosure.exact_counts else (disclosure.rule or "")],
        [
            "Nu",
            "Borgere i et igangværende forløb (status active) af typen; 'i alt siden start' "
            "tæller borgere med et påbegyndt forløb (active eller ended).",
        ],
    ]
    return xlsx_document(
        [
            Sheet("Virksomheder", _cells(listed), headings=_HEADINGS),
            Sheet("Om tallene", about, widths={"A": 18, "B": 100}),
        ]
    )
