"""Budget examples: hand-computed cases under both regimes, and the API."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import Role
from service.placements.budget import BenefitCategory, compute_budget, load_rules
from tests.factories import bearer, make_key

D = Decimal


def fig(value: float) -> dict[str, Any]:
    """A verified figure for hand-made rules."""
    return {"value": value, "source": "test", "verified": True}


def hand_rules() -> dict[str, Any]:
    """Round numbers, so every expected value below can be worked out by hand."""
    categories = [c.value for c in BenefitCategory]
    return {
        "regimes": [
            {
                "id": "hourly_disregard",
                "name": "old",
                "valid_from": date(2021, 1, 1),
                "valid_to": date(2025, 6, 30),
                "kind": "hourly_disregard",
                "max_hours_per_month": fig(160),
                "hourly_disregard": {2024: fig(30)},
                "rates": {c: fig(10000) for c in categories},
                "rates_year_note": "note",
                "rates_years_verified": [2024],
            },
            {
                "id": "monthly_disregard",
                "name": "new",
                "valid_from": date(2025, 7, 1),
                "valid_to": None,
                "kind": "monthly_disregard",
                "deduction_share": fig(0.65),
                "monthly_disregard": {
                    "forhoejet_sats": fig(2600),
                    "forhoejet_sats_children": fig(2600),
                    "grundsats": fig(5000),
                    "grundsats_home": fig(0),
                    "mindstesats": fig(5000),
                },
                "ceiling_share": {
                    c: fig(0.85 if c.startswith(("grund", "mindste")) else 1.0) for c in categories
                },
                "max_unemployment_benefit_month": fig(20000),
                "rates": {**{c: fig(10000) for c in categories}, "grundsats_home": fig(4000)},
            },
        ],
        "tax": {
            "am_bidrag_share": fig(0.08),
            "years": {
                2024: {
                    "personfradrag_year": fig(48000),
                    "bundskat_share": fig(0.12),
                    "beskaeftigelsesfradrag_share": fig(0.10),
                    "beskaeftigelsesfradrag_max_year": fig(60000),
                },
            },
            "municipal_tax_share": {"360": fig(0.25)},
        },
    }


def budget(category: BenefitCategory, on: date, wage: str, *hours: int) -> list[Any]:
    result = compute_budget(
        hourly_wage=D(wage),
        category=category,
        on=on,
        municipality_code="360",
        hours_per_week=tuple(D(h) for h in hours),
        rules=hand_rules(),
    )
    return result.rows


NEW = date(2025, 9, 1)
OLD = date(2024, 9, 1)


class TestMonthlyDisregard:
    def test_earnings_exactly_at_the_disregard_keep_the_whole_benefit(self) -> None:
        # 6 h/week x 52/12 = 26 h/month x 100 kr = 2,600 kr = the disregard.
        zero, at_disregard, above = budget(BenefitCategory.forhoejet_sats, NEW, "100", 0, 6, 12)

        assert at_disregard.earnings == D("2600.00")
        assert at_disregard.benefit == D("10000.00")
        # 0 h: taxable 10,000 - 48,000/12 = 6,000; tax 37 % = 2,220.
        assert zero.tax == D("2220.00")
        assert zero.disposable_income == D("7780.00")
        # 6 h: AM 208; beskæftigelsesfradrag 260; taxable 2,600-208+10,000-260-4,000 = 8,132.
        assert at_disregard.am_bidrag == D("208.00")
        assert at_disregard.tax == D("3008.84")
        assert at_disregard.disposable_income == D("9383.16")
        assert at_disregard.gain == D("1603.16")
        # 12 h: 5,200 kr; 65 % of 2,600 above the disregard = 1,690 deducted.
        assert above.benefit == D("8310.00")
        assert above.tax == D("3172.38")  # (5,200-416+8,310-520-4,000) x 0.37
        assert above.gain == D("2141.62")

    def test_living_at_home_has_no_disregard(self) -> None:
        (row,) = budget(BenefitCategory.grundsats_home, NEW, "100", 6)

        assert row.benefit == D("2310.00")  # 4,000 - 0.65 x 2,600

    def test_the_ceiling_turns_the_deduction_krone_for_krone(self) -> None:
        # 30 h: 13,000 kr. 65 % rule: 10,000 - 0.65 x 8,000 = 4,800, but earnings + benefit may
        # not pass 85 % of 20,000 = 17,000, so the benefit is 4,000.
        (row,) = budget(BenefitCategory.grundsats, NEW, "100", 30)

        assert row.earnings == D("13000.00")
        assert row.benefit == D("4000.00")

    def test_benefit_never_goes_below_zero(self) -> None:
        (row,) = budget(BenefitCategory.forhoejet_sats, NEW, "200", 37)

        assert row.benefit == D("0.00")


class TestHourlyDisregard:
    def test_earnings_are_deducted_except_the_hourly_disregard(self) -> None:
        # 10 h/week = 43.33 h/month; 4,333.33 kr; disregard 30 x 43.33 = 1,300.
        (row,) = budget(BenefitCategory.forhoejet_sats, OLD, "100", 10)

        assert row.earnings == D("4333.33")
        assert row.benefit == D("6966.67")

    def test_the_disregard_stops_at_160_hours_a_month(self) -> None:
        # 40 h/week = 173.33 h/month, but only 160 h earn the disregard: 4,800, not 5,200.
        (row,) = budget(BenefitCategory.forhoejet_sats, OLD, "50", 40)

        assert row.earnings == D("8666.67")
        assert row.benefit == D("6133.33")

    def test_regime_follows_the_date(self) -> None:
        rules = hand_rules()
        old = compute_budget(
            hourly_wage=D(100),
            category=BenefitCategory.grundsats,
            on=date(2025, 6, 30),
            municipality_code="360",
            rules=rules,
        )
        new = compute_budget(
            hourly_wage=D(100),
            category=BenefitCategory.grundsats,
            on=date(2025, 7, 1),
            municipality_code="360",
            rules=rules,
        )

        assert (old.regime, new.regime) == ("hourly_disregard", "monthly_disregard")
        assert [r.hours_per_week for r in new.rows] == [D(0), D(5), D(10), D(15), D(20)]


class TestWarnings:
    def test_unverified_numbers_are_named_in_the_warnings(self) -> None:
        rules = copy.deepcopy(hand_rules())
        rules["regimes"][1]["monthly_disregard"]["forhoejet_sats"] = {
            "value": 2600,
            "source": "ikke fundet",
            "verified": False,
        }

        result = compute_budget(
            hourly_wage=D(100),
            category=BenefitCategory.forhoejet_sats,
            on=NEW,
            municipality_code="360",
            rules=rules,
        )

        unverified = [w for w in result.warnings if w.startswith("Ikke kontrolleret")]
        assert unverified == ["Ikke kontrolleret: fribeløb (forhoejet_sats) = 2600 (ikke fundet)"]

    def test_a_year_missing_from_the_rules_is_said(self) -> None:
        result = compute_budget(
            hourly_wage=D(100),
            category=BenefitCategory.forhoejet_sats,
            on=date(2023, 3, 1),
            municipality_code="360",
            rules=hand_rules(),
        )

        assert "Skattesatserne for 2023 findes ikke i reglerne; 2024 er brugt" in result.warnings
        assert "Timefradraget for 2023 findes ikke i reglerne; 2024 er brugt" in result.warnings

    def test_shipped_rules_mark_every_unverified_number(self) -> None:
        for regime in load_rules()["regimes"]:
            for raw in regime["rates"].values():
                assert raw["source"]
                if "PLADSHOLDER" in raw["source"]:
                    assert raw["verified"] is False


class TestBudgetApi:
    URL = "/api/v1/budget"

    @pytest.fixture
    def headers(self, session: Session) -> dict[str, str]:
        _, key = make_key(session, Role.company_consultant, "376")
        return bearer(key)

    def test_default_table_under_the_shipped_rules(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get(
            self.URL,
            params={"hourly_wage": "140", "benefit_category": "forhoejet_sats", "on": "2025-09-01"},
            headers=headers,
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["municipality_code"] == "376"  # the consultant's own municipality
        assert [r["hours_per_week"] for r in body["rows"]] == [0, 5, 10, 15, 20]
        assert body["rows"][0]["gain"] == 0
        five = body["rows"][1]
        assert five["earnings"] == 3033.33  # 5 x 52/12 x 140, a JSON number
        assert five["benefit"] == 11597.34  # 11,944 - 0.65 x (3,033.33 - 2,500)
        gains = [r["gain"] for r in body["rows"]]
        assert gains == sorted(gains)
        assert gains[-1] > 0
        assert body["rules"]["regime"] == "monthly_disregard"
        assert body["rules"]["valid_from"] == "2025-07-01"
        assert any(w.startswith("Ikke kontrolleret: sats") for w in body["rules"]["warnings"])
        assert {s["label"] for s in body["rules"]["sources"]} >= {"AM-bidrag", "bundskat"}

    def test_hours_can_be_chosen_and_the_old_regime_applies_before_july_2025(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get(
            self.URL,
            params=[
                ("hourly_wage", "130"),
                ("benefit_category", "grundsats"),
                ("on", "2024-05-01"),
                ("hours_per_week", "0"),
                ("hours_per_week", "9"),
                ("municipality_code", "360"),
            ],
            headers=headers,
        )

        body = response.json()
        assert [r["hours_per_week"] for r in body["rows"]] == [0, 9]
        assert body["rules"]["regime"] == "hourly_disregard"
        # 9 h/week = 39 h/month: 5,070 kr earned, 28.66 x 39 = 1,117.74 disregarded.
        assert body["rows"][1]["benefit"] == round(7699 - (5070 - 1117.74), 2)

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"hourly_wage": "0", "benefit_category": "grundsats"}, "hourly_wage"),
            ({"hourly_wage": "140", "benefit_category": "rig"}, "benefit_category"),
            ({"hourly_wage": "140", "benefit_category": "grundsats", "on": "2019-01-01"}, "on"),
            (
                {"hourly_wage": "140", "benefit_category": "grundsats", "municipality_code": "101"},
                "municipality_code",
            ),
            (
                {"hourly_wage": "140", "benefit_category": "grundsats", "hours_per_week": "40"},
                "hours_per_week.0",
            ),
        ],
    )
    def test_bad_input_names_the_field(
        self, client: TestClient, headers: dict[str, str], params: dict[str, str], field: str
    ) -> None:
        response = client.get(self.URL, params=params, headers=headers)

        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
