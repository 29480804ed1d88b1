"""Keyset (cursor) pagination over SQL statements, identical on SQLite and PostgreSQL.

A cursor holds the sort key of the last row of a page, which can be a citizen's name. Cursors
travel in URLs, and URLs end up in access logs and browser histories, so a cursor is encrypted
and signed (Fernet: AES-128-CBC and HMAC-SHA256) with a key derived from the server's secret
key: opaque to the client, and a changed or forged cursor is refused with 400. The key of a
request is set by the request middleware (``signing_key``); code outside a request (the CLI,
service functions called from tests) gets one random key per process.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Query
from sqlalchemy import BigInteger, ColumnElement, TypeDecorator, and_, or_
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from service.errors import BadRequestError, FieldError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page")]
CursorQuery = Annotated[str | None, Query(description="Opaque cursor from next_cursor")]
UpdatedSinceQuery = Annotated[
    datetime | None, Query(description="Only rows changed at or after this time (ISO 8601)")
]


def as_utc(value: datetime) -> datetime:
    """An incoming timestamp in UTC; one without an offset is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(str(value["dt"]))
    return value


# Versioned so the derivation can change without old cursors decoding to something else.
_KEY_CONTEXT = b"kantmatch-cursor-v1:"
_PROCESS_KEY = Fernet(Fernet.generate_key())
_cursor_key: ContextVar[Fernet | None] = ContextVar("cursor_key", default=None)


def cursor_cipher(secret_key: str) -> Fernet:
    """The cipher for cursors derived from the server's secret key."""
    digest = hashlib.sha256(_KEY_CONTEXT + secret_key.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@contextmanager
def signing_key(cipher: Fernet) -> Iterator[None]:
    """Encrypt and check the cursors made inside the block with this cipher."""
    token = _cursor_key.set(cipher)
    try:
        yield
    finally:
        _cursor_key.reset(token)


def _cipher() -> Fernet:
    return _cursor_key.get() or _PROCESS_KEY


def encode_cursor(values: Sequence[Any]) -> str:
    """Encode the sort key of the last row of a page as an opaque, signed cursor."""
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    # Fernet's random IV: equal sort keys do not give equal cursors either.
    return _cipher().encrypt(raw.encode()).decode().rstrip("=")


def _invalid_cursor() -> BadRequestError:
    return BadRequestError(
        "Ugyldig cursor",
        "Invalid cursor",
        code="invalid_cursor",
        fields=[
            FieldError(
                "cursor",
                "Brug next_cursor fra forrige side uændret",
                "Pass next_cursor from the previous page unchanged",
            )
        ],
    )


def _fits_column(column: Any, value: Any) -> bool:
    # A cursor is client input: a value of the wrong type would reach the database as a
    # comparison PostgreSQL refuses (a 500), so it must have the sort column's type.
    column_type = column.type
    while isinstance(column_type, TypeDecorator):  # SQLModel's AutoString, UTCDateTime, ...
        column_type = column_type.impl_instance
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = object
    if python_type is object:
        return isinstance(value, (str, int, float, datetime)) and not isinstance(value, bool)
    if python_type is int:
        limit = 2**63 if isinstance(column_type, BigInteger) else 2**31
        return type(value) is int and -limit <= value < limit
    if python_type is float:
        return type(value) in (int, float) and math.isfinite(value)
    if python_type is str:
        return isinstance(value, str) and "\x00" not in value
    if python_type is datetime:
        # Years at the very ends overflow when the database driver converts them to UTC.
        return isinstance(value, datetime) and 1 < value.year < 9999
    return isinstance(value, python_type)


def decode_cursor(
    cursor: str, expected_length: int, columns: Sequence[Any] | None = None
) -> list[Any]:
    """Decode a cursor, or raise a 400 that names the ``cursor`` field.

    With ``columns`` (the sort columns), every value must also fit its column's type.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        plain = _cipher().decrypt(padded.encode("ascii"))
        values = json.loads(plain.decode())
        if not isinstance(values, list) or len(values) != expected_length:
            raise ValueError("wrong length")
        decoded = [_decode_value(v) for v in values]
    except (ValueError, InvalidToken, UnicodeError, RecursionError) as exc:
        raise _invalid_cursor() from exc
    if columns is not None and not all(
        _fits_column(c, v) for c, v in zip(columns, decoded, strict=True)
    ):
        raise _invalid_cursor()
    return decoded


def _after(columns: Sequence[Any], values: Sequence[Any]) -> Any:
    # (a, b, c) > (x, y, z) spelled out, so it works on every backend and with NULL-free keys.
    clauses: list[ColumnElement[bool]] = []
    for i, column in enumerate(columns):
        equal_prefix = [columns[j] == values[j] for j in range(i)]
        clauses.append(and_(*equal_prefix, column > values[i]))
    return or_(*clauses)


def paginate(
    session: Session,
    statement: SelectOfScalar[T],
    *,
    order_by: Sequence[Any],
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """Run a statement one page at a time, ordered by ``order_by`` (the last column unique).

    ``order_by`` holds model attributes (``Company.name``); their values on the last row of a
    page form the cursor.
    """
    if cursor is not None:
        values = decode_cursor(cursor, len(order_by), order_by)
        statement = statement.where(_after(order_by, values))
    rows = list(session.exec(statement.order_by(*order_by).limit(limit + 1)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, column.key) for column in order_by])
    return rows, next_cursor
