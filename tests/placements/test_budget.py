"""Budget examples: formulas on hand-made rules, each shipped period worked by hand, the API."""

from __future__ import annotations

import copy
import io
import itertools
import re
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from service.auth.principal import Role
from service.placements.budget import BenefitCategory, Budget, compute_budget, load_rules
from tests.factories import bearer, make_key

D = Decimal
F = BenefitCategory


def fig(value: float, verified: bool = True) -> dict[str, Any]:
    """A figure for hand-made rules."""
    return {"value": value, "source": "test", "date": date(2024, 1, 1), "verified": verified}


def _tax() -> dict[str, Any]:
    return {
        "am_bidrag_share": fig(0.08),
        "personfradrag_year": fig(48000),
        "bundskat_share": fig(0.12),
        "beskaeftigelsesfradrag_share": fig(0.10),
        "beskaeftigelsesfradrag_max_year": fig(6000),
        "municipal_tax_share": {"360": fig(0.25)},
        "church_tax_share": {"360": fig(0.01)},
    }


def hand_rules() -> list[dict[str, Any]]:
    """Round numbers, so every expected value below can be worked out by hand."""
    categories = [c.value for c in BenefitCategory]
    return [
        {
            "id": "old",
            "name": "old",
            "valid_from": date(2024, 1, 1),
            "valid_to": date(2025, 6, 30),
            "kind": "hourly_disregard",
            "benefit": {
                "rates": {c: fig(10000) for c in categories},
                "hourly_disregard": fig(30),
                "max_hours_per_month": fig(160),
            },
            "tax": _tax(),
        },
        {
            "id": "new",
            "name": "new",
            "valid_from": date(2025, 7, 1),
            "valid_to": date(2025, 12, 31),
            "kind": "monthly_disregard",
            "benefit": {
                "rates": {**{c: fig(10000) for c in categories}, "grundsats_home": fig(4000)},
                "single_supplement": fig(1000),
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
            },
            "tax": _tax(),
        },
    ]


NEW = date(2025, 9, 1)
OLD = date(2024, 9, 1)


def hand(
    category: BenefitCategory,
    on: date,
    wage: str,
    *hours: int,
    rules: list[dict[str, Any]] | None = None,
    church_member: bool = False,
    single: bool = True,
) -> Budget:
    return compute_budget(
        hourly_wage=D(wage),
        category=category,
        on=on,
        municipality_code="360",
        hours_per_week=tuple(D(h) for h in hours) if hours else None,
        church_member=church_member,
        single=single,
        rules=rules or hand_rules(),
    )


class TestMonthlyDisregard:
    def test_earnings_at_and_above_the_disregard(self) -> None:
        # 6 h/week x 52/12 = 26 h/month x 100 kr = 2,600 kr = the disregard; not single.
        zero, at, above = hand(F.forhoejet_sats, NEW, "100", 0, 6, 12, single=False).rows

        assert at.earnings == D("2600.00")
        assert at.benefit == D("10000.00")
        # 0 h: P = T = 10,000; over personfradrag 4,000: 6,000 x (12 % + 25 %) = 2,220.
        assert (zero.bundskat, zero.municipal_tax, zero.tax) == (
            D("720.00"),
            D("1500.00"),
            D("2220.00"),
        )
        assert zero.disposable_income == D("7780.00")
        # 6 h: AM 208; P = 2,600 - 208 + 10,000 = 12,392; bundskat 12 % x 8,392 = 1,007.04;
        # beskæftigelsesfradrag 260 lowers only T: 25 % x (12,392 - 260 - 4,000) = 2,033.
        assert at.am_bidrag == D("208.00")
        assert at.bundskat == D("1007.04")
        assert at.municipal_tax == D("2033.00")
        assert at.tax == D("3040.04")
        assert at.disposable_income == D("9351.96")
        assert at.gain == D("1571.96")
        # 12 h: 5,200 kr; 65 % of the 2,600 above the disregard = 1,690 deducted.
        assert above.benefit == D("8310.00")
        # P = 5,200 - 416 + 8,310 = 13,094; bundskat 12 % x 9,094 = 1,091.28;
        # E = min(10 % x 5,200, 6,000/12) = 500 (the cap); 25 % x (13,094 - 500 - 4,000) = 2,148.50.
        assert above.tax == D("3239.78")
        assert above.gain == D("2074.22")

    def test_the_single_supplement_is_added_for_forhoejet_sats_and_grundsats_only(self) -> None:
        (single,) = hand(F.forhoejet_sats, NEW, "100", 0).rows
        (couple,) = hand(F.forhoejet_sats, NEW, "100", 0, single=False).rows
        (provider,) = hand(F.forhoejet_sats_children, NEW, "100", 0).rows
        (old,) = hand(F.forhoejet_sats, OLD, "100", 0).rows

        assert single.benefit == D("11000.00")
        assert couple.benefit == provider.benefit == old.benefit == D("10000.00")

    def test_living_at_home_has_no_disregard(self) -> None:
        (row,) = hand(F.grundsats_home, NEW, "100", 6).rows

        assert row.benefit == D("2310.00")  # 4,000 - 0.65 x 2,600

    def test_the_ceiling_turns_the_deduction_krone_for_krone(self) -> None:
        # 30 h: 13,000 kr. 65 % rule: 11,000 - 0.65 x 8,000 = 5,800, but earnings + benefit may
        # not pass 85 % of 20,000 = 17,000, so the benefit is 4,000.
        (row,) = hand(F.grundsats, NEW, "100", 30).rows

        assert row.earnings == D("13000.00")
        assert row.benefit == D("4000.00")

    def test_benefit_never_goes_below_zero(self) -> None:
        (row,) = hand(F.forhoejet_sats, NEW, "200", 37).rows

        assert row.benefit == D("0.00")


