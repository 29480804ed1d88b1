"""The server's log carries no personal data: after an API run against `kantmatch serve`, the
captured log (access log and application log) holds none of the CPR-like values and citizen
names the run sent, in the path, the query, a cursor or an error."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import Session

from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Role
from service.db import make_engine
from service.migrations_runner import upgrade_database
from tests.conftest import fresh_database_url
from tests.contract.test_cpr_fields import CPR_FORMS

NAMES = ["Agnete Ærbødig", "Birthe Bøgelund", "Carl Christoffersen"]
SECRET = "s" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Api:
    """Plain HTTP calls to the live server with one API key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def live_server(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Api, Path]]:
    """`kantmatch serve` on a loopback port over a fresh database; yields the API and log file."""
    url = fresh_database_url(backend, request, "kantmatch_logs")
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine) as session, session.begin():
        _, key = auth_service.create_user_with_key(
            session,
            name="Logprøve Admin",
            role=Role.admin,
            municipality_code=None,
            actor=CLI_PRINCIPAL,
        )
    engine.dispose()
    port = _free_port()
    log_path = tmp_path / "server.log"
    env = {
        **os.environ,
        "KANTMATCH_DATABASE_URL": url,
        "KANTMATCH_ENVIRONMENT": "test",
        "KANTMATCH_SECRET_KEY": SECRET,
        "KANTMATCH_LOG_LEVEL": "INFO",
    }
    kantmatch = str(Path(sys.executable).with_name("kantmatch"))
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [kantmatch, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base_url + "/health", timeout=2).close()
                    break
                except (OSError, urllib.error.HTTPError):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.2)
            yield Api(base_url + "/api/v1", key), log_path
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_log_of_an_api_run_holds_no_cpr_number_and_no_name(
    live_server: tuple[Api, Path],
) -> None:
    api, log_path = live_server
    ids = []
    for number, name in enumerate(NAMES):
        status, body = api.call(
            "POST",
            "/citizens",
            {"name": name, "external_ref": f"LOG-{number}", "postal_code": "4930"},
        )
        assert status == 201, body
        ids.append(body["id"])
    for form in CPR_FORMS.values():
        status, body = api.call("PATCH", f"/citizens/{ids[0]}", {"wishes": f"cpr {form}"})
        assert status == 422
        assert body["error"]["fields"][0]["field"] == "wishes"
        # Searches by a CPR number, a path that holds one, a search by name.
        status, _ = api.call("GET", f"/citizens?q={quote(form)}")
        assert status in (200, 422)
        api.call("GET", f"/citizens/{quote(form)}")
    for name in NAMES:
        status, body = api.call("GET", f"/citizens?q={quote(name)}&limit=5")
        assert status == 200
        assert [item["name"] for item in body["items"]] == [name]
        api.call("GET", f"/companies?q={quote(name)}")
    # Page through the list with cursors: the cursor holds the last name, encrypted.
    cursor = ""
    pages = 0
    while True:
        status, body = api.call("GET", f"/citizens?limit=1{cursor}")
        assert status == 200
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = f"&cursor={quote(body['next_cursor'])}"
    assert pages == len(NAMES)

    time.sleep(0.5)  # let the server write its last lines
    log = log_path.read_text(encoding="utf-8", errors="replace")

    # The run was logged: one access line per call, URLs redacted.
    assert '"GET /api/v1/citizens?q=[redacted] HTTP/1.1" 200' in log
    assert '"GET /api/v1/citizens/[cpr] HTTP/1.1" 404' in log
    assert log.count("/api/v1/citizens") >= 3 * len(CPR_FORMS) + 2 * len(NAMES) + pages
    # And nothing personal: no CPR-like value in any spelling, no name or part of one.
    folded = log.casefold()
    for form in CPR_FORMS.values():
        assert form not in log
        assert quote(form) not in log
    assert "1092" not in log
    for name in NAMES:
        for part in name.split():
            assert part.casefold() not in folded
            assert quote(part).casefold() not in folded
