"""Errors of the placements domain."""

from __future__ import annotations

from service.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)
from service.placements.states import ALLOWED_NEXT, PlacementStatus, describe


class BudgetNotPossibleError(ValidationFailedError):
    """The rules file has nothing for the requested date or municipality."""

    def __init__(self, field: str, reason_da: str, reason_en: str) -> None:
        super().__init__(
            "Budgettet kan ikke beregnes",
            "The budget cannot be computed",
            fields=[FieldError(field, reason_da, reason_en)],
        )


class PlacementNotFoundError(NotFoundError):
    """No placement with that id."""

    def __init__(self, placement_id: str) -> None:
        super().__init__(
            f"Forløbet {placement_id} findes ikke", f"Placement {placement_id} does not exist"
        )


class PlacementOutOfScopeError(ForbiddenError):
    """A municipality-scoped user touched a placement of another municipality."""

    def __init__(self, municipality_code: str | None) -> None:
        super().__init__(
            f"Du har ikke adgang til forløb i kommune {municipality_code}",
            f"You have no access to placements in municipality {municipality_code}",
        )


class PlacementDataError(ValidationFailedError):
    """Well-formed fields that do not fit together or with the stored data (422)."""

    def __init__(self, fields: list[FieldError]) -> None:
        super().__init__(
            "Forløbets oplysninger kan ikke bruges",
            "The placement's data cannot be used",
            fields=fields,
        )


def _allowed_text(allowed: tuple[PlacementStatus, ...], lang: str) -> str:
    if lang == "da":
        return ", ".join(describe(s) for s in allowed)
    return ", ".join(s.value for s in allowed)


class IllegalTransitionError(ConflictError):
    """The state machine does not allow the requested status change (409)."""

    def __init__(self, current: PlacementStatus, target: str) -> None:
        allowed = ALLOWED_NEXT[current]
        if allowed:
            next_da = f"Tilladte næste status: {_allowed_text(allowed, 'da')}"
            next_en = f"Allowed next statuses: {_allowed_text(allowed, 'en')}"
        else:
            next_da = "Det er en slutstatus; forløbet kan ikke skifte status igen"
            next_en = "It is a final status; the placement cannot change status again"
        super().__init__(
            f"Forløbet kan ikke gå fra {describe(current)} til {target}. {next_da}",
            f"The placement cannot go from {current.value} to {target}. {next_en}",
            code="illegal_transition",
            fields=[FieldError("status", next_da, next_en)],
        )


class PlacementClosedError(ConflictError):
    """A field that cannot change in the placement's current status (409)."""

    def __init__(self, current: PlacementStatus, fields: list[str]) -> None:
        names = ", ".join(fields)
        super().__init__(
            f"Forløbet er {describe(current)}; disse felter kan ikke længere ændres: {names}",
            f"The placement is {current.value}; these fields can no longer change: {names}",
            code="placement_closed",
            fields=[
                FieldError(f, "Kan ikke ændres i denne status", "Cannot change in this status")
                for f in fields
            ],
        )


class NoLearningCaseError(ConflictError):
    """Notes are only for placements that ended early or where the citizen did not show."""

    def __init__(self, placement_id: str) -> None:
        super().__init__(
            f"Forløbet {placement_id} har ingen læringscase: den åbnes, når et forløb afsluttes "
            "med vurderingen ended_early (afbrudt) eller did_not_show (mødte ikke op)",
            f"Placement {placement_id} has no learning case: one opens when a placement ends "
            "with the assessment ended_early or did_not_show",
            code="no_learning_case",
        )


class AgreementNotAllowedError(ConflictError):
    """A wage-hour agreement belongs to paid hours or a hybrid job that is not over."""

    def __init__(self, message_da: str, message_en: str) -> None:
        super().__init__(message_da, message_en, code="agreement_not_allowed")


class AgreementNotFoundError(NotFoundError):
    """The placement has no wage-hour agreement yet."""

    def __init__(self, placement_id: str) -> None:
        super().__init__(
            f"Forløbet {placement_id} har ingen løntimeaftale endnu",
            f"Placement {placement_id} has no wage-hour agreement yet",
        )
