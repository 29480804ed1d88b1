"""Shapes shared by every domain's API: timestamps and cursor-paginated lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel

T = TypeVar("T")


def _as_utc(value: datetime) -> datetime:
    # The API always states the offset, whatever the database handed back.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class Page(BaseModel, Generic[T]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` to get the next."""

    items: list[T]
    next_cursor: str | None
