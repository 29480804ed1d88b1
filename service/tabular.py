"""Reading uploaded CSV and XLSX files into rows of text cells, shared by every importer.

A file that cannot be read as a table raises ``UnreadableFileError`` (400) before anything is
stored; what a row means is each importer's business.

Files are checked before they are parsed (issue 17): an XLSX is a zip archive, so its directory
is read first and a workbook that would inflate past ``MAX_UNCOMPRESSED_BYTES`` (413) or whose
sheet is compressed more than ``MAX_COMPRESSION_RATIO`` times (422, the mark of a "zip bomb")
is refused in milliseconds, before a byte is inflated. While reading, more than ``MAX_ROWS``
rows (413) or a cell beyond column ``MAX_COLUMNS`` (422) stops the parse, so a lying directory
still cannot make the server work without end. Cells are given back as text with the
exporters' anti-formula apostrophe removed (``service.exports.restore``).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

from openpyxl.utils.exceptions import InvalidFileException

from service.errors import BadRequestError, FieldError, PayloadTooLargeError, ValidationFailedError
from service.exports import restore

# Limits on what an import file may make the server do (issue 17). A national company list of
# 200,000 rows x 25 columns inflates to about 150 MB of sheet XML at a ratio near 10.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Members smaller than this are never a threat, whatever their ratio (styles, themes).
_RATIO_CHECK_FROM_BYTES = 16 * 1024 * 1024

V = TypeVar("V")

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


class FileTooLargeError(PayloadTooLargeError):
    """An import file that is too big to read (413); nothing is stored."""

    def __init__(self, reason_da: str, reason_en: str) -> None:
        super().__init__(
            f"Filen er for stor: {reason_da}. Intet er gemt. Store filer importeres med "
            "kommandolinjen (kantmatch import companies|citizens FIL).",
            f"The file is too large: {reason_en}. Nothing was stored. Import large files "
            "with the command line (kantmatch import companies|citizens FILE).",
            code="file_too_large",
            fields=[FieldError("file", reason_da, reason_en)],
        )


class SuspiciousFileError(ValidationFailedError):
    """An import file refused before parsing because of its shape (422); nothing is stored."""

    def __init__(self, reason_da: str, reason_en: str) -> None:
        super().__init__(
            f"Filen afvises: {reason_da}. Intet er gemt.",
            f"The file is refused: {reason_en}. Nothing was stored.",
            code="file_refused",
            fields=[FieldError("file", reason_da, reason_en)],
        )


def fold_word(value: str) -> str:
    """A cell folded for matching words: case, accents, punctuation and æ/ø/å spelling ignored.

    "Bygge og Anlæg", "bygge og anlaeg" and "BYGGE_OG_ANLÆG" all fold to "bygge og anlaeg";
    ``word_table`` adds the spelling without the letters ("anlag") as well.
    """
    text = value.strip().casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    if not text.isascii():  # ASCII has no accents to drop (the bulk imports fold every name)
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]|_", " ", text)).strip()


def word_table(words: Mapping[str, V]) -> dict[str, V]:
    """Accepted words -> value, keyed by ``fold_word``, with æ/ø/å also written as a/o/a."""
    table: dict[str, V] = {}
    for word, value in words.items():
        plain = word.casefold().replace("æ", "a").replace("ø", "o").replace("å", "a")
        table.setdefault(fold_word(plain), value)
        table[fold_word(word)] = value
    return table


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


Source = bytes | Path


def _open(source: Source) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def check_zip_directory(source: Source) -> None:
    """Refuse a workbook by its zip directory alone: too big inflated, or inflating too much."""
    try:
        with _open(source) as handle, zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableFileError(
            "regnearket er beskadiget eller ikke en XLSX-fil",
            "the workbook is damaged or not an XLSX file",
        ) from exc
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileTooLargeError(
            f"udpakket fylder regnearket {total / 1e6:,.0f} MB (højst "
            f"{MAX_UNCOMPRESSED_BYTES / 1e6:,.0f} MB)".replace(",", "."),
            f"unpacked, the workbook takes {total / 1e6:,.0f} MB (at most "
            f"{MAX_UNCOMPRESSED_BYTES / 1e6:,.0f} MB)",
        )
    for member in members:
        if member.file_size < _RATIO_CHECK_FROM_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_COMPRESSION_RATIO:
            raise SuspiciousFileError(
                f"{member.filename} pakkes {ratio:.0f} gange ud (højst "
                f"{MAX_COMPRESSION_RATIO}); det ligner en zip-bombe, ikke et regneark",
                f"{member.filename} inflates {ratio:.0f} times (at most "
                f"{MAX_COMPRESSION_RATIO}); it looks like a zip bomb, not a spreadsheet",
            )


def _too_many_rows() -> FileTooLargeError:
    return FileTooLargeError(
        f"mere end {MAX_ROWS:,} rækker".replace(",", "."), f"more than {MAX_ROWS:,} rows"
    )


def _too_many_columns(row_number: int) -> SuspiciousFileError:
    return SuspiciousFileError(
        f"række {row_number} har indhold ud over kolonne {MAX_COLUMNS}",
        f"row {row_number} has content beyond column {MAX_COLUMNS}",
    )


def _trimmed(cells: list[str], row_number: int) -> list[str]:
    """A row without its empty trailing cells; refused when it reaches past the column limit."""
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise _too_many_columns(row_number)
    return cells


def _text_row(values: Iterable[Any], row_number: int) -> list[str]:
    return _trimmed([restore(cell_text(v)) if v is not None else "" for v in values], row_number)


def _read_xlsx(source: Source) -> list[list[str]]:
    from openpyxl import load_workbook

    check_zip_directory(source)
    try:
        workbook = load_workbook(
            io.BytesIO(source) if isinstance(source, bytes) else source,
            read_only=True,
            data_only=True,
        )
    except _XLSX_ERRORS as exc:
        raise UnreadableFileError(
            "regnearket er beskadiget eller ikke en XLSX-fil",
            "the workbook is damaged or not an XLSX file",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row if isinstance(sheet.max_row, int) else 0
        if declared > MAX_ROWS + 1:
            raise _too_many_rows()  # from the sheet's own dimension, before reading a row
        rows: list[list[str]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise _too_many_rows()
            rows.append(_text_row(values, number))
        return rows
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


def _csv_rows(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        raise UnreadableFileError(
            "første linje har ingen kolonner adskilt af semikolon, komma eller tabulator",
            "the first line has no columns separated by semicolon, comma or tab",
        )
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS + 1:
                raise _too_many_rows()
            yield _trimmed([restore(cell.strip()) for cell in row], number)
    except csv.Error as exc:
        raise UnreadableFileError(f"CSV-fejl: {exc}", f"CSV error: {exc}") from exc


def _read_csv(content: bytes) -> list[list[str]]:
    return list(_csv_rows(_decode(content)))


def read_table(source: Source, filename: str | None) -> list[list[str]]:
    """Read a CSV or XLSX file (its bytes, or a path on disk) into rows of text cells.

    Raises UnreadableFileError (400), FileTooLargeError (413) or SuspiciousFileError (422).
    """
    with _open(source) as handle:
        start = handle.read(8)
        if not start.strip() and not handle.read(4096).strip():
            raise UnreadableFileError("filen er tom", "the file is empty")
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFileError(
            "gammelt Excel-format (.xls); gem som .xlsx eller .csv",
            "old Excel format (.xls); save it as .xlsx or .csv",
        )
    name = (filename or "").lower()
    if start.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(source)
    return _read_csv(source if isinstance(source, bytes) else source.read_bytes())


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
