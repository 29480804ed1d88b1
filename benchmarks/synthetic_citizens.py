"""A seeded SYNTHETIC citizen list in the job centres' import format, for the import benchmark.

Every value is made up: names from short lists, case numbers "SYN-<n>", postal codes of one
municipality from the shipped table, and CPR-shaped values with real birth dates but invented
serials (the importer keeps only their keyed hash; the benchmark deletes its files).
``bad_every`` makes every n-th row wrong in one of several ways (no name, an invalid CPR number,
a Danish level of 7, a yes/no cell that says "måske", a CPR number typed into the wishes), so a
run can check that each bad row is reported and none is stored.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from service.citizens.import_columns import CITIZEN_HEADERS
from service.places import postal_codes

# The file's columns, headed by the first (folded) alias the importer knows for each.
FIELDS = (
    "name",
    "external_ref",
    "cpr",
    "postal_code",
    "has_driving_licence",
    "has_car",
    "transport",
    "max_commute_km",
    "hours_per_week",
    "wishes",
    "preferred_sectors",
    "danish_level",
    "cannot_lift_heavy",
    "status",
    "programme_start_date",
    "audit_gender",
    "audit_birth_year",
)
HEADER = tuple(CITIZEN_HEADERS[field][0] for field in FIELDS)
_FIRST = ("Anne", "Lars", "Mette", "Søren", "Hanne", "Jens", "Ida", "Ali", "Maja", "Omar", "Ea")
_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen", "Holm", "Sand")
_WISHES = (
    "fyld varer op",
    "vaske op efter frokost",
    "lager eller butik",
    "rengøring",
    "køre truck",
    "pakke varer",
    "arbejde med dyr",
    "",
)
_SECTORS = ("Detailhandel", "Landbrug", "Industri", "", "Hoteller og restauranter")
_TRANSPORT = ("Offentlig transport", "Cykel", "Bil", "Gang")
_BAD_KINDS = 5


def bad_rows(count: int, bad_every: int) -> list[int]:
    """The spreadsheet row numbers (header = 1) that ``write_citizens_csv`` makes bad."""
    return [index + 2 for index in range(count) if bad_every and index % bad_every == bad_every - 1]


def external_ref(index: int) -> str:
    """The SYNTHETIC case number of row ``index`` (0-based)."""
    return f"SYN-{index:07d}"


def _cpr(index: int, rng: random.Random) -> str:
    """A CPR-shaped value with a real birth date; distinct per index (SYNTHETIC)."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(50, 99)
    return f"{day:02d}{month:02d}{year:02d}-{index % 10_000:04d}"


def write_citizens_csv(path: Path, count: int, *, seed: int = 13, bad_every: int = 0) -> Path:
    """Write ``count`` SYNTHETIC citizens as a semicolon CSV (UTF-8 with BOM) and return path."""
    rng = random.Random(seed)
    # Postal codes that name one municipality (others need a municipality code column).
    postal = sorted(code for code, place in postal_codes().items() if place.municipality_code)
    seen_cpr: set[str] = set()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(count):
            cpr = _cpr(index, rng)
            while cpr in seen_cpr:
                cpr = _cpr(index, rng)
            seen_cpr.add(cpr)
            row = [
                f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                external_ref(index),
                cpr,
                rng.choice(postal),
                rng.choice(("ja", "nej")),
                rng.choice(("ja", "nej", "")),
                rng.choice(_TRANSPORT),
                str(rng.choice((5, 10, 15, 25, 40))),
                rng.choice(("7,5", "10", "15", "20", "")),
                rng.choice(_WISHES),
                rng.choice(_SECTORS),
                str(rng.randint(1, 5)),
                rng.choice(("x", "", "")),
                "Aktiv",
                f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025",
                rng.choice(("kvinde", "mand", "")),
                str(rng.randint(1960, 2004)),
            ]
            if bad_every and index % bad_every == bad_every - 1:
                which = (index // bad_every) % _BAD_KINDS
                if which == 0:
                    row[0] = ""  # no name
                elif which == 1:
                    row[2] = "311399-1234"  # not a date, so not a CPR number
                elif which == 2:
                    row[11] = "7"  # Danish level above 5
                elif which == 3:
                    row[4] = "måske"  # not yes or no
                else:
                    row[9] = f"ring på {cpr}"  # a CPR number in the wishes
            writer.writerow(row)
    return path
