"""ASGI middleware that guards every request before a route sees it.

- Bodies over the upload limit get 413, whether or not they declare a Content-Length.
- The NUL character cannot be stored in PostgreSQL text and never belongs in our data, so it is
  refused in one place: in the path (404), a query parameter or a JSON body (422 naming the field).
- List cursors made and read while the request runs are encrypted and signed with the server's
  key (``service/pagination.py``).

And URLs are logged without personal data: ``redact_url`` drops search terms and anything shaped
like a CPR number, and ``install_log_redaction`` applies it to the server's access log.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from cryptography.fernet import Fernet
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.cpr import looks_like_cpr
from service.errors import (
    FieldError,
    KantmatchError,
    NotFoundError,
    PayloadTooLargeError,
    ValidationFailedError,
    render_error,
)
from service.i18n import preferred_language
from service.openapi import allowed_methods
from service.pagination import signing_key

NUL = "\x00"
# Query parameters whose values are never logged: search terms can be a name or a number.
UNLOGGED_PARAMETERS = frozenset({"q"})
REDACTED = "[redacted]"
CPR_REDACTED = "[cpr]"


def _digits_only(text: str) -> bool:
    return any(c.isdigit() for c in text) and not any(c.isalpha() for c in text)


def redact_url(path_with_query: str) -> str:
    """The URL as it may be logged: no search term, no CPR-like value in the path or query."""
    path, _, query = path_with_query.partition("?")
    segments = [
        CPR_REDACTED if looks_like_cpr(unquote(segment), identifier=True) else segment
        for segment in path.split("/")
    ]
    if looks_like_cpr(unquote("/".join(segments)), identifier=True):
        # Written across segments ("210270/1092"): every segment without a letter goes.
        segments = [CPR_REDACTED if _digits_only(unquote(s)) else s for s in segments]
    redacted = "/".join(segments)
    if not query:
        return redacted
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in UNLOGGED_PARAMETERS and value:
            shown = REDACTED
        elif looks_like_cpr(value) or looks_like_cpr(key):
            shown = CPR_REDACTED
        else:
            shown = quote(value, safe="")
        pairs.append(f"{CPR_REDACTED if looks_like_cpr(key) else quote(key, safe='')}={shown}")
    return f"{redacted}?{'&'.join(pairs)}"


class _RedactUrls(logging.Filter):
    """Rewrites the URL in a record of uvicorn's access log (its third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True


ACCESS_LOGGERS = ("uvicorn.access",)


def install_log_redaction() -> None:
    """Make the server's access log write URLs through ``redact_url`` (idempotent)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactUrls) for f in logger.filters):
            logger.addFilter(_RedactUrls())


def _nul_error(field: str) -> ValidationFailedError:
    return ValidationFailedError(
        "Anmodningen indeholder ugyldige felter",
        "The request has invalid fields",
        fields=[
            FieldError(
                field,
                "Må ikke indeholde NUL-tegnet (\\u0000)",
                "Must not contain the NUL character (\\u0000)",
            )
        ],
    )


def find_nul(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string in parsed JSON that holds a NUL, if any."""
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return child
            found = find_nul(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = find_nul(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _is_json(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    raw: bytes = headers.get(b"content-type", b"")
    content_type = raw.decode("latin-1").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _with_right_allow(scope: Scope, send: Send) -> Send:
    """A 405's Allow header lists every method of the path, not only the first route's."""

    async def sending(message: Message) -> None:
        app = scope.get("app")
        if message["type"] == "http.response.start" and message["status"] == 405 and app:
            methods = allowed_methods(app.openapi(), scope.get("path", ""))
            if methods:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                headers.append((b"allow", ", ".join(methods).encode("latin-1")))
                message = {**message, "headers": headers}
        await send(message)

    return sending


class RequestGuardMiddleware:
    """Refuse oversized bodies and NUL characters before routing; sign the request's cursors."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, cursor_cipher: Fernet) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.cursor_cipher = cursor_cipher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with signing_key(self.cursor_cipher):
            await self._guard(scope, receive, _with_right_allow(scope, send))

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = self._check_url(scope)
        if error is not None:
            await self._reject(scope, receive, send, error)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send, self._too_large(scope))
            return
        # Read the body up to the limit, then hand it on; a chunked body that runs over is refused.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(scope, receive, send, self._too_large(scope))
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _is_json(scope) and (b"\\u0000" in body or b"\x00" in body):
            field = self._nul_in_json(body)
            if field is not None:
                await self._reject(scope, receive, send, _nul_error(field))
                return
        await self.app(scope, replay_body(body, receive), send)

    @staticmethod
    def _check_url(scope: Scope) -> KantmatchError | None:
        if NUL in scope.get("path", ""):
            return NotFoundError("Adressen findes ikke", "No such address")
        query = scope.get("query_string", b"").decode("latin-1")
        if "%00" in query or NUL in query:
            for key, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8"):
                if NUL in key or NUL in value:
                    return _nul_error(key.replace(NUL, "") or "query")
        return None

    @staticmethod
    def _nul_in_json(body: bytes) -> str | None:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            return None  # not JSON: the route's own parsing reports it
        return find_nul(parsed)

    def _too_large(self, scope: Scope) -> PayloadTooLargeError:
        limit_mb = f"{self.max_bytes / (1024 * 1024):g}"
        if str(scope.get("path", "")).endswith("/import"):
            # Issue 13: a file of any size can be imported from disk by the command line.
            return PayloadTooLargeError(
                f"Filen er for stor til upload (højst {limit_mb} MB). Store filer importeres "
                "på serveren med kommandolinjen: kantmatch import companies|citizens|bip FIL",
                f"The file is too large to upload (at most {limit_mb} MB). Import large files "
                "on the server with the command line: kantmatch import companies|citizens|bip FILE",
            )
        return PayloadTooLargeError(
            f"Anmodningen er for stor (højst {limit_mb} MB)",
            f"The request is too large (at most {limit_mb} MB)",
        )

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send, error: KantmatchError) -> None:
        headers = dict(scope.get("headers") or [])
        lang = preferred_language(headers.get(b"accept-language", b"").decode("latin-1"))
        response = render_error(error, lang)
        if isinstance(error, PayloadTooLargeError):
            response.headers["connection"] = "close"
        await response(scope, receive, send)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app a body already read, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
