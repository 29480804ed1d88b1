"""Company import from CSV and XLSX: headers, upsert, rejected rows, unreadable files, API, CLI."""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.cli import app as cli_app
from service.companies import importers
from service.companies.models import Company, CompanyContact
from service.companies.schemas import ImportReport
from service.db import make_engine
from tests.companies.helpers import (
    audit_entries,
    company_count,
    error_fields,
    headers_for,
)
from tests.factories import make_company, valid_cvr

URL = "/api/v1/companies/import"
DANISH_HEADER = [
    "CVR",
    "Navn",
    "Adresse",
    "Postnr",
    "Branchekode",
    "Antal ansatte",
    "Kontaktperson",
    "Telefon",
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """An XLSX workbook whose first sheet holds the rows (numbers stay numbers)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], *, delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    """A CSV file of the rows."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def wrong_check_digit(cvr: str) -> str:
    """The CVR number with its last digit changed, so the modulus-11 check fails."""
    return cvr[:7] + str((int(cvr[7]) + 1) % 10)


def run_import(
    session: Session,
    content: bytes,
    filename: str = "virksomheder.csv",
    *,
    actor: Principal = CLI_PRINCIPAL,
    dry_run: bool = False,
) -> ImportReport:
    """Import through the service, as the API and the command line do."""
    return importers.import_companies(
        session, content=content, filename=filename, actor=actor, dry_run=dry_run
    )


def stored(session: Session, cvr: str) -> Company | None:
    """The stored company with a CVR number."""
    return session.exec(select(Company).where(Company.cvr == cvr)).first()


def contacts_of(session: Session, company_id: str) -> list[tuple[str, str | None]]:
    """Names and phone numbers of a company's contact persons, in order."""
    statement = (
        select(CompanyContact)
        .where(CompanyContact.company_id == company_id)
        .order_by(col(CompanyContact.position))
    )
    return [(c.name, c.phone) for c in session.exec(statement)]


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    """Headers of an administrator."""
    return headers_for(session, Role.admin)


class TestDanishXlsx:
    def test_danish_headers_and_numeric_cells(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        content = xlsx_bytes(
            [
                [*DANISH_HEADER, "Ambassadør", "Modtager besøg"],
                # Excel keeps CVR, postal code, code and phone as numbers; 011100 lost its zero.
                [35408002, "Søllested Maskinstation", "Bygaden 4", 4920, 11100, 12,
                 "Jens Møller", 54941234, True, "ja"],
                [12345674, "Nykøbing Bageri", "Jernbanegade 2", 4800, 107120, 3.0,
                 "Hanne Ø. Sørensen", "+45 54 85 00 00", False, "nej"],
                [None, None, None, None, None, None, None, None, None, None],  # blank row
                [10000009, "Rødby Plejecenter", "Østre Allé 1", 4970, "87.30.00", 120,
                 None, None, None, None],
            ]
        )  # fmt: skip
        before = company_count(session)

        response = client.post(
            URL, files={"file": ("virksomheder.xlsx", content, XLSX_TYPE)}, headers=admin
        )

        assert response.status_code == 200, response.text
        report = response.json()
        assert report["file_name"] == "virksomheder.xlsx"
        assert report["dry_run"] is False
        assert report["rows"] == 3
        assert report["rejected"] == []
        assert report["updated"] == []
        assert report["unknown_columns"] == []
        assert [(r["row"], r["cvr"], r["name"]) for r in report["created"]] == [
            (2, "35408002", "Søllested Maskinstation"),
            (3, "12345674", "Nykøbing Bageri"),
            (5, "10000009", "Rødby Plejecenter"),
        ]
        assert company_count(session) == before + 3

        farm = stored(session, "35408002")
        assert farm is not None
        assert farm.id == report["created"][0]["company_id"]
        assert (farm.address, farm.postal_code, farm.city) == ("Bygaden 4", "4920", "Søllested")
        assert (farm.db07_code, farm.sector) == ("011100", "landbrug")
        assert (farm.size_band, farm.municipality_code, farm.contact_owner) == (
            "6-19",
            "360",
            "jc_lolland",
        )
        assert (farm.is_ambassador, farm.accepts_visits) == (True, True)
        assert contacts_of(session, farm.id) == [("Jens Møller", "+45 54 94 12 34")]

        bakery = stored(session, "12345674")
        assert bakery is not None
        assert (bakery.sector, bakery.size_band) == ("industri", "0-5")
        assert (bakery.municipality_code, bakery.contact_owner) == ("376", "jc_guldborgsund")
        assert (bakery.is_ambassador, bakery.accepts_visits) == (False, False)
        assert contacts_of(session, bakery.id) == [("Hanne Ø. Sørensen", "+45 54 85 00 00")]

        care_home = stored(session, "10000009")
        assert care_home is not None
        assert (care_home.db07_code, care_home.sector) == ("873000", "sociale_institutioner")
        assert (care_home.size_band, care_home.city) == ("100+", "Rødby")
        assert contacts_of(session, care_home.id) == []

        audit = audit_entries(session, entity_type="company", entity_id=None)
        assert [e.action for e in audit if e.entity_id == farm.id] == ["create"]
        imports = [e for e in audit if e.action == "import"]
        assert len(imports) == 1
        assert json.loads(imports[0].detail or "{}") == {
            "file": "virksomheder.xlsx",
            "created": 3,
            "updated": 0,
            "rejected_rows": 0,
        }


class TestCsvWithBadRows:
    def test_three_bad_rows_among_fifty(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        cvrs = [valid_cvr() for _ in range(50)]
        bad_cvr = wrong_check_digit(cvrs[9])
        rows: list[list[Any]] = [DANISH_HEADER]
        for index, cvr in enumerate(cvrs):
            rows.append(
                [cvr, f"Testfirma {index + 1:02d}", f"Storegade {index + 1}", "4900",
                 "471100", str(index), f"Kontakt {index + 1}", f"5492{index:04d}"]
            )  # fmt: skip
        rows[10][0] = bad_cvr  # spreadsheet row 11
        rows[26][3] = "49X0"  # row 27
        rows[44][4] = "000000"  # row 45: division 00 does not exist
        before = company_count(session)

        response = client.post(
            URL, files={"file": ("liste.csv", csv_bytes(rows), "text/csv")}, headers=admin
        )

        assert response.status_code == 200, response.text
        report = response.json()
        assert report["rows"] == 50
        assert len(report["created"]) == 47
        assert report["updated"] == []
        assert company_count(session) == before + 47
        rejected = [(p["row"], p["cvr"], p["field"], p["message"]) for p in report["rejected"]]
        assert rejected == [
            (
                11,
                bad_cvr,
                "CVR",
                "CVR-nummeret er ugyldigt (kontrolcifferet passer ikke, modulus 11)",
            ),
            (27, cvrs[25], "Postnr", "Postnummeret skal være fire cifre (fx 4900)"),
            (45, cvrs[43], "Branchekode", "Ukendt branchekode: hovedgruppen 00 findes ikke i DB07"),
        ]
        for cvr in (bad_cvr, cvrs[25], cvrs[43]):
            assert stored(session, cvr) is None
        rejected_contacts = session.exec(
            select(CompanyContact).where(
                col(CompanyContact.name).in_(["Kontakt 10", "Kontakt 26", "Kontakt 44"])
            )
        ).all()
        assert list(rejected_contacts) == []
        created_rows = [r["row"] for r in report["created"]]
        assert created_rows == [r for r in range(2, 52) if r not in (11, 27, 45)]
        last = stored(session, cvrs[49])
        assert last is not None
        assert (last.name, last.size_band, last.sector) == ("Testfirma 50", "20-49", "detailhandel")


class TestUnreadableFiles:
    @staticmethod
    def _truncated_xlsx() -> bytes:
        content = xlsx_bytes([DANISH_HEADER, [35408002, "Firma", "Vej 1", 4930, 471100]])
        return content[: len(content) // 2]

    @staticmethod
    def _xlsx_with_bad_member(member: str, how: str) -> bytes:
        """A well-formed zip whose member is broken: a flipped bit, bad deflate data or bad XML."""
        source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([DANISH_HEADER, [35408002, "Firma"]])))
        if how == "xml":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
                for item in source.infolist():
                    data = source.read(item.filename)
                    target.writestr(item, data[:40] if item.filename == member else data)
            return buffer.getvalue()
        info = source.getinfo(member)
        content = bytearray(source.fp.getvalue())  # type: ignore[union-attr]
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        if how == "deflate":
            # 0xff starts a deflate block of the reserved type 3: "invalid block type".
            content[start : start + info.compress_size] = b"\xff" * info.compress_size
        else:  # bitflip: one flipped bit inside the compressed stream
            content[start + 8] ^= 0x01
        return bytes(content)

    @pytest.mark.parametrize(
        ("name", "content", "reason"),
        [
            ("tilfaeldig.xlsx", random.Random(2020).randbytes(4096), "beskadiget"),
            ("tilfaeldig.csv", random.Random(2021).randbytes(4096), "binær"),
            ("afkortet.xlsx", _truncated_xlsx(), "beskadiget"),
            ("gammel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "gammelt Excel"),
            ("tom.csv", b"", "tom"),
            ("blank.csv", b"  \r\n\r\n", "tom"),
            ("uden_cvr.csv", b"Navn;Adresse;Postnr\r\nFirma;Vej 1;4930\r\n", "CVR"),
            ("uden_kolonner.csv", b"bare en linje tekst\nog en til\n", "semikolon"),
            (
                "nul_sent.csv",
                b"CVR;Navn;Postnr;Branchekode\r\n" * 1
                + b"35408002;Firma;4930;471100\r\n" * 300
                + b"35408003;Fir\x00ma;4930;471100\r\n",
                "binær",
            ),
        ],
        ids=[
            "random-xlsx",
            "random-csv",
            "truncated",
            "xls",
            "empty",
            "blank",
            "no-cvr",
            "text",
            "late-nul",
        ],
    )
    def test_unreadable_file_is_400_and_changes_nothing(
        self,
        client: TestClient,
        admin: dict[str, str],
        session: Session,
        name: str,
        content: bytes,
        reason: str,
    ) -> None:
        make_company(session, name="Eksisterende ApS")
        before = company_count(session)
        audit_before = len(audit_entries(session, entity_type="company", entity_id=None))

        response = client.post(
            URL, files={"file": (name, content, "application/octet-stream")}, headers=admin
        )

        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "unreadable_file"
        assert error["message"].startswith("Filen kan ikke læses som en tabel")
        assert error["message"].endswith("Intet er gemt.")
        assert reason in error_fields(response.json())["file"]
        assert company_count(session) == before
        assert len(audit_entries(session, entity_type="company", entity_id=None)) == audit_before

    @pytest.mark.parametrize(
        ("member", "how"),
        [
            ("xl/workbook.xml", "xml"),
            ("xl/worksheets/sheet1.xml", "xml"),
            ("[Content_Types].xml", "xml"),
            ("xl/workbook.xml", "deflate"),
            ("xl/worksheets/sheet1.xml", "deflate"),
            ("xl/styles.xml", "bitflip"),
        ],
    )
    def test_damaged_xlsx_is_unreadable_not_a_server_error(
        self,
        client: TestClient,
        admin: dict[str, str],
        session: Session,
        member: str,
        how: str,
    ) -> None:
        content = self._xlsx_with_bad_member(member, how)
        before = company_count(session)

        response = client.post(
            URL, files={"file": ("skadet.xlsx", content, XLSX_TYPE)}, headers=admin
        )

        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "unreadable_file"
        assert "kan ikke læses" in response.json()["error"]["message"]
        assert company_count(session) == before

    def test_english_reason_on_request(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.post(
            URL,
            files={"file": ("gammel.xls", b"\xd0\xcf\x11\xe0" + bytes(512), "application/x")},
            headers={**admin, "Accept-Language": "en"},
        )

        assert response.status_code == 400
        assert error_fields(response.json())["file"] == (
            "old Excel format (.xls); save it as .xlsx or .csv"
        )

    def test_missing_file_field_is_422(self, client: TestClient, admin: dict[str, str]) -> None:
        response = client.post(URL, data={"other": "x"}, headers=admin)

        assert response.status_code == 422
        assert "file" in error_fields(response.json())


class TestFormatsAndHeaders:
    def test_semicolon_csv_in_windows_1252_with_danish_letters(self, session: Session) -> None:
        cvr = valid_cvr()
        content = csv_bytes(
            [
                ["CVR-nr.", "Virksomhedsnavn", "Adresse", "Postnr.", "Branchekode",
                 "Kontaktperson", "Tlf."],
                [cvr, "Østergård Æblemost", "Ågade 5", "4952", "11.02.00", "Søren Ærø",
                 "54 78 90 12"],
            ],
            encoding="cp1252",
        )  # fmt: skip
        assert "Ø".encode("cp1252") in content  # really not UTF-8

        report = run_import(session, content)

        assert report.rejected == []
        assert [r.name for r in report.created] == ["Østergård Æblemost"]
        company = stored(session, cvr)
        assert company is not None
        assert (company.name, company.address, company.city) == (
            "Østergård Æblemost",
            "Ågade 5",
            "Stokkemarke",
        )
        assert (company.db07_code, company.sector) == ("110200", "industri")
        assert contacts_of(session, company.id) == [("Søren Ærø", "+45 54 78 90 12")]

    def test_comma_csv_with_english_headers_and_bom(self, session: Session) -> None:
        cvr = valid_cvr()
        content = b"\xef\xbb\xbf" + csv_bytes(
            [
                ["CVR number", "Company name", "Address", "Postal code", "Industry code",
                 "Employees", "Contact person", "Phone", "Contact owner", "Sector type",
                 "Accepts visits"],
                [cvr, "Gedser Fish, Ltd", "Havnen 3", "4874", "102000", "55", "Anne Berg",
                 "+4554170000", "BLF", "privat", "yes"],
            ],
            delimiter=",",
        )  # fmt: skip

        report = run_import(session, content, "companies.csv")

        assert report.rejected == []
        assert report.unknown_columns == []
        company = stored(session, cvr)
        assert company is not None
        assert (company.name, company.municipality_code, company.city) == (
            "Gedser Fish, Ltd",
            "376",
            "Gedser",
        )
        assert (company.size_band, company.contact_owner, company.sector_type) == (
            "50-99",
            "blf",
            "private",
        )
        assert company.accepts_visits is True
        assert contacts_of(session, company.id) == [("Anne Berg", "+45 54 17 00 00")]

    def test_unknown_columns_are_reported_and_ignored(self, session: Session) -> None:
        cvr = valid_cvr()
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode", "Hjemmeside", "Navn"],
             [cvr, "Bandholm Bådebyg", "4941", "301200", "www.example.dk", "Andet navn"]]
        )  # fmt: skip

        report = run_import(session, content)

        assert report.unknown_columns == ["Hjemmeside", "Navn"]
        company = stored(session, cvr)
        assert company is not None
        assert (company.name, company.city, company.sector) == (
            "Bandholm Bådebyg",
            "Bandholm",
            "industri",
        )

    def test_header_only_file_imports_nothing(self, session: Session) -> None:
        before = company_count(session)

        report = run_import(session, csv_bytes([DANISH_HEADER]))

        assert (report.rows, report.created, report.rejected) == (0, [], [])
        assert company_count(session) == before

    def test_postal_code_in_several_municipalities_is_rejected_with_a_reason(
        self, session: Session
    ) -> None:
        cvr = valid_cvr()
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode"], [cvr, "Ringsted Firma", "4100", "471100"]]
        )

        report = run_import(session, content)

        assert report.created == []
        assert [(p.row, p.cvr, p.field) for p in report.rejected] == [(2, cvr, "Postnr")]
        assert "afgør ikke kommunen" in report.rejected[0].message
        assert "kontaktejer" in report.rejected[0].message
        assert stored(session, cvr) is None

    def test_row_level_problems_name_the_spreadsheet_column(self, session: Session) -> None:
        cvrs = [valid_cvr() for _ in range(4)]
        content = csv_bytes(
            [
                ["CVR", "Navn", "Postnr", "Branchekode", "Antal ansatte", "Telefon",
                 "Kontaktperson"],
                [cvrs[0], "Uden branche", "4930", "", "3", "", ""],
                [cvrs[1], "Mange ansatte", "4930", "471100", "mange", "", ""],
                [cvrs[2], "Dårlig telefon", "4930", "471100", "3", "12 34", "Kim"],
                [cvrs[3], "", "4930", "471100", "3", "", ""],
            ]
        )  # fmt: skip

        report = run_import(session, content)

        assert report.created == []
        problems = {(p.row, p.field): p.message for p in report.rejected}
        assert set(problems) == {
            (2, "Branchekode"),
            (3, "Antal ansatte"),
            (4, "Telefon"),
            (5, "Navn"),
        }
        assert "branchekode" in problems[(2, "Branchekode")]
        assert "helt tal" in problems[(3, "Antal ansatte")]
        assert "8 cifre" in problems[(4, "Telefon")]
        assert problems[(5, "Navn")] == "Feltet skal udfyldes"

    def test_employee_counts_with_thousands_separator(self, session: Session) -> None:
        cvrs = [valid_cvr() for _ in range(3)]
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode", "Antal ansatte"],
             [cvrs[0], "Stor", "4800", "101100", "1.200"],
             [cvrs[1], "Lille", "4800", "101100", "4,0"],
             [cvrs[2], "Mellem", "4800", "101100", "49"]]
        )  # fmt: skip

        report = run_import(session, content)

        assert report.rejected == []
        bands = {c.cvr: c.size_band for c in session.exec(select(Company)) if c.cvr in cvrs}
        assert bands == {cvrs[0]: "100+", cvrs[1]: "0-5", cvrs[2]: "20-49"}


