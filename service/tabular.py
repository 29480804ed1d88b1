"""Reading uploaded CSV and XLSX files into rows of text cells, shared by every importer.

A file that cannot be read as a table raises ``UnreadableFileError`` (400) before anything is
stored; what a row means is each importer's business.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from openpyxl.utils.exceptions import InvalidFileException

from service.errors import BadRequestError, FieldError

# Called with (rows done, rows in all) while an import runs; the CLI draws its progress bar.
Progress = Callable[[int, int], None]


class UnreadableFileError(BadRequestError):
    """An import file that cannot be read as a table."""

    def __init__(self, reason_da: str, reason_en: str) -> None:
        super().__init__(
            f"Filen kan ikke læses som en tabel: {reason_da}. Intet er gemt.",
            f"The file cannot be read as a table: {reason_en}. Nothing was stored.",
            code="unreadable_file",
            fields=[FieldError("file", reason_da, reason_en)],
        )


def fold_header(header: str) -> str:
    """A column header folded for matching: case, spacing and punctuation ignored."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-.:/]", " ", header.strip().casefold())).strip()


def map_headers(
    header: list[str],
    aliases: dict[str, tuple[str, ...]],
    fold: Callable[[str], str] = fold_header,
) -> tuple[dict[int, str], list[str]]:
    """Column index -> field for the header row, and the headers no field claims.

    ``aliases`` names, per field, the headers people use (Danish and English); a field's first
    column wins and a second one counts as unknown.
    """
    by_alias = {fold(alias): name for name, names in aliases.items() for alias in names}
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for index, raw in enumerate(header):
        if not raw.strip():
            continue
        name = by_alias.get(fold(raw))
        if name is None or name in columns.values():
            unknown.append(raw)
        else:
            columns[index] = name
    return columns, unknown


_LETTER_FOLDS = {"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold_letters(text: str) -> str:
    """Lower-case ASCII text: æ/ø/å spelt ae/oe/aa, accents and punctuation removed (the task
    normaliser's and the company search's folding)."""
    lowered = text.casefold()
    for letter, spelling in _LETTER_FOLDS.items():
        lowered = lowered.replace(letter, spelling)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only).strip()


def fold_value(value: str) -> str:
    """A cell folded for matching against a list of accepted words."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-.]", " ", value.strip().casefold()))


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text (whole numbers without ``.0``, dates as ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        # A date typed into Excel comes back as midnight; keep it a date.
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# What openpyxl and zipfile raise on damaged workbooks (found by corrupting real files):
# broken zip structure, broken deflate streams, malformed XML, unsupported or encrypted members.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    NotImplementedError,
    RuntimeError,
    InvalidFileException,
)


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        raise UnreadableFileError(
            "regnearket er beskadiget eller ikke en XLSX-fil",
            "the workbook is damaged or not an XLSX file",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except _XLSX_ERRORS as exc:
        raise UnreadableFileError(
            "regnearkets første ark kan ikke læses", "the first sheet cannot be read"
        ) from exc
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    if b"\x00" in content:
        raise UnreadableFileError(
            "filen er binær, ikke tekst (gem som .xlsx eller .csv)",
            "the file is binary, not text (save it as .xlsx or .csv)",
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Danish Excel saves "CSV" as Windows-1252; Latin-1 is the last resort that never fails.
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            return content.decode("latin-1")


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise UnreadableFileError(
            "første linje har ingen kolonner adskilt af semikolon, komma eller tabulator",
            "the first line has no columns separated by semicolon, comma or tab",
        )
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise UnreadableFileError(f"CSV-fejl: {exc}", f"CSV error: {exc}") from exc


def read_table(content: bytes, filename: str | None) -> list[list[str]]:
    """Read a CSV or XLSX file into rows of text cells, or raise UnreadableFileError."""
    if not content.strip():
        raise UnreadableFileError("filen er tom", "the file is empty")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError(
            "gammelt Excel-format (.xls); gem som .xlsx eller .csv",
            "old Excel format (.xls); save it as .xlsx or .csv",
        )
    name = (filename or "").lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    return _read_csv(content)


def data_rows(table: list[list[str]]) -> Iterable[tuple[int, list[str]]]:
    """The non-empty rows under the header, each with its spreadsheet row number (header = 1)."""
    for offset, cells in enumerate(table[1:]):
        if any(cell.strip() for cell in cells):
            yield offset + 2, cells


YES_WORDS = frozenset({"ja", "j", "x", "1", "true", "yes", "y", "sand"})
NO_WORDS = frozenset({"nej", "n", "0", "false", "no", "falsk"})


def parse_yes_no(value: str) -> bool | None:
    """A yes/no cell in Danish or English as a bool, or None when it is neither."""
    folded = fold_value(value)
    if folded in YES_WORDS:
        return True
    if folded in NO_WORDS:
        return False
    return None


def date_text(value: str) -> str:
    """A date cell as ISO 8601 text: accepts 2025-03-01, 01-03-2025, 01.03.2025 and 1/3/2025.

    Anything else is returned unchanged, for the schema to reject with its own message.
    """
    text = value.strip()
    match = re.fullmatch(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})", text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text
