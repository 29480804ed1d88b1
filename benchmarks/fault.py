"""`make fault`: kill -9 during an import and during a burst of writes; then check the database.

On SQLite and on PostgreSQL (a throwaway server from the installed binaries), each case:

1. `kantmatch import companies` of a large file (SYNTHETIC rows) killed with SIGKILL while it
   runs: afterwards the database opens, SQLite's integrity check says ok, and no company of the
   file is stored (one transaction per file: nothing half-imported).
2. A server receiving creates from 16 client threads (each with an Idempotency-Key) killed with
   SIGKILL mid-burst: afterwards every create the clients saw answered 201 is stored, every stored
   company has exactly its one audit row (nothing half-written), and after a restart the clients'
   retries with the same keys create nothing twice.

Loopback only, bounded (seconds, not minutes). Prints the figures; exits 1 on any violation.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import text

from benchmarks.soak import KANTMATCH, environment, new_company
from tests.liveserver import Call, Client, free_port, run_clients, wait_until_listening
from tests.pgserver import find_bindir, start_postgres

IMPORT_ROWS = 20_000
BURST_CLIENTS = 16
BURST_SECONDS = 3.0
ADMIN_KEY = "km_fault_admin_key_0123456789"


def prepare(url: str) -> None:
    """Migrate and create one admin key (no demo data needed)."""
    from sqlmodel import Session

    from service.auth import service as auth_service
    from service.auth.principal import CLI_PRINCIPAL, Role
    from service.db import make_engine
    from service.migrations_runner import upgrade_database

    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        auth_service.create_user_with_key(
            session,
            name="Fejltest",
            role=Role.admin,
            municipality_code=None,
            actor=CLI_PRINCIPAL,
            key=ADMIN_KEY,
        )
    engine.dispose()


def scalar(url: str, sql: str) -> object:
    from service.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def rows(url: str, sql: str) -> list[object]:
    from service.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())
    finally:
        engine.dispose()


def integrity(url: str) -> str:
    """SQLite's integrity check ('ok'), or for PostgreSQL that it answers a query."""
    if url.startswith("sqlite"):
        return str(scalar(url, "PRAGMA integrity_check"))
    return "ok" if scalar(url, "SELECT 1") == 1 else "no answer"


