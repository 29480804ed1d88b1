"""Files that round-trip (issue 15): the register's CSV/XLSX export imports back unchanged.

Also what the importer now reads that it refused before: the service's own size bands, sector
names and codes in any case and with or without æ/ø/å, and the overview's own XLSX export.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.auth.principal import CLI_PRINCIPAL, Role
from service.cli import app as cli_app
from service.companies import exporters, importers
from service.companies import service as companies_service
from service.companies.models import Company
from service.companies.schemas import CompanyCreate
from service.demo.companies import demo_companies
from service.tabular import fold_header, map_headers
from tests.companies.helpers import company_count, headers_for
from tests.factories import make_company, valid_cvr

URL = "/api/v1/companies"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an export writes and an import sets; ids, times, coordinates and requirements aside.
COMPARED = (
    "cvr",
    "p_number",
    "name",
    "address",
    "postal_code",
    "city",
    "municipality_code",
    "db07_code",
    "db25_code",
    "sector",
    "size_band",
    "sector_type",
    "contact_owner",
    "is_ambassador",
    "accepts_visits",
    "unskilled_tasks",
    "recruitment_difficulty",
    "is_paused",
    "monthly_capacity",
)


def _snapshot(session: Session) -> dict[str, tuple[Any, ...]]:
    companies = session.exec(select(Company).order_by(col(Company.cvr))).all()
    contacts = companies_service.contacts_by_company(session, [c.id for c in companies])
    return {
        c.cvr: (
            *(getattr(c, f) for f in COMPARED),
            tuple((p.name, p.title, p.phone, p.email) for p in contacts.get(c.id, [])),
        )
        for c in companies
    }


@pytest.fixture
def demo(session: Session) -> int:
    """The 400 demo companies (fictional), stored."""
    payloads = demo_companies()
    for payload in payloads:
        companies_service.create_company(
            session, data=CompanyCreate.model_validate(payload), actor=CLI_PRINCIPAL
        )
    return len(payloads)


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    return headers_for(session, Role.admin)


class TestExportThenImport:
    @pytest.mark.parametrize("output_format", ["csv", "xlsx"])
    def test_demo_companies_export_and_import_back_with_zero_rejected_rows(
        self,
        client: TestClient,
        admin: dict[str, str],
        session: Session,
        demo: int,
        output_format: str,
    ) -> None:
        before = _snapshot(session)

        exported = client.get(URL, params={"format": output_format}, headers=admin)
        assert exported.status_code == 200, exported.text
        imported = client.post(
            f"{URL}/import",
            files={"file": (f"virksomheder.{output_format}", exported.content, XLSX_TYPE)},
            headers=admin,
        )

        assert imported.status_code == 200, imported.text
        report = imported.json()
        assert report["rejected"] == []
        assert report["unknown_columns"] == []
        assert (report["rows"], len(report["updated"]), report["created"]) == (demo, demo, [])
        assert _snapshot(session) == before

    def test_csv_is_danish_excel_csv(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        company = make_company(
            session,
            name='=HYPERLINK("http://x.invalid";"Klik")',
            size_band="50-99",
            sector_type="municipal",
            is_ambassador=True,
            contacts=[{"name": "Kim Holm", "phone": "54 12 34 56", "is_primary": True}],
        )

        response = client.get(URL, params={"format": "csv", "q": company.cvr}, headers=admin)

        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].endswith('.csv"')
        assert response.content.startswith(b"\xef\xbb\xbf")
        text = response.content.decode("utf-8-sig")
        assert text.splitlines()[0] == ";".join(exporters.HEADINGS)
        assert "\r\n" in text
        row = next(csv.DictReader(io.StringIO(text), delimiter=";"))
        assert row["CVR-nummer"] == company.cvr
        # OWASP: a cell that starts like a formula gets an apostrophe in front.
        assert row["Navn"] == '\'=HYPERLINK("http://x.invalid";"Klik")'
        assert row["Telefon"] == "'+45 54 12 34 56"
        assert (row["Antal ansatte"], row["Ejerform"], row["Ambassadørvirksomhed"]) == (
            "50-99",
            "kommunal",
            "ja",
        )
        assert row["Branche"] == "Detailhandel og reparationsvirksomhed undtagen med biler"
        assert row["Kontaktejer"] == "jc_lolland"  # the organisation key (issue 13 geography)

    def test_xlsx_writes_formula_text_as_a_string(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        company = make_company(session, name="@SUM(1+1)*cmd|' /C calc'!A0", monthly_capacity=3)

        response = client.get(URL, params={"format": "xlsx", "q": company.cvr}, headers=admin)

        assert response.headers["content-type"] == XLSX_TYPE
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        assert header == list(exporters.HEADINGS)
        name = sheet.cell(row=2, column=header.index("Navn") + 1)
        assert (name.value, name.data_type, name.quotePrefix) == (company.name, "s", True)
        capacity = sheet.cell(row=2, column=header.index("Kapacitet pr. måned") + 1)
        assert (capacity.value, capacity.data_type) == (3, "n")

    def test_export_follows_the_list_filters(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        make_company(session, name="Nakskov Rengøring", postal_code="4900")
        make_company(session, name="Nykøbing Rengøring", postal_code="4800")

        response = client.get(
            URL,
            params={"format": "csv", "q": "rengøring", "municipality_code": "376"},
            headers=admin,
        )

        rows = list(
            csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        )
        assert [r["Navn"] for r in rows] == ["Nykøbing Rengøring"]

    def test_every_heading_is_a_header_the_importer_reads(self) -> None:
        columns, unknown = map_headers(
            list(exporters.HEADINGS), importers.HEADER_ALIASES, fold_header
        )
        assert unknown == []
        # "Antal ansatte" is the importer's head-count column, which reads size bands too.
        assert [columns[i] for i in range(len(exporters.COLUMNS))] == [
            "employees" if field == "size_band" else field for field, _ in exporters.COLUMNS
        ]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode("utf-8")


class TestWhatTheImporterReads:
    def test_size_bands_and_head_counts_under_antal_ansatte(self, session: Session) -> None:
        cvrs = [valid_cvr() for _ in range(5)]
        content = _csv(
            [["CVR", "Navn", "Postnr", "Branchekode", "Antal ansatte"],
             [cvrs[0], "A", "4900", "471100", "6-19"],
             [cvrs[1], "B", "4900", "471100", "50 - 99"],
             [cvrs[2], "C", "4900", "471100", "100+"],
             [cvrs[3], "D", "4900", "471100", "0–5"],
             [cvrs[4], "E", "4900", "471100", "12"]]
        )  # fmt: skip

        report = importers.import_companies(
            session, content=content, filename="a.csv", actor=CLI_PRINCIPAL
        )

        assert report.rejected == []
        bands = {c.cvr: c.size_band for c in session.exec(select(Company)) if c.cvr in cvrs}
        assert [bands[c] for c in cvrs] == ["6-19", "50-99", "100+", "0-5", "6-19"]

    @pytest.mark.parametrize(
        ("written", "sector"),
        [
            ("Detailhandel", "detailhandel"),
            ("DETAILHANDEL", "detailhandel"),
            ("detailhandel og reparationsvirksomhed undtagen med biler", "detailhandel"),
            ("Bygge og anlæg", "bygge_anlaeg"),
            ("bygge og anlaeg", "bygge_anlaeg"),
            ("Bygge og anlag", "bygge_anlaeg"),
            ("BYGGE_ANLAEG", "bygge_anlaeg"),
            ("Hoteller_Restauranter", "hoteller_restauranter"),
            ("off. adm., undervisning og sundhed", "offentlig_adm_undervisning_sundhed"),
        ],
    )
    def test_sector_names_and_codes_in_any_case(
        self, session: Session, written: str, sector: str
    ) -> None:
        cvr = valid_cvr()
        content = _csv([["CVR", "Navn", "Postnr", "Branche"], [cvr, "X", "4900", written]])

        report = importers.import_companies(
            session, content=content, filename="a.csv", actor=CLI_PRINCIPAL
        )

        assert report.rejected == []
        stored = session.exec(select(Company).where(Company.cvr == cvr)).one()
        assert stored.sector == sector

    def test_an_unknown_size_names_the_column_and_the_bands(self, session: Session) -> None:
        cvr = valid_cvr()
        content = _csv(
            [
                ["CVR", "Navn", "Postnr", "Branchekode", "Størrelse"],
                [cvr, "X", "4900", "471100", "stor"],
            ]
        )
        before = company_count(session)

        report = importers.import_companies(
            session, content=content, filename="a.csv", actor=CLI_PRINCIPAL
        )

        assert [(p.row, p.field) for p in report.rejected] == [(2, "Størrelse")]
        assert "6-19" in report.rejected[0].message
        assert "'stor'" in report.rejected[0].message
        assert company_count(session) == before


class TestCommandLine:
    def test_unknown_columns_are_printed_and_rejections_exit_non_zero(
        self, cli_database: str, tmp_path: Path
    ) -> None:
        good, bad = valid_cvr(), valid_cvr()
        path = tmp_path / "liste.csv"
        path.write_bytes(
            _csv(
                [["CVR", "Navn", "Postnr", "Branchekode", "Hjemmeside"],
                 [good, "God", "4900", "471100", "x.invalid"],
                 [bad, "Dårlig", "9999", "471100", ""]]
            )
        )  # fmt: skip
        clean = tmp_path / "ren.csv"
        clean.write_bytes(
            _csv([["CVR", "Navn", "Postnr", "Branchekode"], [valid_cvr(), "Ren", "4900", "471100"]])
        )
        runner = CliRunner()

        mixed = runner.invoke(cli_app, ["import", "companies", str(path)])
        fine = runner.invoke(cli_app, ["import", "companies", str(clean)])

        assert mixed.exit_code == 3, mixed.output
        assert mixed.stdout.splitlines()[0] == "2 rækker: 1 oprettet, 0 opdateret, 1 afvist"
        assert "  Ukendte kolonner (ignoreret): Hjemmeside" in mixed.stdout.splitlines()
        assert "1 rækker blev afvist" in mixed.stderr
        assert fine.exit_code == 0, fine.output
