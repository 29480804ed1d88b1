"""Errors of the bus-tour domain."""

from __future__ import annotations

from service.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
)


def _duration(minutes: int, lang: str) -> str:
    hours, rest = divmod(minutes, 60)
    unit = "t" if lang == "da" else "h"
    return f"{hours} {unit} {rest:02d} min" if hours else f"{rest} min"


def _stops_en(count: int) -> str:
    return f"{count} stop" if count == 1 else f"{count} stops"


class BusTourNotFoundError(NotFoundError):
    """No saved tour with that id (or none the caller may see)."""

    def __init__(self, tour_id: str) -> None:
        super().__init__(f"Busturen {tour_id} findes ikke", f"Bus tour {tour_id} does not exist")


class BusTourOutOfScopeError(ForbiddenError):
    """A caseworker opened a tour of another municipality."""

    def __init__(self, municipality_code: str | None) -> None:
        where_da = f"kommune {municipality_code}" if municipality_code else "begge kommuner"
        where_en = (
            f"municipality {municipality_code}" if municipality_code else "both municipalities"
        )
        super().__init__(
            f"Du har ikke adgang til busture for borgere i {where_da}",
            f"You have no access to bus tours for citizens in {where_en}",
        )


class UnknownCitizensError(ValidationFailedError):
    """Some citizen ids of the request do not exist."""

    def __init__(self, missing: list[str]) -> None:
        ids = ", ".join(missing)
        super().__init__(
            "Busturen kan ikke planlægges",
            "The bus tour cannot be planned",
            fields=[
                FieldError(
                    "citizen_ids",
                    f"Disse borgere findes ikke: {ids}",
                    f"These citizens do not exist: {ids}",
                )
            ],
        )


class NoCompaniesError(ConflictError):
    """No company that takes visits is relevant for anyone in the group."""

    def __init__(self, considered: int) -> None:
        super().__init__(
            f"Ingen af de {considered} virksomheder, der tager imod besøg inden for rækkevidde, "
            "passer til gruppens ønsker eller muligheder. Bed virksomheder om at tage imod "
            "besøg (accepts_visits), eller tilføj ønsker og foretrukne brancher hos borgerne.",
            f"None of the {considered} companies that take visits within reach fits the "
            "group's wishes or possibilities. Ask companies to take visits (accepts_visits), "
            "or add wishes and preferred sectors to the citizens.",
            code="no_companies",
        )


class TourOutOfReachError(ValidationFailedError):
    """No company that takes visits is near enough to visit once and be back in time."""

    def __init__(self, *, reach_km: float, latest_return: str, out_of_reach: int) -> None:
        km = f"{reach_km:.1f}"
        da = (
            f"Ikke engang ét stop kan nås før seneste hjemkomst kl. {latest_return}: med den "
            f"tid og besøgslængde kan bussen højst køre {km.replace('.', ',')} km ud, og "
            f"ingen af de {out_of_reach} virksomheder, der tager imod besøg, ligger så tæt "
            "på. Flyt tiderne eller gør besøget kortere."
        )
        en = (
            f"Not even one stop fits before the latest return at {latest_return}: with that "
            f"time and visit length the bus can go at most {km} km out, and none of the "
            f"{out_of_reach} companies that take visits is that close. Move the times or "
            "shorten the visit."
        )
        super().__init__(
            da, en, code="tour_does_not_fit", fields=[FieldError("latest_return", da, en)]
        )


class TourDoesNotFitError(ValidationFailedError):
    """The stops cannot be visited before the latest return; says what would fit."""

    def __init__(
        self,
        *,
        stops: int,
        latest_return: str,
        needed_minutes: int,
        return_at: str,
        fitting_stops: int,
        fitting_return_at: str | None,
    ) -> None:
        head_da = (
            f"{stops} stop kan ikke nås før seneste hjemkomst kl. {latest_return}: turen "
            f"kræver {_duration(needed_minutes, 'da')} og er hjemme kl. {return_at}."
        )
        head_en = (
            f"{_stops_en(stops)} cannot be visited before the latest return at {latest_return}: "
            f"the tour needs {_duration(needed_minutes, 'en')} and is back at {return_at}."
        )
        if fitting_stops:
            fit_da = (
                f"{fitting_stops} stop kan nås (hjemme kl. {fitting_return_at}); sæt stops til "
                f"{fitting_stops}, gør besøgene kortere eller flyt seneste hjemkomst."
            )
            fit_en = (
                f"{_stops_en(fitting_stops)} would fit (back at {fitting_return_at}); set stops to "
                f"{fitting_stops}, shorten the visits or move the latest return."
            )
        else:
            fit_da = "Ikke engang ét stop kan nås; gør besøget kortere eller flyt tiderne."
            fit_en = "Not even one stop fits; shorten the visit or move the times."
        super().__init__(
            f"{head_da} {fit_da}",
            f"{head_en} {fit_en}",
            code="tour_does_not_fit",
            fields=[FieldError("latest_return", f"{head_da} {fit_da}", f"{head_en} {fit_en}")],
        )
        self.fitting_stops = fitting_stops
