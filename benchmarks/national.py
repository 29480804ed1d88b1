"""A SYNTHETIC national data set for the benchmarks: every row is made up, seeded, and marked.

Volumes (issue 13): 60,000 citizens, 200,000 companies and 1,000,000 task openings at full
scale, spread over Denmark's 98 municipalities in proportion to their population
(``data/municipalities_population.csv``, approximate, with its source). Places scatter around
the municipality's main town (normal, sigma ``SPREAD_KM`` km). Names say "SYNTHETIC"; companies
get CVR-shaped numbers from 90000000 up that are not real companies; citizens have no CPR
number. Rows go in with bulk inserts in one transaction per table family.

    python -m benchmarks.national --scale 0.1 --database var/bench.db
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from service.auth.principal import CLI_PRINCIPAL
from service.citizens.bip import INDICATORS
from service.citizens.models import BipMeasurement, Citizen
from service.companies.models import Company
from service.db import make_engine, new_id
from service.matching import service as matching_service
from service.migrations_runner import upgrade_database
from service.sectors import Sector
from service.tasks import catalogue
from service.tasks.cards import default_cards_dir, read_cards
from service.tasks.models import Task, TaskOpening

SEED = 13
NATIONAL = {"citizens": 60_000, "companies": 200_000, "openings": 1_000_000}
SPREAD_KM = 8.0
KM_PER_DEGREE_LAT = 111.0
CHUNK = 20_000
POPULATION_FILE = Path(__file__).with_name("data") / "municipalities_population.csv"
MARK = "SYNTHETIC"
WISHES = (
    "fylde varer op i en butik",
    "opvask og rengøring i et køkken",
    "pakke varer på et lager",
    "arbejde udendørs med grønne områder",
    "rengøring af kontorer",
    "hjælpe ældre med gåture",
    "",
)
PLACEMENT_TYPES = (
    json.dumps(["virksomhedspraktik", "loentimer"]),
    json.dumps(["virksomhedspraktik"]),
    json.dumps(["loentimer", "hybridjob"]),
)


@dataclass(frozen=True)
class Municipality:
    """One row of the population table."""

    code: str
    name: str
    population: int
    lat: float
    lon: float


@dataclass(frozen=True)
class Generated:
    """What was made, and how long it took."""

    citizens: int
    companies: int
    openings: int
    seconds: float


def municipalities(path: Path = POPULATION_FILE) -> list[Municipality]:
    """The 98 municipalities with population and main-town centre (comment lines skipped)."""
    lines = [line for line in path.read_text("utf-8").splitlines() if not line.startswith("#")]
    return [
        Municipality(r["code"], r["name"], int(r["population"]), float(r["lat"]), float(r["lon"]))
        for r in csv.DictReader(lines, delimiter=";")
    ]


def scatter(
    rng: np.random.Generator, places: list[Municipality], count: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Municipality index, lat and lon of ``count`` points, in proportion to population."""
    population = np.array([m.population for m in places], dtype=float)
    which = rng.choice(len(places), size=count, p=population / population.sum())
    lat0 = np.array([m.lat for m in places])[which]
    lon0 = np.array([m.lon for m in places])[which]
    lat = lat0 + rng.normal(0, SPREAD_KM / KM_PER_DEGREE_LAT, count)
    lon = lon0 + rng.normal(0, SPREAD_KM / (KM_PER_DEGREE_LAT * np.cos(np.radians(lat0))), count)
    return which, lat, lon


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])


