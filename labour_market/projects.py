"""Reader for large projects (YAML): extra jobs per sector and year, each with its source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import yaml

from labour_market.codes import SECTORS, fold
from labour_market.tables import (
    META_KEYS,
    InputError,
    Problem,
    SourceInfo,
    decode_text,
    municipality_code_of,
    raise_if,
    source_info,
)


@dataclass(frozen=True)
class Project:
    """A large project's extra jobs per sector and year in one municipality."""

    name: str
    municipality_code: str
    source: str
    annual_turnover: float
    extra_jobs: dict[str, dict[int, float]]


@dataclass(frozen=True)
class Projects:
    """The large projects of a projects file."""

    projects: tuple[Project, ...]
    source: SourceInfo


def _project_problem(path: str, da: str, en: str) -> Problem:
    return Problem(None, path, da, en)


def read_projects(
    content: bytes, *, filename: str = "projects.yaml", imported_on: date | None = None
) -> Projects:
    """Read large projects: per project a municipality, a source and extra jobs per sector/year."""
    text = decode_text(content, filename)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            filename,
            [Problem(line, None, f"Ikke gyldig YAML: {exc}", f"Not valid YAML: {exc}")],
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise InputError(
            filename,
            [
                _project_problem(
                    "projects",
                    "Filen skal have en liste 'projects:'",
                    "The file must have a list 'projects:'",
                )
            ],
        )
    problems: list[Problem] = []
    projects: list[Project] = []
    for index, entry in enumerate(data["projects"]):
        path = f"projects[{index}]"
        if not isinstance(entry, dict):
            problems.append(_project_problem(path, "Skal være et objekt", "Must be an object"))
            continue
        name, municipality, source = (
            str(entry.get(key) or "").strip() for key in ("name", "municipality", "source")
        )
        for key, value in (("name", name), ("source", source)):
            if not value:
                problems.append(
                    _project_problem(
                        f"{path}.{key}",
                        "Skal udfyldes (hvert projekt skal have en kilde)",
                        "Required (every project must name its source)",
                    )
                )
        code = municipality_code_of(municipality)
        if code is None:
            problems.append(
                _project_problem(
                    f"{path}.municipality",
                    f"Ukendt kommune {municipality!r} (skriv koden, fx '360')",
                    f"Unknown municipality {municipality!r} (give the code, e.g. '360')",
                )
            )
        turnover = entry.get("annual_turnover", 0)
        if (
            isinstance(turnover, bool)
            or not isinstance(turnover, int | float)
            or not (0 <= turnover <= 1)
        ):
            problems.append(
                _project_problem(
                    f"{path}.annual_turnover",
                    "Skal være et tal mellem 0 og 1",
                    "Must be a number from 0 to 1",
                )
            )
            turnover = 0
        jobs = entry.get("extra_jobs")
        extra_jobs: dict[str, dict[int, float]] = {}
        if not isinstance(jobs, dict) or not jobs:
            problems.append(
                _project_problem(
                    f"{path}.extra_jobs",
                    "Skal angive ekstra job pr. branche og år",
                    "Must give extra jobs per sector and year",
                )
            )
            jobs = {}
        for sector, by_year in jobs.items():
            where = f"{path}.extra_jobs.{sector}"
            if sector not in SECTORS:
                problems.append(
                    _project_problem(
                        where,
                        f"Ukendt branche; brug en af: {', '.join(SECTORS)}",
                        f"Unknown sector; use one of: {', '.join(SECTORS)}",
                    )
                )
                continue
            if not isinstance(by_year, dict):
                problems.append(
                    _project_problem(where, "Skal være år: antal", "Must be year: count")
                )
                continue
            extra_jobs[sector] = {}
            for year, count in by_year.items():
                if not (isinstance(year, int) and 1900 <= year <= 2100):
                    problems.append(
                        _project_problem(
                            f"{where}.{year}",
                            "Året skal være fire cifre",
                            "The year must be four digits",
                        )
                    )
                elif isinstance(count, bool) or not isinstance(count, int | float) or count < 0:
                    problems.append(
                        _project_problem(
                            f"{where}.{year}",
                            "Antallet skal være et tal på mindst 0",
                            "The count must be a number of at least 0",
                        )
                    )
                else:
                    extra_jobs[sector][year] = float(count)
        if code is not None and name and source:
            projects.append(
                Project(
                    name=name,
                    municipality_code=code,
                    source=source,
                    annual_turnover=float(turnover),
                    extra_jobs=extra_jobs,
                )
            )
    raise_if(problems, filename)
    meta_source = data.get("source")
    if not isinstance(meta_source, dict):
        meta_source = {}
    meta = {
        META_KEYS[fold(str(k))]: str(v)
        for k, v in meta_source.items()
        if v is not None and fold(str(k)) in META_KEYS
    }
    meta["illustrative"] = "ja" if data.get("illustrative") is True else "nej"
    return Projects(
        projects=tuple(projects), source=source_info("projects", meta, filename, imported_on)
    )
