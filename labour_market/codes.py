"""Sectors, places, age bands and industry groupings the labour-market tables use. Pure code."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# The evaluation's 10 sectors (VIVE 2020, Table 2.4); the same slugs as service.sectors.Sector,
# repeated here so this package needs nothing from the service (a test keeps them equal).
SECTORS: tuple[str, ...] = (
    "landbrug",
    "industri",
    "bygge_anlaeg",
    "detailhandel",
    "anden_handel",
    "hoteller_restauranter",
    "sociale_institutioner",
    "foreninger_kultur_renovation",
    "offentlig_adm_undervisning_sundhed",
    "andre_brancher",
)

SECTOR_NAMES_DA: dict[str, str] = {
    "landbrug": "Landbrug, gartneri og skovbrug",
    "industri": "Industri",
    "bygge_anlaeg": "Bygge og anlæg",
    "detailhandel": "Detailhandel",
    "anden_handel": "Anden handel",
    "hoteller_restauranter": "Hoteller og restauranter",
    "sociale_institutioner": "Sociale institutioner",
    "foreninger_kultur_renovation": "Foreninger, kultur og renovation",
    "offentlig_adm_undervisning_sundhed": "Off. adm., undervisning og sundhed",
    "andre_brancher": "Andre brancher",
}


@dataclass(frozen=True)
class MunicipalityRow:
    """One of Denmark's 98 municipalities as ``data/municipalities.csv`` lists it."""

    code: str
    name: str
    region_code: str


def _read_municipalities() -> tuple[MunicipalityRow, ...]:
    text = resources.files("labour_market").joinpath("data/municipalities.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(
        MunicipalityRow(code=row["code"], name=row["name"], region_code=row["region_code"])
        for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    )


# All 98 municipalities (issue 13); the table names its source. A small packaged data file,
# read once when the module is first imported.
MUNICIPALITIES: tuple[MunicipalityRow, ...] = _read_municipalities()
MUNICIPALITY_NAMES: dict[str, str] = {m.code: m.name for m in MUNICIPALITIES}

# Statistics Denmark's region codes [U: widely used]; vacancies are published per region only.
REGION_NAMES: dict[str, str] = {
    "081": "Region Nordjylland",
    "082": "Region Midtjylland",
    "083": "Region Syddanmark",
    "084": "Region Hovedstaden",
    "085": "Region Sjælland",
}
MUNICIPALITY_REGION: dict[str, str] = {m.code: m.region_code for m in MUNICIPALITIES}

# The standard DB07 10-grouping (shared/REFERENCE.md [V]); vacancy tables (LSK) use it.
DB07_10_GROUPS: dict[int, str] = {
    1: "Landbrug, skovbrug og fiskeri",
    2: "Industri, råstofindvinding og forsyningsvirksomhed",
    3: "Bygge og anlæg",
    4: "Handel og transport mv.",
    5: "Information og kommunikation",
    6: "Finansiering og forsikring",
    7: "Ejendomshandel og udlejning",
    8: "Erhvervsservice",
    9: "Offentlig administration, undervisning og sundhed",
    10: "Kultur, fritid og anden service",
}

# The 10-group holding most of each sector's jobs: the vacancy signal a sector is shown beside.
# The team's approximation [U]: the 10-grouping cannot be split into the evaluation's sectors,
# so several sectors share one group (andre_brancher: cleaning and other business services).
SECTOR_10_GROUP: dict[str, int] = {
    "landbrug": 1,
    "industri": 2,
    "bygge_anlaeg": 3,
    "detailhandel": 4,
    "anden_handel": 4,
    "hoteller_restauranter": 4,
    "sociale_institutioner": 9,
    "foreninger_kultur_renovation": 10,
    "offentlig_adm_undervisning_sundhed": 9,
    "andre_brancher": 8,
}

_TOTAL_LABELS = {"tot", "total", "ialt", "i alt", "alle", "hele landet"}


def is_total_label(value: str) -> bool:
    """Whether a table value is a total ("I alt", "Alder i alt", "TOT", "Hele landet")."""
    folded = value.strip().casefold()
    return folded in _TOTAL_LABELS or folded.endswith(" i alt")


def fold(text: str) -> str:
    """Lower case with æ, ø, å spelt ae, oe, aa and everything but letters and digits dropped."""
    folded = text.strip().casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return re.sub(r"[^a-z0-9]", "", folded)


@dataclass(frozen=True, order=True)
class AgeBand:
    """An age band in years; ``high`` is None for an open band such as "65 år og derover"."""

    low: int
    high: int | None

    @property
    def label(self) -> str:
        """The band as Statistics Denmark writes it."""
        return f"{self.low} år og derover" if self.high is None else f"{self.low}-{self.high} år"

    def within(self, other: AgeBand) -> bool:
        """Whether every age of this band lies in the other band."""
        if self.low < other.low:
            return False
        if other.high is None:
            return True
        return self.high is not None and self.high <= other.high


def parse_age_band(text: str) -> AgeBand | None:
    """An age band from "25-29 år", "65 år og derover", "65+", "Under 25 år"; None otherwise."""
    value = text.strip().casefold()
    match = re.fullmatch(r"(\d{1,3})\s*-\s*(\d{1,3})(\s*år)?", value)
    if match:
        low, high = int(match.group(1)), int(match.group(2))
        return AgeBand(low, high) if low <= high else None
    match = re.fullmatch(r"(\d{1,3})\s*(år)?\s*(og derover|og over|\+)", value)
    if match:
        return AgeBand(int(match.group(1)), None)
    match = re.fullmatch(r"under\s*(\d{1,3})(\s*år)?", value)
    if match and int(match.group(1)) > 0:
        return AgeBand(0, int(match.group(1)) - 1)
    return None


@lru_cache(maxsize=1)
def db07_sector_table() -> dict[str, str]:
    """The editable DB07 prefix -> sector table shipped in ``data/db07_sectors.csv``."""
    text = resources.files("labour_market").joinpath("data/db07_sectors.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    table: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        if row["sector"] not in SECTORS:
            raise ValueError(f"db07_sectors.csv: unknown sector {row['sector']!r}")
        table[row["prefix"]] = row["sector"]
    return table


def sector_for_db07(code: str) -> str | None:
    """The sector of a DB07 code (2 to 6 digits) by its longest known prefix."""
    table = db07_sector_table()
    for length in range(len(code), 1, -1):
        sector = table.get(code[:length])
        if sector is not None:
            return sector
    return None
