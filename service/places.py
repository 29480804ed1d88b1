"""Municipalities, postal codes and coordinates: the one lookup for all of Denmark (issue 13).

Three layers, the later one winning: the shipped municipality table (all 98, from
``labour_market/data/municipalities.csv``), the shipped postal-code table (every geographic
postal code with its municipalities; coordinates only for Lolland and Guldborgsund), and the
postal codes imported from DAWA's postnumre CSV (``kantmatch import postal-codes FILE``), which
add coordinates for the rest of the country.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Protocol

from pydantic import AfterValidator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlalchemy import func, update
from sqlmodel import Field, Session, SQLModel, col, select

from labour_market.codes import MUNICIPALITIES
from service import clock
from service.errors import FieldError, ValidationFailedError
from service.i18n import bilingual_error
from service.tabular import fold_word

LOLLAND = "360"
GULDBORGSUND = "376"
PROGRAMME_MUNICIPALITIES: dict[str, str] = {LOLLAND: "Lolland", GULDBORGSUND: "Guldborgsund"}


@dataclass(frozen=True)
class Municipality:
    """One of Denmark's 98 municipalities."""

    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class PostalCode:
    """A postal district, its municipality (None when it reaches several) and its centre.

    ``municipality_codes`` lists every municipality the district reaches, the main one first.
    ``lat``/``lon`` are None where no coordinates are known (import DAWA's table to fill them).
    """

    postal_code: str
    city: str
    municipality_code: str | None
    lat: float | None
    lon: float | None
    coordinate_source: str | None
    municipality_codes: tuple[str, ...] = ()


class ImportedPostalCode(SQLModel, table=True):
    """A postal code read from DAWA's postnumre CSV; it overrides the shipped row."""

    __tablename__ = "postal_codes"

    postal_code: str = Field(primary_key=True, max_length=4)
    city: str = Field(max_length=100)
    # Only when the file has a municipality column; otherwise the shipped table's is kept.
    municipality_code: str | None = Field(default=None, max_length=3)
    lat: float
    lon: float
    source: str = Field(max_length=200)
    imported_at: datetime = Field(default_factory=clock.now)


@lru_cache(maxsize=1)
def municipalities() -> dict[str, Municipality]:
    """All 98 municipalities by code (the shipped table, with its source in the file)."""
    return {m.code: Municipality(m.code, m.name, m.region_code) for m in MUNICIPALITIES}


def municipality_name(code: str) -> str | None:
    """The municipality's name, or None for an unknown code."""
    municipality = municipalities().get(code)
    return municipality.name if municipality else None


def _check_municipality_code(value: str) -> str:
    # Danish municipality codes are three digits between 101 and 860.
    if not (len(value) == 3 and value.isdigit() and 101 <= int(value) <= 860):
        raise bilingual_error(
            "municipality_code",
            da="Kommunekoden skal være tre cifre mellem 101 og 860 "
            "(fx 360 Lolland, 376 Guldborgsund)",
            en="The municipality code must be three digits from 101 to 860 "
            "(e.g. 360 Lolland, 376 Guldborgsund)",
        )
    if value not in municipalities():
        raise bilingual_error(
            "municipality_code",
            da=f"Kommunekoden {value} findes ikke (Danmarks 98 kommuner, fx 751 Aarhus)",
            en=f"Municipality code {value} does not exist (Denmark's 98, e.g. 751 Aarhus)",
        )
    return value


def _check_postal_code(value: str) -> str:
    if not (len(value) == 4 and value.isdigit() and value[0] != "0"):
        raise bilingual_error(
            "postal_code",
            da="Postnummeret skal være fire cifre (fx 4900)",
            en="The postal code must be four digits (e.g. 4900)",
        )
    return value


def _municipality_codes(schema: dict[str, Any]) -> None:
    # Read when the OpenAPI document is made, not at import.
    schema["enum"] = sorted(municipalities())


# The OpenAPI document (and its clients) are told what the validators demand (issue 17): the
# 98 codes, the postal code's format; the validators give the Danish/English message.
MunicipalityCode = Annotated[
    str,
    AfterValidator(_check_municipality_code),
    PydanticField(json_schema_extra=_municipality_codes),
]
DanishPostalCode = Annotated[
    str,
    AfterValidator(_check_postal_code),
    PydanticField(json_schema_extra={"pattern": "^[1-9][0-9]{3}$"}),
]
# Explicit coordinates (WGS84) within Denmark and a margin.
Latitude = Annotated[float, PydanticField(ge=54.0, le=58.0)]
Longitude = Annotated[float, PydanticField(ge=7.5, le=15.5)]


