"""Errors of the companies domain."""

from __future__ import annotations

from service.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)
from service.tabular import UnreadableFileError

# The import error is shared by every importer; re-exported here for the companies domain.
__all__ = [
    "CompanyDataError",
    "CompanyNotFoundError",
    "CompanyOutOfScopeError",
    "CvrTakenError",
    "ImportConflictError",
    "UnreadableFileError",
]


class CompanyNotFoundError(NotFoundError):
    """No company with that id."""

    def __init__(self, company_id: str) -> None:
        super().__init__(
            f"Virksomheden {company_id} findes ikke", f"Company {company_id} does not exist"
        )


class CvrTakenError(ConflictError):
    """Another company already has the CVR number."""

    def __init__(self, cvr: str, company_id: str | None) -> None:
        which_da = f" (virksomhed {company_id})" if company_id else ""
        which_en = f" (company {company_id})" if company_id else ""
        super().__init__(
            f"CVR-nummeret {cvr} er allerede registreret{which_da}",
            f"The CVR number {cvr} is already registered{which_en}",
            code="cvr_taken",
            fields=[FieldError("cvr", "Findes allerede", "Already exists")],
        )


class CompanyOutOfScopeError(ForbiddenError):
    """A municipality-scoped user touched a company in another municipality."""

    def __init__(self, municipality_code: str) -> None:
        super().__init__(
            f"Du har ikke adgang til virksomheder i kommune {municipality_code}",
            f"You have no access to companies in municipality {municipality_code}",
        )


class CompanyDataError(ValidationFailedError):
    """The fields are well-formed but do not fit together (unknown code, postal code ...)."""

    def __init__(self, field: str, message_da: str, message_en: str) -> None:
        super().__init__(
            "Virksomhedens oplysninger kan ikke bruges",
            "The company's data cannot be used",
            fields=[FieldError(field, message_da, message_en)],
        )


class ImportConflictError(ConflictError):
    """A CVR number of the file was registered by someone else while the import ran."""

    def __init__(self) -> None:
        super().__init__(
            "Et af filens CVR-numre blev registreret af en anden, mens importen kørte; "
            "intet er gemt. Importér filen igen.",
            "One of the file's CVR numbers was registered by someone else during the import; "
            "nothing was stored. Import the file again.",
            code="import_conflict",
        )
