"""Errors of the matching domain."""

from __future__ import annotations

from service.errors import ConflictError, KantmatchError


class NoModelError(ConflictError):
    """No scorer has been trained yet."""

    def __init__(self) -> None:
        super().__init__(
            "Der er ikke trænet nogen model endnu (kør 'kantmatch init')",
            "No model has been trained yet (run 'kantmatch init')",
            code="no_model",
        )


class CitizenWithoutLocationError(ConflictError):
    """The citizen's postal code has no coordinates, so distances cannot be worked out."""

    def __init__(self) -> None:
        super().__init__(
            "Borgeren har ingen placering (postnummeret har ingen koordinater): angiv lat og "
            "lon, eller indlæs DAWA's postnumre med 'kantmatch import postal-codes FIL'",
            "The citizen has no location (the postal code has no coordinates): give lat and "
            "lon, or load DAWA's postnumre with 'kantmatch import postal-codes FILE'",
            code="citizen_without_location",
        )


class MatcherBusyError(KantmatchError):
    """Every turn of the matcher stayed taken longer than a request waits (503)."""

    status_code = 503
    code = "matcher_busy"

    def __init__(self) -> None:
        super().__init__(
            "Matchningen har for travlt lige nu. Prøv igen om lidt",
            "Matching is too busy right now. Try again shortly",
        )
