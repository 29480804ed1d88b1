"""The OpenAPI document states the error answers each route can give, in the API's error shape.

FastAPI documents a route's success and a 422 in its own shape; every route of ours can also
answer the errors of ``service/errors.py`` and of the request guard. They are added here, once,
so the contract (checked by schemathesis in tests/contract/test_schemathesis.py) is complete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["field", "message"],
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}
_DESCRIPTIONS = {
    400: "The request cannot be read (broken JSON, a changed cursor)",
    401: "No valid API key",
    403: "The role or municipality does not allow this",
    404: "No such resource, or not one the caller may see",
    409: "The request conflicts with the current state",
    413: "The body is larger than the upload limit",
    422: "Invalid fields, each named",
    503: "The database is unreachable; retry after Retry-After seconds",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
PUBLIC = frozenset({"/health"})


def error_codes(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses a route can answer."""
    if path in PUBLIC:
        return [503]
    # 409 also on reads: a ranking answers it while no matcher model is trained.
    codes = [401, 403, 404, 409, 422, 503]
    # 400 is a body that cannot be read (JSON, form, file) or a cursor the API did not give out.
    cursor = any(p.get("name") == "cursor" for p in operation.get("parameters", []))
    if "requestBody" in operation or cursor:
        codes.append(400)
    if method in _WRITES:
        codes.append(413)
    return sorted(codes)


def document_errors(app: FastAPI, *, also: Sequence[Callable[[dict[str, Any]], None]] = ()) -> None:
    """Make the app's OpenAPI document list every route's error answers; ``also`` documents
    what middleware adds (the Idempotency-Key header), which the routes themselves cannot."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in error_codes(path, method, operation):
                    responses[str(code)] = {
                        "description": _DESCRIPTIONS[code],
                        "content": reference,
                    }
        for document in also:
            document(schema)
        components = schema["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):
            if f"#/components/schemas/{unused}" not in json.dumps(schema):
                components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


@cache
def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


def allowed_methods(schema: dict[str, Any], path: str) -> list[str]:
    """The methods the documented routes answer at a concrete path (for a 405's Allow header)."""
    methods: set[str] = set()
    for template, operations in schema.get("paths", {}).items():
        if _template(template).match(path):
            methods.update(m.upper() for m in operations)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)
