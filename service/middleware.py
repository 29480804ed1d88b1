"""ASGI middleware that guards every request before a route sees it.

- Bodies over the upload limit get 413, whether or not they declare a Content-Length.
- The NUL character cannot be stored in PostgreSQL text and never belongs in our data, so it is
  refused in one place: in the path (404), a query parameter or a JSON body (422 naming the field).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import (
    FieldError,
    KantmatchError,
    NotFoundError,
    PayloadTooLargeError,
    ValidationFailedError,
    render_error,
)
from service.i18n import preferred_language

NUL = "\x00"


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


class RequestGuardMiddleware:
    """Refuse oversized bodies and NUL characters before routing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
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
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

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
