"""A seeded SYNTHETIC company list in the job centres' import format, for the import benchmark.

Every value is made up: CVR numbers in the unissued 9xxxxxxx range with a valid check digit,
names and streets from short lists, postal codes of one municipality from the shipped table.
``bad_every`` makes every n-th row wrong in one of several ways (bad CVR check digit, unknown
postal code, size text, bad phone), so a run can check that each bad row is reported and none
is stored.
``zip_bomb`` makes a small XLSX that inflates to any size (a hostile upload, issue 17).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

from service.companies.codes import cvr_check_digit
from service.places import postal_codes

HEADER = (
    "CVR-nummer",
    "Navn",
    "Adresse",
    "Postnummer",
    "Branchekode",
    "Antal ansatte",
    "Ejerform",
    "Kontaktperson",
    "Telefon",
    "E-mail",
)
_CODES = ("471100", "561010", "871000", "439910", "011100", "101100", "812100", "452010")
_KINDS = ("Købmand", "Café", "Plejecenter", "Tømrer", "Gartneri", "Bageri", "Rengøring", "Auto")
_STREETS = ("Nørregade", "Søndergade", "Havnegade", "Vestergade", "Østergade", "Strandvej")
_FIRST = ("Anne", "Lars", "Mette", "Søren", "Hanne", "Jens", "Lone", "Bo")
_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen")
_BAD_KINDS = 4


def synthetic_cvrs(count: int) -> list[str]:
    """``count`` distinct valid CVR numbers from 90000000 upwards (SYNTHETIC, unissued range)."""
    cvrs: list[str] = []
    number = 9000000
    while len(cvrs) < count:
        first_seven = str(number)
        digit = cvr_check_digit(first_seven)
        if digit is not None:
            cvrs.append(f"{first_seven}{digit}")
        number += 1
    return cvrs


def bad_rows(count: int, bad_every: int) -> list[int]:
    """The spreadsheet row numbers (header = 1) that ``write_companies_csv`` makes bad."""
    return [index + 2 for index in range(count) if bad_every and index % bad_every == bad_every - 1]


def write_companies_csv(path: Path, count: int, *, seed: int = 13, bad_every: int = 0) -> Path:
    """Write ``count`` SYNTHETIC companies as a semicolon CSV (UTF-8 with BOM) and return path."""
    rng = random.Random(seed)
    # Postal codes that name one municipality (others need a municipality code column).
    postal = sorted(code for code, place in postal_codes().items() if place.municipality_code)
    cvrs = synthetic_cvrs(count)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index, cvr in enumerate(cvrs):
            kind = rng.randrange(len(_KINDS))
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            row = [
                cvr,
                f"{rng.choice(_LAST)}s {_KINDS[kind]} {index}",
                f"{rng.choice(_STREETS)} {rng.randint(1, 120)}",
                rng.choice(postal),
                _CODES[kind],
                str(rng.choice((2, 4, 8, 12, 25, 60, 150))),
                rng.choice(("privat", "kommunal", "privat")),
                f"{first} {last}",
                f"{rng.randint(20000000, 99999999)}",
                f"{first.lower()}@eksempel.invalid",
            ]
            if bad_every and index % bad_every == bad_every - 1:
                which = (index // bad_every) % _BAD_KINDS
                if which == 0:
                    row[0] = cvr[:7] + str((int(cvr[7]) + 1) % 10)  # check digit wrong
                elif which == 1:
                    row[3] = "9999"  # not a postal code in the table
                elif which == 2:
                    row[5] = "mange"  # not a head count or a size band
                else:
                    row[8] = "12 34"  # too short for a phone number
            writer.writerow(row)
    return path


def zip_bomb(inflated_bytes: int) -> bytes:
    """A small XLSX whose first sheet inflates to about ``inflated_bytes`` of one repeated row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["CVR", "Navn", "Postnummer"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(item, source.read(item.filename))
                continue
            with bomb.open(item.filename, "w", force_zip64=True) as member:
                member.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                    b'main"><sheetData>'
                )
                row = b'<row><c t="inlineStr"><is><t>12345674</t></is></c></row>' * 1000
                for _ in range(inflated_bytes // len(row) + 1):
                    member.write(row)
                member.write(b"</sheetData></worksheet>")
    return out.getvalue()
