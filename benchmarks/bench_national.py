"""Benchmark: issue 13's targets on the SYNTHETIC national data set, with both baselines.

``make bench`` runs it (and every other ``benchmarks/bench_*.py``). For each scale it generates
the SYNTHETIC data set into a SQLite file (``benchmarks/national.py``; kept in ``var/`` and
reused), then measures, on this machine:

- in-process (the service functions with a real session, audit rows included, rolled back):
  top-20 matches for one citizen, candidates for one opening, a bus tour for 8 citizens;
- over HTTP (``kantmatch serve`` in a subprocess, one worker on SQLite): top-20 for one
  citizen, one client at a time, then 32 concurrent clients (p99 and errors);
- scoring throughput in pairs per second beside its two baselines, on the same pairs: one
  numpy matrix product of the pair-feature matrix with the coefficient vector, and a naive
  pandas cross join followed by a scikit-learn ``predict_proba``;
- peak memory (resident high-water mark) of this process and of the server.

Every figure is printed beside its target; "not measured here" says where it is measured.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import pandas as pd
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from benchmarks import national
from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.bustours import service as bustours_service
from service.bustours.exceptions import TourDoesNotFitError
from service.bustours.schemas import BusTourCreate
from service.citizens.models import Citizen
from service.companies.models import Company
from service.db import make_engine
from service.matching import kernel, synthetic
from service.matching import service as matching_service
from service.matching.cache import cache_for
from service.matching.features import pair_features
from service.matching.index import batch
from service.matching.model import build_pipeline
from service.matching.scoring import score_pairs
from service.migrations_runner import upgrade_database
from service.tasks.models import TaskOpening

ROOT = Path(__file__).resolve().parents[1]
# Beside this interpreter, so a worktree run with PYTHONPATH serves its own code (not ROOT/.venv).
KANTMATCH = str(Path(sys.executable).parent / "kantmatch")
ADMIN = Principal(user_id=None, name="benchmark", role=Role.admin)
SAMPLES = 30


@dataclass
class Report:
    """Lines of the printed table: what, measured, target, verdict."""

    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, what: str, measured: str, target: str = "", ok: bool | None = None) -> None:
        """One line; ``ok`` None when there is no target to meet."""
        verdict = "" if ok is None else ("met" if ok else "NOT met")
        self.rows.append((what, measured, target, verdict))
        print(f"  {what:<58} {measured:>16} {target:>12} {verdict:>8}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of values (ms)."""
    return float(np.percentile(np.array(values), q))


CPU_MS: list[float] = []


def timed(work: Callable[[], object]) -> float:
    """Wall time of one call, in ms (its CPU time in this thread goes to ``CPU_MS``)."""
    start, cpu = time.perf_counter(), time.thread_time()
    work()
    CPU_MS.append((time.thread_time() - cpu) * 1000)
    return (time.perf_counter() - start) * 1000


def cpu_p50(count: int) -> str:
    """Median CPU ms of the last ``count`` timed calls: less moved by other load than wall time."""
    return f"{percentile(CPU_MS[-count:], 50):.1f}"


def database(scale: float, directory: Path) -> tuple[Engine, float | None]:
    """The SYNTHETIC database of a scale (generated once, then reused) and generation seconds."""
    path = directory / f"bench-national-{scale:g}.db"
    url = f"sqlite:///{path}"
    if path.exists():
        return make_engine(url), None
    engine = make_engine(url)
    upgrade_database(engine)
    made = national.generate(engine, scale=scale)
    return engine, made.seconds


@dataclass(frozen=True)
class Sample:
    """Seeded picks: citizens, open openings, and groups of 8 from one municipality."""

    citizens: list[str]
    openings: list[str]
    groups: list[tuple[list[str], float, float]]  # citizen ids, start lat, start lon


