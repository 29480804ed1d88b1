"""The wage-hour agreement on the pages: print and PDF from /forloeb/{id}, as the API renders them.

The page's print view is the API's own rendering with the style linked instead of inline (the
pages' Content-Security-Policy refuses inline style); the PDF is the API's PDF. Both are audited
reads, and a consultant of another municipality cannot tell the placement exists.
"""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from service.auth.principal import Role
from service.placements.models import Placement
from tests.placements.helpers import API, audit_rows, people
from tests.placements.test_agreements import agreement_payload, paid_placement, post
from tests.web.test_login import PASSWORD, add_user, log_in


def _signed_in(app: FastAPI, session: Session, role: Role, municipality: str | None) -> TestClient:
    email = f"{role.value}-{municipality}@aftale.example"
    add_user(session, email=email, role=role, municipality=municipality)
    web = TestClient(app, base_url="https://testserver")
    status, _ = log_in(web, email, PASSWORD)
    assert status == 303
    return web


def _agreed(client: TestClient, session: Session) -> tuple[Placement, dict[str, Any], Any]:
    who = people(session)
    placement = paid_placement(session)
    body = post(client, placement, agreement_payload(), who.headers["consultant"]).json()
    return placement, body, who


def _body(html: str) -> str:
    """The page from <body> on: what a reader sees, whatever the head links."""
    return html[html.index("<body>") :]


def test_the_placement_page_links_the_printed_agreement_and_the_pdf(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    placement, _, who = _agreed(client, session)
    web = _signed_in(app, session, Role.caseworker, "360")

    page = web.get(f"/forloeb/{placement.id}").text
    assert f'href="/forloeb/{placement.id}/aftale"' in page
    assert f'href="/forloeb/{placement.id}/aftale.pdf"' in page

    printed = web.get(f"/forloeb/{placement.id}/aftale")
    assert printed.status_code == 200
    assert printed.headers["content-type"].startswith("text/html")
    assert '<link rel="stylesheet" href="/forloeb/udskrift.css">' in printed.text
    assert "<style" not in printed.text  # the CSP would refuse it
    api = client.get(
        f"{API}/placements/{placement.id}/agreement.html", headers=who.headers["caseworker"]
    )
    assert _body(printed.text) == _body(api.text)
    assert "6.066,67 kr." in printed.text  # the hand-computed monthly earnings of test_agreements

    style = web.get("/forloeb/udskrift.css")
    assert style.headers["content-type"].startswith("text/css")
    assert "@page { size: A4" in style.text
    assert style.text.strip() in api.text  # the very style the API inlines


def test_the_pdf_is_the_apis_pdf_and_each_read_is_audited(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    placement, agreement, _ = _agreed(client, session)
    web = _signed_in(app, session, Role.caseworker, "360")
    citizen_id = placement.citizen_id or ""
    before = len(audit_rows(session, "citizen", citizen_id))

    response = web.get(f"/forloeb/{placement.id}/aftale.pdf")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'inline; filename="loentimeaftale-{placement.id}.pdf"'
    )
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Aftale om løntimer" in text
    assert "Søren Ærø Åberg" in text
    assert "10 6.066,67 kr. 11.099,66 kr. 485,33 kr." in text
    assert agreement["id"] not in text
    session.expire_all()
    rows = audit_rows(session, "citizen", citizen_id)
    assert [e.detail for e in rows[before:] if e.action == "read"] == [
        f'{{"via": "agreement_pdf", "placement_id": "{placement.id}"}}'
    ]


def test_another_municipality_gets_404_and_blf_no_page(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    placement, _, _ = _agreed(client, session)
    guldborgsund = _signed_in(app, session, Role.caseworker, "376")
    for path in (f"/forloeb/{placement.id}/aftale", f"/forloeb/{placement.id}/aftale.pdf"):
        response = guldborgsund.get(path)
        assert response.status_code == 404, path
        assert "Aftale om løntimer" not in response.text
    blf = _signed_in(app, session, Role.blf_consultant, None)
    refused = blf.get(f"/forloeb/{placement.id}/aftale", follow_redirects=False)
    assert refused.status_code == 403
    assert not re.search(r"Søren Ærø Åberg", refused.text)
