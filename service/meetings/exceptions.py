"""Errors of the network-meeting domain."""

from __future__ import annotations

from service.errors import FieldError, NotFoundError, ValidationFailedError


class MeetingNotFoundError(NotFoundError):
    """No network meeting with that id."""

    def __init__(self, meeting_id: str) -> None:
        super().__init__(
            f"Netværksmødet {meeting_id} findes ikke",
            f"Network meeting {meeting_id} does not exist",
        )


class UnknownCompaniesError(ValidationFailedError):
    """Some company ids of the request do not exist."""

    def __init__(self, field: str, missing: list[str]) -> None:
        ids = ", ".join(missing)
        super().__init__(
            "Netværksmødet kan ikke gemmes",
            "The network meeting cannot be saved",
            fields=[
                FieldError(
                    field,
                    f"Disse virksomheder findes ikke: {ids}",
                    f"These companies do not exist: {ids}",
                )
            ],
        )
