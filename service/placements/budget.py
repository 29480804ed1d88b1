"""Budget examples: monthly income on cash benefit with and without paid hours. Pure functions.

The rules come from one dated data file a period (``data/budget_rules_*.yaml``) in which every
number names its source, its date and whether it was verified for that period; a budget built
on an unverified number says so once, in plain Danish.

Monthly figures (``data/budget_rules.md`` and docs/budget.md have the sources):

- earnings W = hours a week x 52/12 x hourly wage;
- benefit B, until 30 June 2025: rate - (W - hourly disregard x min(hours a month, 160));
  from 1 July 2025: rate (+ the single person's supplement) - share x (W - monthly disregard),
  never so much that W + B passes the ceiling (a share of the maximum unemployment benefit),
  above which earnings are deducted krone for krone; never below 0;
- tax, on the law's bases, monthly (1/12 of the yearly amounts):
  AM-bidrag = 8 % x W (wages only, not the benefit);
  personal income P = W - AM-bidrag + B;  bundskat = bundskat % x (P - personfradrag);
  beskæftigelsesfradrag E = min(share x W, max) (LL § 9 J: on the AM-bidrag base);
  taxable income T = P - E;  municipal tax = rate x (T - personfradrag);
  church tax = rate x (T - personfradrag), only for members of the church;
  each part not below 0; disposable income = W - AM-bidrag + B - tax.
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

from service.places import PROGRAMME_MUNICIPALITIES

WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
CENT = Decimal("0.01")
DEFAULT_HOURS = (0, 5, 10, 15, 20)
RULE_FILES = ("2024", "2025-1", "2025-2", "2026")


class BenefitCategory(StrEnum):
    """Benefit categories of API.md; before 1 July 2025 they map to the old rates."""

    forhoejet_sats = "forhoejet_sats"
    forhoejet_sats_children = "forhoejet_sats_children"
    grundsats = "grundsats"
    grundsats_home = "grundsats_home"
    mindstesats = "mindstesats"


BENEFIT_NAMES_DA = {
    BenefitCategory.forhoejet_sats: "forhøjet sats",
    BenefitCategory.forhoejet_sats_children: "forhøjet sats, forsørger",
    BenefitCategory.grundsats: "grundsats",
    BenefitCategory.grundsats_home: "grundsats, hjemmeboende",
    BenefitCategory.mindstesats: "mindstesats",
}
# Tillæg til enlige ikke-forsørgere goes with these rates (from 1 July 2025).
SINGLE_SUPPLEMENT_CATEGORIES = frozenset(
    {BenefitCategory.forhoejet_sats, BenefitCategory.grundsats}
)


class BudgetRulesError(ValueError):
    """The date or municipality has no rules in the data files; ``field`` names which."""

    def __init__(self, field: str, message_da: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field = field
        self.message_da = message_da
        self.message_en = message_en


@dataclass(frozen=True)
class Figure:
    """A number from a rules file with its source, date and whether it was verified."""

    value: Decimal
    source: str
    date: date | None
    verified: bool
    label: str


@dataclass
class _Used:
    """The figures a budget was built on, for its sources and its one warning."""

    figures: list[Figure] = field(default_factory=list)

    def take(self, raw: dict[str, Any], label: str) -> Decimal:
        figure = Figure(
            Decimal(str(raw["value"])),
            str(raw["source"]),
            raw.get("date"),
            bool(raw["verified"]),
            label,
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
    bundskat: Decimal
    municipal_tax: Decimal
    church_tax: Decimal
    tax: Decimal
    disposable_income: Decimal
    gain: Decimal


@dataclass(frozen=True)
class Budget:
    """A budget table with the rules behind it."""

    rules_name: str
    rules_id: str
    regime: str
    valid_from: date
    valid_to: date | None
    municipality_code: str
    municipality_name: str
    church_member: bool
    single: bool
    rows: list[BudgetRow]
    sources: list[Figure]
    warnings: list[str]
    assumptions: str


def _read(name: str) -> dict[str, Any]:
    text = (
        resources.files("service.placements")
        .joinpath(f"data/budget_rules_{name}.yaml")
        .read_text("utf-8")
    )
    period: dict[str, Any] = yaml.safe_load(text)
    return period


@lru_cache(maxsize=1)
def load_rules() -> tuple[dict[str, Any], ...]:
    """The shipped rules files, one a period, oldest first (read on first use)."""
    return tuple(sorted((_read(name) for name in RULE_FILES), key=lambda p: p["valid_from"]))


def period_for(
    rules: tuple[dict[str, Any], ...] | list[dict[str, Any]], on: date
) -> dict[str, Any]:
    """The period whose rules are in force on a date; after the last one, the last one."""
    for period in rules:
        ends = period["valid_to"]
        if period["valid_from"] <= on and (ends is None or on <= ends):
            return period
    first, last = rules[0], rules[-1]
    if on < first["valid_from"]:
        shown = first["valid_from"].strftime("%d-%m-%Y")
        raise BudgetRulesError(
            "on",
            f"Ingen budgetregler før {shown}",
            f"No budget rules before {first['valid_from'].isoformat()}",
        )
    return last


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _municipality_label(code: str) -> str:
    return PROGRAMME_MUNICIPALITIES.get(code, f"kommune {code}")


def monthly_benefit(
    period: dict[str, Any],
    category: BenefitCategory,
    earnings: Decimal,
    hours_per_month: Decimal,
    *,
    single: bool,
    used: _Used,
) -> Decimal:
    """The cash benefit left after earnings are deducted, under the period's rules."""
    rules = period["benefit"]
    rate = used.take(rules["rates"][category], f"satsen for {BENEFIT_NAMES_DA[category]}")
    if period["kind"] == "hourly_disregard":
        cap = used.take(rules["max_hours_per_month"], "højst 160 timer med timefradrag")
        per_hour = used.take(rules["hourly_disregard"], "timefradraget")
        deduction = max(Decimal(0), earnings - per_hour * min(hours_per_month, cap))
        return max(Decimal(0), rate - deduction)
    if single and category in SINGLE_SUPPLEMENT_CATEGORIES:
        rate += used.take(rules["single_supplement"], "tillægget til enlige")
    share = used.take(rules["deduction_share"], "fradraget på 65 % over fribeløbet")
    disregard = used.take(rules["monthly_disregard"][category], "fribeløbet")
    ceiling = used.take(rules["ceiling_share"][category], "loftet over løn og kontanthjælp")
    ceiling *= used.take(rules["max_unemployment_benefit_month"], "højeste dagpenge")
    benefit = rate - share * max(Decimal(0), earnings - disregard)
    # Above the ceiling every krone earned is deducted: income cannot pass it on benefit.
    benefit = min(benefit, ceiling - earnings)
    return max(Decimal(0), benefit)


