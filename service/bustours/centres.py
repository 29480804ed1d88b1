"""The job centres a bus tour starts from: a small shipped data table (data/job_centres.csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources


class JobCentre(StrEnum):
    """The named starting points of API.md."""

    nakskov = "nakskov"
    maribo = "maribo"
    nykoebing_f = "nykoebing_f"


@dataclass(frozen=True)
class StartPlace:
    """Where a tour starts and ends: a job centre or given coordinates."""

    key: str | None
    name: str
    lat: float
    lon: float


@lru_cache(maxsize=1)
def job_centres() -> dict[str, StartPlace]:
    """The shipped job-centre table, read on first use."""
    text = resources.files("service.bustours").joinpath("data/job_centres.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    return {
        row["key"]: StartPlace(
            key=row["key"], name=row["name"], lat=float(row["lat"]), lon=float(row["lon"])
        )
        for row in reader
    }


def start_place(start: JobCentre | tuple[float, float]) -> StartPlace:
    """The starting point of a request: a job centre by key, or a point given as (lat, lon)."""
    if isinstance(start, JobCentre):
        return job_centres()[start.value]
    lat, lon = start
    return StartPlace(key=None, name=f"Startpunkt {lat:.4f}, {lon:.4f}", lat=lat, lon=lon)
