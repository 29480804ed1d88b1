"""Shapes shared by every domain's API: stored text, timestamps and cursor-paginated lists."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from service.cpr import reject_cpr, reject_cpr_identifier
from service.i18n import bilingual_error

T = TypeVar("T")


def _as_utc(value: datetime) -> datetime:
    # The API always states the offset, whatever the database handed back.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: Any) -> Any:
    # Pydantic reads 0 (or "0", false) as 1 January 1970: a date must be written as a date.
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise bilingual_error(
        "date_parsing",
        da="Skal være en dato (ÅÅÅÅ-MM-DD)",
        en="Must be a date (YYYY-MM-DD)",
    )


# A date given as YYYY-MM-DD, never as a number of seconds.
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]

# Every text a request can store is one of these two (tests/contract/test_cpr_fields.py walks
# every request schema of the app and fails on a text field that refuses no CPR number):
# free text refuses a CPR-like number anywhere in it, however it is written (service/cpr.py);
FreeText = Annotated[str, AfterValidator(reject_cpr)]
# an identifier (a task id, a row id) refuses one standing alone, as hex ids hold digit runs.
Identifier = Annotated[str, AfterValidator(reject_cpr_identifier)]


def shown_pattern(pattern: str, **constraints: Any) -> Any:
    """``Field(pattern=...)`` for FreeText or Identifier that the OpenAPI document shows too.

    Pydantic checks a pattern that follows a validator but leaves it out of the JSON schema, so
    clients (and the contract fuzzing) would not know the format the API demands.
    """
    return Field(pattern=pattern, json_schema_extra={"pattern": pattern}, **constraints)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` to get the next."""

    items: list[T]
    next_cursor: str | None