def _sample(session: Session) -> Sample:
    rng = np.random.default_rng(1)
    people = pd.DataFrame(
        session.exec(
            select(Citizen.id, Citizen.municipality_code, Citizen.lat, Citizen.lon).order_by(
                col(Citizen.id)
            )
        ).all(),
        columns=["id", "code", "lat", "lon"],
    )
    openings = list(
        session.exec(
            select(TaskOpening.id).where(col(TaskOpening.status) == "open").limit(20_000)
        ).all()
    )
    chosen = [str(c) for c in rng.choice(people["id"], min(SAMPLES, len(people)), replace=False)]
    picked = [str(o) for o in rng.choice(openings, min(SAMPLES, len(openings)), replace=False)]
    groups = [
        (list(g["id"].head(8)), float(g["lat"].to_numpy()[0]), float(g["lon"].to_numpy()[0]))
        for _, g in people.groupby("code")
        if len(g) >= 8  # a group is from one job centre; the tour starts near the first
    ][:5]
    return Sample(chosen, picked, groups)


def in_process(engine: Engine, report: Report) -> list[str]:
    """Citizen matches, candidates and bus tours through the service functions."""
    with Session(engine) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        model = matching_service.load_model(row)
        info = matching_service.model_info(row)
        sample = _sample(session)
        session.rollback()  # on SQLite an open transaction holds the writer's turn
        citizens, openings = sample.citizens, sample.openings
        today = clock.today()

        def matches(citizen_id: str) -> None:
            with Session(engine) as s, s.begin():
                citizen = s.get(Citizen, citizen_id)
                assert citizen is not None
                matching_service.suggest_openings_for_citizen(
                    s, citizen=citizen, actor=ADMIN, info=info, model=model, limit=20, today=today
                )
                s.rollback()

        cold = timed(lambda: matches(citizens[0]))
        report.add("index build + first request (cold), ms", f"{cold:,.0f}")
        times = [timed(lambda c=c: matches(c)) for c in citizens]  # type: ignore[misc]
        report.add(
            "top-20 for one citizen, in-process p50, ms",
            f"{percentile(times, 50):.1f}",
            "<= 5",
            percentile(times, 50) <= 5,
        )
        report.add("top-20 for one citizen, in-process p99, ms", f"{percentile(times, 99):.1f}")
        report.add("top-20 for one citizen, in-process CPU p50, ms", cpu_p50(len(times)))

        def candidates(opening_id: str) -> None:
            with Session(engine) as s, s.begin():
                opening = s.get(TaskOpening, opening_id)
                assert opening is not None
                company = s.get(Company, opening.company_id)
                assert company is not None
                matching_service.suggest_candidates(
                    s,
                    company=company,
                    opening_id=opening_id,
                    actor=ADMIN,
                    info=info,
                    model=model,
                    limit=20,
                    today=today,
                )
                s.rollback()

        timed(lambda: candidates(openings[0]))  # builds the citizen index
        times = [timed(lambda o=o: candidates(o)) for o in openings]  # type: ignore[misc]
        report.add(
            "candidates for one opening, in-process p50, ms",
            f"{percentile(times, 50):.1f}",
            "<= 50",
            percentile(times, 50) <= 50,
        )
        report.add("candidates for one opening, in-process CPU p50, ms", cpu_p50(len(times)))

        def tour(group: list[str], lat: float, lon: float) -> None:
            with Session(engine) as s, s.begin():
                data = BusTourCreate.model_validate(
                    {
                        "citizen_ids": group,
                        "date": "2026-12-10",
                        "start": {"lat": lat, "lon": lon},
                        "start_time": "09:00",
                        "latest_return": "15:30",
                        "stops": 3,
                        "visit_minutes": 45,
                    }
                )
                # The stops are chosen and timed even when the return would be too late.
                with contextlib.suppress(TourDoesNotFitError):
                    bustours_service.plan_tour(
                        s,
                        data=data,
                        actor=ADMIN,
                        model=model,
                        model_version=info.version,
                        today=today,
                    )
                s.rollback()

        if sample.groups:
            times = [timed(lambda g=g: tour(*g)) for g in sample.groups]  # type: ignore[misc]
            report.add(
                "bus tour for 8 citizens, in-process p50, ms",
                f"{percentile(times, 50):.0f}",
                "<= 200",
                percentile(times, 50) <= 200,
            )
            report.add("bus tour for 8 citizens, in-process CPU p50, ms", cpu_p50(len(times)))
        report.add(
            "index builds per part",
            str(cache_for(session).builds),
        )
    return citizens


