"""Health and meta: database state, version, schema revision and counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, func, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from service import __version__
from service.auth.dependencies import StaffPrincipal
from service.auth.models import User
from service.companies.models import Company
from service.db import SessionDep, read_only
from service.migrations_runner import head_revision

public_router = APIRouter(tags=["system"])
router = APIRouter(tags=["system"])


def current_revision(connection_or_session: Session | Any) -> str | None:
    """The Alembic revision the database is at, or None before the first migration."""
    try:
        row = connection_or_session.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError:
        return None
    return str(row[0]) if row else None


def database_status(engine: Engine) -> dict[str, Any]:
    """Whether the database answers, its backend and schema revision."""
    try:
        with read_only(engine).connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = current_revision(connection)
    except SQLAlchemyError as exc:
        return {"ok": False, "backend": engine.dialect.name, "error": type(exc).__name__}
    return {
        "ok": True,
        "backend": engine.dialect.name,
        "revision": revision,
        "up_to_date": revision == head_revision(),
    }


@public_router.get("/health")
def health(request: Request) -> JSONResponse:
    """Public liveness check with the database state (503 when the database is down)."""
    database = database_status(request.app.state.engine)
    ok = database["ok"] and database.get("up_to_date", False)
    return JSONResponse(
        {"status": "ok" if ok else "error", "version": __version__, "database": database},
        status_code=200 if ok else 503,
    )


class Meta(BaseModel):
    """Version, schema revision and record counts."""

    version: str
    schema_revision: str | None
    schema_head: str
    database_backend: str
    counts: dict[str, int]


def count_rows(session: Session) -> dict[str, int]:
    """How many rows the main tables hold."""
    return {
        "companies": session.exec(select(func.count()).select_from(Company)).one(),
        "demo_companies": session.exec(
            select(func.count()).select_from(Company).where(Company.is_demo)
        ).one(),
        "users": session.exec(select(func.count()).select_from(User)).one(),
    }


@router.get("/meta", response_model=Meta)
def meta(session: SessionDep, _: StaffPrincipal) -> Meta:
    """Service version, database schema revision and counts."""
    return Meta(
        version=__version__,
        schema_revision=current_revision(session),
        schema_head=head_revision(),
        database_backend=session.get_bind().dialect.name,
        counts=count_rows(session),
    )
