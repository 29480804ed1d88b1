"""HTTP routes for placements and budget examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from service.auth.dependencies import StaffPrincipal
from service.placements import service as placements_service
from service.placements.budget import BenefitCategory
from service.placements.schemas import BudgetPublic
from service.places import LOLLAND

router = APIRouter(tags=["placements"])

HoursPerWeek = Annotated[Decimal, Field(ge=0, le=37)]


@router.get("/budget", response_model=BudgetPublic)
def read_budget(
    principal: StaffPrincipal,
    hourly_wage: Annotated[Decimal, Query(gt=0, le=1000, description="Hourly wage in DKK")],
    benefit_category: BenefitCategory,
    on: Annotated[
        date | None, Query(description="Rules in force on this date (default today)")
    ] = None,
    hours_per_week: Annotated[
        list[HoursPerWeek] | None,
        Query(max_length=10, description="Paid hours a week (repeatable)"),
    ] = None,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None,
) -> BudgetPublic:
    """What paid hours mean for a citizen's monthly income on cash benefit (no citizen needed)."""
    return placements_service.budget_example(
        hourly_wage=hourly_wage,
        category=benefit_category,
        on=on or date.today(),
        municipality_code=municipality_code or principal.municipality_code or LOLLAND,
        hours_per_week=hours_per_week,
    )
