"""What every input table shares: problems named by line, sources, and the CSV parsing.

Statistics Denmark's StatBank exports are semicolon-separated with Danish headers, in UTF-8 or
Latin-1/Windows-1252, sometimes with a title line above the header. Lines starting with ``#`` are
comments; ``# kilde:``, ``# dato:``, ``# licens:``, ``# illustrativ: ja`` describe the source.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Literal

from labour_market.codes import (
    DB07_10_GROUPS,
    MUNICIPALITY_NAMES,
    REGION_NAMES,
    AgeBand,
    fold,
    is_total_label,
)

InputKind = Literal["employment", "exit_rates", "vacancies", "projects"]
INPUT_KINDS: tuple[InputKind, ...] = ("employment", "exit_rates", "vacancies", "projects")

DST_LICENCE = "CC BY 4.0 (Danmarks Statistik: frit med kildeangivelse)"
DEFAULT_SOURCE_NAMES: dict[InputKind, str] = {
    "employment": "Danmarks Statistik, Statistikbanken: beskæftigede efter arbejdssted",
    "exit_rates": "Afgangsrater efter alder (importeret fil)",
    "vacancies": "Danmarks Statistik, Statistikbanken: ledige stillinger (LSK)",
    "projects": "Store projekter (importeret fil)",
}
MAX_REPORTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a line (1-based, as in an editor) and column."""

    line: int | None
    column: str | None
    message_da: str
    message_en: str

    def where(self) -> str:
        """Where the problem is: "linje 12, ALDER", or "fil" for the whole file."""
        parts = [f"linje {self.line}"] if self.line is not None else []
        if self.column:
            parts.append(self.column)
        return ", ".join(parts) or "fil"


class InputError(ValueError):
    """An input file that cannot be used; ``problems`` names every line that is wrong."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        first = problems[0] if problems else None
        summary = f"{first.where()}: {first.message_en}" if first else "unknown problem"
        super().__init__(f"{filename}: {len(problems)} problem(s); first: {summary}")


@dataclass(frozen=True)
class SourceInfo:
    """Where an input table comes from: the name, date and licence every figure must carry."""

    kind: InputKind
    name: str
    date: str
    licence: str
    illustrative: bool
    filename: str
    note: str = ""


def decode_text(content: bytes, filename: str) -> str:
    """The text of a file in UTF-8 (with or without BOM), else Windows-1252/Latin-1."""
    if b"\x00" in content:
        raise InputError(
            filename,
            [Problem(None, None, "Filen indeholder NUL-tegn", "The file contains NUL characters")],
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return content.decode("latin-1")


@dataclass
class Table:
    """A parsed table: header, data rows with their line numbers, and the source comments."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    meta: dict[str, str] = field(default_factory=dict)


META_KEYS = {
    "kilde": "name",
    "source": "name",
    "dato": "date",
    "date": "date",
    "licens": "licence",
    "licence": "licence",
    "license": "licence",
    "illustrativ": "illustrative",
    "illustrative": "illustrative",
    "note": "note",
    "bemaerkning": "note",
}


def parse_table(text: str, filename: str) -> Table:
    """Split a CSV text into header and rows, skipping comments and title lines."""
    meta: dict[str, str] = {}
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    lines = text.splitlines()
    content = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    # StatBank exports use semicolons; a file resaved elsewhere may use tabs or, last, commas.
    delimiter = next((d for d in ";\t," if any(d in line for line in content)), ";")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line.lstrip("#").partition(":")
            if sep and fold(key) in META_KEYS:
                meta[META_KEYS[fold(key)]] = value.strip()
            continue
        if header is None:
            if delimiter not in line:
                continue  # a title line above the table
            header = [
                cell.strip().strip('"') for cell in next(csv.reader([line], delimiter=delimiter))
            ]
            header_line = number
            continue
        cells = [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]
        rows.append((number, cells))
    if header is None:
        raise InputError(
            filename,
            [
                Problem(
                    None,
                    None,
                    "Filen har ingen tabel (ingen overskriftslinje med semikolon)",
                    "The file holds no table (no header line with semicolons)",
                )
            ],
        )
    return Table(header=header, header_line=header_line, rows=rows, meta=meta)


def _role(header: str, roles: Mapping[str, Iterable[str]]) -> str | None:
    key = fold(header)
    for role, prefixes in roles.items():
        if any(key.startswith(prefix) for prefix in prefixes):
            return role
    return None


def assign_roles(
    table: Table, roles: Mapping[str, Iterable[str]], required: Mapping[str, tuple[str, str]]
) -> tuple[dict[str, int], list[int], list[Problem]]:
    """Which column plays which role; the others are extra dimensions."""
    found: dict[str, int] = {}
    extra: list[int] = []
    problems: list[Problem] = []
    for index, name in enumerate(table.header):
        role = _role(name, roles)
        if role is None or role in found:
            extra.append(index)
        else:
            found[role] = index
    for role, (da, en) in required.items():
        if role not in found:
            problems.append(
                Problem(
                    table.header_line, None, f"Mangler kolonnen {da}", f"Missing the {en} column"
                )
            )
    return found, extra, problems


