"""A fake GatewayAPI: a real HTTP server on loopback that records requests and answers.

Only the SMS gateway is faked (the process's edge). Each request is answered from a script of
responses (status, body), then with success; every request is kept for the test to check.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    """One request the fake gateway received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeGateway:
    """The server's state: what it received and what it will answer next."""

    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    delay_seconds: float = 0.0
    next_id: int = 421332671
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, dict[str, Any]]:
        """The next scripted answer, or a success with a fresh message id."""
        with self.lock:
            if self.script:
                return self.script.pop(0)
            self.next_id += 1
            return 200, {"ids": [self.next_id], "usage": {"count": 1, "currency": "DKK"}}


def _handler(state: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with state.lock:
                state.requests.append(RecordedRequest(self.path, dict(self.headers), body))
            if state.delay_seconds:
                threading.Event().wait(state.delay_seconds)
            status, answer = state.answer()
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def fake_gateway() -> Iterator[FakeGateway]:
    """Run the fake gateway on a free loopback port for the duration of the block."""
    state = FakeGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
