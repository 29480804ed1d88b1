"""Every web page route against the access policy (issue 16), on both database backends.

The walk reads the app's own routes, not a list kept by hand: a page that is not in the OpenAPI
schema escapes ``tests/test_permissions.py``, so it is checked here. Each page route must sit
behind the sign-in, and each role opens exactly the pages ``policy.may_open_page`` allows.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth import policy
from service.auth.principal import MUNICIPALITY_SCOPED_ROLES, Principal, Role
from service.web.deps import PageGate, page_principal
from tests.web.test_login import PASSWORD, add_user, log_in

# The docs and the sign-in itself are open; every other page needs a session.
OPEN_PAGES = frozenset({"/docs", "/login", "/logout"})


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def page_routes(app: FastAPI) -> list[APIRoute]:
    """The routes of the web pages: every APIRoute the OpenAPI schema leaves out."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not context.include_in_schema:
            assert context.path == route.path, "the web pages are mounted without a prefix"
            found.append(route)
    return found


def gates_of(route: APIRoute) -> set[policy.WebPage]:
    return {call.page for call in _calls(route.dependant) if isinstance(call, PageGate)}


def _concrete(path: str) -> str:
    # An id that exists nowhere: an allowed role gets 404, a refused role 403 before any lookup.
    return (
        path.replace("{citizen_id}", "ukendt")
        .replace("{placement_id}", "ukendt")
        .replace("{company_id}", "ukendt")
        .replace("{tour_id}", "ukendt")
    )


def test_the_walk_finds_the_pages(app: FastAPI) -> None:
    paths = {route.path for route in page_routes(app)}

    assert {"/", "/borgere", "/borgere/{citizen_id}", "/virksomheder", "/budget"} <= paths
    assert {"/overblik", "/admin", "/login"} <= paths
    assert {"/busture", "/busture/ny", "/busture/{tour_id}", "/busture/{tour_id}/udskrift"} <= paths


def test_every_page_but_the_sign_in_needs_a_session(app: FastAPI) -> None:
    for route in page_routes(app):
        if route.path in OPEN_PAGES:
            continue
        calls = set(_calls(route.dependant))

        assert page_principal in calls, f"{route.path} is open without a session"


def test_a_page_without_a_session_redirects_to_the_login(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as web:
        for route in page_routes(app):
            if route.path in OPEN_PAGES or "GET" not in (route.methods or set()):
                continue
            response = web.get(_concrete(route.path), follow_redirects=False)

            assert response.status_code == 303, route.path
            assert response.headers["location"].startswith("/login?next="), route.path


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_the_pages_the_policy_allows(
    app: FastAPI, session: Session, role: Role
) -> None:
    municipality = "360" if role in MUNICIPALITY_SCOPED_ROLES else None
    email = f"{role.value}@kommune.example"
    add_user(session, email=email, role=role, municipality=municipality)
    actor = Principal(user_id=None, name="test", role=role, municipality_code=municipality)
    refused, opened = [], []
    with TestClient(app, base_url="https://testserver") as web:
        status, _ = log_in(web, email, PASSWORD)
        assert status == 303
        for route in page_routes(app):
            gates = gates_of(route)
            if not gates or "GET" not in (route.methods or set()):
                continue
            response = web.get(_concrete(route.path), follow_redirects=False)
            allowed = all(policy.may_open_page(actor, page) for page in gates)
            if allowed:
                assert response.status_code in (200, 404), (route.path, response.status_code)
                opened.append(route.path)
            else:
                assert response.status_code == 403, (route.path, response.status_code)
                assert "adgang" in response.text
                refused.append(route.path)

    # Admins open every page; the integration role (a system) opens only the overview.
    if role is Role.admin:
        assert refused == []
    if role is Role.integration:
        assert set(opened) == {"/overblik", "/overblik/maal.svg"}