def kept_rows(
    table: Table, extra: list[int], problems: list[Problem]
) -> list[tuple[int, list[str]]]:
    """Rows of the right width; for an extra dimension with totals (KØN: "I alt") only those."""
    width = len(table.header)
    rows: list[tuple[int, list[str]]] = []
    for number, cells in table.rows:
        if len(cells) != width:
            problems.append(
                Problem(
                    number,
                    None,
                    f"Linjen har {len(cells)} felter, overskriften {width}",
                    f"The line has {len(cells)} fields, the header {width}",
                )
            )
            continue
        rows.append((number, cells))
    for index in extra:
        if any(is_total_label(cells[index]) for _, cells in rows):
            rows = [(n, c) for n, c in rows if is_total_label(c[index])]
    return rows


CONFIDENTIAL = {"..", ".", "-", ""}


def parse_count(text: str) -> float | None:
    """A count: "1234", "1.234" (thousands), "12,5"; None for ".." (confidential) or "-"."""
    value = text.strip().replace("\xa0", "").replace(" ", "")
    if value in CONFIDENTIAL:
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")
    value = value.replace(",", ".")
    number = float(value)  # ValueError for text
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return number


def parse_rate(text: str) -> float:
    """A rate as a fraction ("0,12") or a percentage ("12 %")."""
    value = text.strip().replace(" ", "").replace(",", ".")
    if value.endswith("%"):
        return float(value[:-1]) / 100
    return float(value)


def municipality_code_of(value: str) -> str | None:
    """The code of "360", "360 Lolland" or a known name; None otherwise."""
    match = re.match(r"^(\d{3})\b", value.strip())
    if match:
        return match.group(1)
    for code, name in MUNICIPALITY_NAMES.items():
        if fold(value) == fold(name) or fold(value) == fold(name + " kommune"):
            return code
    return None


def region_code_of(value: str) -> str | None:
    """The code of "085", "Region Sjælland" or "Sjælland"; None otherwise."""
    match = re.match(r"^(\d{3})\b", value.strip())
    if match:
        return match.group(1)
    for code, name in REGION_NAMES.items():
        if fold(value) in (fold(name), fold(name.removeprefix("Region "))):
            return code
    return None


def ten_group_of(label: str) -> int | None:
    """The DB07 10-group (1-10) of "3 Bygge og anlæg" or "Bygge og anlæg"; None otherwise."""
    match = re.match(r"^(\d{1,2})\s+(.*)$", label.strip())
    text = match.group(2) if match else label
    for group, name in DB07_10_GROUPS.items():
        if fold(text) == fold(name):
            return group
    if match and 1 <= int(match.group(1)) <= 10:
        return int(match.group(1))
    return None


def source_info(
    kind: InputKind, meta: Mapping[str, str], filename: str, imported_on: date | None
) -> SourceInfo:
    """The source of a table from its comment lines, with defaults for a real download."""
    illustrative = fold(meta.get("illustrative", "nej")) in ("ja", "yes", "true", "1")
    return SourceInfo(
        kind=kind,
        name=meta.get("name") or f"{DEFAULT_SOURCE_NAMES[kind]} ({filename})",
        date=meta.get("date") or (imported_on or date.today()).isoformat(),
        licence=meta.get("licence") or (DST_LICENCE if kind in ("employment", "vacancies") else ""),
        illustrative=illustrative,
        filename=filename,
        note=meta.get("note", ""),
    )


def raise_if(problems: list[Problem], filename: str) -> None:
    """Raise an InputError with the problems in line order, if there are any."""
    if problems:
        ordered = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        raise InputError(filename, ordered[:MAX_REPORTED_PROBLEMS])


def read_count(
    number: int, column: str, value: str, problems: list[Problem]
) -> tuple[float | None, bool]:
    """A count cell of line ``number``: (the count, whether it was confidential).

    A value that is not a number, or a negative count, adds a problem and gives no count.
    """
    try:
        count = parse_count(value)
    except ValueError:
        problems.append(bad_number(number, column, value))
        return None, False
    if count is None:
        return None, True
    if count < 0:
        problems.append(
            Problem(
                number, column, "Antallet kan ikke være negativt", "The count cannot be negative"
            )
        )
        return None, False
    return count, False


def bad_number(number: int, column: str, value: str) -> Problem:
    """The problem of a value that is not a number."""
    return Problem(
        number,
        column,
        f"{value!r} er ikke et tal",
        f"{value!r} is not a number",
    )


def check_bands(bands: Iterable[AgeBand], line: int, column: str) -> list[Problem]:
    """A problem if two age bands overlap."""
    ordered = sorted(set(bands))
    for first, second in pairwise(ordered):
        if first.high is None or first.high >= second.low:
            return [
                Problem(
                    line,
                    column,
                    f"Aldersgrupperne {first.label} og {second.label} overlapper",
                    f"The age bands {first.label} and {second.label} overlap",
                )
            ]
    return []
