"""The organisations every installation starts with: 98 job centres and Business Lolland-Falster.

Pure data (no database): the migration that creates the table inserts these rows, and
``job_centre_key`` names a municipality's job centre everywhere a default owner is needed.
"""

from __future__ import annotations

import re

from labour_market.codes import MUNICIPALITIES

BLF_KEY = "blf"
BLF_NAME = "Business Lolland-Falster"


def job_centre_key(municipality_code: str) -> str | None:
    """``jc_`` and the municipality's name in ASCII (jc_hoeje_taastrup); None if unknown."""
    for municipality in MUNICIPALITIES:
        if municipality.code == municipality_code:
            folded = (
                municipality.name.casefold()
                .replace("æ", "ae")
                .replace("ø", "oe")
                .replace("å", "aa")
            )
            return "jc_" + re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    return None


def default_organisations() -> list[dict[str, str | None]]:
    """Rows for the organisations table: every job centre, then BLF."""
    rows: list[dict[str, str | None]] = [
        {
            "key": job_centre_key(m.code),
            "name": f"Jobcenter {m.name}",
            "kind": "job_centre",
            "municipality_code": m.code,
        }
        for m in MUNICIPALITIES
    ]
    rows.append(
        {
            "key": BLF_KEY,
            "name": BLF_NAME,
            "kind": "business_organisation",
            "municipality_code": None,
        }
    )
    return rows