def _unverified_warning(figures: list[Figure]) -> str | None:
    labels = list(dict.fromkeys(f.label for f in figures if not f.verified))
    if not labels:
        return None
    listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " og " + labels[-1]
    return (
        f"Nogle tal er ikke bekræftet for perioden ({listed}); beløbene kan derfor afvige. "
        "Tjek dem, før budgettet bruges over for borger eller virksomhed."
    )


def _assumptions(*, church_member: bool, single: bool) -> str:
    who = "enlig" if single else "gift eller samlevende (uden tillæg til enlige)"
    church = "medlem af folkekirken" if church_member else "ikke medlem af folkekirken"
    return (
        f"Forudsat: borgeren er {who}, {church} og har ingen andre indtægter; lønnen er den "
        "samme hver måned (timer x 52/12 uger), og fradraget i kontanthjælpen er regnet af "
        "lønnen før AM-bidrag. Skatten er en månedlig tilnærmelse af årsopgørelsen; boligstøtte, "
        "pension og feriepenge er ikke medregnet. Beløbene er et eksempel, ikke en afgørelse."
    )


def compute_budget(
    *,
    hourly_wage: Decimal,
    category: BenefitCategory,
    on: date,
    municipality_code: str,
    hours_per_week: tuple[Decimal, ...] | None = None,
    church_member: bool = False,
    single: bool = True,
    rules: tuple[dict[str, Any], ...] | list[dict[str, Any]] | None = None,
) -> Budget:
    """Monthly income for each number of paid hours a week, and the gain over 0 hours."""
    hours_per_week = hours_per_week or tuple(Decimal(h) for h in DEFAULT_HOURS)
    rules = rules or load_rules()
    period = period_for(rules, on)
    tax = period["tax"]
    if municipality_code not in tax["municipal_tax_share"]:
        known = ", ".join(sorted(tax["municipal_tax_share"]))
        raise BudgetRulesError(
            "municipality_code",
            f"Ingen kommuneskat for kommune {municipality_code} i reglerne (kendt: {known})",
            f"No municipal tax for municipality {municipality_code} in the rules (known: {known})",
        )
    used = _Used()
    place = _municipality_label(municipality_code)
    am_share = used.take(tax["am_bidrag_share"], "AM-bidraget")
    personfradrag = used.take(tax["personfradrag_year"], "personfradraget") / 12
    bundskat_share = used.take(tax["bundskat_share"], "bundskatten")
    municipal = used.take(
        tax["municipal_tax_share"][municipality_code], f"kommuneskatten i {place}"
    )
    church = Decimal(0)
    if church_member:
        church = used.take(tax["church_tax_share"][municipality_code], f"kirkeskatten i {place}")
    job_share = used.take(tax["beskaeftigelsesfradrag_share"], "beskæftigelsesfradraget")
    job_max = used.take(
        tax["beskaeftigelsesfradrag_max_year"], "loftet for beskæftigelsesfradraget"
    )

    def row_for(hours: Decimal, baseline: Decimal) -> BudgetRow:
        hours_per_month = hours * WEEKS_PER_MONTH
        earnings = _money(hours_per_month * hourly_wage)
        benefit = _money(
            monthly_benefit(period, category, earnings, hours_per_month, single=single, used=used)
        )
        am_bidrag = _money(earnings * am_share)
        personal_income = earnings - am_bidrag + benefit
        employment_deduction = _money(min(earnings * job_share, job_max / 12))
        taxable_income = personal_income - employment_deduction
        bundskat = _money(max(Decimal(0), personal_income - personfradrag) * bundskat_share)
        over_fradrag = max(Decimal(0), taxable_income - personfradrag)
        municipal_tax = _money(over_fradrag * municipal)
        church_tax = _money(over_fradrag * church)
        total_tax = bundskat + municipal_tax + church_tax
        disposable = personal_income - total_tax
        return BudgetRow(
            hours_per_week=hours,
            earnings=earnings,
            benefit=benefit,
            am_bidrag=am_bidrag,
            bundskat=bundskat,
            municipal_tax=municipal_tax,
            church_tax=church_tax,
            tax=total_tax,
            disposable_income=disposable,
            gain=disposable - baseline,
        )

    baseline = row_for(Decimal(0), Decimal(0)).disposable_income
    rows = [row_for(hours, baseline) for hours in hours_per_week]
    warnings: list[str] = []
    if on > (period["valid_to"] or on):
        warnings.append(
            f"Der er ingen budgetregler for {on.strftime('%d-%m-%Y')} endnu; reglerne for "
            f"perioden til {period['valid_to'].strftime('%d-%m-%Y')} er brugt."
        )
    unverified = _unverified_warning(used.figures)
    if unverified:
        warnings.append(unverified)
    return Budget(
        rules_name=str(period["name"]),
        rules_id=str(period["id"]),
        regime=str(period["kind"]),
        valid_from=period["valid_from"],
        valid_to=period["valid_to"],
        municipality_code=municipality_code,
        municipality_name=f"{place} Kommune"
        if municipality_code in PROGRAMME_MUNICIPALITIES
        else place,
        church_member=church_member,
        single=single,
        rows=rows,
        sources=list(used.figures),
        warnings=warnings,
        assumptions=_assumptions(church_member=church_member, single=single),
    )
