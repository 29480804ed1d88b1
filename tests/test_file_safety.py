"""Safe files in and out (issue 17): uploads checked before parsing, exports never formulas.

In: a zip bomb, a workbook too big unpacked, too many rows, content beyond the column limit and
an upload over the size limit are refused with 413/422 naming the reason, in well under a
second (benchmarks/bench_import.py times it), and store nothing. Out: every CSV and XLSX
export neutralises formula-like text.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from benchmarks.synthetic_companies import zip_bomb
from service import exports, tabular
from service.auth.principal import CLI_PRINCIPAL, Role
from service.companies import importers
from tests.companies.helpers import company_count, headers_for
from tests.companies.test_import import xlsx_bytes
from tests.factories import valid_cvr

URL = "/api/v1/companies/import"
XLSX_TYPE = exports.XLSX_MEDIA_TYPE
HEADER = ["CVR", "Navn", "Postnr", "Branchekode"]


@pytest.fixture
def admin(session: Session) -> dict[str, str]:
    return headers_for(session, Role.admin)


def _post(client: TestClient, headers: dict[str, str], name: str, content: bytes) -> Any:
    # How fast the refusal comes is measured by benchmarks/bench_import.py, not here.
    return client.post(URL, files={"file": (name, content, XLSX_TYPE)}, headers=headers)


class TestFilesIn:
    def test_a_zip_bomb_is_refused_from_its_directory_within_a_second(
        self, client: TestClient, admin: dict[str, str], session: Session
    ) -> None:
        content = zip_bomb(40_000_000)
        assert len(content) < 256 * 1024  # passes the test app's upload limit
        before = company_count(session)

        response = _post(client, admin, "bombe.xlsx", content)

        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "file_refused"
        assert error["message"].startswith("Filen afvises:")
        reason = error["fields"][0]
        assert reason["field"] == "file"
        assert "xl/worksheets/sheet1.xml pakkes" in reason["message"]
        assert "zip-bombe" in reason["message"]
        assert company_count(session) == before

    def test_too_big_unpacked_is_413(
        self, client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tabular, "MAX_UNCOMPRESSED_BYTES", 10_000)
        content = xlsx_bytes(
            [HEADER, *([valid_cvr(), "Firma", "4900", "471100"] for _ in range(50))]
        )

        response = _post(client, {**admin, "Accept-Language": "en"}, "stor.xlsx", content)

        assert response.status_code == 413
        body = response.json()["error"]
        assert body["code"] == "file_too_large"
        assert "unpacked, the workbook takes" in body["fields"][0]["message"]
        assert "kantmatch import" in body["message"]

    @pytest.mark.parametrize("kind", ["csv", "xlsx"])
    def test_more_rows_than_the_limit_is_413_and_stores_nothing(
        self, session: Session, monkeypatch: pytest.MonkeyPatch, kind: str
    ) -> None:
        monkeypatch.setattr(tabular, "MAX_ROWS", 3)
        rows = [HEADER, *([valid_cvr(), f"Firma {i}", "4900", "471100"] for i in range(4))]
        content = (
            xlsx_bytes(rows) if kind == "xlsx" else "\n".join(";".join(r) for r in rows).encode()
        )
        before = company_count(session)

        with pytest.raises(tabular.FileTooLargeError) as raised:
            importers.import_companies(
                session, content=content, filename=f"a.{kind}", actor=CLI_PRINCIPAL
            )

        assert raised.value.status_code == 413
        assert raised.value.fields[0].message_da == "mere end 3 rækker"
        assert company_count(session) == before

    def test_content_beyond_the_column_limit_is_422(
        self, client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(tabular, "MAX_COLUMNS", 6)
        content = xlsx_bytes(
            [[*HEADER, "", "", "", "ekstra"], [valid_cvr(), "F", "4900", "471100"]]
        )

        response = _post(client, admin, "bred.xlsx", content)

        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["message"] == (
            "række 1 har indhold ud over kolonne 6"
        )

    def test_an_upload_over_the_limit_points_to_the_command_line(
        self, client: TestClient, admin: dict[str, str]
    ) -> None:
        response = client.post(
            URL, files={"file": ("stor.csv", b"x" * (300 * 1024), "text/csv")}, headers=admin
        )

        assert response.status_code == 413
        assert "kantmatch import companies" in response.json()["error"]["message"]


DANGEROUS = ["=1+1", "+45 12", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("x")']


class TestFilesOut:
    def test_csv_cells_that_start_like_formulas_get_an_apostrophe(self) -> None:
        text = exports.csv_document(["Navn"], [[value] for value in [*DANGEROUS, "Almindelig"]])

        lines = text.removeprefix(exports.CSV_BOM).split("\r\n")
        assert lines[1:4] == ["'=1+1", "'+45 12", "'-2+3"]
        assert lines[4] == "'@SUM(A1)"
        assert "Almindelig" in lines
        # Numbers are numbers, not text: a negative number keeps its sign.
        assert exports.csv_document(["Tal"], [[-2.5]]).split("\r\n")[1] == "-2,5"

    def test_xlsx_text_is_never_a_formula(self) -> None:
        content = exports.xlsx_document([exports.Sheet("Ark", [[v] for v in DANGEROUS], ["Navn"])])

        sheet = load_workbook(io.BytesIO(content)).active
        assert sheet is not None
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert [c.value for c in cells] == [
            v.replace("\r", "\n") if v == "\rCR" else v for v in DANGEROUS
        ]
        assert {c.data_type for c in cells} == {"s"}
        assert all(c.quotePrefix for c in cells)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")

    @pytest.mark.parametrize("value", DANGEROUS)
    def test_restore_undoes_neutralise(self, value: str) -> None:
        assert exports.restore(exports.neutralise(value)) == value
        assert exports.restore("'plain") == "'plain"


class TestRowCheckHook:
    @pytest.mark.parametrize("written", ["Anne 210270-1092", "Anne ２１０２７０–１０９２"])
    def test_a_cpr_like_cell_rejects_the_row_and_is_not_repeated(
        self, session: Session, written: str
    ) -> None:
        cvr = valid_cvr()
        content = (
            "CVR;Navn;Postnr;Branchekode;Kontaktperson\n"
            f"{cvr};Firma;4900;471100;{written}\n"
            f"{valid_cvr()};Andet firma;4900;471100;Bo\n"
        ).encode()
        before = company_count(session)

        report = importers.import_companies(
            session, content=content, filename="a.csv", actor=CLI_PRINCIPAL
        )

        assert [(p.row, p.cvr, p.field) for p in report.rejected] == [(2, cvr, "Kontaktperson")]
        assert "CPR" in report.rejected[0].message
        assert written not in report.rejected[0].message
        assert [r.name for r in report.created] == ["Andet firma"]
        assert company_count(session) == before + 1