class TestHourlyDisregard:
    def test_earnings_are_deducted_except_the_hourly_disregard(self) -> None:
        # 10 h/week = 43.33 h/month; 4,333.33 kr; disregard 30 x 43.33 = 1,300.
        (row,) = hand(F.forhoejet_sats, OLD, "100", 10).rows

        assert row.earnings == D("4333.33")
        assert row.benefit == D("6966.67")

    def test_the_disregard_stops_at_160_hours_a_month(self) -> None:
        # 40 h/week = 173.33 h/month, but only 160 h earn the disregard: 4,800, not 5,200.
        (row,) = hand(F.forhoejet_sats, OLD, "50", 40).rows

        assert row.earnings == D("8666.67")
        assert row.benefit == D("6133.33")

    def test_rules_follow_the_date(self) -> None:
        old = hand(F.grundsats, date(2025, 6, 30), "100")
        new = hand(F.grundsats, date(2025, 7, 1), "100")

        assert (old.regime, new.regime) == ("hourly_disregard", "monthly_disregard")
        assert [r.hours_per_week for r in new.rows] == [D(0), D(5), D(10), D(15), D(20)]


class TestTaxBases:
    def test_the_employment_deduction_is_capped_and_lowers_only_the_municipal_base(self) -> None:
        # 30 h at 100 kr (old rules): W = 13,000, benefit 0 (13,000 - 30 x 130 = 9,100 > 10,000?
        # no: 10,000 - 9,100 = 900). E = min(1,300, 6,000/12 = 500) = 500.
        (row,) = hand(F.forhoejet_sats, OLD, "100", 30).rows

        assert row.benefit == D("900.00")
        # P = 13,000 - 1,040 + 900 = 12,860: bundskat 12 % x 8,860 = 1,063.20.
        assert row.bundskat == D("1063.20")
        # T = 12,860 - 500 = 12,360: municipal 25 % x 8,360 = 2,090.
        assert row.municipal_tax == D("2090.00")

    def test_church_tax_only_for_members_on_the_municipal_base(self) -> None:
        (outside,) = hand(F.forhoejet_sats, OLD, "100", 0).rows
        (member,) = hand(F.forhoejet_sats, OLD, "100", 0, church_member=True).rows

        assert outside.church_tax == D("0.00")
        assert member.church_tax == D("60.00")  # 1 % x (10,000 - 4,000)
        assert member.tax == outside.tax + D("60.00")

    def test_no_tax_below_the_personfradrag(self) -> None:
        (row,) = hand(F.grundsats_home, OLD, "100", 0).rows  # 10,000 in the old rules

        rules = hand_rules()
        rules[0]["benefit"]["rates"]["grundsats_home"] = fig(3000)
        (low,) = hand(F.grundsats_home, OLD, "100", 0, rules=rules).rows
        assert row.tax > 0
        assert (low.bundskat, low.municipal_tax, low.tax) == (D(0), D(0), D(0))


