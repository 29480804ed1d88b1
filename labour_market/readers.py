"""Readers for the labour-market tables a user downloads, and for the shipped illustrative set.

Formats (see ``data/README.md`` and ``docs/forecasts.md``):

- employment: Statistics Denmark's StatBank CSV export: semicolon-separated, Danish headers
  (``OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD``), UTF-8 or Latin-1/Windows-1252; workplace
  municipality × DB07 branch (a code of 2-6 digits in front of the name) × age band × year;
- vacancies: the LSK tables' shape: region × DB07 10-group × quarter (``2024K1``);
- exit rates: age band × yearly retirement rate and other permanent exit rate;
- projects: YAML with extra jobs per sector per year and a source for every project.

Lines starting with ``#`` are comments; ``# kilde:``, ``# dato:``, ``# licens:``,
``# illustrativ: ja`` there describe the source. Every problem is reported with its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import pandas as pd

from labour_market.codes import (
    DB07_10_GROUPS,
    AgeBand,
    fold,
    is_total_label,
    parse_age_band,
    sector_for_db07,
)
from labour_market.projects import Project, Projects, read_projects
from labour_market.tables import (
    INPUT_KINDS,
    InputError,
    InputKind,
    Problem,
    SourceInfo,
    assign_roles,
    bad_number,
    check_bands,
    decode_text,
    kept_rows,
    municipality_code_of,
    parse_rate,
    parse_table,
    raise_if,
    read_count,
    source_info,
)
from labour_market.vacancies import Vacancies, read_vacancies

__all__ = [
    "INPUT_KINDS",
    "SHIPPED_FILES",
    "EmploymentData",
    "ExitRates",
    "ForecastInputs",
    "InputError",
    "InputKind",
    "Problem",
    "Project",
    "Projects",
    "SourceInfo",
    "Vacancies",
    "assemble_inputs",
    "check_compatible",
    "decode_text",
    "detect_kind",
    "read_employment",
    "read_exit_rates",
    "read_input",
    "read_projects",
    "read_vacancies",
    "shipped_content",
    "shipped_inputs",
]


# The shipped illustrative data set, one file per kind.
SHIPPED_FILES: dict[InputKind, str] = {
    "employment": "employment_illustrative.csv",
    "exit_rates": "exit_rates_illustrative.csv",
    "vacancies": "vacancies_illustrative.csv",
    "projects": "projects_illustrative.yaml",
}


@dataclass(frozen=True)
class EmploymentData:
    """Employment by workplace municipality × sector × age band × year (``frame``)."""

    frame: pd.DataFrame  # municipality_code, sector, age_band, year, employed
    bands: tuple[AgeBand, ...]
    source: SourceInfo
    warnings: tuple[str, ...] = ()

    @property
    def years(self) -> list[int]:
        """The years of the history, oldest first."""
        return sorted(int(y) for y in self.frame["year"].unique())

    @property
    def municipalities(self) -> list[str]:
        """The municipality codes in the table."""
        return sorted(str(m) for m in self.frame["municipality_code"].unique())


@dataclass(frozen=True)
class ExitRates:
    """Yearly permanent exit rates per age band: retirement and other exits (moving away ...)."""

    rates: dict[AgeBand, tuple[float, float]]
    source: SourceInfo

    def total(self, band: AgeBand) -> float | None:
        """Retirement plus other exits for an employment age band (None if no rate covers it)."""
        for rate_band, (retirement, other) in self.rates.items():
            if band.within(rate_band):
                return retirement + other
        return None


@dataclass(frozen=True)
class ForecastInputs:
    """Everything a forecast is computed from; the optional tables may be missing."""

    employment: EmploymentData
    exit_rates: ExitRates
    vacancies: Vacancies | None = None
    projects: Projects | None = None

    @property
    def sources(self) -> list[SourceInfo]:
        """The sources of the tables used."""
        tables: list[Any] = [self.employment, self.exit_rates, self.vacancies, self.projects]
        return [t.source for t in tables if t is not None]

    @property
    def illustrative(self) -> bool:
        """Whether any table used is illustrative (then every answer must say so)."""
        return any(source.illustrative for source in self.sources)


# --- employment -------------------------------------------------------------------------------

_EMPLOYMENT_ROLES = {
    "municipality": ("omraade", "omrade", "kommune", "arbejdssted", "municipality", "area"),
    "sector": ("branche", "erhverv", "db07", "industry"),
    "age": ("alder", "age"),
    "year": ("tid", "aar", "year"),
    "value": ("indhold", "antal", "beskaeftigede", "vaerdi", "value", "employed"),
}
_EMPLOYMENT_REQUIRED = {
    "municipality": ("for område/arbejdsstedskommune (OMRÅDE)", "area/workplace municipality"),
    "sector": ("for branche (BRANCHE07)", "industry (BRANCHE07)"),
    "age": ("for alder (ALDER)", "age (ALDER)"),
    "year": ("for år (TID)", "year (TID)"),
    "value": ("med antal (INDHOLD)", "count (INDHOLD)"),
}


def _sector_of_branch(label: str) -> tuple[str | None, Problem | None]:
    """The sector of a branch label such as "47 Detailhandel" or "470000 Detailhandel"."""
    match = re.match(r"^(\d{1,6})\b\s*(.*)$", label.strip())
    grouping_hint_da = (
        "Hent tabellen med DB07-koder (hovedgrupper som '47 Detailhandel' eller 127-grupperingen); "
        "10- og 19-grupperingerne kan ikke deles op i programmets 10 brancher"
    )
    grouping_hint_en = (
        "Download the table with DB07 codes (divisions such as '47 Detailhandel' or the "
        "127-grouping); the 10- and 19-groupings cannot be split into the programme's 10 sectors"
    )
    ten_group_names = {fold(name) for name in DB07_10_GROUPS.values()}
    if match is None or len(match.group(1)) == 1 or fold(match.group(2)) in ten_group_names:
        return None, Problem(
            None,
            None,
            f"Branchen {label!r} har ingen DB07-kode. {grouping_hint_da}",
            f"The industry {label!r} has no DB07 code. {grouping_hint_en}",
        )
    sector = sector_for_db07(match.group(1))
    if sector is None:
        return None, Problem(
            None,
            None,
            f"Ukendt DB07-kode {match.group(1)} (se labour_market/data/db07_sectors.csv)",
            f"Unknown DB07 code {match.group(1)} (see labour_market/data/db07_sectors.csv)",
        )
    return sector, None


def read_employment(
    content: bytes, *, filename: str = "employment.csv", imported_on: date | None = None
) -> EmploymentData:
    """Read employment by workplace municipality × DB07 branch × age band × year."""
    table = parse_table(decode_text(content, filename), filename)
    roles, extra, problems = assign_roles(table, _EMPLOYMENT_ROLES, _EMPLOYMENT_REQUIRED)
    raise_if(problems, filename)
    names = {role: table.header[index] for role, index in roles.items()}
    records: list[tuple[str, str, AgeBand, int, float]] = []
    seen: dict[tuple[str, ...], int] = {}
    confidential = 0
    branch_cache: dict[str, tuple[str | None, Problem | None]] = {}
    for number, cells in kept_rows(table, extra, problems):
        municipality, branch, age, year_text, value = (
            cells[roles[r]] for r in ("municipality", "sector", "age", "year", "value")
        )
        if is_total_label(municipality) or is_total_label(branch) or is_total_label(age):
            continue
        row_problems: list[Problem] = []
        code = municipality_code_of(municipality)
        if code is None:
            row_problems.append(
                Problem(
                    number,
                    names["municipality"],
                    f"Ukendt kommune {municipality!r}: skriv kommunekoden (fx '360 Lolland')",
                    f"Unknown municipality {municipality!r}: give its code (e.g. '360 Lolland')",
                )
            )
        if branch not in branch_cache:
            branch_cache[branch] = _sector_of_branch(branch)
        sector, branch_problem = branch_cache[branch]
        if branch_problem is not None:
            row_problems.append(
                Problem(
                    number, names["sector"], branch_problem.message_da, branch_problem.message_en
                )
            )
        band = parse_age_band(age)
        if band is None:
            row_problems.append(
                Problem(
                    number,
                    names["age"],
                    f"Ukendt aldersgruppe {age!r} (fx '25-29 år' eller '65 år og derover')",
                    f"Unknown age band {age!r} (e.g. '25-29 år' or '65 år og derover')",
                )
            )
        year = int(year_text) if re.fullmatch(r"(19|20)\d\d", year_text) else None
        if year is None:
            row_problems.append(
                Problem(
                    number,
                    names["year"],
                    f"Året {year_text!r} skal være fire cifre (fx 2024)",
                    f"The year {year_text!r} must be four digits (e.g. 2024)",
                )
            )
        count, was_confidential = read_count(number, names["value"], value, row_problems)
        confidential += was_confidential
        key = tuple(cells[i] for i in sorted([*roles.values(), *extra]) if i != roles["value"])
        if key in seen:
            row_problems.append(
                Problem(
                    number,
                    None,
                    f"Samme kombination som linje {seen[key]}",
                    f"Same combination as line {seen[key]}",
                )
            )
        seen.setdefault(key, number)
        if row_problems:
            problems.extend(row_problems)
            continue
        if code is None or sector is None or band is None or year is None:
            continue  # unreachable: every None above added a problem
        records.append((code, sector, band, year, count or 0.0))
    if not records and not problems:
        problems.append(
            Problem(None, None, "Filen har ingen datalinjer", "The file has no data lines")
        )
    problems.extend(check_bands({r[2] for r in records}, table.header_line, names["age"]))
    years = sorted({r[3] for r in records})
    if records and len(years) < 3:
        problems.append(
            Problem(
                None,
                names["year"],
                "Der skal være mindst 3 år for at beregne en tendens",
                "At least 3 years are needed to fit a trend",
            )
        )
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years)) if years else []
    if missing:
        problems.append(
            Problem(
                None,
                names["year"],
                f"Årene skal følge hinanden; disse mangler: {', '.join(map(str, missing))}",
                f"The years must be consecutive; missing: {', '.join(map(str, missing))}",
            )
        )
    raise_if(problems, filename)
    frame = pd.DataFrame(
        [(m, s, b.label, y, v) for m, s, b, y, v in records],
        columns=["municipality_code", "sector", "age_band", "year", "employed"],
    )
    frame = (
        frame.groupby(["municipality_code", "sector", "age_band", "year"], sort=True)["employed"]
        .sum()
        .reset_index()
    )
    warnings = (
        (f"{confidential} celler var diskretioneret ('..') eller tomme og tælles som 0",)
        if confidential
        else ()
    )
    return EmploymentData(
        frame=frame,
        bands=tuple(sorted({r[2] for r in records})),
        source=source_info("employment", table.meta, filename, imported_on),
        warnings=warnings,
    )


# --- exit rates -------------------------------------------------------------------------------

_EXIT_ROLES = {
    "age": ("alder", "age"),
    "retirement": ("pension", "retire", "tilbagetraek"),
    "other": ("andenafgang", "oevrigafgang", "other"),
    "total": ("afgang", "exit"),
}


def read_exit_rates(
    content: bytes, *, filename: str = "exit_rates.csv", imported_on: date | None = None
) -> ExitRates:
    """Read yearly exit rates per age band (retirement and other permanent exits)."""
    table = parse_table(decode_text(content, filename), filename)
    roles, extra, problems = assign_roles(
        table, _EXIT_ROLES, {"age": ("for alder (ALDER)", "age (ALDER)")}
    )
    if not {"retirement", "other", "total"} & set(roles):
        problems.append(
            Problem(
                table.header_line,
                None,
                "Mangler en kolonne med rater (PENSIONERINGSRATE og/eller ANDEN AFGANGSRATE)",
                "Missing a rate column (PENSIONERINGSRATE and/or ANDEN AFGANGSRATE)",
            )
        )
    raise_if(problems, filename)
    rates: dict[AgeBand, tuple[float, float]] = {}
    lines: dict[AgeBand, int] = {}
    for number, cells in kept_rows(table, extra, problems):
        age = cells[roles["age"]]
        band = parse_age_band(age)
        if band is None:
            problems.append(
                Problem(
                    number,
                    table.header[roles["age"]],
                    f"Ukendt aldersgruppe {age!r}",
                    f"Unknown age band {age!r}",
                )
            )
            continue
        values: dict[str, float] = {}
        bad = False
        for role in ("retirement", "other", "total"):
            if role not in roles:
                continue
            text = cells[roles[role]]
            try:
                rate = parse_rate(text)
            except ValueError:
                problems.append(bad_number(number, table.header[roles[role]], text))
                bad = True
                continue
            if not 0 <= rate <= 1:
                problems.append(
                    Problem(
                        number,
                        table.header[roles[role]],
                        f"Raten {text!r} skal ligge mellem 0 og 1 (eller 0 % og 100 %)",
                        f"The rate {text!r} must be between 0 and 1 (or 0 % and 100 %)",
                    )
                )
                bad = True
                continue
            values[role] = rate
        if bad:
            continue
        if band in lines:
            problems.append(
                Problem(
                    number,
                    None,
                    f"Aldersgruppen står også i linje {lines[band]}",
                    f"The age band is also on line {lines[band]}",
                )
            )
            continue
        lines[band] = number
        retirement = values.get("retirement", 0.0)
        if "other" in values:
            other = values["other"]
        else:
            other = values["total"] - retirement if "total" in values else 0.0
        if retirement + other > 1 or other < 0:
            problems.append(
                Problem(
                    number,
                    None,
                    "Raterne må tilsammen højst være 1 og ikke negative",
                    "The rates must add up to at most 1 and not be negative",
                )
            )
            continue
        rates[band] = (retirement, other)
    if not rates and not problems:
        problems.append(Problem(None, None, "Filen har ingen rater", "The file has no rates"))
    problems.extend(check_bands(rates, table.header_line, table.header[roles["age"]]))
    raise_if(problems, filename)
    return ExitRates(
        rates=rates, source=source_info("exit_rates", table.meta, filename, imported_on)
    )


# --- kinds, loading and checks ----------------------------------------------------------------

READERS = {
    "employment": read_employment,
    "exit_rates": read_exit_rates,
    "vacancies": read_vacancies,
    "projects": read_projects,
}


def detect_kind(content: bytes, filename: str) -> InputKind:
    """Which table a file holds, from its name (YAML) or its headers."""
    if filename.lower().endswith((".yaml", ".yml")):
        return "projects"
    table = parse_table(decode_text(content, filename), filename)
    headers = [fold(h) for h in table.header]

    def has(prefixes: tuple[str, ...]) -> bool:
        return any(h.startswith(prefixes) for h in headers)

    if has(("alder", "age")) and has(("pension", "retire", "afgang", "exit", "andenafgang")):
        return "exit_rates"
    if has(("alder", "age")) and has(("branche", "erhverv", "db07")):
        return "employment"
    quarters = any(
        re.search(r"(19|20)\d\dK[1-4]", cell.upper())
        for _, cells in table.rows[:50]
        for cell in cells
    )
    if quarters and has(("branche", "erhverv", "db07")):
        return "vacancies"
    raise InputError(
        filename,
        [
            Problem(
                table.header_line,
                None,
                "Kan ikke se, hvilken tabel filen er: beskæftigelse (OMRÅDE;BRANCHE07;ALDER;TID;"
                "INDHOLD), ledige stillinger (OMRÅDE;BRANCHE07;TID med 2024K1;INDHOLD), "
                "afgangsrater (ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE) eller projekter (.yaml)",
                "Cannot tell which table the file is: employment (OMRÅDE;BRANCHE07;ALDER;TID;"
                "INDHOLD), vacancies (OMRÅDE;BRANCHE07;TID as 2024K1;INDHOLD), exit rates "
                "(ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE) or projects (.yaml)",
            )
        ],
    )


def read_input(
    kind: InputKind, content: bytes, *, filename: str, imported_on: date | None = None
) -> EmploymentData | ExitRates | Vacancies | Projects:
    """Read one input file of a known kind."""
    reader: Any = READERS[kind]
    result: EmploymentData | ExitRates | Vacancies | Projects = reader(
        content, filename=filename, imported_on=imported_on
    )
    return result


def check_compatible(employment: EmploymentData, exit_rates: ExitRates) -> None:
    """Raise unless every employment age band lies inside one exit-rate band."""
    uncovered = [band for band in employment.bands if exit_rates.total(band) is None]
    if uncovered:
        labels = ", ".join(band.label for band in uncovered)
        raise InputError(
            exit_rates.source.filename,
            [
                Problem(
                    None,
                    "ALDER",
                    f"Ingen afgangsrate dækker aldersgruppen {labels} fra beskæftigelsestabellen",
                    f"No exit rate covers the age band {labels} of the employment table",
                )
            ],
        )


def shipped_content(kind: InputKind) -> bytes:
    """The bytes of the shipped illustrative file of a kind."""
    return resources.files("labour_market").joinpath(f"data/{SHIPPED_FILES[kind]}").read_bytes()


def assemble_inputs(tables: Mapping[InputKind, Any]) -> ForecastInputs:
    """Combine read tables into the inputs of a forecast, checking they fit together."""
    inputs = ForecastInputs(
        employment=tables["employment"],
        exit_rates=tables["exit_rates"],
        vacancies=tables.get("vacancies"),
        projects=tables.get("projects"),
    )
    check_compatible(inputs.employment, inputs.exit_rates)
    return inputs


def shipped_inputs() -> ForecastInputs:
    """The shipped illustrative data set for Lolland and Guldborgsund."""
    return assemble_inputs(
        {
            kind: read_input(kind, shipped_content(kind), filename=SHIPPED_FILES[kind])
            for kind in INPUT_KINDS
        }
    )
