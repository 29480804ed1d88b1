"""Browser tests (issue 16): the real app served by uvicorn on loopback, driven by Playwright in
Debian's chromium, with axe-core from npm checking each page.

They run on one SQLite database with a small seeded data set: every service function they reach is
tested on both backends in its own domain's tests (docs/web.md). One browser per test session;
screenshots of the main pages go to tests/web/screenshots/ (ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlmodel import Session

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Role
from service.auth.schemas import UserCreate
from service.config import Settings
from service.db import make_engine
from service.main import create_app
from service.matching import service as matching_service
from service.migrations_runner import upgrade_database
from service.tasks import catalogue
from service.tasks.cards import default_cards_dir, read_cards
from tests.citizens.helpers import add_bip, make_citizen
from tests.factories import make_company
from tests.placements.helpers import internship_payload, make_opening, propose

PASSWORD = "rigtig-hemmelig-web"
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VENDOR = ROOT / "service" / "web" / "static" / "vendor" / "dkfds" / "css" / "dkfds.min.css"
SCREENSHOTS = ROOT / "tests" / "web" / "screenshots"
REQUIRE_BROWSER = os.environ.get("KANTMATCH_REQUIRE_BROWSER") == "1" or os.environ.get("CI")


def _chromium() -> str | None:
    for candidate in (os.environ.get("KANTMATCH_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if _chromium() is None:
        return "Debian's chromium is not installed (apt-get install chromium)"
    if not AXE.exists() or not VENDOR.exists():
        return "the npm packages are not installed (make static)"
    return None


@dataclass
class DemoSite:
    """The served demo site."""

    base_url: str
    database_url: str
    password: str = PASSWORD
    emails: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the served database (to compare what the pages show with the service)."""
        engine = make_engine(self.database_url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session
        finally:
            engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


STAFF = {
    "admin": ("Anne Admin", Role.admin, None),
    "caseworker": ("Sofie Sagsbehandler", Role.caseworker, "360"),
    "consultant": ("Karl Konsulent", Role.company_consultant, "360"),
    "blf": ("Bente BLF", Role.blf_consultant, None),
}


def seed(session: Session) -> dict[str, str]:
    """A small, explicit data set: the catalogue, four staff with passwords, three companies
    (one with an opening), two citizens (one with an overdue BIP and a proposed internship) and
    a synthetic scorer. The full demo takes minutes to load; the pages need only this."""
    catalogue.sync_catalogue(
        session, card_set=read_cards(default_cards_dir()), source="tests", actor=CLI_PRINCIPAL
    )
    emails = {}
    for key, (name, role, municipality) in STAFF.items():
        email = f"{key}@web-test.example"
        auth_service.create_user(
            session,
            data=UserCreate(
                name=name, email=email, role=role, municipality_code=municipality, password=PASSWORD
            ),
            actor=CLI_PRINCIPAL,
        )
        emails[key] = email
    shop = make_company(session, name="Maribo Dagligvarer")
    make_company(session, name="Nakskov Møbelfabrik", postal_code="4900", db07_code="310900")
    make_company(session, name="Rødby Maskinfabrik", postal_code="4970", db07_code="282200")
    make_opening(session, shop)
    bodil = make_citizen(session, name="Bodil Testesen")
    make_citizen(session, name="Erik Prøvesen", postal_code="4900", preferred_sectors=[])
    eight_months_ago = (clock.today() - timedelta(days=240)).isoformat()
    add_bip(session, bodil, eight_months_ago, {"job_goal": 2, "cooperation": 3, "health": 3})
    propose(session, **internship_payload(bodil, shop))
    # A small synthetic scorer: the pages need one, its quality is tested elsewhere.
    matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=3000, seed=5)
    return emails


@pytest.fixture(scope="session")
def demo_site() -> Iterator[DemoSite]:
    """The app with the demo data (and a synthetic scorer), served on a loopback port."""
    reason = _missing()
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(reason + " and the browser tests are required here")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="kantmatch-web-"))
    url = f"sqlite:///{directory / 'web.db'}"
    engine = make_engine(url)
    upgrade_database(engine)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        emails = seed(session)
    settings = Settings(environment="test", secret_key="w" * 40, database_url=url)
    settings = Settings(environment="test", secret_key="w" * 40, database_url=url)
    app = create_app(settings, engine=engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield DemoSite(base_url=f"http://localhost:{port}", database_url=url, emails=emails)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser(demo_site: DemoSite) -> Iterator[Any]:
    """One headless chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


class Visitor:
    """A browser tab for one person: logs in, checks accessibility, takes screenshots, and
    fails on any Content-Security-Policy violation or script error."""

    def __init__(self, page: Any, site: DemoSite) -> None:
        self.page = page
        self.site = site
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message: Any) -> None:
        text = str(message.text)
        # A refused page (403, 422) is asserted where it is expected; anything else is a problem.
        expected = text.startswith("Failed to load resource")
        if "Content Security Policy" in text or (message.type == "error" and not expected):
            self.problems.append(text)

    def url(self, path: str) -> str:
        return self.site.base_url + path

    def go(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    def log_in(self, role: str, password: str | None = None) -> None:
        self.go("/login")
        self.page.fill("#email", self.site.emails[role])
        self.page.fill("#password", password or self.site.password)
        self.page.click("form.km-form button[type=submit]")

    def check_accessibility(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the current page (none expected)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated over the DevTools protocol, which the page's CSP does not govern.
            self.page.evaluate("() => {" + AXE.read_text(encoding="utf-8") + "}")
        result = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
        )
        return list(result)

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visitor(browser: Any, demo_site: DemoSite) -> Iterator[Visitor]:
    """A fresh browser context (no cookies) and page."""
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    person = Visitor(page, demo_site)
    yield person
    context.close()
    assert person.problems == []
