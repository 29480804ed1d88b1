"""Errors of the forecasts domain."""

from __future__ import annotations

from labour_market.readers import InputError
from service.errors import FieldError, NotFoundError, ValidationFailedError


class ForecastMissingError(NotFoundError):
    """No forecast has been computed yet."""

    code = "forecast_missing"

    def __init__(self) -> None:
        super().__init__(
            "Der er ikke beregnet nogen prognose endnu; kør 'kantmatch forecast run'",
            "No forecast has been computed yet; run 'kantmatch forecast run'",
        )


class MunicipalityNotForecastError(NotFoundError):
    """The forecast holds no figures for the municipality asked for."""

    def __init__(self, municipality_code: str) -> None:
        super().__init__(
            f"Prognosen har ingen tal for kommune {municipality_code}",
            f"The forecast has no figures for municipality {municipality_code}",
            fields=[
                FieldError(
                    "municipality",
                    "Ingen prognose for denne kommune",
                    "No forecast for this municipality",
                )
            ],
        )


class ForecastInputError(ValidationFailedError):
    """An input file that cannot be used; every problem names its line and column."""

    code = "invalid_forecast_input"

    def __init__(self, error: InputError) -> None:
        fields = [
            FieldError(problem.where(), problem.message_da, problem.message_en)
            for problem in error.problems
        ]
        super().__init__(
            f"Filen {error.filename} kan ikke bruges ({len(fields)} fejl); intet er gemt",
            f"The file {error.filename} cannot be used ({len(fields)} problems); "
            "nothing was stored",
            fields=fields,
        )
