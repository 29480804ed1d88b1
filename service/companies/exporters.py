"""The company register as CSV or XLSX, in the columns and words the company import reads.

An export imports back unchanged (tests/companies/test_round_trip.py): the headings are the
importer's Danish headers, the cells its Danish words (``privat``, ``ja``, ``6-19``, the sector's
Danish name). The file is written by the shared ``service.exports`` (Danish CSV, no formulas).
Left out: ``requirements`` (eight levels, edited in the app) and contact persons after the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from service.companies.schemas import CompanyPublic, ContactPersonPublic
from service.exports import Cell, Sheet, csv_document, xlsx_document
from service.sectors import SECTOR_NAMES_DA

ExportFormat = Literal["csv", "xlsx"]

# (field, Danish heading) in column order; every heading is one of the importer's headers.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("cvr", "CVR-nummer"),
    ("p_number", "P-nummer"),
    ("name", "Navn"),
    ("address", "Adresse"),
    ("postal_code", "Postnummer"),
    ("city", "By"),
    ("municipality_code", "Kommunekode"),
    ("db07_code", "Branchekode (DB07)"),
    ("db25_code", "Branchekode (DB25)"),
    ("sector", "Branche"),
    ("size_band", "Antal ansatte"),
    ("sector_type", "Ejerform"),
    ("contact_owner", "Kontaktejer"),
    ("is_ambassador", "Ambassadørvirksomhed"),
    ("accepts_visits", "Modtager besøg"),
    ("unskilled_tasks", "Ufaglærte opgaver"),
    ("recruitment_difficulty", "Rekrutteringsbesvær"),
    ("is_paused", "På pause"),
    ("monthly_capacity", "Kapacitet pr. måned"),
    ("contact_name", "Kontaktperson"),
    ("contact_title", "Stilling"),
    ("phone", "Telefon"),
    ("email", "E-mail"),
)
HEADINGS = tuple(heading for _, heading in COLUMNS)

# The Danish word written for each stored value; the importer reads these (and the codes).
SECTOR_TYPE_DA = {"private": "privat", "municipal": "kommunal", "other": "anden"}
UNSKILLED_DA = {"many": "mange", "few": "få", "none": "ingen"}
DIFFICULTY_DA = {"low": "lav", "medium": "middel", "high": "høj"}


def _primary(contacts: list[ContactPersonPublic]) -> ContactPersonPublic | None:
    return next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)


def _row(company: CompanyPublic) -> list[Cell]:
    contact = _primary(company.contacts)
    return [
        company.cvr,
        company.p_number,
        company.name,
        company.address,
        company.postal_code,
        company.city,
        company.municipality_code,
        company.db07_code,
        company.db25_code,
        SECTOR_NAMES_DA[company.sector],
        company.size_band.value if company.size_band else None,
        SECTOR_TYPE_DA[company.sector_type.value],
        str(company.contact_owner),  # the organisation's key, which the importer reads
        company.is_ambassador,
        company.accepts_visits,
        UNSKILLED_DA[company.unskilled_tasks.value] if company.unskilled_tasks else None,
        DIFFICULTY_DA[company.recruitment_difficulty.value]
        if company.recruitment_difficulty
        else None,
        company.is_paused,
        company.monthly_capacity,
        contact.name if contact else None,
        contact.title if contact else None,
        contact.phone if contact else None,
        contact.email if contact else None,
    ]


def _rows(companies: Iterable[CompanyPublic]) -> Iterator[Sequence[Cell]]:
    return (_row(company) for company in companies)


def companies_file(companies: Iterable[CompanyPublic], output_format: ExportFormat) -> bytes:
    """The register as a CSV (UTF-8 with BOM) or XLSX file's bytes."""
    if output_format == "csv":
        return csv_document(HEADINGS, _rows(companies)).encode("utf-8")
    return xlsx_document([Sheet("Virksomheder", _rows(companies), headings=HEADINGS)])
