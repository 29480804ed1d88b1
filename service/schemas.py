"""Shapes shared by every domain's API: stored text, timestamps and cursor-paginated lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel

from service.cpr import reject_cpr, reject_cpr_identifier

T = TypeVar("T")


def _as_utc(value: datetime) -> datetime:
    # The API always states the offset, whatever the database handed back.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]

# Every text a request can store is one of these two (tests/contract/test_cpr_fields.py walks
# every request schema of the app and fails on a text field that refuses no CPR number):
# free text refuses a CPR-like number anywhere in it, however it is written (service/cpr.py);
FreeText = Annotated[str, AfterValidator(reject_cpr)]
# an identifier (a task id, a row id) refuses one standing alone, as hex ids hold digit runs.
Identifier = Annotated[str, AfterValidator(reject_cpr_identifier)]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` to get the next."""

    items: list[T]
    next_cursor: str | None
