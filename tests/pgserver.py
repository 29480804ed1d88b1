"""A throwaway PostgreSQL server started from the installed binaries, for tests and benchmarks.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster is created and run as
the ``postgres`` system user. A developer who is not root runs it as themselves.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    candidates.extend(Path(p) for p in reversed(versions))
    for initdb in (shutil.which("initdb"),):
        if initdb:
            candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway cluster; ``url(db)`` gives a SQLAlchemy URL for a database on it."""

    bindir: Path
    datadir: Path
    port: int
    as_postgres_user: bool
    options: str = ""

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.as_postgres_user:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def url(self, database: str = "postgres") -> str:
        """Connection URL for a database on this server (trust authentication)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def halt(self) -> None:
        """Stop the server (fast shutdown: connections are cut), keeping its data."""
        result = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl stop failed: {result.stderr or result.stdout}")

    def resume(self) -> None:
        """Start a halted server again on the same port."""
        self._start()

    def _start(self) -> None:
        log = self.datadir.parent / "log"
        result = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            self.options,
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "start",
        )
        if result.returncode != 0:
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {result.stderr or result.stdout}\n{text}")

    def stop(self) -> None:
        """Stop the server and remove its data directory."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres(bindir: Path) -> PostgresServer:
    """initdb a temporary cluster and start it on a free loopback port."""
    as_postgres_user = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="kantmatch-pg-"))
    datadir = root / "data"
    if as_postgres_user:
        shutil.chown(root, "postgres", "postgres")
    server = PostgresServer(bindir, datadir, _free_port(), as_postgres_user)
    result = server._run(
        str(bindir / "initdb"),
        "-D",
        str(datadir),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed: {result.stderr or result.stdout}")
    server.options = (
        f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    server._start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", server.port)) == 0:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("PostgreSQL did not start listening within 30 s")
