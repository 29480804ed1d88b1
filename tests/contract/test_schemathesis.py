"""Contract fuzzing: schemathesis sends generated requests to every operation of the app's
OpenAPI document and checks each answer against it (status documented, body and headers as
documented, bad input refused, valid input accepted, 405 with the right Allow header, no 5xx):
every check schemathesis has, none excluded.

Bounded and deterministic: ``EXAMPLES`` per operation, derandomized, no example database, no
shrinking (each failing case is recorded as found). Runs inside the test's transaction, on both
databases, with an admin key (the role that reaches every operation).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case
from sqlmodel import Session

from service.auth.principal import Role
from service.idempotency import HEADER as IDEMPOTENCY_HEADER
from tests.factories import bearer, make_key

EXAMPLES = 5
EXCLUDED: list[Any] = []  # every check runs, positive_data_acceptance included

# Where the API refuses a request its schema allows for a reason JSON Schema cannot say, that
# status is documented in the operation's responses (contract_config checks it) and
# positive_data_acceptance is told to expect it there (schemathesis' per-operation
# `checks.positive_data_acceptance.expected-statuses`, on top of its defaults 2xx, 3xx, 401,
# 403, 404, 409, 429, 5xx). Everything expressible is in the schema instead: postal code
# format, the 98 municipality codes, CVR/P-number/industry code digits, e-mail and phone
# patterns, organisation key, clock time, unique citizen ids in a bus tour.
_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# A file's contents (columns, text or XLSX) are not described by multipart/form-data.
_FILE = "400"
# A rule JSON Schema cannot state: a value checked against stored rows or data tables, or a
# rule between two fields.
_RULE = "422"
DOCUMENTED_REFUSALS: dict[str, tuple[str, str]] = {
    "POST /api/v1/companies/import": (_FILE, "the file's columns and cells"),
    "POST /api/v1/citizens/import": (_FILE, "the file's columns and cells"),
    "POST /api/v1/citizens/bip/import": (_FILE, "the file's columns and cells"),
    "POST /api/v1/users": (_RULE, "a municipal role needs a municipality code"),
    "POST /api/v1/companies": (
        _RULE,
        "the CVR check digit (modulus 11); a postal code in the table; an existing contact owner",
    ),
    "POST /api/v1/citizens": (_RULE, "a postal code in the postal-code table"),
    "GET /api/v1/budget": (_RULE, "a municipality with a tax rule on the date `on`"),
    "POST /api/v1/placements": (_RULE, "ids that name a citizen, company, task, caseworker"),
    "POST /api/v1/bus-tours": (_RULE, "ids that name citizens; latest_return after start_time"),
    "GET /api/v1/overview/companies": (_RULE, "active_from not after active_to"),
    "GET /api/v1/overview/summary": (_RULE, "active_from not after active_to"),
    "POST /api/v1/reminders": (_RULE, "a citizen id that names one; a custom reminder's text"),
    "POST /api/v1/network-meetings": (_RULE, "company ids that name companies"),
    "POST /api/v1/companies/{company_id}/openings": (
        _RULE,
        "a task id in the catalogue, or task text the normaliser can place",
    ),
}


def contract_config(document: dict[str, Any]) -> SchemathesisConfig:
    """All checks; NUL is never generated (every route refuses it, documented 422)."""
    extra: dict[str, list[str]] = defaultdict(list)
    responses: dict[str, set[str]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            name = f"{method.upper()} {path}"
            responses[name] = set(operation["responses"])
            # A cursor is opaque and signed: only a next_cursor the API gave out is valid (400).
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                extra[name].append("400")
    for name, (status, _reason) in DOCUMENTED_REFUSALS.items():
        extra[name].append(status)
    for name, statuses in extra.items():
        # Only a status the operation documents may be expected, and only of a real operation.
        assert set(statuses) <= responses[name], (name, statuses)
    operations = [
        {
            "include-name": name,
            "checks": {"positive_data_acceptance": {"expected-statuses": _DEFAULT + statuses}},
        }
        for name, statuses in extra.items()
    ]
    return SchemathesisConfig.from_dict(
        {"generation": {"allow-x00": False}, "operations": operations}
    )


def fuzz(operation: Any, key: str, found: list[str]) -> None:
    """Send EXAMPLES generated requests to one operation; record each failing check."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Case) -> None:  # type: ignore[type-arg]
        # The documented Idempotency-Key is not sent: the middleware keeps it in a transaction
        # of its own, which the test's one open transaction would block (and outlive).
        # tests/test_idempotency.py proves it against a real server, under concurrency.
        if case.headers:
            case.headers.pop(IDEMPOTENCY_HEADER, None)
        try:
            case.call_and_validate(headers=bearer(key), excluded_checks=EXCLUDED)
        except (Exception, BaseExceptionGroup) as exc:
            found.append(str(exc)[:2000])

    run()


def test_every_operation_holds_its_contract(app: FastAPI, session: Session) -> None:
    _, key = make_key(session, Role.admin)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=contract_config(app.openapi())
    )
    failures: dict[str, list[str]] = defaultdict(list)
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        operations += 1
        fuzz(operation, key, failures[operation.label])

    assert operations > 70
    failed = {label: items for label, items in failures.items() if items}
    report = "\n\n".join(f"{label}:\n{items[0]}" for label, items in failed.items())
    assert not failed, f"{sum(map(len, failed.values()))} failures\n{report}"
