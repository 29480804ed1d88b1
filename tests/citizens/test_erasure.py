"""Erasure: after DELETE no table holds the citizen's name, case number or CPR trace."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from service.auth.principal import Role
from service.citizens.cpr import cpr_hmac
from service.citizens.models import AnonymousCitizenCount, Citizen
from service.config import Settings
from tests.citizens.helpers import ALL_TEN, API, actions, citizen_audit, make_citizen
from tests.factories import bearer, make_key

NAME = "Zacharias Quistgaard-Ølby"
REF = "SAG-SLET-4711"
CPR = "0203851234"  # fictional: a real date, so it is CPR-shaped


def every_value(session: Session) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-empty cell of every table in the database."""
    connection = session.connection()
    found = []
    for table in inspect(connection).get_table_names():
        result = connection.execute(text(f'SELECT * FROM "{table}"'))
        columns = list(result.keys())
        for row in result:
            for column, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                as_text = value if isinstance(value, str) else json.dumps(value, default=str)
                found.append((table, column, as_text))
    return found


def mentions(session: Session, *needles: str) -> list[tuple[str, str]]:
    """Where in the database any of the texts occurs (case-insensitive)."""
    folded = [n.casefold() for n in needles]
    return [
        (table, column)
        for table, column, value in every_value(session)
        if any(n in value.casefold() for n in folded)
    ]


class TestErasure:
    def test_nothing_personal_remains_in_any_table(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        caseworker, key = make_key(session, Role.caseworker, "360")
        _, consultant_key = make_key(session, Role.company_consultant, "360")
        headers = bearer(key)
        upload = (
            "Navn;Sagsnummer;CPR;Postnr;Startdato;Køn;Fødselsår\n"
            f"{NAME};{REF};020385-1234;4930;01-03-2025;mand;1985\n"
        )
        imported = client.post(
            f"{API}/citizens/import",
            files={"file": ("borgere.csv", upload.encode())},
            headers=headers,
        ).json()
        citizen_id = imported["created"][0]["citizen_id"]
        url = f"{API}/citizens/{citizen_id}"
        for day in ("2025-03-05", "2025-09-05"):
            client.post(
                f"{url}/bip", json={"measured_on": day, "answers": ALL_TEN}, headers=headers
            )
        client.patch(url, json={"wishes": f"{NAME} vil gerne arbejde på lager"}, headers=headers)
        client.get(f"{API}/citizens?q=quistgaard", headers=bearer(consultant_key))
        client.get(f"{url}/export", headers=headers)
        client.get(f"{url}/bip/chart.svg", headers=headers)
        hashed = cpr_hmac(CPR, settings.secret_key)
        assert mentions(session, NAME, REF, hashed) != []  # the search below can find them

        response = client.delete(url, headers=headers)

        assert response.status_code == 204
        assert mentions(session, NAME, "Quistgaard", REF, CPR, "020385", hashed) == []
        assert client.get(url, headers=headers).status_code == 404
        assert session.get(Citizen, citizen_id) is None
        counts = session.exec(select(AnonymousCitizenCount)).all()
        assert [
            (c.municipality_code, c.status, c.year, c.citizens, c.bip_measurements) for c in counts
        ] == [("360", "active", 2025, 1, 2)]
        # The audit trail stays (who did what, when), by opaque id only.
        trail = actions(session, citizen_id)
        assert trail[0] == "create"
        assert trail[-1] == "erase"
        assert {"bip_create", "update", "read", "export", "bip_chart"} <= set(trail)
        assert citizen_audit(session, citizen_id)[-1].actor_user_id == caseworker.user_id

    def test_counts_add_up_by_municipality_status_and_year(
        self, client: TestClient, session: Session
    ) -> None:
        _, admin_key = make_key(session, Role.admin)
        ended = [
            make_citizen(
                session,
                status="ended",
                status_reason="Flyttet",
                programme_start_date="2024-05-01",
            )
            for _ in range(2)
        ]
        other = make_citizen(session, postal_code="4800", programme_start_date="2023-02-01")

        for citizen in (*ended, other):
            assert (
                client.delete(f"{API}/citizens/{citizen.id}", headers=bearer(admin_key)).status_code
                == 204
            )

        counts = session.exec(
            select(AnonymousCitizenCount).order_by(AnonymousCitizenCount.municipality_code)
        ).all()
        assert [(c.municipality_code, c.status, c.year, c.citizens) for c in counts] == [
            ("360", "ended", 2024, 2),
            ("376", "active", 2023, 1),
        ]