class TestUpsert:
    def test_second_import_of_the_same_cvr_updates(self, session: Session) -> None:
        cvr = valid_cvr()
        first = run_import(
            session,
            csv_bytes([DANISH_HEADER, [cvr, "Maribo Kro", "Torvet 1", "4930", "561010", "8",
                                       "Lone Kok", "54780000"]]),
        )  # fmt: skip
        assert [r.cvr for r in first.created] == [cvr]
        before = company_count(session)

        second = run_import(
            session,
            csv_bytes([DANISH_HEADER, [cvr, "Maribo Kro & Hotel", "", "4930", "551010", "25",
                                       "Per Tjener", "54781111"]]),
        )  # fmt: skip

        assert second.created == []
        assert [(r.row, r.cvr, r.name) for r in second.updated] == [(2, cvr, "Maribo Kro & Hotel")]
        assert second.updated[0].company_id == first.created[0].company_id
        assert company_count(session) == before
        company = stored(session, cvr)
        assert company is not None
        assert (company.name, company.size_band, company.db07_code, company.sector) == (
            "Maribo Kro & Hotel",
            "20-49",
            "551010",
            "hoteller_restauranter",
        )
        assert company.address == "Torvet 1"  # an empty cell keeps the stored value
        # Contacts from a file are added to the company's list, not swapped for it.
        assert contacts_of(session, company.id) == [
            ("Lone Kok", "+45 54 78 00 00"),
            ("Per Tjener", "+45 54 78 11 11"),
        ]
        actions = [
            e.action for e in audit_entries(session, entity_type="company", entity_id=company.id)
        ]
        assert actions == ["create", "update"]

    def test_update_keeps_fields_the_file_does_not_have(self, session: Session) -> None:
        company = make_company(
            session,
            name="BLF Kunde",
            postal_code="4900",
            contact_owner="blf",
            sector_type="municipal",
            is_ambassador=True,
        )

        report = run_import(
            session, csv_bytes([["CVR", "Navn", "Postnr"], [company.cvr, "BLF Kunde A/S", "4900"]])
        )

        assert [r.company_id for r in report.updated] == [company.id]
        session.refresh(company)
        assert company.name == "BLF Kunde A/S"
        # Without a contact-owner column the owner stays; the postal-code default is for new rows.
        assert (company.contact_owner, company.sector_type, company.is_ambassador) == (
            "blf",
            "municipal",
            True,
        )

    def test_update_of_a_company_outside_the_area_keeps_its_municipality(
        self, session: Session
    ) -> None:
        company = make_company(
            session, postal_code="2100", municipality_code="101", contact_owner="blf"
        )
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Antal ansatte"], [company.cvr, "Filial Kbh", "2100", "30"]]
        )

        report = run_import(session, content)

        assert report.rejected == []
        assert [r.company_id for r in report.updated] == [company.id]
        session.refresh(company)
        assert (company.name, company.municipality_code, company.size_band) == (
            "Filial Kbh",
            "101",
            "20-49",
        )

    def test_duplicate_cvr_inside_one_file(self, session: Session) -> None:
        cvr = valid_cvr()
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode"],
             [cvr, "Første", "4930", "471100"],
             [valid_cvr(), "Anden", "4930", "471100"],
             [cvr[:4] + " " + cvr[4:], "Første igen", "4900", "561010"]]
        )  # fmt: skip
        calls: list[tuple[int, int]] = []

        report = importers.import_companies(
            session,
            content=content,
            filename="dubletter.csv",
            actor=CLI_PRINCIPAL,
            progress=lambda done, total: calls.append((done, total)),
        )

        assert [r.name for r in report.created] == ["Første", "Anden"]
        assert report.updated == []
        assert [(p.row, p.cvr, p.field) for p in report.rejected] == [(4, cvr, "CVR")]
        assert report.rejected[0].message == (
            "CVR-nummeret står også i række 2; rækken er sprunget over"
        )
        company = stored(session, cvr)
        assert company is not None
        assert (company.name, company.postal_code) == ("Første", "4930")
        assert calls == [(3, 3)]  # progress is reported per chunk of importers.CHUNK_ROWS

    def test_dry_run_stores_nothing(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        existing = make_company(session, name="Uændret")
        new_cvr = valid_cvr()
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode"],
             [new_cvr, "Ny", "4930", "471100"],
             [existing.cvr, "Ændret", "4930", "471100"],
             [wrong_check_digit(valid_cvr()), "Forkert", "4930", "471100"]]
        )  # fmt: skip
        before = company_count(session)
        audit_before = len(audit_entries(session, entity_type="company", entity_id=None))

        response = client.post(
            URL,
            params={"dry_run": "true"},
            files={"file": ("proeve.csv", content, "text/csv")},
            headers=admin,
        )

        assert response.status_code == 200
        report = response.json()
        assert report["dry_run"] is True
        assert [r["name"] for r in report["created"]] == ["Ny"]
        assert [r["company_id"] for r in report["updated"]] == [existing.id]
        assert [p["row"] for p in report["rejected"]] == [4]
        assert company_count(session) == before
        assert stored(session, new_cvr) is None
        unchanged = stored(session, existing.cvr)
        assert unchanged is not None
        assert unchanged.name == "Uændret"
        assert len(audit_entries(session, entity_type="company", entity_id=None)) == audit_before


