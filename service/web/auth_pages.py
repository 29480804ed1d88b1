"""Login and logout pages (issue 16)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from service import clock
from service.db import SessionDep
from service.web import sessions
from service.web.deps import (
    SESSION_COOKIE,
    ActiveSessionDep,
    PageRoute,
    SettingsDep,
    check_csrf,
    finish,
    render,
)

router = APIRouter(route_class=PageRoute, dependencies=[Depends(check_csrf)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", include_in_schema=False)
def login_page(request: Request, active: ActiveSessionDep, next: str | None = None) -> Response:
    if active is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next), "email": "", "error": None})


@router.post("/login", include_in_schema=False)
def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    result = sessions.login(session, email=email, password=password, secret_key=settings.secret_key)
    if result.cookie is None:
        if result.locked_until is not None:
            minutes = max(1, round((result.locked_until - clock.now()).total_seconds() / 60))
            error = f"For mange forkerte forsøg. Kontoen er spærret for login i {minutes} minutter."
            status_code = 429
        else:
            error = "Forkert e-mail eller adgangskode."
            status_code = 401
        context = {"next": _safe_next(next), "email": email, "error": error}
        return render(request, "login.html", context, status_code=status_code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.cookie,
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
        path="/",
        max_age=int(sessions.MAX_AGE.total_seconds()),
    )
    finish(request, response, settings)
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    sessions.logout(
        session, cookie=request.cookies.get(SESSION_COOKIE), secret_key=settings.secret_key
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
