"""Errors of the organisations domain."""

from __future__ import annotations

from service.errors import ConflictError, FieldError, ValidationFailedError


class UnknownOrganisationError(ValidationFailedError):
    """A contact owner that is not in the organisations table."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(
            "Kontaktejeren findes ikke",
            "The contact owner does not exist",
            fields=[
                FieldError(
                    field,
                    f"Ukendt organisation '{key}' (fx jc_lolland, jc_aarhus, blf; "
                    "se GET /api/v1/organisations)",
                    f"Unknown organisation '{key}' (e.g. jc_lolland, jc_aarhus, blf; "
                    "see GET /api/v1/organisations)",
                )
            ],
        )


class OrganisationKeyTakenError(ConflictError):
    """Another organisation already has the key."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Nøglen {key} er allerede i brug",
            f"The key {key} is already in use",
            code="organisation_key_taken",
            fields=[FieldError("key", "Findes allerede", "Already exists")],
        )
