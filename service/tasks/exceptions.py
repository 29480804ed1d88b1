"""Errors of the tasks domain."""

from __future__ import annotations

from collections.abc import Sequence

from service.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError


class TaskNotFoundError(NotFoundError):
    """No task with that id in the catalogue."""

    def __init__(self, task_id: str) -> None:
        super().__init__(
            f"Opgaven {task_id} findes ikke i kataloget",
            f"Task {task_id} does not exist in the catalogue",
        )


class OpeningNotFoundError(NotFoundError):
    """No task opening with that id."""

    def __init__(self, opening_id: str) -> None:
        super().__init__(
            f"Opgaveåbningen {opening_id} findes ikke",
            f"Task opening {opening_id} does not exist",
        )


class OpeningDataError(ValidationFailedError):
    """One or more openings cannot be stored; every problem is named, nothing is stored."""

    def __init__(self, fields: Sequence[FieldError]) -> None:
        super().__init__(
            "Opgaveåbningen kan ikke gemmes; intet er gemt",
            "The task opening cannot be stored; nothing was stored",
            fields=fields,
        )


class CatalogueConflictError(ConflictError):
    """The sector cards cannot be loaded over the stored catalogue (e.g. a reused task id)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "Sektorkortene kan ikke indlæses: " + "; ".join(problems),
            "The sector cards cannot be loaded: " + "; ".join(problems),
            code="catalogue_conflict",
        )
        self.problems = list(problems)
