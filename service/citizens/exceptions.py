"""Errors of the citizens domain."""

from __future__ import annotations

from service.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)


class CitizenNotFoundError(NotFoundError):
    """No citizen with that id."""

    def __init__(self, citizen_id: str) -> None:
        super().__init__(
            f"Borgeren {citizen_id} findes ikke", f"Citizen {citizen_id} does not exist"
        )


class CitizenOutOfScopeError(ForbiddenError):
    """A municipality-scoped user touched a citizen of another municipality."""

    def __init__(self, municipality_code: str | None) -> None:
        super().__init__(
            f"Du har ikke adgang til borgere i kommune {municipality_code}",
            f"You have no access to citizens in municipality {municipality_code}",
        )


class BeliefNotAllowedError(ForbiddenError):
    """Only a caseworker records the caseworker's belief that the citizen will get a job."""

    def __init__(self) -> None:
        super().__init__(
            "Kun sagsbehandlere kan angive sagsbehandlerens tro på job (caseworker_belief)",
            "Only caseworkers can record the caseworker's belief (caseworker_belief)",
            fields=[
                FieldError(
                    "caseworker_belief",
                    "Kun sagsbehandlere kan angive dette felt",
                    "Only caseworkers can set this field",
                )
            ],
        )


class BipFilterNotAllowedError(ForbiddenError):
    """Only roles that see BIP data may filter citizens by it."""

    def __init__(self) -> None:
        super().__init__(
            "Kun sagsbehandlere kan søge på BIP-målinger (bip_overdue)",
            "Only caseworkers can filter by BIP measurements (bip_overdue)",
            fields=[
                FieldError(
                    "bip_overdue",
                    "Kun for sagsbehandlere",
                    "Caseworkers only",
                )
            ],
        )


class ExternalRefTakenError(ConflictError):
    """Another citizen of the municipality has the case number."""

    def __init__(self, external_ref: str, citizen_id: str | None) -> None:
        which_da = f" (borger {citizen_id})" if citizen_id else ""
        which_en = f" (citizen {citizen_id})" if citizen_id else ""
        super().__init__(
            f"Sagsnummeret {external_ref} findes allerede i kommunen{which_da}",
            f"The case number {external_ref} already exists in the municipality{which_en}",
            code="external_ref_taken",
            fields=[FieldError("external_ref", "Findes allerede", "Already exists")],
        )


class DuplicatePersonError(ConflictError):
    """The CPR number of an import row belongs to a citizen already registered."""

    def __init__(self, citizen_id: str) -> None:
        super().__init__(
            f"Personen er allerede registreret som borger {citizen_id} (samme CPR-nummer)",
            f"The person is already registered as citizen {citizen_id} (same CPR number)",
            code="duplicate_person",
            fields=[
                FieldError(
                    "cpr",
                    f"Samme person som borger {citizen_id}",
                    f"Same person as citizen {citizen_id}",
                )
            ],
        )


class BipMeasurementExistsError(ConflictError):
    """The citizen already has a measurement on that date."""

    def __init__(self, measured_on: str) -> None:
        super().__init__(
            f"Borgeren har allerede en BIP-måling den {measured_on}",
            f"The citizen already has a BIP measurement on {measured_on}",
            code="bip_exists",
            fields=[FieldError("measured_on", "Der findes allerede en måling", "Already measured")],
        )


class CitizenDataError(ValidationFailedError):
    """The fields are well-formed but do not fit together (unknown caseworker, date ...)."""

    def __init__(self, field: str, message_da: str, message_en: str) -> None:
        super().__init__(
            "Borgerens oplysninger kan ikke bruges",
            "The citizen's data cannot be used",
            fields=[FieldError(field, message_da, message_en)],
        )
