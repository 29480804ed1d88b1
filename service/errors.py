"""Domain errors that carry their HTTP status, and the one handler that renders them.

Every error leaves the service as
``{"error": {"code": ..., "message": ..., "fields": [{"field": ..., "message": ...}]}}``
in Danish by default and English with ``Accept-Language: en``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.i18n import Lang, preferred_language, validation_message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldError:
    """A problem with one named field, in both languages."""

    field: str
    message_da: str
    message_en: str

    def render(self, lang: Lang) -> dict[str, str]:
        """The field error as it appears in a response."""
        return {
            "field": self.field,
            "message": self.message_da if lang == "da" else self.message_en,
        }


class KantmatchError(Exception):
    """Base class for errors the API reports to the caller with a status code."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message_da: str,
        message_en: str | None = None,
        *,
        fields: Sequence[FieldError] = (),
        code: str | None = None,
    ) -> None:
        super().__init__(message_en or message_da)
        self.message_da = message_da
        self.message_en = message_en or message_da
        self.fields = list(fields)
        if code is not None:
            self.code = code

    def message(self, lang: Lang) -> str:
        """The message in the requested language."""
        return self.message_da if lang == "da" else self.message_en


class BadRequestError(KantmatchError):
    """The request cannot be understood (400)."""


class UnauthorizedError(KantmatchError):
    """No valid credentials (401)."""

    status_code = 401
    code = "unauthorized"


class ForbiddenError(KantmatchError):
    """The role or municipality does not allow this (403)."""

    status_code = 403
    code = "forbidden"


class NotFoundError(KantmatchError):
    """The resource does not exist or is not visible to the caller (404)."""

    status_code = 404
    code = "not_found"


class ConflictError(KantmatchError):
    """The request conflicts with the current state (409)."""

    status_code = 409
    code = "conflict"


class PayloadTooLargeError(KantmatchError):
    """The body is larger than the upload limit (413)."""

    status_code = 413
    code = "payload_too_large"


class ValidationFailedError(KantmatchError):
    """Fields of an otherwise readable request are invalid (422)."""

    status_code = 422
    code = "validation_error"


def error_body(code: str, message: str, fields: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message, "fields": list(fields)}}


def _lang(request: Request) -> Lang:
    return preferred_language(request.headers.get("accept-language"))


def _field_name(location: Sequence[Any]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def render_error(error: KantmatchError, lang: Lang) -> JSONResponse:
    """Render a domain error as a JSON response."""
    headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
    return JSONResponse(
        error_body(error.code, error.message(lang), [f.render(lang) for f in error.fields]),
        status_code=error.status_code,
        headers=headers,
    )


async def _handle_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KantmatchError)
    return render_error(exc, _lang(request))


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = _lang(request)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        reason = str((detail.get("ctx") or {}).get("error", ""))
        return render_error(
            BadRequestError(
                f"Anmodningens indhold er ikke gyldig JSON ({reason})",
                f"The request body is not valid JSON ({reason})",
                code="invalid_json",
            ),
            lang,
        )
    fields = [
        FieldError(
            _field_name(e.get("loc", ())),
            validation_message(e, "da"),
            validation_message(e, "en"),
        )
        for e in errors
    ]
    return render_error(
        ValidationFailedError(
            "Anmodningen indeholder ugyldige felter",
            "The request has invalid fields",
            fields=fields,
        ),
        lang,
    )


_HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    # FastAPI and Starlette raise 400 when a body cannot be decoded or parsed as a form.
    400: ("invalid_body", "Anmodningens indhold kan ikke læses", "The request body cannot be read"),
    404: ("not_found", "Adressen findes ikke", "No such address"),
    405: ("method_not_allowed", "Metoden er ikke tilladt her", "Method not allowed here"),
    401: ("unauthorized", "Log ind eller send en API-nøgle", "Log in or send an API key"),
    413: ("payload_too_large", "Anmodningen er for stor", "The request is too large"),
}


