"""/admin (issue 16): imports with a dry run that shows each rejected row's reason before
anything is stored, then a confirm step that imports; and the active model with its audit.
On both database backends, through the importers and the audit the API and the CLI use."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL, Role
from service.auth.schemas import UserCreate
from service.citizens.models import Citizen
from service.companies.models import Company
from service.matching import service as matching_service
from service.matching.audit import model_audit
from tests.factories import valid_cvr
from tests.web.test_login import PASSWORD, csrf_of, log_in


@pytest.fixture
def web(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A browser-like client signed in as an admin (a caseworker exists too)."""
    for email, role, municipality in (
        ("admin@side.example", Role.admin, None),
        ("caseworker@side.example", Role.caseworker, "360"),
    ):
        auth_service.create_user(
            session,
            data=UserCreate(
                name=email.split("@")[0],
                email=email,
                role=role,
                municipality_code=municipality,
                password=PASSWORD,
            ),
            actor=CLI_PRINCIPAL,
        )
    with TestClient(app, base_url="https://testserver") as client:
        status, _ = log_in(client, "admin@side.example", PASSWORD)
        assert status == 303
        yield client


def upload(web: TestClient, kind: str, name: str, content: bytes) -> str:
    """The dry run's page for a file."""
    token = csrf_of(web.get("/admin").text)
    response = web.post(
        "/admin/import",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    return response.text


def confirm_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" action="/admin/import/bekraeft".*?</form>', page, re.S)
    assert form, "the dry run offers no confirm step"
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0))
    return {name: html.unescape(value) for name, value in fields}


def rejected_rows(page: str) -> list[tuple[str, str, str, str]]:
    table = re.search(r'<table[^>]+id="rejected-table">.*?</table>', page, re.S)
    assert table
    rows = re.findall(
        r'<tr><th scope="row">(\d+)</th><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>',
        table.group(0),
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]  # type: ignore[misc]


def summary(page: str) -> dict[str, str]:
    return dict(re.findall(r'<dd id="import-(\w+)">([^<]*)</dd>', page))


def companies_with(session: Session, cvrs: list[str]) -> list[str]:
    rows = session.exec(select(Company.cvr).where(col(Company.cvr).in_(cvrs)))
    return sorted(rows)


def citizens_with(session: Session, refs: list[str]) -> list[str]:
    rows = session.exec(select(Citizen.external_ref).where(col(Citizen.external_ref).in_(refs)))
    return sorted(r for r in rows if r)


class TestCompanyImport:
    def test_the_dry_run_shows_each_rejected_row_and_stores_nothing_then_confirm_imports(
        self, web: TestClient, session: Session
    ) -> None:
        good = [valid_cvr(), valid_cvr()]
        bad = good[0][:7] + str((int(good[0][7]) + 1) % 10)  # the check digit fails
        content = (
            "CVR;Navn;Adresse;Postnr;Branchekode\r\n"
            f"{good[0]};Maribo Kro;Torvet 1;4930;561010\r\n"
            f"{bad};Fejlfirma;Vej 2;4930;561010\r\n"
            f"{good[1]};Rødby Bageri;Vej 3;49X0;107100\r\n"
            f"{valid_cvr()};Nakskov Smed;Vej 4;4900;000000\r\n"
        ).encode()
        before = session.exec(select(func.count()).select_from(Company)).one()

        page = upload(web, "companies", "liste.csv", content)

        assert "Intet er gemt endnu" in page
        assert summary(page) == {"rows": "4", "created": "1", "updated": "0", "rejected": "3"}
        rows = rejected_rows(page)
        assert [(row, ref, field) for row, ref, field, _ in rows] == [
            ("3", bad, "CVR"),
            ("4", good[1], "Postnr"),
            ("5", rows[2][1], "Branchekode"),
        ]
        assert rows[0][3] == "CVR-nummeret er ugyldigt (kontrolcifferet passer ikke, modulus 11)"
        assert "49X0" in rows[1][3] or "postnummer" in rows[1][3].lower()
        assert session.exec(select(func.count()).select_from(Company)).one() == before
        assert companies_with(session, good) == []
        assert "Importér de 1 gyldige rækker (3 afvises)" in html.unescape(page)

        response = web.post("/admin/import/bekraeft", data=confirm_form(page))

        assert response.status_code == 200
        done = response.text
        assert "Importen er gennemført: 1 oprettet, 0 opdateret, 3 rækker afvist." in done
        assert companies_with(session, good) == [good[0]]
        stored = session.exec(select(Company).where(Company.cvr == good[0])).one()
        assert (stored.name, stored.postal_code) == ("Maribo Kro", "4930")

    def test_a_changed_file_is_not_imported_at_the_confirm_step(
        self, web: TestClient, session: Session
    ) -> None:
        cvr = valid_cvr()
        page = upload(
            web,
            "companies",
            "liste.csv",
            f"CVR;Navn;Postnr;Branchekode\r\n{cvr};Firma;4930;561010\r\n".encode(),
        )
        form = confirm_form(page)
        other = valid_cvr()
        form["content"] = base64.b64encode(
            f"CVR;Navn;Postnr\r\n{other};Andet firma;4930\r\n".encode()
        ).decode()

        response = web.post("/admin/import/bekraeft", data=form)

        assert response.status_code == 422
        assert "Filen er ikke den, der blev kontrolleret" in html.unescape(response.text)
        assert companies_with(session, [cvr, other]) == []


