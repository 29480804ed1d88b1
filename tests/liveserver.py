"""A real uvicorn server on a loopback port, and real client threads that call it.

Used by the concurrency tests (the server in a thread of the test process) and by the soak
script in ``benchmarks/`` (which also starts ``kantmatch serve`` as a separate process).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(app: FastAPI, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve the app with uvicorn in a background thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


def wait_until_listening(base_url: str, *, timeout: float = 60.0) -> None:
    """Poll GET /health until the server answers at all (any status)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _, _ = Client(base_url).request("GET", "/health")
        except OSError:
            status = 0
        if status:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"no server answered on {base_url} within {timeout:.0f} s")
        time.sleep(0.2)


class Client:
    """One keep-alive HTTP/1.1 connection (one per thread), reconnecting when the server closes."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; returns status, headers (lower-case names) and body."""
        payload = None if body is None else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if payload is not None:
            all_headers.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self._connection.request(method, path, body=payload, headers=all_headers)
                response = self._connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed between requests: reconnect once.
                self.close()
                if attempt == 2:
                    raise
                continue
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            if answer_headers.get("connection", "").lower() == "close":
                self.close()
            return response.status, answer_headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


@dataclass(frozen=True)
class Call:
    """One request of a load plan; ``kind`` names it in the figures."""

    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: Any = None


@dataclass
class Outcome:
    """What one request got."""

    kind: str
    status: int
    seconds: float
    error: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    """Every outcome of a load run."""

    outcomes: list[Outcome] = field(default_factory=list)

    def statuses(self) -> Counter[int]:
        """How many requests got each status (0: no answer at all)."""
        return Counter(o.status for o in self.outcomes)

    def by_kind(self, kind: str) -> list[Outcome]:
        """The outcomes of one kind of request."""
        return [o for o in self.outcomes if o.kind == kind]

    def server_errors(self) -> list[Outcome]:
        """Outcomes with a 5xx status or no answer."""
        return [o for o in self.outcomes if o.status >= 500 or o.status == 0]


def run_clients(base_url: str, plans: Sequence[Sequence[Call]]) -> LoadResult:
    """Run one real thread per plan; each sends its calls in order on its own connection."""

    def from_plan(client: int, n: int) -> Call | None:
        plan = plans[client]
        return plan[n] if n < len(plan) else None

    return _run(base_url, len(plans), from_plan)


def run_open_clients(
    base_url: str, clients: int, next_call: Callable[[int, int], Call | None]
) -> LoadResult:
    """Like run_clients, with ``next_call(client, n)`` giving each client's n-th call on the fly
    (None to stop), for time-bounded soak runs."""
    return _run(base_url, clients, next_call)


def _run(
    base_url: str,
    clients: int,
    next_call: Callable[[int, int], Call | None],
) -> LoadResult:
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(clients)  # all clients begin together

    def work(client_index: int) -> None:
        client = Client(base_url)
        start.wait()
        outcomes: list[Outcome] = []
        n = 0
        while (call := next_call(client_index, n)) is not None:
            n += 1
            began = time.perf_counter()
            try:
                status, headers, body = client.request(
                    call.method, call.path, body=call.body, headers=call.headers
                )
                seconds = time.perf_counter() - began
                outcomes.append(Outcome(call.kind, status, seconds, None, body, headers))
            except OSError as exc:
                client.close()
                outcomes.append(
                    Outcome(call.kind, 0, time.perf_counter() - began, type(exc).__name__)
                )
        client.close()
        with lock:
            result.outcomes.extend(outcomes)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result