class TestImportEndpointRoles:
    def test_caseworker_may_not_import(self, client: TestClient, session: Session) -> None:
        headers = headers_for(session, Role.caseworker, "360")
        before = company_count(session)
        content = csv_bytes([["CVR", "Navn", "Postnr", "Branchekode"],
                             [valid_cvr(), "X", "4930", "471100"]])  # fmt: skip

        response = client.post(URL, files={"file": ("a.csv", content, "text/csv")}, headers=headers)

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert company_count(session) == before

    def test_consultant_rows_outside_own_municipality_are_rejected(
        self, client: TestClient, session: Session
    ) -> None:
        headers = headers_for(session, Role.company_consultant, "360")
        lolland_cvr, guldborgsund_cvr = valid_cvr(), valid_cvr()
        content = csv_bytes(
            [["CVR", "Navn", "Postnr", "Branchekode"],
             [lolland_cvr, "Nakskov Is", "4900", "471100"],
             [guldborgsund_cvr, "Gedser Is", "4874", "471100"]]
        )  # fmt: skip

        response = client.post(URL, files={"file": ("a.csv", content, "text/csv")}, headers=headers)

        assert response.status_code == 200
        report = response.json()
        assert [r["cvr"] for r in report["created"]] == [lolland_cvr]
        assert [(p["row"], p["cvr"], p["field"]) for p in report["rejected"]] == [
            (3, guldborgsund_cvr, "row")
        ]
        assert "376" in report["rejected"][0]["message"]
        assert stored(session, guldborgsund_cvr) is None


