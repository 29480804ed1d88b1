"""The FastAPI application factory. Nothing here runs at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from service import __version__
from service.auth.dependencies import get_current_principal
from service.auth.router import router as auth_router
from service.bustours.router import router as bustours_router
from service.citizen_record_router import router as citizen_record_router
from service.citizens.router import router as citizens_router
from service.companies.router import router as companies_router
from service.company_removal_router import router as company_removal_router
from service.config import Settings, get_settings
from service.db import make_engine
from service.errors import install_error_handlers
from service.forecasts.router import router as forecasts_router
from service.idempotency import IdempotencyMiddleware, document_header
from service.matching.dependencies import ModelCache
from service.matching.router import router as matching_router
from service.meetings.router import router as meetings_router
from service.mentors.router import router as mentors_router
from service.middleware import RequestGuardMiddleware, install_log_redaction
from service.openapi import document_errors
from service.organisations.router import router as organisations_router
from service.overview.router import router as overview_router
from service.pagination import cursor_cipher
from service.placements.router import router as placements_router
from service.reminders.router import router as reminders_router
from service.reminders.router import status_router as sms_status_router
from service.system import public_router as system_public_router
from service.system import router as system_router
from service.tasks.router import router as tasks_router
from service.web.router import install_web

API_PREFIX = "/api/v1"

# Routers included here without authentication; everything else requires a valid API key.
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the application; tests pass a shared engine, else one is made from settings."""
    settings = settings or get_settings()
    owns_engine = engine is None
    app_engine = engine or make_engine(
        settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )
    logging.getLogger("service").setLevel(settings.log_level)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            app_engine.dispose()

    app = FastAPI(
        title="Kantmatch",
        version=__version__,
        description="Opgaver frem for stillinger: match af virksomheders opgaver og borgere "
        "fra kanten af arbejdsmarkedet (Lolland og Guldborgsund).",
        lifespan=lifespan,
        docs_url=None,  # served by service/web with local Swagger UI files (issue 16)
    )
    app.state.settings = settings
    app.state.engine = app_engine
    app.state.model_cache = ModelCache()
    app.add_middleware(IdempotencyMiddleware)  # inside the guard: bodies are checked first
    app.add_middleware(
        RequestGuardMiddleware,
        max_bytes=settings.max_upload_bytes,
        cursor_cipher=cursor_cipher(settings.secret_key),
    )
    install_log_redaction()
    install_error_handlers(app)

    authenticated = [Depends(get_current_principal)]
    app.include_router(system_public_router)
    app.include_router(system_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(auth_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(companies_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(company_removal_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(tasks_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(forecasts_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(citizens_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(citizen_record_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(placements_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(matching_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(bustours_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(overview_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(reminders_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(mentors_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(meetings_router, prefix=API_PREFIX, dependencies=authenticated)
    app.include_router(organisations_router, prefix=API_PREFIX, dependencies=authenticated)
    # Authenticated by the gateway's shared secret, not an API key (see docs/reminders.md).
    app.include_router(sms_status_router, prefix=API_PREFIX)
    install_web(app)  # issue 16: pages, login, static files, /docs, security headers
    document_errors(app, also=[document_header])
    return app
