"""Benchmark: importing companies at national scale, and refusing a zip bomb (issues 13 and 17).

Run with ``make bench`` (or ``python benchmarks/bench_import.py --rows 20000`` for a quick look).
The company lists are SYNTHETIC (benchmarks/synthetic_companies.py), imported from a file on disk
into a fresh SQLite database, as ``kantmatch import companies FILE`` does:

- bulk: the importer (vectorised clean-up, schema per row, bulk inserts, one transaction);
- baseline, in the same run: the per-row path the importer used before (a savepoint and
  ``companies_service.create_company`` for each row), timed on a sample and extrapolated;
- bad rows: the same number of rows with every 100th row wrong; every bad row must be reported
  and none stored;
- zip bomb: a 0.5 MB XLSX that inflates to 124 MB, refused from the zip directory.

Target (issue 13): 200,000 companies in at most 60 s on SQLite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic_companies import (  # noqa: E402
    bad_rows,
    synthetic_cvrs,
    write_companies_csv,
    zip_bomb,
)
from service.auth.principal import CLI_PRINCIPAL  # noqa: E402
from service.companies import importers  # noqa: E402
from service.companies import service as companies_service  # noqa: E402
from service.companies.models import Company  # noqa: E402
from service.companies.schemas import CompanyCreate, ImportReport  # noqa: E402
from service.db import make_engine  # noqa: E402
from service.errors import KantmatchError  # noqa: E402
from service.migrations_runner import upgrade_database  # noqa: E402
from service.tabular import read_table  # noqa: E402

TARGET_SECONDS = 60.0
R = TypeVar("R")


def fresh_engine(directory: Path, name: str) -> Engine:
    engine = make_engine(f"sqlite:///{directory / name}.db")
    upgrade_database(engine)
    return engine


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stored_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Company)).one())


def timed(engine: Engine, run: Callable[[Session], R]) -> tuple[float, float, R]:
    """Wall and CPU seconds of ``run`` in one committed transaction, and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    with Session(engine, expire_on_commit=False) as session, session.begin():
        result = run(session)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def per_row(
    engine: Engine, path: Path, sample: int, create: Callable[[Session, dict[str, str]], object]
) -> tuple[float, float]:
    """Seconds per row (wall, CPU) of ``create`` for each of the file's first ``sample`` rows,
    each in a savepoint (the per-row path the importers took before issue 13)."""
    table = read_table(path, path.name)[: sample + 1]

    def run(session: Session) -> None:
        for cells in table[1:]:
            savepoint = session.begin_nested()
            try:
                create(session, dict(zip(table[0], cells, strict=True)))
                savepoint.commit()
            except KantmatchError:
                savepoint.rollback()

    wall, cpu, _ = timed(engine, run)
    return wall / (len(table) - 1), cpu / (len(table) - 1)


def bulk(engine: Engine, path: Path) -> tuple[float, float, ImportReport]:
    """Wall and CPU seconds of one import of the file, committed."""
    return timed(
        engine,
        lambda session: importers.import_companies(
            session, path=path, filename=path.name, actor=CLI_PRINCIPAL
        ),
    )


def create_company(session: Session, row: dict[str, str]) -> None:
    payload = {
        "cvr": row["CVR-nummer"],
        "name": row["Navn"],
        "address": row["Adresse"],
        "postal_code": row["Postnummer"],
        "db07_code": row["Branchekode"],
        "contact_owner": "blf",
        "contacts": [{"name": row["Kontaktperson"], "phone": row["Telefon"]}],
    }
    companies_service.create_company(
        session, data=CompanyCreate.model_validate(payload), actor=CLI_PRINCIPAL
    )


def options(description: str, rows: int, baseline_rows: int) -> argparse.Namespace:
    """``--rows`` and ``--baseline-rows`` from the command line, with the bench's defaults."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--baseline-rows", type=int, default=baseline_rows)
    return parser.parse_args()


def main() -> None:
    args = options(__doc__.splitlines()[0], 200_000, 1_000)
    n = args.rows
    work = Path(tempfile.mkdtemp(prefix="kantmatch-bench-import-"))
    print(f"Company import, {n:,} SYNTHETIC rows from a CSV on disk, SQLite ({work})")

    good = write_companies_csv(work / "good.csv", n)
    print(f"  file: {good.stat().st_size / 1e6:.1f} MB")
    wall, cpu, report = bulk(fresh_engine(work, "bulk"), good)
    assert not report.rejected, report.rejected[:3]
    national = 200_000 * wall / n  # the target's volume at this run's rate
    verdict = "meets" if national <= TARGET_SECONDS else "MISSES"
    print(
        f"  bulk importer:      {wall:7.1f} s wall, {cpu:7.1f} s CPU, {n / wall:8,.0f} rows/s "
        f"({len(report.created):,} created); 200,000 rows at this rate: {national:.0f} s - "
        f"{verdict} the {TARGET_SECONDS:.0f} s target"
    )
    per_row_wall, per_row_cpu = per_row(
        fresh_engine(work, "baseline"), good, args.baseline_rows, create_company
    )
    print(
        f"  baseline per row:   {per_row_wall * n:7.1f} s wall, {per_row_cpu * n:7.1f} s CPU "
        f"(extrapolated from {args.baseline_rows:,} rows: {per_row_wall * 1000:.2f} ms/row)"
    )
    print(f"  speed-up:           {per_row_wall * n / wall:.0f}x wall")

    bad = write_companies_csv(work / "bad.csv", n, bad_every=100)
    engine = fresh_engine(work, "bad")
    wall, cpu, report = bulk(engine, bad)
    expected = set(bad_rows(n, 100))
    reported = {p.row for p in report.rejected}
    cvrs = synthetic_cvrs(n)  # once: it makes all n numbers
    bad_cvrs = {cvrs[row - 2] for row in expected}
    with Session(engine) as session:
        leaked = session.exec(
            select(func.count())
            .select_from(Company)
            .where(col(Company.cvr).in_(list(bad_cvrs)[:30000]))
        ).one()
    print(f"  peak memory so far: {peak_mb():.0f} MB")
    ok = reported == expected and stored_count(engine) == n - len(expected)
    print(
        f"  with bad rows:      {wall:7.1f} s wall; {len(reported):,} of {len(expected):,} bad "
        f"rows "
        f"reported, {stored_count(engine):,} stored, bad CVRs stored: {leaked} - "
        f"{'OK' if ok and not leaked else 'WRONG'}"
    )

    bomb = work / "bomb.xlsx"
    bomb.write_bytes(zip_bomb(124_000_000))
    with zipfile.ZipFile(bomb) as archive:
        inflated = sum(i.file_size for i in archive.infolist())
    bomb_engine = fresh_engine(work, "bomb")
    tracemalloc.start()
    started = time.perf_counter()
    with Session(bomb_engine) as session:
        try:
            importers.import_companies(session, path=bomb, filename=bomb.name, actor=CLI_PRINCIPAL)
            outcome = "NOT refused"
        except KantmatchError as error:
            outcome = f"refused {error.status_code} {error.code}"
    seconds = time.perf_counter() - started
    allocated = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(
        f"  zip bomb:           {bomb.stat().st_size / 1e3:.0f} KB -> {inflated / 1e6:.0f} MB: "
        f"{outcome} in {seconds * 1000:.0f} ms, {allocated:.1f} MB allocated at most"
    )


if __name__ == "__main__":
    main()
