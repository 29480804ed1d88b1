"""Writing CSV and XLSX files the way a Danish user expects, safely: every exporter uses this.

- CSV: semicolon-separated, UTF-8 with a byte-order mark and CRLF line ends, so Danish Excel
  opens it as it is; decimal commas ("12,5"), ``ja``/``nej``, dates as ``dd-mm-åååå``.
- XLSX: numbers as numbers (Excel shows them with the user's decimal comma), dates as dates,
  every text cell written as a string, never as a formula.
- Injection (OWASP "CSV Injection"): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is neutralised. In CSV it gets a leading apostrophe; in XLSX the string
  keeps its text and gets Excel's own "quote prefix" (shown as text, never evaluated).
  ``restore`` undoes the apostrophe, and the importers call it, so an export imports back as
  it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Cell = str | int | float | Decimal | bool | date | datetime | None

CSV_BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The first characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def neutralise(text: str) -> str:
    """Text that no spreadsheet reads as a formula: an apostrophe before a dangerous start."""
    return _QUOTE + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """The text ``neutralise`` was given: the importers' inverse of the export's apostrophe."""
    if text.startswith(_QUOTE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def yes_no(value: bool) -> str:
    """A truth value in Danish, as the importers read it back."""
    return "ja" if value else "nej"


def danish_decimal(value: float | Decimal, places: int | None = None) -> str:
    """A number with a decimal comma ("12,5"); ``places`` fixes the decimals when given."""
    text = f"{value:.{places}f}" if places is not None else format(value, "f")
    if places is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def danish_date(value: date) -> str:
    """A date as Danes write it: 01-03-2025."""
    return value.strftime("%d-%m-%Y")


def csv_cell(value: Cell) -> str:
    """One cell of a Danish CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return danish_decimal(value)
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    if isinstance(value, date):
        return danish_date(value)
    return neutralise(str(value))


def csv_document(headings: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """A whole CSV file as text, BOM first: semicolons, CRLF, Danish cells, neutralised text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headings])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return CSV_BOM + buffer.getvalue()


@dataclass
class Sheet:
    """One worksheet: a bold heading row (frozen) over the rows; ``widths`` per column letter."""

    title: str
    rows: Iterable[Sequence[Cell]]
    headings: Sequence[str] | None = None
    widths: dict[str, float] = field(default_factory=dict)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell, *, bold: bool = False) -> object:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, bool):
        value = yes_no(value)
    elif isinstance(value, datetime):
        # Excel has no time zones: aware times are written as UTC without the offset.
        value = value.replace(tzinfo=None)
    elif isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str):
        value = str(value)  # a StrEnum member as its plain value
    # The stubs leave out dates, which openpyxl writes as Excel dates.
    cell = WriteOnlyCell(sheet, value=cast(Any, value))
    if isinstance(value, str):
        # openpyxl makes any text starting with "=" a formula; this cell stays a string.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_document(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX workbook of the sheets, written in one streaming pass (any number of rows)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        for letter, width in spec.widths.items():
            sheet.column_dimensions[letter].width = width
        if spec.headings is not None:
            sheet.freeze_panes = "A2"
            sheet.append([_xlsx_cell(sheet, h, bold=True) for h in spec.headings])
        for row in spec.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
