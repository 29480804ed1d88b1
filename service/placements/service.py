"""Placements and budget examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from service.placements import budget as budget_rules
from service.placements.exceptions import BudgetNotPossibleError
from service.placements.schemas import BudgetPublic, BudgetRowPublic, BudgetRules, BudgetSource


def budget_example(
    *,
    hourly_wage: Decimal,
    category: budget_rules.BenefitCategory,
    on: date,
    municipality_code: str,
    hours_per_week: list[Decimal] | None = None,
) -> BudgetPublic:
    """A budget table for the rules in force on a date (0, 5, 10, 15, 20 hours by default)."""
    try:
        result = budget_rules.compute_budget(
            hourly_wage=hourly_wage,
            category=category,
            on=on,
            municipality_code=municipality_code,
            hours_per_week=tuple(hours_per_week) if hours_per_week else None,
        )
    except budget_rules.BudgetRulesError as exc:
        raise BudgetNotPossibleError(exc.field, exc.message_da, exc.message_en) from exc
    return BudgetPublic(
        hourly_wage=hourly_wage,
        benefit_category=category.value,
        on=on,
        municipality_code=municipality_code,
        rows=[BudgetRowPublic.model_validate(row, from_attributes=True) for row in result.rows],
        rules=BudgetRules(
            name=result.rules_name,
            regime=result.regime,
            valid_from=result.valid_from,
            valid_to=result.valid_to,
            sources=[
                BudgetSource(label=f.label, value=f.value, source=f.source, verified=f.verified)
                for f in result.sources
            ],
            warnings=result.warnings,
        ),
    )
