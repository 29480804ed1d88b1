"""`make soak`: many clients for a minute against a real server, on SQLite and on PostgreSQL.

A realistic mix of caseworkers' and consultants' requests (citizen reads that write audit rows,
lists, matches, company creates with an Idempotency-Key, updates) from real client threads over
loopback HTTP against `kantmatch serve`: one process on SQLite, `--workers 2` on PostgreSQL (a
throwaway server started from the installed binaries, as in the tests). The data is the
fictional demo set, smaller (SYNTHETIC). Bounded: at most 64 clients and 300 seconds, and the
server listens on 127.0.0.1 only. Prints the figures; exits 1 if any request got a 5xx or no
answer. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pytest_postgresql.janitor import DatabaseJanitor
from sqlmodel import Session, col, select

from tests.liveserver import Call, LoadResult, free_port, run_open_clients, wait_until_listening
from tests.pgserver import find_bindir, start_postgres

MAX_CLIENTS = 64
MAX_SECONDS = 300
DEMO_COMPANIES = 150
API = "/api/v1"
KANTMATCH = str(Path(sys.executable).parent / "kantmatch")


@dataclass
class Dataset:
    """Ids and keys the clients use."""

    citizen_ids: list[str]
    company_ids: list[str]


def environment(url: str) -> dict[str, str]:
    """The environment of the server and the commands: the database and development mode."""
    env = dict(os.environ)
    env.update(
        KANTMATCH_DATABASE_URL=url,
        KANTMATCH_ENVIRONMENT="development",
        KANTMATCH_LOG_LEVEL="WARNING",
    )
    return env


def prepare(url: str) -> Dataset:
    """Migrate, train the matcher and load a small demo set (SYNTHETIC, fictional)."""
    subprocess.run([KANTMATCH, "init"], env=environment(url), check=True, capture_output=True)
    from service.auth.principal import CLI_PRINCIPAL  # noqa: F401 (loads the models)
    from service.citizens.models import Citizen
    from service.companies.models import Company
    from service.db import make_engine
    from service.demo import load_demo

    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        load_demo(session, count=DEMO_COMPANIES)
    with Session(engine) as session:
        citizens = session.exec(
            select(Citizen.id).where(Citizen.municipality_code == "360").order_by(col(Citizen.id))
        ).all()
        companies = session.exec(
            select(Company.id).where(Company.municipality_code == "360").order_by(col(Company.id))
        ).all()
    engine.dispose()
    return Dataset(list(citizens), list(companies))


@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    """`kantmatch serve` on a free loopback port, stopped (the whole process group) afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [KANTMATCH, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(base_url, timeout=120)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def mix(data: Dataset, deadline: float) -> Callable[[int, int], Call | None]:
    """Each client's n-th call: a fixed weighted cycle, shifted per client, until the deadline."""
    caseworker = {"Authorization": "Bearer km_demo_caseworker_360"}
    consultant = {"Authorization": "Bearer km_demo_consultant_360"}

    def call(client: int, n: int) -> Call | None:
        if time.monotonic() >= deadline:
            return None
        citizen = data.citizen_ids[(client * 7 + n) % len(data.citizen_ids)]
        company = data.company_ids[(client * 5 + n) % len(data.company_ids)]
        slot = (client + n) % 20
        if slot < 6:
            return Call("citizen", "GET", f"{API}/citizens/{citizen}", caseworker)
        if slot < 9:
            return Call("citizen_list", "GET", f"{API}/citizens?limit=20", caseworker)
        if slot < 12:
            return Call("companies", "GET", f"{API}/companies?limit=20&q=a", consultant)
        if slot < 13:
            return Call("company", "GET", f"{API}/companies/{company}", consultant)
        if slot < 15:
            return Call("matches", "GET", f"{API}/citizens/{citizen}/matches?limit=20", caseworker)
        if slot < 16:
            return Call("openings", "GET", f"{API}/openings?limit=20", consultant)
        if slot < 18:
            key = uuid.uuid4().hex
            headers = {**consultant, "Idempotency-Key": key}
            return Call("company_create", "POST", f"{API}/companies", headers, new_company(key))
        return Call(
            "company_update",
            "PATCH",
            f"{API}/companies/{company}",
            consultant,
            {"address": f"Havnegade {n % 90 + 1}"},
        )

    return call


_numbers = itertools.count(random.SystemRandom().randrange(1_000_000, 8_000_000, 10_000))
_numbers_lock = threading.Lock()


def new_company(key: str) -> dict[str, object]:
    """A valid, fictional company payload with a CVR of its own (a fresh number every call)."""
    from service.companies.codes import cvr_check_digit

    while True:
        with _numbers_lock:
            number = next(_numbers)
        digit = cvr_check_digit(f"{number:07d}")
        if digit is not None:
            break
    return {
        "cvr": f"{number:07d}{digit}",
        "name": f"Soak {key[:6]} ApS",
        "postal_code": "4930",
        "db07_code": "471100",
        "contact_owner": "jc_lolland",
    }


def report(label: str, result: LoadResult, seconds: float, clients: int) -> int:
    """Print the figures of one run; returns the number of server errors."""
    outcomes = result.outcomes
    errors = result.server_errors()
    print(
        f"\n{label}: {clients} clients x {seconds:.0f} s, {len(outcomes)} requests, "
        f"{len(outcomes) / seconds:.1f} requests/s, server errors (5xx or no answer): "
        f"{len(errors)}"
    )
    print("  statuses: " + ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses().items())))
    print(f"  {'kind':<16}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for kind in sorted({o.kind for o in outcomes}):
        times = sorted(o.seconds * 1000 for o in result.by_kind(kind))
        cuts = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
        statuses = Counter(o.status for o in result.by_kind(kind))
        print(
            f"  {kind:<16}{len(times):>7}{cuts[49]:>9.0f}{cuts[94]:>9.0f}{cuts[98]:>9.0f}  "
            + " ".join(f"{s}:{n}" for s, n in sorted(statuses.items()))
        )
    for outcome in errors[:3]:
        print(f"  e.g. {outcome.kind} {outcome.status} {outcome.error or outcome.body[:160]!r}")
    return len(errors)


def soak(label: str, url: str, workers: int, clients: int, seconds: float) -> int:
    """Prepare the database, start the server, run the clients, print and return the errors."""
    began = time.monotonic()
    data = prepare(url)
    print(
        f"{label}: {len(data.citizen_ids)} citizens and {len(data.company_ids)} companies "
        f"of Lolland (SYNTHETIC demo data) ready in {time.monotonic() - began:.0f} s"
    )
    with server(url, workers) as base_url:
        start = time.monotonic()
        result = run_open_clients(base_url, clients, mix(data, start + seconds))
        elapsed = time.monotonic() - start
    created = [
        json.loads(o.body)["id"] for o in result.by_kind("company_create") if o.status == 201
    ]
    print(f"  companies created: {len(created)} (distinct ids: {len(set(created))})")
    return report(label, result, elapsed, clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    arguments = parser.parse_args()
    clients = max(1, min(arguments.clients, MAX_CLIENTS))
    seconds = max(1.0, min(arguments.seconds, MAX_SECONDS))
    errors = 0
    if arguments.backend in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="kantmatch-soak-"))
        errors += soak("SQLite, 1 process", f"sqlite:///{folder / 'soak.db'}", 1, clients, seconds)
    if arguments.backend in ("postgresql", "both"):
        bindir = find_bindir()
        if bindir is None:
            print("PostgreSQL server binaries not found: PostgreSQL soak skipped")
            errors += 1
        else:
            pg = start_postgres(bindir)
            try:
                DatabaseJanitor(
                    user="postgres", host="127.0.0.1", port=pg.port, dbname="kantmatch_soak"
                ).init()
                errors += soak(
                    "PostgreSQL, 2 workers", pg.url("kantmatch_soak"), 2, clients, seconds
                )
            finally:
                pg.stop()
    print(f"\nsoak: {'0 errors' if errors == 0 else f'{errors} errors'}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