def _is_json_request(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


async def _handle_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    lang = _lang(request)
    if exc.status_code == 400 and _is_json_request(request):
        # Bytes that are not text, or JSON nested too deep to parse, are broken JSON too.
        return render_error(
            BadRequestError(
                "Anmodningens indhold kan ikke læses som JSON",
                "The request body cannot be read as JSON",
                code="invalid_json",
            ),
            lang,
        )
    code, da, en = _HTTP_MESSAGES.get(
        exc.status_code, ("http_error", str(exc.detail), str(exc.detail))
    )
    return JSONResponse(
        error_body(code, da if lang == "da" else en),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    lang = _lang(request)
    message = (
        "Der opstod en intern fejl; den er skrevet i serverens log"
        if lang == "da"
        else "An internal error occurred; it has been written to the server log"
    )
    return JSONResponse(error_body("internal_error", message), status_code=500)


# Seconds a client should wait before trying again when the database cannot answer.
RETRY_AFTER_UNREACHABLE = 5
RETRY_AFTER_BUSY = 2

# SQLite's words for "another writer holds the file" and "the file cannot be reached".
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
_SQLITE_UNREACHABLE = ("unable to open database", "disk i/o error", "database disk image")


def database_unavailable(exc: BaseException) -> int | None:
    """Seconds for Retry-After when the error means the database cannot answer now, else None.

    PostgreSQL stopped, restarting or out of connections; the pool exhausted; SQLite's file
    locked longer than the busy timeout. A mistake in a statement is not among them: it stays
    a 500 that is logged.
    """
    if isinstance(exc, PoolTimeoutError):
        return RETRY_AFTER_BUSY
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return RETRY_AFTER_UNREACHABLE
    original = exc.orig
    module = type(original).__module__.split(".")[0]
    name = type(original).__name__
    if module == "psycopg":
        import psycopg  # already loaded: the error came from it

        # Connection failures and server shutdowns (and cancelled statements or serialisation
        # failures, which a retry cures); a mistake in a statement is another class.
        if isinstance(original, psycopg.OperationalError | psycopg.InterfaceError):
            return RETRY_AFTER_UNREACHABLE
        return None
    if module == "sqlite3" and name == "OperationalError":
        text = str(original).lower()
        if any(words in text for words in _SQLITE_BUSY):
            return RETRY_AFTER_BUSY
        if any(words in text for words in _SQLITE_UNREACHABLE):
            return RETRY_AFTER_UNREACHABLE
    return None


def unavailable_response(lang: Lang, retry_after: int) -> JSONResponse:
    """503 with Retry-After: the database cannot answer now (a create sent with an
    Idempotency-Key can be retried safely)."""
    message = (
        "Databasen svarer ikke lige nu. Prøv igen om lidt"
        if lang == "da"
        else "The database is not answering right now. Try again shortly"
    )
    return JSONResponse(
        error_body("database_unavailable", message),
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


async def _handle_database_error(request: Request, exc: Exception) -> JSONResponse:
    retry_after = database_unavailable(exc)
    if retry_after is None:
        return await _handle_unexpected(request, exc)
    logger.warning(
        "Database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return unavailable_response(_lang(request), retry_after)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error in the API's JSON shape."""
    app.add_exception_handler(KantmatchError, _handle_domain_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_error)
    app.add_exception_handler(SQLAlchemyError, _handle_database_error)
    app.add_exception_handler(Exception, _handle_unexpected)


def validation_failed_from(exc: Any, *, prefix: str = "") -> ValidationFailedError:
    """Turn a pydantic ValidationError raised inside a service into a 422 with named fields."""
    fields = [
        FieldError(
            prefix + _field_name(e.get("loc", ()))
            if e.get("loc")
            else prefix.rstrip(".") or "body",
            validation_message(e, "da"),
            validation_message(e, "en"),
        )
        for e in exc.errors()
    ]
    return ValidationFailedError(
        "Oplysningerne indeholder ugyldige felter", "The data has invalid fields", fields=fields
    )