def throughput(engine: Engine, report: Report) -> None:
    """Pairs per second of the index's scoring beside the matrix-product and pandas baselines."""
    with Session(engine) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        model = matching_service.load_model(row)
        view = cache_for(session).view(session, today=clock.today())
        people = cache_for(session).citizens(session, view)
        rng = np.random.default_rng(2)
        n, m = 20, min(len(view.index), 50_000)
        openings = batch(
            view.index, view.overlay, np.sort(rng.choice(len(view.index), m, replace=False))
        )
        chosen = np.sort(rng.choice(len(people.citizens), n, replace=False))
        ci = np.repeat(chosen, m)
        oj = np.tile(np.arange(m), n)
        # Every pair passes: the commute and other filters would otherwise shrink the work.
        arrays = dataclasses.replace(
            people.citizens.arrays,
            max_commute_km=np.full(len(people.citizens), 1e6),
            excluded_sector=np.zeros_like(people.citizens.arrays.excluded_sector),
            hours_available=np.full(len(people.citizens), 10.0),
        )
        everyone = dataclasses.replace(people.citizens, arrays=arrays)
        # Warm: the wish matrix is filled once per (citizen, task) and data version, as in service.
        scored = score_pairs(everyone, openings, ci, oj, model, lookups=people)
        pairs = len(ci)
        started = time.perf_counter()
        score_pairs(everyone, openings, ci, oj, model, lookups=people)
        receipts = pairs / (time.perf_counter() - started)
        # What ranks the lists: the score-only kernel (kernel.py) on the same pairs.
        prepared = cache_for(session).prepared(view, model)
        kernel.rank(prepared, everyone.arrays, people, ci, openings.rows[oj])
        started = time.perf_counter()
        kernel.rank(prepared, everyone.arrays, people, ci, openings.rows[oj])
        ours = pairs / (time.perf_counter() - started)
        report.add(
            "full receipts (score_pairs: every feature and part), pairs/s", f"{receipts:,.0f}"
        )
        x = scored.features[model.columns].to_numpy(dtype=float)
        # The additive model is served as lookup tables, not coefficients; the baseline's cost
        # (one matrix product over the same pair-feature matrix) does not depend on the weights.
        w = np.ones(len(model.columns))
        started = time.perf_counter()
        for _ in range(5):
            x @ w
        matmul = pairs / ((time.perf_counter() - started) / 5)
        report.add("scoring throughput (kernel.rank), pairs/s", f"{ours:,.0f}")
        report.add("baseline: one matrix product X @ w, pairs/s", f"{matmul:,.0f}")
        report.add(
            "scoring / matrix product",
            f"{ours / matmul:.1%}",
            ">= 30 %",
            ours / matmul >= 0.30,
        )
        # Naive: cross join the citizens' and openings' frames, build features, predict_proba.
        data = synthetic.generate(5000)
        pipeline = build_pipeline().fit(data.frame, data.frame["label"])
        sample_m = 5_000
        left = pd.DataFrame({"ci": chosen})
        right = pd.DataFrame({"oj": np.arange(sample_m)})
        started = time.perf_counter()
        joined = left.merge(right, how="cross")
        features = score_pairs_features(everyone, openings, joined, people)
        pipeline.predict_proba(features)
        naive = len(joined) / (time.perf_counter() - started)
        report.add("baseline: pandas cross join + predict_proba, pairs/s", f"{naive:,.0f}")
        report.add(
            "scoring / naive baseline", f"{ours / naive:,.0f} x", ">= 100 x", ours / naive >= 100
        )


