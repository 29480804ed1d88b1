"""The programme's targets (måltal) from the data file, and the half-year plan derived from them.

Pure: no database, no web. ``data/targets.yaml`` holds what the evaluation published (with its
source) as checkpoints; every other half-year target is derived by the rule in the file, and
each planned value says which it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# The counters the service knows how to measure, in display order.
TARGET_KEYS = (
    "citizens",
    "company_placements",
    "paid_hours_or_employment",
    "companies",
    "ambassador_companies",
)
# Counts of people: the integration gets these under the "<3" rule (companies are not people).
PERSON_TARGETS = frozenset({"citizens", "company_placements", "paid_hours_or_employment"})


class TargetsFileError(ValueError):
    """The targets file breaks one of its rules (a configuration error, not bad input)."""


@dataclass(frozen=True, order=True)
class HalfYear:
    """A calendar half-year: H1 is January-June, H2 July-December."""

    year: int
    half: int

    @classmethod
    def of(cls, day: date) -> HalfYear:
        """The half-year a date falls in."""
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def from_index(cls, index: int) -> HalfYear:
        """The half-year with a running number (year * 2 + half - 1)."""
        return cls(index // 2, index % 2 + 1)

    @property
    def index(self) -> int:
        """A running number: consecutive half-years differ by one."""
        return self.year * 2 + self.half - 1

    @property
    def label(self) -> str:
        """E.g. ``2019-H2``."""
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> date:
        """The first day."""
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        """The last day."""
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def next(self) -> HalfYear:
        """The half-year after this one."""
        return HalfYear.from_index(self.index + 1)


@dataclass(frozen=True)
class Checkpoint:
    """A published cumulative target at the end of a half-year."""

    on: date
    cumulative: int
    source: str


@dataclass(frozen=True)
class TargetSpec:
    """One target with its published checkpoints."""

    key: str
    label_da: str
    label_en: str
    checkpoints: tuple[Checkpoint, ...]

    @property
    def total(self) -> int:
        """The target for the whole programme period (the last checkpoint)."""
        return self.checkpoints[-1].cumulative


@dataclass(frozen=True)
class PlannedValue:
    """The cumulative target at the end of one half-year, published or derived."""

    half_year: HalfYear
    cumulative: int
    published: bool
    source: str | None


@dataclass(frozen=True)
class TargetsFile:
    """The whole targets file, checked."""

    programme_name: str
    start_date: date
    start_date_source: str
    end_date: date
    end_date_source: str
    derivation: str
    targets: tuple[TargetSpec, ...]

    @property
    def half_years(self) -> list[HalfYear]:
        """The programme's half-years, first to last."""
        first, last = HalfYear.of(self.start_date), HalfYear.of(self.end_date)
        return [HalfYear.from_index(i) for i in range(first.index, last.index + 1)]


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative, exact integer arithmetic)."""
    return (2 * numerator + denominator) // (2 * denominator)


def plan(spec: TargetSpec, half_years: list[HalfYear]) -> list[PlannedValue]:
    """The cumulative target per half-year: checkpoints as published, the rest derived.

    Between two checkpoints (the start counts as 0) the target grows by equal steps per
    half-year, rounded half up.
    """
    by_half = {HalfYear.of(c.on): c for c in spec.checkpoints}
    values: list[PlannedValue] = []
    previous_value, previous_index = 0, half_years[0].index - 1
    for checkpoint in spec.checkpoints:
        target_half = HalfYear.of(checkpoint.on)
        steps = target_half.index - previous_index
        for k in range(1, steps + 1):
            half = HalfYear.from_index(previous_index + k)
            published = by_half.get(half)
            if published is not None:
                values.append(PlannedValue(half, published.cumulative, True, published.source))
                continue
            grown = round_half_up((checkpoint.cumulative - previous_value) * k, steps)
            values.append(PlannedValue(half, previous_value + grown, False, None))
        previous_value, previous_index = checkpoint.cumulative, target_half.index
    return values


def _text(raw: dict[str, Any], name: str, where: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise TargetsFileError(f"{where}: {name} must be non-empty text")
    return " ".join(value.split())


def _date(raw: dict[str, Any], name: str, where: str) -> date:
    value = raw.get(name)
    if not isinstance(value, date):
        raise TargetsFileError(f"{where}: {name} must be a date (YYYY-MM-DD)")
    return value


def _spec(raw: dict[str, Any], start: date, end: date) -> TargetSpec:
    key = _text(raw, "key", "target")
    where = f"target {key}"
    checkpoints: list[Checkpoint] = []
    for item in raw.get("checkpoints") or []:
        on = _date(item, "date", where)
        cumulative = item.get("cumulative")
        if not isinstance(cumulative, int) or isinstance(cumulative, bool) or cumulative < 0:
            raise TargetsFileError(f"{where}: cumulative must be a whole number >= 0")
        if on != HalfYear.of(on).end or not start <= on <= end:
            raise TargetsFileError(f"{where}: {on} is not a half-year end inside the programme")
        if checkpoints and (on <= checkpoints[-1].on or cumulative < checkpoints[-1].cumulative):
            raise TargetsFileError(f"{where}: checkpoints must rise in date and value")
        checkpoints.append(Checkpoint(on, cumulative, _text(item, "source", where)))
    if not checkpoints or checkpoints[-1].on != HalfYear.of(end).end:
        raise TargetsFileError(f"{where}: the last checkpoint must be the programme's end")
    return TargetSpec(
        key=key,
        label_da=_text(raw, "label_da", where),
        label_en=_text(raw, "label_en", where),
        checkpoints=tuple(checkpoints),
    )


def parse_targets(text: str) -> TargetsFile:
    """Read and check the YAML text of a targets file."""
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or not isinstance(raw.get("programme"), dict):
        raise TargetsFileError("the file needs a programme section")
    programme = raw["programme"]
    start = _date(programme, "start_date", "programme")
    end = _date(programme, "end_date", "programme")
    if start != HalfYear.of(start).start or end <= start:
        raise TargetsFileError("programme: start_date must begin a half-year, before end_date")
    specs = tuple(_spec(item, start, end) for item in raw.get("targets") or [])
    keys = [spec.key for spec in specs]
    if sorted(keys) != sorted(TARGET_KEYS):
        raise TargetsFileError(f"targets: expected exactly {', '.join(TARGET_KEYS)}")
    return TargetsFile(
        programme_name=_text(programme, "name", "programme"),
        start_date=start,
        start_date_source=_text(programme, "start_date_source", "programme"),
        end_date=end,
        end_date_source=_text(programme, "end_date_source", "programme"),
        derivation=_text(raw, "derivation", "file"),
        targets=tuple(sorted(specs, key=lambda s: TARGET_KEYS.index(s.key))),
    )


@lru_cache(maxsize=4)
def load_targets(path: str | None = None) -> TargetsFile:
    """The targets file: the shipped one, or another at ``path``."""
    if path:
        return parse_targets(Path(path).read_text("utf-8"))
    shipped = resources.files("service.overview").joinpath("data/targets.yaml")
    return parse_targets(shipped.read_text("utf-8"))
