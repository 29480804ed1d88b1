"""Errors of the placements domain."""

from __future__ import annotations

from service.errors import FieldError, ValidationFailedError


class BudgetNotPossibleError(ValidationFailedError):
    """The rules file has nothing for the requested date or municipality."""

    def __init__(self, field: str, reason_da: str, reason_en: str) -> None:
        super().__init__(
            "Budgettet kan ikke beregnes",
            "The budget cannot be computed",
            fields=[FieldError(field, reason_da, reason_en)],
        )
