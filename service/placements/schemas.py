"""Request and response shapes for placements and budgets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

# Money leaves the API as a JSON number with two decimals (API.md), not as a string.
Money = Annotated[Decimal, PlainSerializer(float, return_type=float)]


class BudgetRowPublic(BaseModel):
    """Monthly amounts (DKK) for one number of paid hours a week."""

    hours_per_week: Money
    earnings: Money
    benefit: Money
    am_bidrag: Money
    tax: Money
    disposable_income: Money
    gain: Money


class BudgetSource(BaseModel):
    """One number the budget is built on, with its source."""

    label: str
    value: Money
    source: str
    verified: bool


class BudgetRules(BaseModel):
    """The rules a budget was computed under."""

    name: str
    regime: str
    valid_from: date
    valid_to: date | None
    sources: list[BudgetSource]
    warnings: list[str]


class BudgetPublic(BaseModel):
    """A budget example: monthly income without and with paid hours."""

    hourly_wage: Money
    benefit_category: str
    on: date
    municipality_code: str
    rows: list[BudgetRowPublic]
    rules: BudgetRules
