"""Errors of the overview domain."""

from __future__ import annotations

from service.errors import FieldError, ValidationFailedError


class OverviewFilterError(ValidationFailedError):
    """A filter value the overview cannot use."""

    def __init__(self, field: str, reason_da: str, reason_en: str) -> None:
        super().__init__(
            "Filteret kan ikke bruges",
            "The filter cannot be used",
            fields=[FieldError(field, reason_da, reason_en)],
        )


class InvalidPeriodError(OverviewFilterError):
    """active_from after active_to."""

    def __init__(self) -> None:
        super().__init__(
            "active_to",
            "Perioden slutter før den begynder (active_to ligger før active_from)",
            "The period ends before it begins (active_to is before active_from)",
        )


class UpdatedSinceOutOfRangeError(OverviewFilterError):
    """A sync time outside the years the database can compare."""

    def __init__(self) -> None:
        super().__init__(
            "updated_since",
            "Tidspunktet skal ligge mellem år 2 og 9998 (brug sync_token fra sidste svar)",
            "The time must be between the years 2 and 9998 (use sync_token from the last answer)",
        )
