"""Errors of the matching domain."""

from __future__ import annotations

from service.errors import ConflictError


class NoModelError(ConflictError):
    """No scorer has been trained yet."""

    def __init__(self) -> None:
        super().__init__(
            "Der er ikke trænet nogen model endnu (kør 'kantmatch init')",
            "No model has been trained yet (run 'kantmatch init')",
            code="no_model",
        )
