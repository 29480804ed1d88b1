"""Everything the web adds to the app (issue 16): static files, pages, login, API docs, headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from service.tasks.schemas import OpeningCreate
from service.web import auth_pages, bustour_pages, pages
from service.web.deps import STATIC_DIR, TEMPLATES
from service.web.security import SecurityHeadersMiddleware


def swagger_ui_dir() -> Path:
    """The Swagger UI 5 files installed with the ``swagger-ui-bundle-v2`` package (OpenAPI 3.1)."""
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def _docs_page(request: Request) -> HTMLResponse:
    html = TEMPLATES.get_template("swagger.html").render({"openapi_url": "/openapi.json"})
    return HTMLResponse(html)


def _openapi_with_opening_body(app: FastAPI) -> Any:
    """The OpenAPI schema, with the Spot et job body (one ``OpeningCreate`` or a list) that the
    route reads by hand to validate a list all or nothing."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        definitions = OpeningCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in definitions.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components["OpeningCreate"] = definitions
        reference = {"$ref": "#/components/schemas/OpeningCreate"}
        body = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"anyOf": [reference, {"type": "array", "items": reference}]}
                }
            },
        }
        path = schema.get("paths", {}).get("/api/v1/companies/{company_id}/openings", {})
        if "post" in path:
            path["post"]["requestBody"] = body
        app.openapi_schema = schema
        return schema

    return openapi


def install_web(app: FastAPI) -> None:
    """Mount the static files and Swagger UI, add the pages and the security headers."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    app.mount(
        "/docs/assets",
        StaticFiles(directory=swagger_ui_dir(), check_dir=False),
        name="swagger-ui",
    )
    app.add_api_route("/docs", _docs_page, include_in_schema=False, methods=["GET"])
    app.include_router(auth_pages.router)
    app.include_router(pages.router)
    app.include_router(bustour_pages.router)
    app.openapi = _openapi_with_opening_body(app)  # type: ignore[method-assign]
    app.add_middleware(SecurityHeadersMiddleware)