class TestWarnings:
    def test_unverified_numbers_are_said_once_in_plain_danish(self) -> None:
        rules = copy.deepcopy(hand_rules())
        rules[1]["benefit"]["monthly_disregard"]["forhoejet_sats"] = fig(2600, verified=False)
        rules[1]["tax"]["municipal_tax_share"]["360"] = fig(0.25, verified=False)

        result = hand(F.forhoejet_sats, NEW, "100", rules=rules)

        assert result.warnings == [
            "Nogle tal er ikke bekræftet for perioden (kommuneskatten i Lolland og fribeløbet); "
            "beløbene kan derfor afvige. Tjek dem, før budgettet bruges over for borger eller "
            "virksomhed."
        ]
        assert "forhoejet_sats" not in result.warnings[0]

    def test_verified_rules_give_no_warning(self) -> None:
        assert hand(F.forhoejet_sats, NEW, "100").warnings == []

    def test_a_date_before_the_rules_is_refused_and_after_them_is_said(self) -> None:
        with pytest.raises(ValueError, match="No budget rules before 2024-01-01"):
            hand(F.forhoejet_sats, date(2023, 12, 31), "100")

        later = hand(F.forhoejet_sats, date(2026, 2, 1), "100")
        assert later.rules_id == "new"
        assert later.warnings == [
            "Der er ingen budgetregler for 01-02-2026 endnu; reglerne for perioden til "
            "31-12-2025 er brugt."
        ]


def shipped(on: date, municipality: str = "360", *, church_member: bool = False) -> Budget:
    return compute_budget(
        hourly_wage=D(140),
        category=F.forhoejet_sats,
        on=on,
        municipality_code=municipality,
        hours_per_week=(D(0), D(10)),
        church_member=church_member,
    )


class TestShippedPeriodsByHand:
    """Forhøjet sats, 10 h/week at 140 kr in Lolland: W = 43.33 h x 140 = 6,066.67, AM 485.33."""

    def test_2024(self) -> None:
        zero, ten = shipped(date(2024, 3, 1)).rows
        # Benefit 12,326 - (6,066.67 - 28.66 x 43.33 = 4,824.74) = 7,501.26.
        assert ten.benefit == D("7501.26")
        # P = 6,066.67 - 485.33 + 7,501.26 = 13,082.60; personfradrag 49,700/12 = 4,141.67.
        # Bundskat 12.01 % x 8,940.93 = 1,073.81; E = 10.65 % x 6,066.67 = 646.10;
        # kommuneskat 26.3 % x (13,082.60 - 646.10 - 4,141.67) = 2,181.54.
        assert (ten.bundskat, ten.municipal_tax) == (D("1073.81"), D("2181.54"))
        assert ten.disposable_income == D("9827.25")
        # 0 h: 12,326 - 4,141.67 = 8,184.33 x (12.01 % + 26.3 %) = 982.94 + 2,152.48.
        assert zero.tax == D("3135.42")
        assert ten.gain == D("636.67")

    def test_first_half_of_2025_is_the_issue_example(self) -> None:
        zero, ten = shipped(date(2025, 3, 1)).rows
        # P = 13,082.60; personfradrag 4,300; bundskat 12.01 % x 8,782.60 = 1,054.79;
        # E = 12.30 % x 6,066.67 = 746.20; kommuneskat 26.3 % x 8,036.40 = 2,113.57.
        assert ten.tax == D("3168.36")
        assert ten.disposable_income == D("9914.24")
        assert zero.disposable_income == D("9251.24")  # 12,326 - 963.92 - 2,110.84
        assert ten.gain == D("663.00")  # the issue: "about 663.00" (752.54 before)

    def test_second_half_of_2025_under_the_reform(self) -> None:
        zero, ten = shipped(date(2025, 9, 1)).rows
        # 12,326 + 1,092 (single) - 65 % x (6,066.67 - 2,500) = 11,099.66; below the ceiling.
        assert zero.benefit == D("13418.00")
        assert ten.benefit == D("11099.66")
        # P = 16,681.00: bundskat 12.01 % x 12,381 = 1,486.96; kommuneskat 26.3 % x 11,634.80.
        assert (ten.bundskat, ten.municipal_tax) == (D("1486.96"), D("3059.95"))
        assert ten.disposable_income == D("12134.09")
        assert ten.gain == D("2209.19")

    def test_2026_is_the_issue_example(self) -> None:
        zero, ten = shipped(date(2026, 3, 1)).rows
        # Personfradrag 54,100/12 = 4,508.33: bundskat 12.01 % x 12,172.67 = 1,461.94;
        # E = 12.75 % x 6,066.67 = 773.50; kommuneskat 26.3 % x 11,399.17 = 2,997.98.
        assert ten.tax == D("4459.92")
        assert zero.tax == D("3413.29")  # 8,909.67 x 12.01 % + x 26.3 % = 1,070.05 + 2,343.24
        assert ten.gain == D("2216.37")  # the issue: "about 2,216.38" (2,281.19 before)

    def test_guldborgsund_and_church_tax(self) -> None:
        zero, ten = shipped(date(2025, 3, 1), "376").rows
        # Kommuneskat 25.8 %: 8,036.40 -> 2,073.39; 0 h: 8,026 -> 2,070.71.
        assert (ten.municipal_tax, zero.municipal_tax) == (D("2073.39"), D("2070.71"))
        assert ten.gain == D("663.05")
        zero, ten = shipped(date(2025, 3, 1), church_member=True).rows
        assert (ten.church_tax, zero.church_tax) == (D("98.85"), D("98.72"))  # 1.23 %


