"""Pure rules: CPR-like text, the keyed hash, BIP progression and the chart."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.principal import Role
from service.citizens.bip import (
    INDICATORS,
    Measurement,
    add_months,
    change,
    mean_per_indicator,
    next_due,
    progression,
)
from service.citizens.chart import bip_chart_svg
from service.citizens.cpr import cpr_hmac
from service.citizens.models import Citizen
from service.cpr import looks_like_cpr, normalise_cpr
from tests.citizens.helpers import API, citizen_payload, error_fields
from tests.factories import bearer, make_key


class TestLooksLikeCpr:
    @pytest.mark.parametrize(
        "text",
        [
            "010190-1234",
            "0101901234",
            "010190 1234",
            "cpr: 311299-0001 ring",
            "290200-1234",  # 29 Feb 2000
            "610190-1234",  # substitute number: day + 60
            "Jens (150384-4321)",
        ],
    )
    def test_refused(self, text: str) -> None:
        assert looks_like_cpr(text)

    @pytest.mark.parametrize(
        "text",
        [
            "320190-1234",  # no 32nd
            "011390-1234",  # no 13th month
            "290201-1234",  # 2001 and 1901 had no 29 Feb
            "01019012345",  # eleven digits
            "12345678",  # a phone number
            "+45 12 34 56 78",
            "2025-01-01",
            "SAG-2024-000123",
            "Timer 10-16",
        ],
    )
    def test_allowed(self, text: str) -> None:
        assert not looks_like_cpr(text)

    def test_identifiers_only_refuse_a_cpr_number_standing_alone(self) -> None:
        hex_id = "a06b8711948043bdad5dd188f9823148"  # a real id that holds 8711948043

        assert looks_like_cpr(hex_id)
        assert not looks_like_cpr(hex_id, identifier=True)
        assert looks_like_cpr("opgave-010190-1234", identifier=True)
        assert looks_like_cpr("0101901234", identifier=True)

    def test_normalise_and_hash(self) -> None:
        assert normalise_cpr(" 150384-4321 ") == "1503844321"
        assert normalise_cpr("150384-432") is None
        assert normalise_cpr("321384-4321") is None
        first = cpr_hmac("1503844321", "a" * 40)
        assert first == cpr_hmac("1503844321", "a" * 40)
        assert first != cpr_hmac("1503844321", "b" * 40)  # keyed: another server, another hash
        assert len(first) == 64
        assert "1503844321" not in first


TEXT_FIELDS: list[tuple[str, Any]] = [
    ("name", "Jens 010190-1234"),
    ("external_ref", "0101901234"),
    ("wishes", "Lager; cpr 010190 1234"),
    ("notes", "CPR 010190-1234"),
    ("status_reason", "010190-1234"),
    ("preferred_tasks", ["010190-1234"]),
    ("excluded_tasks", ["0101901234"]),
    ("limits", {"other": "se 010190-1234"}),
    ("caseworker_ids", ["0101901234"]),
    # Fields whose own check would only say "wrong format" get the CPR message too.
    ("postal_code", "010190-1234"),
    ("programme_start_date", "0101901234"),
    ("municipality_code", "010190 1234"),
]


class TestCprRefusedInEveryField:
    def test_every_text_field_refuses_a_cpr_number(
        self, client: TestClient, session: Session
    ) -> None:
        _, key = make_key(session, Role.admin)

        for field, value in TEXT_FIELDS:
            extra = {"status": "ended"} if field == "status_reason" else {}
            response = client.post(
                f"{API}/citizens",
                json=citizen_payload(**{field: value}, **extra),
                headers=bearer(key),
            )

            assert response.status_code == 422, (field, response.text)
            messages = error_fields(response.json())
            located = [m for f, m in messages.items() if f.split(".")[0] == field]
            assert located, (field, messages)
            assert located[0] == "Feltet ligner et CPR-nummer; CPR-numre må ikke gemmes"
            assert "1234" not in response.text  # the number is never echoed
        assert session.exec(select(Citizen)).all() == []

    def test_english_message(self, client: TestClient, session: Session) -> None:
        _, key = make_key(session, Role.admin)

        response = client.post(
            f"{API}/citizens",
            json=citizen_payload(name="0101901234"),
            headers=bearer(key, **{"Accept-Language": "en"}),
        )

        assert error_fields(response.json())["name"] == (
            "The field looks like a CPR number; CPR numbers must not be stored"
        )


def answers(**values: int | None) -> dict[str, int | None]:
    """Ten answers, all 3 unless given."""
    return {key: values.get(key, 3) for key in INDICATORS}


class TestProgression:
    def test_months_are_added_on_the_calendar(self) -> None:
        assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
        assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
        assert add_months(date(2025, 1, 15), 6) == date(2025, 7, 15)
        assert add_months(date(2025, 7, 1), 6) == date(2026, 1, 1)
        assert next_due(None) is None

    def test_change_needs_both_answers(self) -> None:
        result = change(answers(job_goal=2, health=None), answers(job_goal=4, health=3))

        assert result["job_goal"] == 2
        assert result["health"] is None
        assert result["cooperation"] == 0

    def test_progression_orders_by_date_and_flags_overdue(self) -> None:
        measurements = [
            Measurement(date(2025, 7, 1), answers(job_goal=4)),
            Measurement(date(2024, 7, 1), answers(job_goal=1)),
            Measurement(date(2025, 1, 1), answers(job_goal=2, health=None)),
        ]

        on_time = progression(measurements, today=date(2025, 12, 31))
        late = progression(measurements, today=date(2026, 1, 11))

        assert on_time.change_since_first["job_goal"] == 3
        assert on_time.change_since_previous["job_goal"] == 2
        assert on_time.change_since_previous["health"] is None
        assert (on_time.next_due, on_time.overdue, on_time.days_overdue) == (
            date(2026, 1, 1),
            False,
            None,
        )
        assert (late.overdue, late.days_overdue) == (True, 10)

    def test_no_measurements(self) -> None:
        result = progression([], today=date(2025, 1, 1))

        assert result.next_due is None
        assert not result.overdue
        assert set(result.change_since_first.values()) == {None}

    def test_means_ignore_missing_answers(self) -> None:
        means = mean_per_indicator([answers(health=None), answers(health=5), answers(health=4)])

        assert means["health"] == 4.5
        assert means["job_goal"] == 3


class TestChart:
    def test_every_indicator_has_a_danish_panel(self) -> None:
        svg = bip_chart_svg(
            [
                Measurement(date(2024, 1, 1), answers(health=None)),
                Measurement(date(2024, 6, 1), answers(health=2), caseworker_belief=4),
            ]
        )

        for label in (
            "Idé om job",
            "Misbrug (5 = intet problem)",
            "Støtte fra familie og venner",
            "Kontakt til fremmede",
            "Kompetencer kan bruges",
            "Kan klare et arbejde",
            "Ved hvad der skal til",
            "Sagsbehandlerens tro på job",
        ):
            assert f">{label}<" in svg
        assert svg.count('class="panel"') == 11
        assert svg.count("ikke besvaret") == 2  # health at the first, belief at the first
        assert "2 målinger" in svg

    def test_empty_chart_says_so(self) -> None:
        svg = bip_chart_svg([])

        assert "Ingen BIP-målinger endnu" in svg
        assert 'class="panel"' not in svg
