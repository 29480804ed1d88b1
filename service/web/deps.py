"""What every page needs: the signed-in session, the CSRF check, templates and error pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.auth import policy
from service.auth.principal import Principal
from service.config import Settings
from service.db import SessionDep, app_settings
from service.errors import ForbiddenError, KantmatchError
from service.web import sessions

SESSION_COOKIE = "km_session"
NONCE_COOKIE = "km_nonce"
CSRF_FIELD = "csrf_token"
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
SettingsDep = Annotated[Settings, Depends(app_settings)]
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NAV: tuple[tuple[str, str, policy.WebPage | None], ...] = (
    ("/", "Forside", None),
    ("/borgere", "Borgere", "citizens"),
    ("/virksomheder", "Virksomheder", "companies"),
    ("/budget", "Budget", "budget"),
    ("/busture", "Busture", "bustours"),
    ("/overblik", "Overblik", "overview"),
    ("/admin", "Administration", "admin"),
    ("/docs", "API", None),
)


class LoginRequiredError(Exception):
    """No valid session: the page answers with a redirect to the login page."""


def current_session(
    request: Request, session: SessionDep, settings: SettingsDep
) -> sessions.ActiveSession | None:
    """The browser's valid session, if any (also kept on ``request.state``)."""
    if hasattr(request.state, "web_session"):
        return request.state.web_session  # type: ignore[no-any-return]
    active = sessions.resolve(
        session, cookie=request.cookies.get(SESSION_COOKIE), secret_key=settings.secret_key
    )
    request.state.web_session = active
    if active is not None:
        request.state.principal = active.principal
    return active


ActiveSessionDep = Annotated[sessions.ActiveSession | None, Depends(current_session)]


def page_principal(active: ActiveSessionDep) -> Principal:
    """The signed-in user, or a redirect to the login page."""
    if active is None:
        raise LoginRequiredError()
    return active.principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


class PageGate:
    """A dependency that lets through the roles the policy allows on a page (else 403).

    ``page`` stays readable so tests can walk every page route against the policy.
    """

    def __init__(self, page: policy.WebPage) -> None:
        self.page: policy.WebPage = page

    def __call__(self, actor: PagePrincipal) -> Principal:
        if not policy.may_open_page(actor, self.page):
            raise ForbiddenError(
                "Din rolle har ikke adgang til denne side", "Your role has no access to this page"
            )
        return actor


def page_for(page: policy.WebPage) -> PageGate:
    """The gate of one page (see ``PageGate``)."""
    return PageGate(page)


def nonce_of(request: Request) -> str:
    """The browser's anonymous nonce (made once per browser, for forms before login)."""
    existing = request.cookies.get(NONCE_COOKIE)
    if existing and len(existing) <= 64:
        return existing
    if not hasattr(request.state, "new_nonce"):
        request.state.new_nonce = secrets.token_urlsafe(24)
    return str(request.state.new_nonce)


def csrf_token_for(request: Request, settings: Settings) -> str:
    """The token every form of this page carries in ``csrf_token``."""
    active: sessions.ActiveSession | None = getattr(request.state, "web_session", None)
    if active is not None:
        return active.csrf_token
    return sessions.anonymous_csrf(settings.secret_key, nonce_of(request))


async def check_csrf(request: Request, settings: SettingsDep, active: ActiveSessionDep) -> None:
    """Refuse a POST (or other unsafe method) whose form lacks the right ``csrf_token``."""
    if request.method not in UNSAFE_METHODS:
        return
    given = None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    given = given or request.headers.get("x-csrf-token")
    if active is not None:
        expected: str | None = active.csrf_token
    else:
        nonce = request.cookies.get(NONCE_COOKIE)
        expected = sessions.anonymous_csrf(settings.secret_key, nonce) if nonce else None
    if not sessions.tokens_match(expected, given):
        raise ForbiddenError(
            "Formularen mangler et gyldigt sikkerhedsfelt (csrf_token). Hent siden igen og prøv "
            "igen.",
            "The form lacks a valid security field (csrf_token). Reload the page and try again.",
            code="csrf_failed",
        )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the layout's context (user, navigation, CSRF token)."""
    settings: Settings = request.app.state.settings
    active: sessions.ActiveSession | None = getattr(request.state, "web_session", None)
    actor = active.principal if active else None
    nav = [
        (href, label)
        for href, label, page in NAV
        if actor is not None and (page is None or policy.may_open_page(actor, page))
    ]
    values = {
        "request": request,
        "actor": actor,
        "role_label": policy.role_label(actor) if actor else None,
        "nav": nav,
        "path": request.url.path,
        "csrf_token": csrf_token_for(request, settings),
        **(context or {}),
    }
    html = TEMPLATES.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    finish(request, response, settings)
    return response


def finish(request: Request, response: Response, settings: Settings) -> None:
    """Set the nonce cookie if this request made one, and forbid caching of pages."""
    if hasattr(request.state, "new_nonce"):
        response.set_cookie(
            NONCE_COOKIE,
            request.state.new_nonce,
            httponly=True,
            samesite="lax",
            secure=settings.environment != "development",
            path="/",
        )
    response.headers["cache-control"] = "no-store"


class PageRoute(APIRoute):
    """A page route: errors become Danish HTML pages, a missing login a redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequiredError:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)
            except KantmatchError as error:
                return render(
                    request,
                    "error.html",
                    {"message": error.message("da"), "fields": error.fields, "code": error.code},
                    status_code=error.status_code,
                )

        return handler