def incomplete_coordinates(
    lat: float | None, lon: float | None
) -> tuple[str, PydanticCustomError] | None:
    """The field to blame and the error when only one of lat and lon is given, else None."""
    if (lat is None) == (lon is None):
        return None
    return (
        "lon" if lon is None else "lat",
        bilingual_error(
            "coordinates_incomplete",
            da="Angiv både lat og lon, eller ingen af dem",
            en="Give both lat and lon, or neither",
        ),
    )


def _float_or_none(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def postal_codes() -> dict[str, PostalCode]:
    """The shipped postal-code table, read on first use."""
    text = resources.files("service").joinpath("data/postal_codes.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    table: dict[str, PostalCode] = {}
    for row in reader:
        main = row["municipality_code"] or None
        others = tuple(row["other_municipalities"].split())
        table[row["postal_code"]] = PostalCode(
            postal_code=row["postal_code"],
            city=row["city"],
            municipality_code=main,
            lat=_float_or_none(row["lat"]),
            lon=_float_or_none(row["lon"]),
            coordinate_source=row["coordinate_source"] or None,
            municipality_codes=((main,) if main else ()) + others,
        )
    return table


def _with_import(shipped: PostalCode | None, row: ImportedPostalCode) -> PostalCode:
    if row.municipality_code is not None:
        main: str | None = row.municipality_code
        codes: tuple[str, ...] = (row.municipality_code,)
    else:
        main = shipped.municipality_code if shipped else None
        codes = shipped.municipality_codes if shipped else ()
    return PostalCode(
        postal_code=row.postal_code,
        city=row.city,
        municipality_code=main,
        lat=row.lat,
        lon=row.lon,
        coordinate_source="dawa",
        municipality_codes=codes,
    )


# Per process: the merged table and the import state it was built from. Compared on every
# call, so a postal-code import by another worker is seen on the next lookup.
_merged: tuple[tuple[str, int, datetime | None], dict[str, PostalCode]] | None = None


_PINNED = "kantmatch.postal_code_table"


def postal_code_table(session: Session) -> dict[str, PostalCode]:
    """The shipped table with the imported postal codes laid over it (one small query)."""
    global _merged
    pinned: dict[str, PostalCode] | None = session.info.get(_PINNED)
    if pinned is not None:
        return pinned
    count, latest = session.exec(
        select(func.count(), func.max(col(ImportedPostalCode.imported_at)))
    ).one()
    state = (str(session.get_bind().engine.url), int(count), latest)
    if _merged is not None and _merged[0] == state:
        return _merged[1]
    table = dict(postal_codes())
    if count:
        for row in session.exec(select(ImportedPostalCode)).all():
            table[row.postal_code] = _with_import(table.get(row.postal_code), row)
    _merged = (state, table)
    return table


# Per process: each town's folded words, for the merged table they were made from.
_towns: tuple[dict[str, PostalCode], list[tuple[str, tuple[str, ...]]]] | None = None


def postal_codes_of_town(session: Session, query: str) -> list[str]:
    """The postal codes whose town starts with the query, or has a word that does; case, accents
    and æ/ø/å spelling ignored ("roedby" finds 4970 Rødby, "lilleoe" 4942 Askø og Lilleø)."""
    global _towns
    folded = fold_word(query)
    if not folded:
        return []
    table = postal_code_table(session)
    if _towns is None or _towns[0] is not table:
        folded_towns = []
        for code, place in table.items():
            town = fold_word(place.city)
            folded_towns.append((code, (town, *town.split())))
        _towns = (table, folded_towns)
    return [code for code, starts in _towns[1] if any(s.startswith(folded) for s in starts)]


@contextmanager
def pinned_postal_codes(session: Session) -> Iterator[None]:
    """Within the block the session's postal-code table is read once, not once per lookup.

    For the bulk imports (issue 13), whose rows each look up a postal code: a postal-code
    import is a command of its own, so the table cannot change while a file is imported.
    """
    if _PINNED in session.info:
        yield
        return
    session.info[_PINNED] = postal_code_table(session)
    try:
        yield
    finally:
        session.info.pop(_PINNED, None)


def lookup_postal_code(postal_code: str, session: Session | None = None) -> PostalCode | None:
    """The entry for a postal code (imported ones too when a session is given), or None."""
    if session is not None:
        return postal_code_table(session).get(postal_code)
    return postal_codes().get(postal_code)


def municipality_for(place: PostalCode | None) -> str | None:
    """The municipality a postal code alone decides, or None (unknown or several)."""
    return place.municipality_code if place else None


def unresolved_municipality_message(postal_code: str, place: PostalCode | None) -> tuple[str, str]:
    """Danish and English text for a postal code that does not decide the municipality."""
    if place is None:
        return (
            f"Postnummer {postal_code} findes ikke i postnummertabellen; angiv kommunekoden",
            f"Postal code {postal_code} is not in the postal-code table; "
            "give the municipality code",
        )
    names = ", ".join(
        f"{code} {municipality_name(code) or ''}".strip() for code in place.municipality_codes
    )
    return (
        f"Postnummer {postal_code} {place.city} dækker flere kommuner ({names}); "
        "angiv kommunekoden",
        f"Postal code {postal_code} {place.city} covers several municipalities ({names}); "
        "give the municipality code",
    )


@dataclass(frozen=True)
class Location:
    """Where a citizen or company is: municipality, city and coordinates with their source."""

    municipality_code: str
    city: str | None
    lat: float | None
    lon: float | None
    coordinates_source: str | None


class MunicipalityUnresolvedError(ValidationFailedError):
    """No municipality code was given and the postal code does not decide one."""

    def __init__(self, postal_code: str, place: PostalCode | None) -> None:
        da, en = unresolved_municipality_message(postal_code, place)
        super().__init__(
            "Kommunen kan ikke afgøres",
            "The municipality cannot be decided",
            fields=[FieldError("municipality_code", da, en)],
        )


def locate(
    session: Session,
    *,
    postal_code: str,
    municipality_code: str | None,
    lat: float | None,
    lon: float | None,
) -> Location:
    """Municipality (given, or from the postal code), city, and coordinates: given ones win,
    else the postal code's centre, else none."""
    place = lookup_postal_code(postal_code, session)
    municipality = municipality_code or municipality_for(place)
    if municipality is None:
        raise MunicipalityUnresolvedError(postal_code, place)
    city = place.city if place else None
    if lat is not None and lon is not None:
        return Location(municipality, city, lat, lon, "given")
    if place is not None and place.lat is not None:
        return Location(municipality, city, place.lat, place.lon, "postal_code")
    return Location(municipality, city, None, None, None)


class PlacedInput(Protocol):
    """Validated input with an address: what ``located_columns`` reads."""

    postal_code: str
    municipality_code: str | None
    lat: float | None
    lon: float | None


def located_columns(
    session: Session, data: PlacedInput, *, coordinates_given: bool
) -> dict[str, Any]:
    """``municipality_code``, ``city``, ``lat``, ``lon`` and ``coordinates_source`` to store
    for the input; its own lat/lon count only when ``coordinates_given``."""
    location = locate(
        session,
        postal_code=data.postal_code,
        municipality_code=data.municipality_code,
        lat=data.lat if coordinates_given else None,
        lon=data.lon if coordinates_given else None,
    )
    # Plain values only, so a shallow copy (``dataclasses.asdict`` costs 60 µs a row in bulk).
    return dict(vars(location))


def refresh_postal_coordinates(session: Session, model: type[SQLModel]) -> int:
    """Give rows whose coordinates come from their postal code (or are missing) the current
    centre; explicitly given coordinates are kept. The model needs ``postal_code``, ``lat``,
    ``lon`` and ``coordinates_source``. Returns how many rows changed."""
    table = postal_code_table(session)
    columns: Any = model  # any table with the four columns (a domain's model, passed in)
    postal, source = columns.postal_code, columns.coordinates_source
    lat, lon = columns.lat, columns.lon
    derived = (source.is_(None)) | (source == "postal_code")
    changed = 0
    for (code,) in session.execute(select(postal).where(derived).distinct()).all():
        place = table.get(code)
        if place is None or place.lat is None:
            continue
        result = session.execute(
            update(model)
            .where(
                postal == code, derived, (lat.is_(None)) | (lat != place.lat) | (lon != place.lon)
            )
            .values(lat=place.lat, lon=place.lon, coordinates_source="postal_code")
        )
        changed += int(getattr(result, "rowcount", 0) or 0)
    return changed