class TestShippedFiles:
    def test_four_periods_without_gaps(self) -> None:
        periods = load_rules()
        assert [p["id"] for p in periods] == ["2024", "2025-1", "2025-2", "2026"]
        for before, after in itertools.pairwise(periods):
            assert (after["valid_from"] - before["valid_to"]).days == 1
        assert [p["kind"] for p in periods] == [
            "hourly_disregard",
            "hourly_disregard",
            "monthly_disregard",
            "monthly_disregard",
        ]

    def test_every_number_has_a_source_a_date_and_a_flag(self) -> None:
        def figures(node: Any) -> list[dict[str, Any]]:
            if isinstance(node, dict) and "value" in node:
                return [node]
            if isinstance(node, dict):
                return [f for child in node.values() for f in figures(child)]
            return []

        for period in load_rules():
            found = figures(period["benefit"]) + figures(period["tax"])
            assert len(found) > 15
            for figure in found:
                assert figure["source"], figure
                assert isinstance(figure["date"], date), figure
                assert isinstance(figure["verified"], bool)
                if "står i stedet" in figure["source"] or "ikke fundet" in figure["source"]:
                    assert figure["verified"] is False, figure

    def test_the_years_own_tax_figures(self) -> None:
        by_id = {p["id"]: p["tax"] for p in load_rules()}
        assert {k: by_id[k]["personfradrag_year"]["value"] for k in by_id} == {
            "2024": 49700,
            "2025-1": 51600,
            "2025-2": 51600,
            "2026": 54100,
        }
        assert by_id["2026"]["beskaeftigelsesfradrag_share"]["value"] == 0.1275
        assert by_id["2026"]["beskaeftigelsesfradrag_max_year"]["value"] == 63300
        assert by_id["2025-1"]["municipal_tax_share"]["360"] == {
            **by_id["2025-1"]["municipal_tax_share"]["360"],
            "value": 0.263,
            "verified": True,
        }
        assert by_id["2025-1"]["municipal_tax_share"]["376"]["value"] == 0.258


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
        assert body["municipality_name"] == "Guldborgsund Kommune"
        assert [r["hours_per_week"] for r in body["rows"]] == [0, 5, 10, 15, 20]
        five = body["rows"][1]
        assert five["earnings"] == 3033.33  # 5 x 52/12 x 140, a JSON number
        assert five["benefit"] == 13071.34  # 12,326 + 1,092 - 0.65 x (3,033.33 - 2,500)
        # 25.8 % in Guldborgsund: 3,263 - 391.89 - 25.8 % x (11,634.80 - 9,118) = 2,221.77.
        assert body["rows"][2]["gain"] == 2221.77
        assert body["rules"]["id"] == "2025-2"
        assert body["rules"]["valid_from"] == "2025-07-01"
        assert len(body["rules"]["warnings"]) == 1
        assert body["rules"]["warnings"][0].startswith("Nogle tal er ikke bekræftet")
        assert "Forudsat: borgeren er enlig" in body["assumptions"]
        sources = {s["label"]: s for s in body["rules"]["sources"]}
        assert sources["personfradraget"]["verified"] is True
        assert sources["personfradraget"]["date"] == "2025-01-01"
        assert sources["kommuneskatten i Guldborgsund"]["verified"] is False

    def test_hours_can_be_chosen_and_the_old_rules_apply_before_july_2025(
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
                ("church_member", "true"),
            ],
            headers=headers,
        )

        body = response.json()
        assert [r["hours_per_week"] for r in body["rows"]] == [0, 9]
        assert body["rules"]["regime"] == "hourly_disregard"
        assert body["church_member"] is True
        # 9 h/week = 39 h/month: 5,070 kr earned, 28.66 x 39 = 1,117.74 disregarded.
        assert body["rows"][1]["benefit"] == round(7945 - (5070 - 1117.74), 2)
        assert body["rows"][0]["church_tax"] == 46.78  # 1.23 % x (7,945 - 4,141.67 = 3,803.33)

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"hourly_wage": "0", "benefit_category": "grundsats"}, "hourly_wage"),
            ({"hourly_wage": "140", "benefit_category": "rig"}, "benefit_category"),
            ({"hourly_wage": "140", "benefit_category": "grundsats", "on": "2023-12-31"}, "on"),
            (
                {"hourly_wage": "140", "benefit_category": "grundsats", "municipality_code": "101"},
                "municipality_code",
            ),
            (
                {"hourly_wage": "140", "benefit_category": "grundsats", "hours_per_week": "40"},
                "hours_per_week.0",
            ),
            ({"hourly_wage": "140", "benefit_category": "grundsats", "format": "doc"}, "format"),
        ],
    )
    def test_bad_input_names_the_field(
        self, client: TestClient, headers: dict[str, str], params: dict[str, str], field: str
    ) -> None:
        response = client.get(self.URL, params=params, headers=headers)

        assert response.status_code == 422, response.text
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


