"""Read DAWA's postnumre CSV and store its postal-code centres (``kantmatch import postal-codes``).

DAWA (Danmarks Adressers Web API, Dataforsyningen) serves every postal code as CSV at
``/postnumre?format=csv``: columns ``nr``, ``navn``, ``stormodtager``, the bounding box,
``visueltcenter_x`` (longitude) and ``visueltcenter_y`` (latitude, WGS84), change dates and
``dagi_id``. This reader needs ``nr``, ``navn``, ``visueltcenter_x`` and ``visueltcenter_y`` and
uses a ``kommunekode`` column when there is one. The file replaces the imported table as a whole,
all or nothing: one broken line and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session

from service import clock
from service.places import ImportedPostalCode, municipalities

REQUIRED_COLUMNS = ("nr", "navn", "visueltcenter_x", "visueltcenter_y")
# Denmark's extent with a margin (the same bounds the company and citizen schemas use).
LAT_RANGE = (54.0, 58.0)
LON_RANGE = (7.5, 15.5)


@dataclass(frozen=True)
class LineProblem:
    """What is wrong with one line of the file (line 1 is the header)."""

    line: int
    field: str
    message: str


@dataclass(frozen=True)
class PostalCodeRow:
    """One usable line of the file."""

    postal_code: str
    city: str
    lat: float
    lon: float
    municipality_code: str | None


@dataclass
class PostalImportReport:
    """The outcome of an import: rows read, stored, skipped (with why) and rejected."""

    lines: int = 0
    rows: list[PostalCodeRow] = field(default_factory=list)
    skipped: list[LineProblem] = field(default_factory=list)
    rejected: list[LineProblem] = field(default_factory=list)
    stored: bool = False
    source: str = ""


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def _number(text: str, column: str, line: int, bounds: tuple[float, float]) -> float | LineProblem:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return LineProblem(line, column, f"{text!r} er ikke et tal")
    if not bounds[0] <= value <= bounds[1]:
        return LineProblem(
            line, column, f"{value} ligger uden for Danmark ({bounds[0]}-{bounds[1]})"
        )
    return value


def _municipality(text: str, line: int) -> str | LineProblem | None:
    value = text.strip()
    if not value:
        return None
    code = value[-3:] if len(value) == 4 and value.startswith("0") else value
    if code not in municipalities():
        return LineProblem(line, "kommunekode", f"{value!r} er ikke en kendt kommunekode")
    return code


def read_postnumre(content: bytes) -> PostalImportReport:
    """Check every line of a DAWA postnumre CSV; the report says what would be stored."""
    text = _decode(content)
    report = PostalImportReport()
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().casefold() for h in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.rejected.append(
            LineProblem(1, ", ".join(missing), "kolonnen mangler i hovedlinjen (DAWA's postnumre)")
        )
        return report
    index = {name: i for i, name in enumerate(header)}
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        report.lines += 1
        if len(cells) != len(header):
            report.rejected.append(
                LineProblem(
                    line, "linje", f"har {len(cells)} felter, hovedlinjen har {len(header)}"
                )
            )
            continue
        values = {name: cells[i].strip() for name, i in index.items()}
        code = values["nr"]
        if not (len(code) == 4 and code.isdigit()):
            report.rejected.append(LineProblem(line, "nr", f"{code!r} er ikke fire cifre"))
            continue
        if values.get("stormodtager", "").casefold() == "true" or code.startswith("0"):
            report.skipped.append(LineProblem(line, "nr", f"{code}: stormodtager, intet område"))
            continue
        if not values["visueltcenter_x"] and not values["visueltcenter_y"]:
            report.skipped.append(LineProblem(line, "visueltcenter", f"{code}: intet centrum"))
            continue
        problems: list[LineProblem] = []
        if not values["navn"] or len(values["navn"]) > 100:
            problems.append(LineProblem(line, "navn", "skal være 1-100 tegn"))
        lon = _number(values["visueltcenter_x"], "visueltcenter_x", line, LON_RANGE)
        lat = _number(values["visueltcenter_y"], "visueltcenter_y", line, LAT_RANGE)
        municipality = _municipality(values.get("kommunekode", ""), line)
        problems += [p for p in (lon, lat, municipality) if isinstance(p, LineProblem)]
        if code in seen:
            problems.append(LineProblem(line, "nr", f"{code} står også i linje {seen[code]}"))
        if problems:
            report.rejected += problems
            continue
        seen[code] = line
        assert isinstance(lat, float)
        assert isinstance(lon, float)
        assert not isinstance(municipality, LineProblem)
        report.rows.append(PostalCodeRow(code, values["navn"], lat, lon, municipality))
    return report


def import_postal_codes(
    session: Session, *, content: bytes, filename: str, dry_run: bool = False
) -> PostalImportReport:
    """Replace the imported postal codes with the file's; nothing is stored if a line is broken."""
    report = read_postnumre(content)
    now: datetime = clock.now()
    report.source = f"DAWA postnumre: {filename}, indlæst {now:%Y-%m-%d}"
    if report.rejected or dry_run or not report.rows:
        return report
    session.execute(delete(ImportedPostalCode))
    session.add_all(
        ImportedPostalCode(
            postal_code=row.postal_code,
            city=row.city,
            municipality_code=row.municipality_code,
            lat=row.lat,
            lon=row.lon,
            source=report.source[:200],
            imported_at=now,
        )
        for row in report.rows
    )
    session.flush()
    report.stored = True
    return report