class TestCommandLine:
    def test_import_companies_command(self, cli_database: str, tmp_path: Path) -> None:
        cvrs = [valid_cvr() for _ in range(3)]
        path = tmp_path / "virksomheder.xlsx"
        path.write_bytes(
            xlsx_bytes(
                [DANISH_HEADER,
                 [int(cvrs[0]), "Holeby Smedie", "Vej 1", 4960, 251100, 7, "Ib", 54600000],
                 [int(wrong_check_digit(cvrs[1])), "Forkert CVR", "Vej 2", 4960, 251100],
                 [int(cvrs[2]), "Kettinge Gård", "Vej 3", 4892, 11100, 2]]
            )
        )  # fmt: skip
        runner = CliRunner()

        first = runner.invoke(cli_app, ["import", "companies", str(path)])
        second = runner.invoke(cli_app, ["import", "companies", str(path)])

        # Exit 3: rows were rejected (the others are stored), so a script can tell.
        assert first.exit_code == 3, first.output
        assert "1 rækker blev afvist" in first.stderr
        lines = first.stdout.splitlines()
        assert lines[0] == "3 rækker: 2 oprettet, 0 opdateret, 1 afvist"
        assert lines[1].startswith(f"  række 3 ({wrong_check_digit(cvrs[1])}) CVR: ")
        assert "modulus 11" in lines[1]
        assert second.exit_code == 3, second.output
        assert second.stdout.splitlines()[0] == "3 rækker: 0 oprettet, 2 opdateret, 1 afvist"

        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                rows = check.exec(select(Company).order_by(col(Company.name))).all()
                assert [(c.cvr, c.name, c.municipality_code, c.sector) for c in rows] == [
                    (cvrs[0], "Holeby Smedie", "360", "industri"),
                    (cvrs[2], "Kettinge Gård", "376", "landbrug"),
                ]
        finally:
            engine.dispose()

    def test_unreadable_file_fails_and_stores_nothing(
        self, cli_database: str, tmp_path: Path
    ) -> None:
        path = tmp_path / "gammel.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
        dry = tmp_path / "proeve.csv"
        dry.write_bytes(csv_bytes([["CVR", "Navn", "Postnr", "Branchekode"],
                                   [valid_cvr(), "Prøve", "4930", "471100"]]))  # fmt: skip
        runner = CliRunner()

        failed = runner.invoke(cli_app, ["import", "companies", str(path)])
        dry_run = runner.invoke(cli_app, ["import", "companies", "--dry-run", str(dry)])

        assert failed.exit_code == 1
        assert "Filen kan ikke læses som en tabel" in failed.stderr
        assert "gammelt Excel-format" in failed.stderr
        assert dry_run.exit_code == 0, dry_run.output
        assert dry_run.stdout.splitlines()[0] == (
            "Prøvekørsel (intet gemt): 1 rækker: 1 oprettet, 0 opdateret, 0 afvist"
        )
        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                assert company_count(check) == 0
        finally:
            engine.dispose()