class TestPrintedBudget:
    URL = "/api/v1/budget"
    PARAMS: ClassVar[dict[str, str]] = {
        "hourly_wage": "140",
        "benefit_category": "forhoejet_sats",
        "on": "2025-03-01",
        "municipality_code": "360",
    }
    # The issue's example, worked by hand in TestShippedPeriodsByHand: at 0, 5, 10, 15, 20 h.
    DISPOSABLE = ("9.251,24 kr.", "9.582,73 kr.", "9.914,24 kr.", "10.245,74 kr.", "10.577,23 kr.")

    @pytest.fixture
    def headers(self, session: Session) -> dict[str, str]:
        _, key = make_key(session, Role.company_consultant, "376")
        return bearer(key)

    def test_html_is_one_danish_a4_page(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.get(self.URL, params={**self.PARAMS, "format": "html"}, headers=headers)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert '<html lang="da">' in html
        assert "@page { size: A4" in html
        assert "<td>Lolland Kommune</td>" in html
        assert "<td>Forhøjet sats</td>" in html
        rows = re.findall(r"<tr><td>(.*?)</td><td>.*?<td>([^<]*)</td><td>[^<]*</td></tr>", html)
        assert [hours for hours, _ in rows] == ["0", "5", "10", "15", "20"]
        assert tuple(disposable for _, disposable in rows) == self.DISPOSABLE
        assert "<td>663,00 kr.</td>" in html
        assert (
            "Regler: Kontanthjælp 1. halvår 2025 (timefradrag), gældende fra 01-01-2025 til "
            "30-06-2025." in html
        )
        assert "med en timeløn på 140,00 kr. Forudsat: borgeren er enlig" in html
        assert html.count("Nogle tal er ikke bekræftet") == 1
        for code in ("forhoejet_sats", "hourly_disregard", "360", "2025-1"):
            assert code not in html

    def test_pdf_is_one_page_with_the_same_numbers(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.get(self.URL, params={**self.PARAMS, "format": "pdf"}, headers=headers)

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        assert len(reader.pages) == 1
        flat = " ".join(reader.pages[0].extract_text().split())
        assert "Lolland Kommune" in flat
        assert "Rådighedsbeløb" in flat
        for disposable in self.DISPOSABLE:
            assert disposable in flat
        assert (
            "10 6.066,67 kr. 7.501,26 kr. 485,33 kr. 3.168,36 kr. 9.914,24 kr. 663,00 kr." in flat
        )
        assert "Nogle tal er ikke bekræftet for perioden" in flat
        assert "Forudsat" in flat
        assert "forhoejet_sats" not in flat
