"""Benchmark: importing a national citizen file, and one with bad rows (issue 13).

Run with ``make bench`` (or ``python -m benchmarks.bench_import_citizens --rows 6000``). The
citizen lists are SYNTHETIC (benchmarks/synthetic_citizens.py), imported from a CSV on disk into
a fresh SQLite database, as ``kantmatch import citizens FILE`` does:

- bulk: the importer (columns cleaned once per distinct cell, two look-up queries and one bulk
  insert per chunk of rows, one transaction);
- baseline, in the same run: one ``citizens_service.create_citizen`` per row in a savepoint
  (what the importer did per row before), timed on a sample and extrapolated;
- bad rows: the same number of rows with every 100th row wrong; every bad row must be
  reported with its column and Danish reason, and none stored.

The default of 60,000 rows is the issue's national volume of citizens.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from benchmarks.bench_import import fresh_engine, options, peak_mb, per_row, timed
from benchmarks.synthetic_citizens import (
    FIELDS,
    HEADER,
    bad_rows,
    external_ref,
    write_citizens_csv,
)
from service.auth.principal import CLI_PRINCIPAL
from service.citizens import importers
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.citizens.schemas import CitizenCreate, CitizenImportReport

SECRET = "benchmark-secret-key-" + "x" * 20


def stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Citizen)).one())


def bulk(engine: Engine, path: Path) -> tuple[float, float, CitizenImportReport]:
    """Wall and CPU seconds of one import of the file, committed."""
    return timed(
        engine,
        lambda session: importers.import_citizens(
            session, path=path, filename=path.name, actor=CLI_PRINCIPAL, secret_key=SECRET
        ),
    )


def create_citizen(session: Session, row: dict[str, str]) -> None:
    cells = {field: row[header] for field, header in zip(FIELDS, HEADER, strict=True)}
    payload = {
        "name": cells["name"],
        "external_ref": cells["external_ref"],
        "postal_code": cells["postal_code"],
        "has_driving_licence": cells["has_driving_licence"] == "ja",
        "max_commute_km": int(cells["max_commute_km"]),
        "wishes": cells["wishes"] or None,
        "danish_level": int(cells["danish_level"]),
    }
    citizens_service.create_citizen(
        session, data=CitizenCreate.model_validate(payload), actor=CLI_PRINCIPAL
    )


def main() -> None:
    args = options(__doc__.splitlines()[0], 60_000, 500)
    n = args.rows
    work = Path(tempfile.mkdtemp(prefix="kantmatch-bench-citizens-"))
    print(f"Citizen import, {n:,} SYNTHETIC rows from a CSV on disk, SQLite")

    good = write_citizens_csv(work / "good.csv", n)
    print(f"  file: {good.stat().st_size / 1e6:.1f} MB")
    wall, cpu, report = bulk(fresh_engine(work, "bulk"), good)
    assert not report.rejected, report.rejected[:3]
    print(
        f"  bulk importer:      {wall:7.1f} s wall, {cpu:7.1f} s CPU, {n / wall:8,.0f} rows/s "
        f"({len(report.created):,} created)"
    )
    per_row_wall, per_row_cpu = per_row(
        fresh_engine(work, "baseline"), good, args.baseline_rows, create_citizen
    )
    print(
        f"  baseline per row:   {per_row_wall * n:7.1f} s wall, {per_row_cpu * n:7.1f} s CPU "
        f"(extrapolated from {args.baseline_rows:,} rows: {per_row_wall * 1000:.2f} ms/row)"
    )
    speed_up = f"{per_row_wall * n / wall:.0f}x wall, {per_row_cpu * n / cpu:.0f}x CPU"
    print(f"  speed-up:           {speed_up}")

    bad = write_citizens_csv(work / "bad.csv", n, bad_every=100)
    engine = fresh_engine(work, "bad")
    wall, cpu, report = bulk(engine, bad)
    expected = set(bad_rows(n, 100))
    reported = {p.row for p in report.rejected}
    danish = all(p.field and p.message for p in report.rejected)
    bad_refs = [external_ref(row - 2) for row in sorted(expected)]
    with Session(engine) as session:
        leaked = session.exec(
            select(func.count())
            .select_from(Citizen)
            .where(col(Citizen.external_ref).in_(bad_refs[:30000]))
        ).one()
    count = stored(engine)
    ok = reported == expected and count == n - len(expected) and not leaked and danish
    print(
        f"  with bad rows:      {wall:7.1f} s wall; {len(reported):,} of {len(expected):,} bad "
        f"rows reported (column and reason each), {count:,} stored, bad rows stored: "
        f"{leaked} - {'OK' if ok else 'WRONG'}"
    )
    print(f"  peak memory:        {peak_mb():.0f} MB")
    shutil.rmtree(work)  # the files hold SYNTHETIC CPR-shaped values: none is left behind


if __name__ == "__main__":
    main()
