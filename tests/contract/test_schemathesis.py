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
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlmodel import Session

from service.auth.principal import Role
from tests.factories import bearer, make_key

EXAMPLES = 5
# Left out, with the reason: a request the schema allows but a rule refuses (a postal code that
# does not exist, a CVR check digit, an id that names no row, "custom needs text") answers 422,
# which JSON Schema cannot express. Every other check (schemathesis' default: all) runs.
EXCLUDED: list[Any] = [positive_data_acceptance]


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
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
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
