"""Every role x every citizen endpoint x the caller's own and another municipality.

Scoped roles (caseworker, company consultant) belong to Lolland (360); "own" is a citizen or
row in Lolland and "other" one in Guldborgsund (376). Each cell asserts the status, the shape
of what was answered, the audit rows written about the citizen, and that refusals change nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.principal import Role
from service.citizens.models import BipMeasurement, Citizen
from tests.citizens.helpers import ALL_TEN, API, actions, add_bip, citizen_payload, make_citizen
from tests.factories import bearer, make_key

HOME = "360"
POSTAL = {"own": "4930", "other": "4800"}  # Maribo (Lolland), Nykøbing F (Guldborgsund)
SCOPE = {
    Role.admin: None,
    Role.caseworker: HOME,
    Role.company_consultant: HOME,
    Role.blf_consultant: None,
    Role.integration: None,
}
ROLE_REFUSED = "Rollen {role} har ikke adgang til dette"
SCOPE_REFUSED = "Du har ikke adgang til borgere i kommune 376"
ROW_SCOPE_REFUSED = SCOPE_REFUSED
# Endpoints that name a municipality rather than a citizen id: refused with 403.
BY_MUNICIPALITY = frozenset({"list", "create"})
ROW_NOT_FOUND = "Ingen borger med det sagsnummer (opret borgeren først)"


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode()


@dataclass(frozen=True)
class Endpoint:
    """How to call one citizen endpoint, and which audit action a success leaves."""

    name: str
    call: Callable[[TestClient, dict[str, str], Citizen, str], Any]
    action: str | None  # audited on the citizen when the call succeeds
    readers: frozenset[Role]  # roles that pass the role check


FULL = frozenset({Role.admin, Role.caseworker})
READERS = FULL | {Role.company_consultant}

ENDPOINTS = [
    Endpoint(
        "list",
        lambda c, h, citizen, where: c.get(
            f"{API}/citizens?municipality_code={citizen.municipality_code}&limit=500", headers=h
        ),
        "read",
        READERS,
    ),
    Endpoint(
        "read",
        lambda c, h, citizen, where: c.get(f"{API}/citizens/{citizen.id}", headers=h),
        "read",
        READERS,
    ),
    Endpoint(
        "create",
        lambda c, h, citizen, where: c.post(
            f"{API}/citizens", json=citizen_payload(postal_code=POSTAL[where]), headers=h
        ),
        None,
        FULL,
    ),
    Endpoint(
        "update",
        lambda c, h, citizen, where: c.patch(
            f"{API}/citizens/{citizen.id}", json={"notes": "Ændret"}, headers=h
        ),
        "update",
        FULL,
    ),
    Endpoint(
        "erase",
        lambda c, h, citizen, where: c.delete(f"{API}/citizens/{citizen.id}", headers=h),
        "erase",
        FULL,
    ),
    Endpoint(
        "bip_read",
        lambda c, h, citizen, where: c.get(f"{API}/citizens/{citizen.id}/bip", headers=h),
        "bip_read",
        FULL,
    ),
    Endpoint(
        "bip_create",
        lambda c, h, citizen, where: c.post(
            f"{API}/citizens/{citizen.id}/bip",
            json={"measured_on": "2025-06-01", "answers": ALL_TEN},
            headers=h,
        ),
        "bip_create",
        FULL,
    ),
    Endpoint(
        "chart",
        lambda c, h, citizen, where: c.get(f"{API}/citizens/{citizen.id}/bip/chart.svg", headers=h),
        "bip_chart",
        FULL,
    ),
    Endpoint(
        "audit",
        lambda c, h, citizen, where: c.get(f"{API}/citizens/{citizen.id}/audit", headers=h),
        "audit_read",
        frozenset({Role.admin}),
    ),
    Endpoint(
        "export",
        lambda c, h, citizen, where: c.get(f"{API}/citizens/{citizen.id}/export", headers=h),
        "export",
        FULL,
    ),
    Endpoint(
        "import_citizens",
        lambda c, h, citizen, where: c.post(
            f"{API}/citizens/import",
            files={
                "file": (
                    "borgere.csv",
                    _csv([["Navn", "Sagsnummer", "Postnr"], ["Ny Borger", "NY-1", POSTAL[where]]]),
                )
            },
            headers=h,
        ),
        None,
        FULL,
    ),
    Endpoint(
        "import_bip",
        lambda c, h, citizen, where: c.post(
            f"{API}/citizens/bip/import",
            files={
                "file": (
                    "bip.csv",
                    _csv(
                        [
                            ["Sagsnummer", "Dato", "Misbrug", "Helbred"],
                            [citizen.external_ref, "2025-06-01", "5", "3"],
                        ]
                    ),
                )
            },
            headers=h,
        ),
        "bip_create",
        FULL,
    ),
]


def _in_scope(role: Role, where: str) -> bool:
    return SCOPE[role] is None or where == "own"


def _check_cell(
    client: TestClient,
    session: Session,
    headers: dict[str, str],
    endpoint: Endpoint,
    role: Role,
    where: str,
) -> None:
    citizen = make_citizen(session, postal_code=POSTAL[where], external_ref=f"M-{where}")
    add_bip(session, citizen, "2024-01-01", ALL_TEN)
    citizen_id, before = citizen.id, actions(session, citizen.id)
    citizens_before = len(session.exec(select(Citizen)).all())

    response = endpoint.call(client, headers, citizen, where)

    role_ok = role in endpoint.readers
    if not role_ok:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["message"] == ROLE_REFUSED.format(role=role)
    elif endpoint.name.startswith("import_"):
        # Imports answer per row: a row of another municipality is rejected, never stored.
        assert response.status_code == 200, response.text
        report = response.json()
        if _in_scope(role, where):
            assert report["rejected"] == []
            assert len(report["created"]) == 1
        else:
            assert report["created"] == []
            reason = ROW_SCOPE_REFUSED if endpoint.name == "import_citizens" else ROW_NOT_FOUND
            assert [p["message"] for p in report["rejected"]] == [reason]
    elif not _in_scope(role, where) and endpoint.name in BY_MUNICIPALITY:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["message"] == SCOPE_REFUSED
    elif not _in_scope(role, where):
        # Another municipality's citizen answers exactly like a missing one: ids cannot be probed.
        assert response.status_code == 404, response.text
        assert response.json()["error"]["message"] == f"Borgeren {citizen_id} findes ikke"
    else:
        assert response.status_code in (200, 201, 204), response.text
        _assert_answer(endpoint.name, role, response, citizen_id)

    succeeded = role_ok and _in_scope(role, where)
    expected = [*before, endpoint.action] if succeeded and endpoint.action else before
    assert actions(session, citizen_id) == expected
    if endpoint.name == "bip_create" and not succeeded:
        assert len(session.exec(select(BipMeasurement)).all()) == 1
    if endpoint.name != "erase" or not succeeded:
        assert session.get(Citizen, citizen_id) is not None
    if endpoint.name in ("create", "import_citizens"):
        assert len(session.exec(select(Citizen)).all()) == citizens_before + int(succeeded)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_role_on_own_and_other_municipality(
    client: TestClient, session: Session, endpoint: Endpoint
) -> None:
    headers = {role: bearer(make_key(session, role, SCOPE[role])[1]) for role in Role}
    failures: list[str] = []

    for role in Role:
        for where in ("own", "other"):
            # Each cell runs in a savepoint that is rolled back, so cells cannot see each other.
            savepoint = session.begin_nested()
            try:
                _check_cell(client, session, headers[role], endpoint, role, where)
            except AssertionError as exc:
                failures.append(f"{endpoint.name} x {role} x {where}: {exc}")
            finally:
                savepoint.rollback()
                session.expire_all()

    assert failures == [], "\n".join(failures)


def _assert_answer(name: str, role: Role, response: Any, citizen_id: str) -> None:
    if name == "list":
        items = response.json()["items"]
        assert citizen_id in [i["id"] for i in items]
        view = "consultant" if role == Role.company_consultant else "caseworker"
        assert {i["view"] for i in items} == {view}
    elif name == "read":
        body = response.json()
        assert body["id"] == citizen_id
        if role == Role.company_consultant:
            assert body["view"] == "consultant"
            assert "limits" not in body
            assert "notes" not in body
        else:
            assert body["view"] == "caseworker"
            assert body["limits"]["cannot_lift_heavy"] is True
    elif name in ("bip_read", "bip_create"):
        assert response.json()["measurements"][0]["answers"] == ALL_TEN
    elif name == "chart":
        assert response.text.startswith("<svg")
    elif name == "export":
        assert response.json()["citizen"]["id"] == citizen_id
    elif name == "audit":
        assert response.json()["items"][0]["action"] == "create"
    elif name == "update":
        assert response.json()["notes"] == "Ændret"
    elif name == "create":
        assert response.json()["view"] == "caseworker"