def kill_during_import(url: str, folder: Path) -> list[str]:
    file = folder / "virksomheder.csv"
    with file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cvr", "name", "postal_code", "db07_code", "contact_owner"])
        for _ in range(IMPORT_ROWS):
            row = new_company(uuid.uuid4().hex)
            writer.writerow(
                [
                    row["cvr"],
                    row["name"],
                    row["postal_code"],
                    row["db07_code"],
                    row["contact_owner"],
                ]
            )
    before = scalar(url, "SELECT count(*) FROM companies")
    process = subprocess.Popen(
        [KANTMATCH, "import", "companies", str(file)],
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(6.0)  # well into the file (SYNTHETIC rows; 10,000 take tens of seconds)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = scalar(url, "SELECT count(*) FROM companies")
    state = integrity(url)
    print(
        f"  import of {IMPORT_ROWS} rows killed with SIGKILL after 6 s (still running: "
        f"{running}): integrity {state}, companies before {before}, after {after}"
    )
    problems = []
    if not running:
        problems.append("the import finished before it was killed: make the file larger")
    if state != "ok" or after != before:
        problems.append("the database is damaged or holds part of the import")
    return problems


def kill_during_burst(url: str, workers: int) -> list[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [
                KANTMATCH,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=environment(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_listening(base_url, timeout=120)
        return process

    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    sent: list[tuple[str, dict[str, object]]] = []
    answers: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client() -> None:
        connection = Client(base_url, timeout=10)
        while not stop.is_set():
            key = uuid.uuid4().hex
            body = new_company(key)
            with lock:
                sent.append((key, body))
            try:
                status, _, _ = connection.request(
                    "POST",
                    "/api/v1/companies",
                    body=body,
                    headers={**headers, "Idempotency-Key": key},
                )
            except OSError:
                status = 0
                connection.close()
                time.sleep(0.05)
            with lock:
                answers[key] = status

    server = start()
    threads = [threading.Thread(target=client) for _ in range(BURST_CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(BURST_SECONDS)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()

    acknowledged = [key for key, status in answers.items() if status == 201]
    stored = int(str(scalar(url, "SELECT count(*) FROM companies")))
    audited = int(
        str(
            scalar(
                url,
                "SELECT count(*) FROM audit_log "
                "WHERE entity_type = 'company' AND action = 'create'",
            )
        )
    )
    orphans = int(
        str(
            scalar(
                url,
                "SELECT count(*) FROM companies c WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
                "WHERE a.entity_type = 'company' AND a.action = 'create' AND a.entity_id = c.id)",
            )
        )
    )
    state = integrity(url)
    print(
        f"  burst of creates from {BURST_CLIENTS} clients, server killed with SIGKILL after "
        f"{BURST_SECONDS:.0f} s: {len(sent)} sent, {len(acknowledged)} answered 201, "
        f"{stored} stored, {audited} audit rows, {orphans} companies without their audit "
        f"row, integrity {state}"
    )
    # Restart and retry every create with its own key (16 clients): nothing may be made twice.
    server = start()
    plans = [
        [
            Call("retry", "POST", "/api/v1/companies", {**headers, "Idempotency-Key": key}, body)
            for key, body in sent[i::BURST_CLIENTS]
        ]
        for i in range(BURST_CLIENTS)
    ]
    result = run_clients(base_url, plans)
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)
    retried: Counter[str] = Counter()
    for outcome in result.outcomes:
        code = json.loads(outcome.body).get("error", {}).get("code", "") if outcome.body else ""
        replayed = outcome.headers.get("idempotency-replayed") == "true"
        retried[
            f"{outcome.status}{' ' + code if code else ''}{' replayed' if replayed else ''}"
        ] += 1
    created_cvrs = {str(body["cvr"]) for (key, body) in sent if answers.get(key) == 201} | {
        json.loads(o.body)["cvr"] for o in result.outcomes if o.status == 201
    }
    stored_cvrs = {str(v) for v in rows(url, "SELECT cvr FROM companies")}
    final = len(stored_cvrs)
    print(
        f"  after restart, every create retried with its key: {dict(sorted(retried.items()))}; "
        f"{final} companies stored for {len(sent)} keys"
    )
    problems = []
    if state != "ok" or stored < len(acknowledged) or orphans or audited != stored:
        problems.append("a create was lost or half-written")
    if not created_cvrs <= stored_cvrs:
        problems.append("a company answered 201 is missing")
    if any(k.startswith("5") or "cvr" in k for k in retried):
        problems.append("a retry failed or ran its create a second time")
    return problems


def run(label: str, url: str, workers: int) -> list[str]:
    print(f"\n{label}")
    prepare(url)
    folder = Path(tempfile.mkdtemp(prefix="kantmatch-fault-"))
    return kill_during_import(url, folder) + kill_during_burst(url, workers)


def main() -> None:
    problems: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="kantmatch-fault-db-"))
    problems += run("SQLite, 1 process", f"sqlite:///{folder / 'fault.db'}", 1)
    bindir = find_bindir()
    if bindir is None:
        problems.append("PostgreSQL server binaries not found: PostgreSQL faults not run")
    else:
        pg = start_postgres(bindir)
        try:
            DatabaseJanitor(
                user="postgres", host="127.0.0.1", port=pg.port, dbname="kantmatch_fault"
            ).init()
            problems += run("PostgreSQL, 2 workers", pg.url("kantmatch_fault"), 2)
        finally:
            pg.stop()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"\nfault: {'0 problems' if not problems else f'{len(problems)} problems'}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
