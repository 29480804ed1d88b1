"""Municipalities, postal codes and coordinates (the shipped table for Lolland and Guldborgsund)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Annotated

from pydantic import AfterValidator

from service.i18n import bilingual_error

LOLLAND = "360"
GULDBORGSUND = "376"
PROGRAMME_MUNICIPALITIES: dict[str, str] = {LOLLAND: "Lolland", GULDBORGSUND: "Guldborgsund"}


@dataclass(frozen=True)
class PostalCode:
    """A postal district with its municipality and approximate centre."""

    postal_code: str
    city: str
    municipality_code: str
    lat: float
    lon: float
    coordinate_source: str


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
    return value


def _check_postal_code(value: str) -> str:
    if not (len(value) == 4 and value.isdigit() and value[0] != "0"):
        raise bilingual_error(
            "postal_code",
            da="Postnummeret skal være fire cifre (fx 4900)",
            en="The postal code must be four digits (e.g. 4900)",
        )
    return value


MunicipalityCode = Annotated[str, AfterValidator(_check_municipality_code)]
DanishPostalCode = Annotated[str, AfterValidator(_check_postal_code)]


@lru_cache(maxsize=1)
def postal_codes() -> dict[str, PostalCode]:
    """The shipped postal-code table, read on first use."""
    text = resources.files("service").joinpath("data/postal_codes.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    return {
        row["postal_code"]: PostalCode(
            postal_code=row["postal_code"],
            city=row["city"],
            municipality_code=row["municipality_code"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            coordinate_source=row["coordinate_source"],
        )
        for row in reader
    }


def lookup_postal_code(postal_code: str) -> PostalCode | None:
    """The table entry for a postal code, or None outside the two municipalities."""
    return postal_codes().get(postal_code)