def score_pairs_features(
    citizens: Any, openings: Any, joined: pd.DataFrame, lookups: Any
) -> pd.DataFrame:
    """The naive baseline's feature frame: the service's pair features on the joined pairs."""
    ci = joined["ci"].to_numpy()
    oj = joined["oj"].to_numpy()
    wish = lookups.wish(ci, openings.task[oj])
    return pair_features(citizens.arrays, openings.arrays, ci, oj, wish)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def concurrent_matches(
    base: str, headers: dict[str, str], citizens: list[str], clients: int
) -> tuple[list[float], list[int]]:
    """``clients`` threads, each sending 8 requests for top-20 matches: latencies (ms) and the
    statuses of the requests that did not answer 200 (599: no answer within 120 s)."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)  # all clients begin together

    def worker(offset: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            start.wait()
            for k in range(8):
                citizen_id = citizens[(offset + k) % len(citizens)]
                began = time.perf_counter()
                try:
                    status = client.get(f"/api/v1/citizens/{citizen_id}/matches").status_code
                except httpx.HTTPError:
                    status = 599
                with lock:
                    latencies.append((time.perf_counter() - began) * 1000)
                    if status != 200:
                        errors.append(status)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def over_http(
    engine: Engine,
    url: str,
    report: Report,
    citizens: list[str],
    clients: list[int],
    *,
    label: str = "SQLite, 1 process",
    workers: int = 1,
) -> None:
    """Top-20 over HTTP: one client, then each count of concurrent ones; errors counted."""
    with Session(engine) as session, session.begin():
        _, key = auth_service.create_user_with_key(
            session, name="benchmark", role=Role.admin, municipality_code=None, actor=CLI_PRINCIPAL
        )
    port = _free_port()
    env = {
        **os.environ,
        "KANTMATCH_DATABASE_URL": url,
        "KANTMATCH_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [KANTMATCH, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the workers too are stopped with the group
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:

            def one(citizen_id: str) -> int:
                return client.get(f"/api/v1/citizens/{citizen_id}/matches?limit=20").status_code

            cold = timed(lambda: one(citizens[0]))
            report.add(f"HTTP ({label}): index build + first request (cold), ms", f"{cold:,.0f}")
            # Every worker builds its own index: send bursts until none holds a build (a burst
            # whose slowest answer is well under the first request's).
            fast = 0
            for _ in range(12 if workers > 1 else 0):
                warm, _ = concurrent_matches(base, headers, citizens, 2 * workers)
                fast = fast + 1 if max(warm) < cold / 3 else 0
                if fast == 3:  # three bursts in a row without a build
                    break
            times = [timed(lambda c=c: one(c)) for c in citizens]  # type: ignore[misc]
            report.add(
                f"top-20 for one citizen over HTTP ({label}) p50, ms",
                f"{percentile(times, 50):.1f}",
                "<= 20",
                percentile(times, 50) <= 20,
            )
        for count in clients:
            latencies, errors = concurrent_matches(base, headers, citizens, count)
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            report.add(f"{count} concurrent clients, {label}: p50, ms", f"{p50:,.0f}")
            report.add(
                f"{count} concurrent clients, {label}: p99, ms", f"{p99:,.0f}", "<= 50", p99 <= 50
            )
            report.add(
                f"{count} concurrent clients, {label}: errors of {len(latencies)}",
                str(len(errors)),
                "0",
                not errors,
            )
            if errors:
                statuses = collections.Counter(errors)
                report.add(
                    "  of which, by status", ", ".join(f"{k}: {v}" for k, v in statuses.items())
                )
        peak = max(_peak_kb(pid) for pid in _process_group(server.pid)) / 1024 / 1024
        report.add(f"server peak memory (VmHWM), {label}, GB", f"{peak:.2f}", "<= 3", peak <= 3)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _process_group(pgid: int) -> list[int]:
    """The server and its worker processes."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # the process group id
                pids.append(int(status.parent.name))
    return pids or [pgid]


