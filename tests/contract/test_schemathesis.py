"""Contract fuzzing: schemathesis sends generated requests to every operation of the app's
OpenAPI document and checks each answer against it (status documented, body and headers as
documented, bad input refused, 405 with the right Allow header, no 5xx).

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
from tests.factories import bearer, make_key

EXAMPLES = 5
EXCLUDED: list[Any] = []  # every check runs, positive_data_acceptance included

# Where the API refuses a request its schema allows for a reason JSON Schema cannot say, the
# refusal is a documented status of that operation, and positive_data_acceptance is told so
# (schemathesis' per-operation `checks.positive_data_acceptance.expected-statuses`, on top of
# its defaults 2xx, 3xx, 401, 403, 404, 409, 429, 5xx). Everything expressible is in the schema
# instead (postal code, municipality code, organisation key and clock patterns).
_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
DOCUMENTED_REFUSALS: dict[str, tuple[list[str], str]] = {
    # A file's contents (columns, text or XLSX) are not described by multipart/form-data.
    "400-file": (
        [
            "POST /api/v1/companies/import",
            "POST /api/v1/citizens/import",
            "POST /api/v1/citizens/bip/import",
        ],
        "400",
    ),
    # Rules on values: a municipality code that names no municipality (or no tax rule), a CVR
    # check digit, a DB25 code not in the list, an e-mail or mobile number that is not one, an
    # hourly wage that is not a number, an id that names no row, "custom needs text".
    "422-rule": (
        [
            "POST /api/v1/users",
            "POST /api/v1/companies",
            "GET /api/v1/openings",
            "POST /api/v1/citizens",
            "GET /api/v1/budget",
            "POST /api/v1/placements",
            "POST /api/v1/bus-tours",
            "GET /api/v1/overview/companies",
            "GET /api/v1/overview/summary",
            "POST /api/v1/reminders",
            "POST /api/v1/mentors",
            "POST /api/v1/network-meetings",
            "GET /api/v1/organisations",
            "POST /api/v1/organisations",
            "POST /api/v1/companies/{company_id}/openings",
        ],
        "422",
    ),
}


def contract_config(document: dict[str, Any]) -> SchemathesisConfig:
    """All checks; NUL is never generated (every route refuses it, documented 422)."""
    extra: dict[str, list[str]] = defaultdict(list)
    # A cursor is opaque and signed (Fernet): only a next_cursor the API gave out is valid (400).
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                extra[f"{method.upper()} {path}"].append("400")
    for names, status in DOCUMENTED_REFUSALS.values():
        for name in names:
            extra[name].append(status)
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
