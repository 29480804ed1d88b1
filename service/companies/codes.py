"""CVR and P-number checks and the industry-code (DB07/DB25) to sector table. Pure functions."""

from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from typing import Literal, cast

from service.sectors import Sector

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
IndustryCodeVersion = Literal["DB07", "DB25"]


def cvr_is_valid(cvr: str) -> bool:
    """Whether a CVR number has 8 digits, no leading zero, and a valid modulus-11 check."""
    if len(cvr) != 8 or not cvr.isdigit() or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS, strict=True)) % 11 == 0


def cvr_check_digit(first_seven: str) -> int | None:
    """The eighth digit that makes a valid CVR, or None when no digit can (remainder 10)."""
    total = sum(int(d) * w for d, w in zip(first_seven, CVR_WEIGHTS[:7], strict=True))
    digit = (-total) % 11
    return None if digit == 10 else digit


def normalise_digits(value: str) -> str:
    """Drop spaces, dots and dashes that people type inside codes ("47.11.00" -> "471100")."""
    return re.sub(r"[\s.\-]", "", value)


def p_number_is_valid(p_number: str) -> bool:
    """Whether a P-number has the 10 digits of a production unit (no check digit is public)."""
    return len(p_number) == 10 and p_number.isdigit()


@lru_cache(maxsize=1)
def industry_sector_table() -> dict[IndustryCodeVersion, dict[str, Sector]]:
    """The editable mapping from code prefixes to sectors, per code version."""
    text = (
        resources.files("service.companies")
        .joinpath("data/industry_sectors.csv")
        .read_text("utf-8")
    )
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    table: dict[IndustryCodeVersion, dict[str, Sector]] = {"DB07": {}, "DB25": {}}
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        prefixes = table.get(cast(IndustryCodeVersion, row["version"]))
        if prefixes is None:
            raise ValueError(f"industry_sectors.csv: unknown version {row['version']!r}")
        if row["prefix"] in prefixes:
            raise ValueError(f"industry_sectors.csv: {row['version']} prefix {row['prefix']} twice")
        prefixes[row["prefix"]] = Sector(row["sector"])
    return table


@lru_cache(maxsize=2)
def known_divisions(version: IndustryCodeVersion) -> frozenset[str]:
    """The two-digit divisions the table knows for a code version (read once per process)."""
    return frozenset(prefix for prefix in industry_sector_table()[version] if len(prefix) == 2)


def sector_for_industry_code(code: str, version: IndustryCodeVersion = "DB07") -> Sector | None:
    """The sector of an industry code by its longest matching prefix, or None if unknown."""
    prefixes = industry_sector_table()[version]
    for length in range(len(code), 1, -1):
        sector = prefixes.get(code[:length])
        if sector is not None:
            return sector
    return None


def size_band_for_employees(employees: int) -> str:
    """The API's size band for a head count."""
    if employees <= 5:
        return "0-5"
    if employees <= 19:
        return "6-19"
    if employees <= 49:
        return "20-49"
    if employees <= 99:
        return "50-99"
    return "100+"


def sector_from_codes(db07_code: str | None, db25_code: str | None) -> Sector | None:
    """The sector given by a company's DB07 code, else its DB25 code, else None."""
    sector = sector_for_industry_code(db07_code, "DB07") if db07_code else None
    if sector is None and db25_code:
        sector = sector_for_industry_code(db25_code, "DB25")
    return sector
