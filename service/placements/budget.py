"""Budget examples: monthly income on cash benefit with and without paid hours. Pure functions.

The rules (rates, disregards, tax) come from a dated data file in which every number names its
source and whether it was verified; a budget built on an unverified number carries a warning.

Monthly figures:
- earnings = hours per week x 52/12 x hourly wage;
- benefit, until 30 June 2025: rate - (earnings - hourly disregard x min(hours a month, 160));
  from 1 July 2025: rate - share x (earnings - monthly disregard), and never so much that
  earnings + benefit pass the ceiling (a share of the maximum unemployment benefit), above which
  earnings are deducted krone for krone; never below 0;
- tax (the approximation of REFERENCE.md): AM-bidrag = 8 % of wages; taxable = wages - AM-bidrag
  + benefit - beskaeftigelsesfradrag/12 - personfradrag/12; tax = taxable x (bundskat +
  municipal tax), not below 0; disposable income = wages - AM-bidrag + benefit - tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
CENT = Decimal("0.01")
DEFAULT_HOURS = (0, 5, 10, 15, 20)


class BenefitCategory(StrEnum):
    """Benefit categories of API.md; before 1 July 2025 they map to the old rates."""

    forhoejet_sats = "forhoejet_sats"
    forhoejet_sats_children = "forhoejet_sats_children"
    grundsats = "grundsats"
    grundsats_home = "grundsats_home"
    mindstesats = "mindstesats"


# Always true of this approximation, whatever the data file says.
STANDING_WARNINGS = (
    "Skatten er en månedlig tilnærmelse (personfradrag og beskæftigelsesfradrag fordelt ligeligt "
    "over året, ingen kirkeskat); det endelige beløb afhænger af årsopgørelsen",
    "Fradraget i kontanthjælpen er beregnet af bruttolønnen; om loven bruger lønnen før eller "
    "efter AM-bidrag er ikke kontrolleret (bruttolønnen giver den mindste gevinst)",
)


class BudgetRulesError(ValueError):
    """The date or municipality has no rules in the data file; ``field`` names which."""

    def __init__(self, field: str, message_da: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field = field
        self.message_da = message_da
        self.message_en = message_en


@dataclass(frozen=True)
class Figure:
    """A number from the rules file with its source."""

    value: Decimal
    source: str
    verified: bool
    label: str


@dataclass
class _Used:
    """The figures a budget was built on, for its sources and warnings."""

    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def take(self, raw: dict[str, Any], label: str) -> Decimal:
        figure = Figure(
            Decimal(str(raw["value"])), str(raw["source"]), bool(raw["verified"]), label
        )
        if figure not in self.figures:
            self.figures.append(figure)
        return figure.value


@dataclass(frozen=True)
class BudgetRow:
    """Monthly amounts in DKK for one number of paid hours a week."""

    hours_per_week: Decimal
    earnings: Decimal
    benefit: Decimal
    am_bidrag: Decimal
    tax: Decimal
    disposable_income: Decimal
    gain: Decimal


@dataclass(frozen=True)
class Budget:
    """A budget table with the rules behind it."""

    rules_name: str
    regime: str
    valid_from: date
    valid_to: date | None
    rows: list[BudgetRow]
    sources: list[Figure]
    warnings: list[str]


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Any]:
    """The shipped rules file, read on first use."""
    text = (
        resources.files("service.placements").joinpath("data/budget_rules.yaml").read_text("utf-8")
    )
    rules: dict[str, Any] = yaml.safe_load(text)
    return rules


def _regime_for(rules: dict[str, Any], on: date) -> dict[str, Any]:
    for regime in rules["regimes"]:
        starts = regime["valid_from"]
        ends = regime["valid_to"]
        if starts <= on and (ends is None or on <= ends):
            return dict(regime)
    first = min(r["valid_from"] for r in rules["regimes"]).isoformat()
    raise BudgetRulesError("on", f"Ingen regler før {first}", f"No rules before {first}")


def _by_year(table: dict[int, Any], year: int, what: str, used: _Used) -> dict[str, Any]:
    if year in table:
        return dict(table[year])
    nearest = min(table, key=lambda y: (abs(y - year), -y))
    used.notes.append(f"{what} for {year} findes ikke i reglerne; {nearest} er brugt")
    return dict(table[nearest])


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_benefit(
    regime: dict[str, Any],
    category: BenefitCategory,
    earnings: Decimal,
    hours_per_month: Decimal,
    year: int,
    used: _Used,
) -> Decimal:
    """The cash benefit left after earnings are deducted, under one regime."""
    rate = used.take(regime["rates"][category], f"sats ({category})")
    if regime["kind"] == "hourly_disregard":
        cap = used.take(regime["max_hours_per_month"], "højst antal timer med timefradrag")
        per_hour = used.take(
            _by_year(regime["hourly_disregard"], year, "Timefradraget", used), "timefradrag"
        )
        deduction = max(Decimal(0), earnings - per_hour * min(hours_per_month, cap))
        return max(Decimal(0), rate - deduction)
    share = used.take(regime["deduction_share"], "fradragsprocent over fribeløbet")
    disregard = used.take(regime["monthly_disregard"][category], f"fribeløb ({category})")
    ceiling = used.take(regime["ceiling_share"][category], "loft (andel af højeste dagpenge)")
    ceiling *= used.take(regime["max_unemployment_benefit_month"], "højeste dagpenge pr. måned")
    benefit = rate - share * max(Decimal(0), earnings - disregard)
    # Above the ceiling every krone earned is deducted: income cannot pass it on benefit.
    benefit = min(benefit, ceiling - earnings)
    return max(Decimal(0), benefit)


def compute_budget(
    *,
    hourly_wage: Decimal,
    category: BenefitCategory,
    on: date,
    municipality_code: str,
    hours_per_week: tuple[Decimal, ...] | None = None,
    rules: dict[str, Any] | None = None,
) -> Budget:
    """Monthly income for each number of paid hours a week, and the gain over 0 hours."""
    hours_per_week = hours_per_week or tuple(Decimal(h) for h in DEFAULT_HOURS)
    rules = rules or load_rules()
    regime = _regime_for(rules, on)
    used = _Used()
    tax = rules["tax"]
    if municipality_code not in tax["municipal_tax_share"]:
        known = ", ".join(sorted(tax["municipal_tax_share"]))
        raise BudgetRulesError(
            "municipality_code",
            f"Ingen kommuneskat for kommune {municipality_code} i reglerne (kendt: {known})",
            f"No municipal tax for municipality {municipality_code} in the rules (known: {known})",
        )
    if regime["kind"] == "hourly_disregard" and on.year not in regime["rates_years_verified"]:
        used.notes.append(regime["rates_year_note"])
    tax_year = _by_year(tax["years"], on.year, "Skattesatserne", used)
    am_share = used.take(tax["am_bidrag_share"], "AM-bidrag")
    personfradrag = used.take(tax_year["personfradrag_year"], "personfradrag pr. år") / 12
    bundskat = used.take(tax_year["bundskat_share"], "bundskat")
    municipal = used.take(tax["municipal_tax_share"][municipality_code], "kommuneskat")
    job_share = used.take(tax_year["beskaeftigelsesfradrag_share"], "beskæftigelsesfradrag")
    job_max = used.take(tax_year["beskaeftigelsesfradrag_max_year"], "beskæftigelsesfradrag, loft")

    def row_for(hours: Decimal) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal]:
        hours_per_month = hours * WEEKS_PER_MONTH
        earnings = _money(hours_per_month * hourly_wage)
        benefit = _money(
            monthly_benefit(regime, category, earnings, hours_per_month, on.year, used)
        )
        am_bidrag = _money(earnings * am_share)
        employment_deduction = min(earnings * job_share, job_max / 12)
        taxable = earnings - am_bidrag + benefit - employment_deduction - personfradrag
        income_tax = _money(max(Decimal(0), taxable) * (bundskat + municipal))
        disposable = earnings - am_bidrag + benefit - income_tax
        return hours, earnings, benefit, am_bidrag, income_tax, disposable

    computed = [row_for(hours) for hours in hours_per_week]
    baseline = row_for(Decimal(0))[-1]
    rows = [BudgetRow(h, e, b, a, t, d, d - baseline) for h, e, b, a, t, d in computed]
    warnings = [*STANDING_WARNINGS, *dict.fromkeys(used.notes)]
    warnings += [
        f"Ikke kontrolleret: {f.label} = {f.value} ({f.source})"
        for f in used.figures
        if not f.verified
    ]
    return Budget(
        rules_name=str(regime["name"]),
        regime=str(regime["id"]),
        valid_from=regime["valid_from"],
        valid_to=regime["valid_to"],
        rows=rows,
        sources=list(used.figures),
        warnings=warnings,
    )