def generate(engine: Engine, *, scale: float, seed: int = SEED) -> Generated:
    """Fill a migrated, empty database with the SYNTHETIC national data set at ``scale``."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    places = municipalities()
    codes = [m.code for m in places]
    n_companies = max(int(NATIONAL["companies"] * scale), 1)
    n_openings = max(int(NATIONAL["openings"] * scale), 1)
    n_citizens = max(int(NATIONAL["citizens"] * scale), 1)
    with Session(engine) as session, session.begin():
        catalogue.sync_catalogue(
            session, card_set=read_cards(default_cards_dir()), source=MARK, actor=CLI_PRINCIPAL
        )
        active = select(Task.id, Task.sector).where(col(Task.status) == "active")
        tasks = [(str(t), str(s)) for t, s in session.exec(active).all()]
        sectors = sorted({s for _, s in tasks} & {s.value for s in Sector})
        by_sector = {s: [t for t, ts in tasks if ts == s] for s in sectors}
        which, lat, lon = scatter(rng, places, n_companies)
        company_sector = rng.choice(sectors, n_companies)
        company_ids = [new_id() for _ in range(n_companies)]
        companies = [
            {
                "id": company_ids[i],
                "cvr": f"{90_000_000 + i:08d}",
                "name": f"{MARK} virksomhed {i:06d}",
                "postal_code": "0000",
                "municipality_code": codes[which[i]],
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "coordinates_source": MARK.lower(),
                "sector": str(company_sector[i]),
                "contact_owner": "blf",
                "is_ambassador": bool(rng.random() < 0.1),
                "accepts_visits": bool(rng.random() < 0.2),
                "unskilled_tasks": str(rng.choice(["many", "some", "few"])),
                "requirements": {},
                "is_paused": bool(rng.random() < 0.03),
                "search_text": f"synthetic virksomhed {i:06d}",
            }
            for i in range(n_companies)
        ]
        _insert(session, Company, companies)
        owner = rng.integers(0, n_companies, n_openings)
        openings = []
        for j in range(n_openings):
            pool = by_sector[str(company_sector[owner[j]])]
            openings.append(
                {
                    "id": new_id(),
                    "company_id": company_ids[owner[j]],
                    "task_id": pool[int(rng.integers(0, len(pool)))],
                    "hours_per_week": float(rng.choice([5.0, 10.0, 15.0, 20.0])),
                    "schedule": {},
                    "placement_types": json.loads(PLACEMENT_TYPES[j % len(PLACEMENT_TYPES)]),
                    "positions": 1,
                    "status": "open",
                }
            )
        _insert(session, TaskOpening, openings)
        which, lat, lon = scatter(rng, places, n_citizens)
        citizen_ids = [new_id() for _ in range(n_citizens)]
        citizens = [
            {
                "id": citizen_ids[i],
                "name": f"{MARK} Borger {i:05d}",
                "external_ref": f"{MARK}-{i:06d}",
                "municipality_code": codes[which[i]],
                "postal_code": "0000",
                "lat": float(lat[i]),
                "lon": float(lon[i]),
                "has_driving_licence": bool(rng.random() < 0.5),
                "has_car": bool(rng.random() < 0.4),
                "max_commute_km": int(rng.choice([10, 15, 20, 30])),
                "hours_per_week": float(rng.choice([5.0, 10.0, 15.0])),
                "wishes": WISHES[int(rng.integers(0, len(WISHES)))] or None,
                "preferred_sectors": [str(rng.choice(sectors))] if rng.random() < 0.5 else [],
                "excluded_sectors": [],
                "preferred_tasks": [],
                "excluded_tasks": [],
                "danish_level": int(rng.integers(1, 6)),
                "criminal_record": "no",
                "status": "active",
                "search_name": f"synthetic borger {i:05d}",
            }
            for i in range(n_citizens)
        ]
        _insert(session, Citizen, citizens)
        answers = rng.integers(1, 6, (n_citizens, len(INDICATORS)))
        keys = INDICATORS
        measurements = [
            {
                "id": new_id(),
                "citizen_id": citizen_ids[i],
                "measured_on": date(2026, 1, 10),
                **{k: int(answers[i, n]) for n, k in enumerate(keys)},
            }
            for i in range(n_citizens)
        ]
        _insert(session, BipMeasurement, measurements)
        matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=5000)
    return Generated(n_citizens, n_companies, n_openings, time.perf_counter() - started)


def main() -> None:
    """Generate the data set into a new SQLite file (or any empty database URL)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--database", default="var/bench.db")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    url = args.database if "://" in args.database else f"sqlite:///{args.database}"
    engine = make_engine(url)
    upgrade_database(engine)
    made = generate(engine, scale=args.scale, seed=args.seed)
    print(
        f"{MARK}: {made.citizens:,} citizens, {made.companies:,} companies, "
        f"{made.openings:,} openings in {made.seconds:.0f} s"
    )


if __name__ == "__main__":
    main()