def on_postgres(engine: Engine, report: Report, citizens: list[str], clients: list[int]) -> None:
    """The HTTP figures on a throwaway PostgreSQL cluster holding a copy of the SQLite data,
    served by ``kantmatch serve --workers 2``."""
    from pytest_postgresql.janitor import DatabaseJanitor

    from benchmarks.pgcopy import timed_copy
    from tests.pgserver import find_bindir, start_postgres

    bindir = find_bindir()
    if bindir is None:
        report.add("PostgreSQL, 2 workers", "no PostgreSQL binaries", "p99 <= 50")
        return
    server = start_postgres(bindir)
    try:
        DatabaseJanitor(
            user="postgres", host="127.0.0.1", port=server.port, dbname="kantmatch_bench"
        ).init()
        url = server.url("kantmatch_bench")
        target = make_engine(url)
        assert engine.url.database is not None
        copied, seconds = timed_copy(Path(engine.url.database), target)
        report.add(
            "PostgreSQL: copy of the SQLite data (COPY), s",
            f"{seconds:.0f} ({sum(copied.values()):,} rows)",
        )
        over_http(target, url, report, citizens, clients, label="PostgreSQL, 2 workers", workers=2)
        target.dispose()
    finally:
        server.stop()


def main() -> None:
    """Measure every scale asked for and print the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scales",
        default=os.environ.get("KANTMATCH_BENCH_SCALES", "0.1"),
        help="comma-separated shares of national volume, e.g. 0.01,0.1,1",
    )
    parser.add_argument(
        "--clients", default="32", help="comma-separated counts of concurrent clients, e.g. 16,32"
    )
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also over HTTP on a throwaway PostgreSQL holding a copy of the data, 2 workers",
    )
    parser.add_argument(
        "--postgres-only", action="store_true", help="with --postgres: skip SQLite over HTTP"
    )
    parser.add_argument(
        "--only-http", action="store_true", help="skip the in-process and throughput figures"
    )
    parser.add_argument("--directory", default=str(ROOT / "var"))
    args = parser.parse_args()
    directory = Path(args.directory)
    directory.mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"Kantmatch national benchmark (SYNTHETIC data; {os.cpu_count()} cores, {sys.platform}; "
        f"load average {load}: wall times grow with other load, CPU times much less)"
    )
    for scale in (float(s) for s in args.scales.split(",")):
        report = Report()
        volumes = {k: int(v * scale) for k, v in national.NATIONAL.items()}
        print(f"\nscale {scale:g} of national: {volumes}")
        print(f"  {'what':<58} {'measured':>16} {'target':>12} {'':>8}")
        engine, seconds = database(scale, directory)
        if seconds is not None:
            report.add("SYNTHETIC data generated (bulk inserts), s", f"{seconds:.0f}")
        if args.only_http:
            with Session(engine) as session:
                citizens = _sample(session).citizens
        else:
            citizens = in_process(engine, report)
            throughput(engine, report)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
            report.add("benchmark process peak memory, GB", f"{peak:.2f}", "<= 3", peak <= 3)
        clients = [int(c) for c in args.clients.split(",")]
        if not args.no_http and not args.postgres_only:
            over_http(engine, str(engine.url), report, citizens, clients)
        if args.postgres and not args.no_http:
            on_postgres(engine, report, citizens, clients)
        else:
            report.add("PostgreSQL, 2 workers, 32 clients", "not measured here", "p99 <= 50")
        report.add("import of 200,000 companies on SQLite", "not measured here", "<= 60 s")
        engine.dispose()


if __name__ == "__main__":
    main()