class TestCitizenImport:
    def test_rejected_citizen_rows_are_shown_before_anything_is_stored(
        self, web: TestClient, session: Session
    ) -> None:
        content = (
            "Navn;Sagsnummer;Postnr.\r\n"
            "Mads Møller;J-100;4900\r\n"
            "Lise Lund;J-101;49X0\r\n"
            ";J-102;4930\r\n"
            "Ole Olsen;J-103;4930\r\n"
        ).encode()

        page = upload(web, "citizens", "borgere.csv", content)

        assert summary(page) == {"rows": "4", "created": "2", "updated": "0", "rejected": "2"}
        rows = rejected_rows(page)
        assert [(row, ref) for row, ref, _, _ in rows] == [("3", "J-101"), ("4", "J-102")]
        assert [field for _, _, field, _ in rows] == ["Postnr.", "Navn"]
        assert all(reason for _, _, _, reason in rows)
        assert citizens_with(session, ["J-100", "J-101", "J-102", "J-103"]) == []

        response = web.post("/admin/import/bekraeft", data=confirm_form(page))

        assert response.status_code == 200
        assert citizens_with(session, ["J-100", "J-101", "J-102", "J-103"]) == ["J-100", "J-103"]
        mads = session.exec(select(Citizen).where(Citizen.external_ref == "J-100")).one()
        assert (mads.name, mads.postal_code, mads.city) == ("Mads Møller", "4900", "Nakskov")


class TestImportRefusals:
    @pytest.mark.parametrize(
        ("data", "files", "expected"),
        [
            ({"kind": "companies"}, None, ("Fil", "Vælg en CSV- eller Excel-fil")),
            (
                {"kind": "forkert"},
                {"file": ("a.csv", b"CVR\r\n", "text/csv")},
                ("Hvad filen indeholder", "Vælg, hvad filen indeholder"),
            ),
            (
                {"kind": "citizens"},
                {"file": ("a.csv", b"Navn;Postnr\r\nA;4930\r\n", "text/csv")},
                ("Fil", "Sagsnummer"),
            ),
        ],
    )
    def test_a_bad_upload_names_the_field_and_stores_nothing(
        self,
        web: TestClient,
        session: Session,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None,
        expected: tuple[str, str],
    ) -> None:
        token = csrf_of(web.get("/admin").text)
        before = session.exec(select(func.count()).select_from(Citizen)).one()

        response = web.post(
            "/admin/import",
            data={"csrf_token": token, **data},
            files=files or {"file": ("", b"", "application/octet-stream")},
        )

        assert response.status_code == 422
        found = re.findall(r'<li><a href="#import-\w+">([^<]+)</a>: ([^<]+)</li>', response.text)
        assert len(found) == 1
        label, reason = (html.unescape(part) for part in found[0])
        assert label == expected[0]
        assert expected[1] in reason
        assert session.exec(select(func.count()).select_from(Citizen)).one() == before

    def test_only_admins_import(self, app: FastAPI, web: TestClient, session: Session) -> None:
        with TestClient(app, base_url="https://testserver") as other:
            log_in(other, "caseworker@side.example", PASSWORD)
            token = csrf_of(other.get("/borgere").text)
            response = other.post(
                "/admin/import",
                data={"csrf_token": token, "kind": "citizens"},
                files={"file": ("b.csv", b"Navn;Sagsnummer;Postnr.\r\nA;J-9;4930\r\n", "text/csv")},
            )

        assert response.status_code == 403
        assert citizens_with(session, ["J-9"]) == []


class TestModelAudit:
    def test_the_admin_page_names_the_active_model_and_the_audit_shows_its_numbers(
        self, web: TestClient, session: Session
    ) -> None:
        row = matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=2000, seed=5)
        admin = html.unescape(web.get("/admin").text)
        assert f'<dd id="model-version">{row.version}</dd>' in admin
        assert "(SYNTETISKE data)" in admin

        page = html.unescape(web.get("/admin/model").text)

        expected = model_audit(
            session, model=matching_service.load_model(row), today=clock.today(), top_k=10
        )
        table = re.search(r'id="audit-signs">.*?</table>', page, re.S)
        assert table
        shown = re.findall(r'<th scope="row">(\w+)</th><td>([+\-0])</td>', table.group(0))
        assert dict(shown) == expected["signs"]
        calibration = re.search(r'id="audit-calibration">.*?</table>', page, re.S)
        assert calibration
        shown_bins = re.findall(
            r'<th scope="row">([0-9.]+)–([0-9.]+)</th><td>(\d+)</td>', calibration.group(0)
        )
        assert shown_bins == [
            (f"{b['bin_low']:.3f}", f"{b['bin_high']:.3f}", str(b["n"]))
            for b in expected["calibration"]
        ]
        assert f"Gennemsnitligt skøn {expected['mean_predicted']:.3f}" in page

    def test_without_a_model_the_audit_page_says_so(self, web: TestClient) -> None:
        page = html.unescape(web.get("/admin/model").text)

        assert "Der er ikke trænet nogen model endnu" in page
