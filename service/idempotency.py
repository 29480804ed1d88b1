"""Idempotency-Key for POST requests: a retried create returns the first answer, creates nothing.

A client that lost the answer to a POST sends it again with the same ``Idempotency-Key`` header.
The key is reserved in a short transaction of its own before the request runs; the request's own
transaction marks the reservation committed together with what it created (``get_session``), and
the answer is stored before it is sent. So:

- a retry of a finished request gets the stored status and body (``Idempotency-Replayed: true``);
- a copy sent while the first still runs waits for it and then gets the same answer;
- a request that failed (any status but 2xx) changed nothing and frees its key to be run again;
- the same key with a different request (method, path, query or body) is refused (422);
- if the server died after the create committed but before the answer was stored, a retry is
  told so (409) and creates nothing; if it died before the commit, the retry runs.

A key belongs to the credential that sent it (a hash of the Authorization header, or of the
cookies of a browser session): one caller cannot replay another's answer. Records are kept 24
hours (``RETENTION``); a citizen's erasure deletes the stored answers that name them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import Column, Engine, Index, String, Text, delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Field, Session, SQLModel, col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import clock
from service.db import BEFORE_COMMIT, new_id, read_only
from service.errors import (
    ConflictError,
    FieldError,
    KantmatchError,
    ValidationFailedError,
    database_unavailable,
    render_error,
    unavailable_response,
)
from service.i18n import preferred_language
from service.middleware import replay_body

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
# A reservation whose request has not finished after this long belongs to a dead process
# (longer than any request runs: an import of a large file from the API takes about a minute).
LEASE = timedelta(minutes=10)
# How long a copy waits for the first request with its key, polling every POLL_SECONDS.
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05


class IdempotencyRecord(SQLModel, table=True):
    """One Idempotency-Key of one credential: the request it was used for and its answer."""

    __tablename__ = "idempotency_records"
    __table_args__ = (Index("uq_idempotency_records_scope_key", "scope_hash", "key", unique=True),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    scope_hash: str = Field(sa_column=Column(String(64), nullable=False))
    key: str = Field(max_length=MAX_KEY_LENGTH)
    request_hash: str = Field(max_length=64)
    method: str = Field(max_length=10)
    path: str = Field(max_length=500)
    # True once the request's own transaction committed (set inside that transaction).
    committed: bool = False
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=200)
    # The answer's body: UTF-8 text as it is (JSON), anything else base64 (body_base64).
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body_base64: bool = False
    created_at: datetime = Field(default_factory=clock.now, index=True)


def _fail(message_da: str, message_en: str) -> ValidationFailedError:
    return ValidationFailedError(
        "Anmodningen indeholder ugyldige felter",
        "The request has invalid fields",
        fields=[FieldError(HEADER, message_da, message_en)],
    )


def check_key(raw: bytes) -> str:
    """The key if it is 1-255 printable ASCII characters, else a 422 naming the header."""
    if not 1 <= len(raw) <= MAX_KEY_LENGTH:
        raise _fail(
            f"Skal være 1-{MAX_KEY_LENGTH} tegn", f"Must be 1-{MAX_KEY_LENGTH} characters long"
        )
    if not all(33 <= byte <= 126 for byte in raw):
        raise _fail(
            "Må kun indeholde synlige ASCII-tegn (ingen mellemrum)",
            "Must contain only visible ASCII characters (no spaces)",
        )
    return raw.decode("ascii")


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


@dataclass(frozen=True)
class Stored:
    """An answer to replay."""

    status_code: int
    content_type: str | None
    body: bytes


@dataclass(frozen=True)
class Reserved:
    """This request holds the key and runs."""

    record_id: str


@dataclass(frozen=True)
class Busy:
    """Another request holds the key and has not finished."""


Claim = Stored | Reserved | Busy


def _stored(record: IdempotencyRecord) -> Stored:
    raw = record.body or ""
    body = base64.b64decode(raw) if record.body_base64 else raw.encode("utf-8")
    return Stored(record.status_code or 200, record.content_type, body)


def claim(
    engine: Engine, *, scope_hash: str, key: str, request_hash: str, method: str, path: str
) -> Claim:
    """Reserve the key for this request, or say what became of the request that holds it."""
    now = clock.now()
    with Session(engine, expire_on_commit=False) as session:
        try:
            with session.begin():
                session.execute(
                    delete(IdempotencyRecord).where(
                        col(IdempotencyRecord.created_at) < now - RETENTION
                    )
                )
                record = IdempotencyRecord(
                    scope_hash=scope_hash,
                    key=key,
                    request_hash=request_hash,
                    method=method,
                    path=path,
                    created_at=now,
                )
                session.add(record)
            return Reserved(record.id)
        except IntegrityError:
            pass  # the key is taken: look at the request that holds it
        with session.begin():
            existing = session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope_hash == scope_hash, IdempotencyRecord.key == key
                )
            ).one_or_none()
            if existing is None:  # freed between the insert and this read: try once more
                return Busy()
            if existing.request_hash != request_hash:
                raise _fail(
                    "Nøglen er allerede brugt til en anden anmodning; brug en ny nøgle",
                    "The key was already used for a different request; use a new key",
                )
            if existing.status_code is not None:
                return _stored(existing)
            if _as_aware(existing.created_at) >= now - LEASE:
                return Busy()  # still running, or committed and storing its answer
            if existing.committed:
                # Its process died after the create committed, before the answer was stored.
                raise ConflictError(
                    "Anmodningen med denne Idempotency-Key er gennemført, men svaret gik tabt; "
                    "hent resultatet med en GET",
                    "The request with this Idempotency-Key was completed but its answer was "
                    "lost; fetch the result with a GET",
                    code="idempotency_answer_lost",
                )
            # The process that held it died before its request committed: take it over.
            taken = session.execute(
                update(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.id) == existing.id,
                    col(IdempotencyRecord.created_at) == existing.created_at,
                    col(IdempotencyRecord.committed).is_(False),
                )
                .values(created_at=now)
            )
            if getattr(taken, "rowcount", 0) == 1:
                return Reserved(existing.id)
            return Busy()


def _as_aware(moment: datetime) -> datetime:
    # SQLite returns the stored UTC time without its zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _marker(record_id: str) -> Callable[[Session], None]:
    def mark_committed(session: Session) -> None:
        # In the request's own transaction: what it created and this mark commit together.
        session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == record_id)
            .values(committed=True)
        )

    return mark_committed


def finish(
    engine: Engine, record_id: str, status_code: int, content_type: str | None, body: bytes
) -> None:
    """Store a 2xx answer for replay, or free the key of a request that failed."""
    with Session(engine) as session, session.begin():
        if 200 <= status_code < 300:
            try:
                text, is_base64 = body.decode("utf-8"), False
            except UnicodeDecodeError:
                text, is_base64 = base64.b64encode(body).decode("ascii"), True
            session.execute(
                update(IdempotencyRecord)
                .where(col(IdempotencyRecord.id) == record_id)
                .values(
                    status_code=status_code,
                    content_type=content_type,
                    body=text,
                    body_base64=is_base64,
                )
            )
        else:
            # A failed request rolled back: nothing was created, the key may be used again.
            # (Unless it committed and failed afterwards: then the record stays, marked.)
            session.execute(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.id) == record_id,
                    col(IdempotencyRecord.committed).is_(False),
                )
            )


def stored_answer(engine: Engine, record_id: str) -> IdempotencyRecord | None:
    """The record as it is now (a read that takes no write lock)."""
    with Session(read_only(engine), expire_on_commit=False) as session:
        return session.get(IdempotencyRecord, record_id)


def erase_citizen_data(session: Session, *, citizen_id: str) -> int:
    """Right to erasure: delete stored answers that name the citizen; returns how many."""
    result = session.execute(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.body).contains(citizen_id))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def document_header(schema: dict[str, Any]) -> None:
    """List the header on every POST operation of the OpenAPI document (the middleware honours
    it on every POST), and the replay marker on their success answers."""
    parameter = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Makes a retried POST safe: the same key from the same credential within "
            f"{int(RETENTION.total_seconds() // 3600)} hours returns the first answer (marked "
            f"`{REPLAYED_HEADER}: true`) and creates nothing new. The same key with another "
            "request is refused (422); a copy sent while the first still runs waits for it "
            "(409 if it takes too long)."
        ),
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": "^[!-~]+$",  # visible ASCII, as check_key demands
        },
    }
    replayed = {
        "description": "`true` when this is the stored answer to an earlier request with the key",
        "schema": {"type": "string", "enum": ["true"]},
    }
    for operations in schema.get("paths", {}).values():
        operation = operations.get("post")
        if operation is None:
            continue
        operation.setdefault("parameters", []).append(dict(parameter))
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2"):
                response.setdefault("headers", {})[REPLAYED_HEADER] = replayed


class IdempotencyMiddleware:
    """Honour Idempotency-Key on POST requests (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_key = headers.get(HEADER.lower().encode())
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        lang = preferred_language(headers.get(b"accept-language", b"").decode("latin-1"))
        engine: Engine = scope["app"].state.engine
        body, more = await _read_body(receive)
        if not more:
            return  # the client went away
        try:
            key = check_key(raw_key)
            outcome = await self._claim_or_wait(engine, scope, headers, key, body)
        except KantmatchError as error:
            await render_error(error, lang)(scope, replay_body(body, receive), send)
            return
        except SQLAlchemyError as exc:
            retry_after = database_unavailable(exc)
            if retry_after is None:
                raise
            await unavailable_response(lang, retry_after)(scope, replay_body(body, receive), send)
            return
        if isinstance(outcome, Stored):
            await _send_stored(outcome, send)
            return
        await self._run(engine, outcome.record_id, scope, body, receive, send)

    async def _claim_or_wait(
        self, engine: Engine, scope: Scope, headers: dict[bytes, bytes], key: str, body: bytes
    ) -> Stored | Reserved:
        credential = headers.get(b"authorization") or headers.get(b"cookie") or b""
        arguments: dict[str, Any] = {
            "scope_hash": _digest(b"credential", credential),
            "key": key,
            "request_hash": _digest(
                scope["method"].encode(),
                scope.get("path", "").encode("utf-8", "surrogateescape"),
                scope.get("query_string", b""),
                body,
            ),
            "method": scope["method"],
            "path": scope.get("path", "")[:500],
        }
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            outcome = await anyio.to_thread.run_sync(lambda: claim(engine, **arguments))
            if not isinstance(outcome, Busy):
                return outcome
            if time.monotonic() > deadline:
                raise ConflictError(
                    "En anmodning med samme Idempotency-Key er stadig i gang; prøv igen om lidt",
                    "A request with the same Idempotency-Key is still running; try again shortly",
                    code="idempotency_in_progress",
                )
            await anyio.sleep(POLL_SECONDS)

    async def _run(
        self,
        engine: Engine,
        record_id: str,
        scope: Scope,
        body: bytes,
        receive: Receive,
        send: Send,
    ) -> None:
        scope.setdefault("state", {}).setdefault(BEFORE_COMMIT, []).append(_marker(record_id))
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._store_then_send(engine, record_id, start, chunks, send)
            else:
                await send(message)

        try:
            await self.app(scope, replay_body(body, receive), capture)
        except BaseException:
            await anyio.to_thread.run_sync(lambda: finish(engine, record_id, 500, None, b""))
            raise

    @staticmethod
    async def _store_then_send(
        engine: Engine,
        record_id: str,
        start: Message | None,
        chunks: list[bytes],
        send: Send,
    ) -> None:
        assert start is not None
        status = int(start["status"])
        content_type = next(
            (
                v.decode("latin-1")
                for k, v in start.get("headers", [])
                if k.lower() == b"content-type"
            ),
            None,
        )
        body = b"".join(chunks)
        try:
            await anyio.to_thread.run_sync(
                lambda: finish(engine, record_id, status, content_type, body)
            )
        except SQLAlchemyError:
            # The create is committed; a retry will be told its answer was lost (409).
            logger.warning("Could not store the answer for an Idempotency-Key (%s)", record_id)
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


async def _send_stored(stored: Stored, send: Send) -> None:
    headers = [
        (b"content-length", str(len(stored.body)).encode()),
        (REPLAYED_HEADER.lower().encode(), b"true"),
    ]
    if stored.content_type:
        headers.append((b"content-type", stored.content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body, "more_body": False})
