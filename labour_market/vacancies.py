"""Reader for vacancies by region × DB07 10-group × quarter (Statistics Denmark's LSK tables)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from labour_market.codes import fold, is_total_label
from labour_market.tables import (
    Problem,
    SourceInfo,
    assign_roles,
    decode_text,
    kept_rows,
    parse_table,
    raise_if,
    read_count,
    region_code_of,
    source_info,
    ten_group_of,
)


@dataclass(frozen=True)
class Vacancies:
    """Vacancies by region × DB07 10-group × quarter (``frame``)."""

    frame: pd.DataFrame  # region_code, group, year, quarter, vacancies
    source: SourceInfo
    warnings: tuple[str, ...] = ()


_VACANCY_ROLES = {
    "region": ("omraade", "omrade", "region", "landsdel", "area"),
    "group": ("branche", "erhverv", "db07", "industry"),
    "time": ("tid", "kvartal", "quarter", "time"),
    "value": ("indhold", "antal", "ledige", "vaerdi", "value", "vacancies"),
}


def read_vacancies(
    content: bytes, *, filename: str = "vacancies.csv", imported_on: date | None = None
) -> Vacancies:
    """Read vacancies by region × DB07 10-group × quarter (Statistics Denmark's LSK tables)."""
    table = parse_table(decode_text(content, filename), filename)
    roles, extra, problems = assign_roles(
        table,
        _VACANCY_ROLES,
        {
            "region": ("for område/region (OMRÅDE)", "area/region (OMRÅDE)"),
            "group": ("for branche (BRANCHE07)", "industry (BRANCHE07)"),
            "time": ("for kvartal (TID)", "quarter (TID)"),
            "value": ("med antal (INDHOLD)", "count (INDHOLD)"),
        },
    )
    raise_if(problems, filename)
    names = {role: table.header[index] for role, index in roles.items()}
    records: list[tuple[str, int, int, int, float]] = []
    seen: dict[tuple[str, int, int, int], int] = {}
    skipped = 0
    for number, cells in kept_rows(table, extra, problems):
        region, group_label, time, value = (
            cells[roles[r]] for r in ("region", "group", "time", "value")
        )
        if is_total_label(region) or is_total_label(group_label) or "uoplyst" in fold(group_label):
            continue
        row_problems: list[Problem] = []
        code = region_code_of(region)
        if code is None:
            row_problems.append(
                Problem(
                    number,
                    names["region"],
                    f"Ukendt region {region!r} (fx 'Region Sjælland' eller '085')",
                    f"Unknown region {region!r} (e.g. 'Region Sjælland' or '085')",
                )
            )
        group = ten_group_of(group_label)
        if group is None:
            row_problems.append(
                Problem(
                    number,
                    names["group"],
                    f"Ukendt branchegruppe {group_label!r} "
                    "(DB07 10-gruppering, fx '3 Bygge og anlæg')",
                    f"Unknown industry group {group_label!r} "
                    "(DB07 10-grouping, e.g. '3 Bygge og anlæg')",
                )
            )
        match = re.fullmatch(r"((?:19|20)\d\d)K([1-4])", time.strip().upper())
        if match is None:
            row_problems.append(
                Problem(
                    number,
                    names["time"],
                    f"Kvartalet {time!r} skal skrives som 2024K1",
                    f"The quarter {time!r} must be written as 2024K1",
                )
            )
        count, _ = read_count(number, names["value"], value, row_problems)
        if row_problems:
            problems.extend(row_problems)
            continue
        if code is None or group is None or match is None:
            continue  # unreachable: every None above added a problem
        key = (code, group, int(match.group(1)), int(match.group(2)))
        if key in seen:
            problems.append(
                Problem(
                    number,
                    None,
                    f"Samme kombination som linje {seen[key]}",
                    f"Same combination as line {seen[key]}",
                )
            )
            continue
        seen[key] = number
        if count is None:
            skipped += 1
            continue
        records.append((*key, count))
    if not records and not problems:
        problems.append(
            Problem(None, None, "Filen har ingen datalinjer", "The file has no data lines")
        )
    raise_if(problems, filename)
    frame = pd.DataFrame(records, columns=["region_code", "group", "year", "quarter", "vacancies"])
    warnings = (f"{skipped} kvartaler uden tal ('..') er sprunget over",) if skipped else ()
    return Vacancies(
        frame=frame.sort_values(["region_code", "group", "year", "quarter"], ignore_index=True),
        source=source_info("vacancies", table.meta, filename, imported_on),
        warnings=warnings,
    )
