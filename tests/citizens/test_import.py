"""Citizen and BIP imports from CSV and XLSX: Danish headers, CPR hashing, bad rows, bad files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from service import clock, importing
from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.citizens import importers
from service.citizens import service as citizens_service
from service.citizens.cpr import cpr_hmac
from service.citizens.models import BipMeasurement, Citizen, CitizenCaseworker
from service.citizens.schemas import CitizenImportReport
from service.cli import app as cli_app
from service.db import make_engine
from tests.citizens.helpers import API, make_citizen
from tests.factories import bearer, make_key

SECRET = "s" * 40
HEADER = [
    "Navn",
    "Sagsnummer",
    "CPR-nummer",
    "Postnr.",
    "Kørekort",
    "Bil",
    "Transportmiddel",
    "Maks. transport (km)",
    "Timer pr. uge",
    "Jobønsker",
    "Ønskede brancher",
    "Fravalgte brancher",
    "Dansk niveau",
    "Kan ikke løfte tungt",
    "Straffeattest",
    "Status",
    "Startdato",
    "Køn",
    "Fødselsår",
]
GOOD = [
    "Mads Møller",
    "J-100",
    "150384-4321",
    "4900",
    "ja",
    "nej",
    "Offentlig transport",
    "15",
    "7,5",
    "Lager eller butik",
    "Detailhandel og reparationsvirksomhed undtagen med biler, landbrug",
    "Industri",
    "4",
    "x",
    "ved ikke",
    "Aktiv",
    "01.02.2025",
    "mand",
    "1984",
]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(rows: list[list[Any]], *, encoding: str = "utf-8") -> bytes:
    """A semicolon CSV file of the rows, as Danish Excel saves it."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """An XLSX workbook whose first sheet holds the rows (numbers and dates stay typed)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_citizens(
    session: Session, content: bytes, *, actor: Principal = CLI_PRINCIPAL, dry_run: bool = False
) -> CitizenImportReport:
    """Run the citizen import as the command line does."""
    return importers.import_citizens(
        session,
        content=content,
        filename="borgere.csv",
        actor=actor,
        secret_key=SECRET,
        dry_run=dry_run,
    )


def import_bip(
    session: Session, content: bytes, *, actor: Principal = CLI_PRINCIPAL
) -> CitizenImportReport:
    """Run the BIP import as the command line does."""
    return importers.import_bip(
        session, content=content, filename="bip.csv", actor=actor, secret_key=SECRET
    )


def count(session: Session, model: Any) -> int:
    """Rows in a table, as the test's transaction sees them."""
    return int(session.exec(select(func.count()).select_from(model)).one())


def problems(report: CitizenImportReport) -> dict[int, list[tuple[str, str]]]:
    """Rejected rows as row -> [(column, message)]."""
    result: dict[int, list[tuple[str, str]]] = {}
    for problem in report.rejected:
        result.setdefault(problem.row, []).append((problem.field, problem.message))
    return result


class TestCitizenImport:
    def test_danish_windows_1252_csv_is_read_and_cpr_kept_only_as_hash(
        self, session: Session
    ) -> None:
        report = import_citizens(session, csv_bytes([HEADER, GOOD], encoding="cp1252"))

        assert report.rejected == []
        assert [(r.row, r.external_ref) for r in report.created] == [(2, "J-100")]
        citizen = session.exec(select(Citizen).where(Citizen.external_ref == "J-100")).one()
        assert (citizen.name, citizen.municipality_code, citizen.city) == (
            "Mads Møller",
            "360",
            "Nakskov",
        )
        assert (citizen.has_driving_licence, citizen.has_car, citizen.transport) == (
            True,
            False,
            "public_transport",
        )
        assert (citizen.max_commute_km, citizen.hours_per_week, citizen.danish_level) == (
            15,
            7.5,
            4,
        )
        assert citizen.preferred_sectors == ["detailhandel", "landbrug"]
        assert citizen.excluded_sectors == ["industri"]
        assert (citizen.cannot_lift_heavy, citizen.criminal_record) == (True, "unknown")
        assert citizen.programme_start_date == date(2025, 2, 1)
        assert citizen.cpr_hmac == cpr_hmac("1503844321", SECRET)
        stored = " ".join(str(v) for v in citizen.model_dump().values())
        assert "1503844321" not in stored
        assert "150384" not in stored

    def test_xlsx_with_typed_cells(self, session: Session) -> None:
        content = xlsx_bytes(
            [
                ["Navn", "Sagsnummer", "Postnummer", "Timer om ugen", "Startdato", "Dansk"],
                ["Ida Holm", "X-1", 4800, 12, datetime(2025, 3, 1), 5],
            ]
        )

        report = importers.import_citizens(
            session, content=content, filename="b.xlsx", actor=CLI_PRINCIPAL, secret_key=SECRET
        )

        assert report.rejected == []
        citizen = session.exec(select(Citizen).where(Citizen.external_ref == "X-1")).one()
        assert (citizen.municipality_code, citizen.hours_per_week, citizen.danish_level) == (
            "376",
            12,
            5,
        )
        assert citizen.programme_start_date == date(2025, 3, 1)

    def test_bad_rows_are_reported_and_store_nothing(self, session: Session) -> None:
        rows = [
            HEADER,
            GOOD,
            ["", "J-101", "", "4930"],  # no name
            ["Ole Lund", "J-102", "", "4930", "", "", "", "", "", "ring på 010190-1234"],
            ["Ole Lund", "J-103", "311399-1234", "4930"],  # not a date: not a CPR number
            ["Pia Holm", "J-104", "", "4930", "", "", "", "", "", "", "", "", "7"],
            ["Kim Berg", "J-105", "", "4930", "", "", "", "", "", "", "Fiskeri"],
            ["Mads Møller", "J-100", "", "4900"],  # the same case number again
            ["Mads Møller", "J-106", "15038-44321", "4900"],  # same CPR, other case number
            ["Eva Sand", "J-107", "", "4930", "måske"],
        ]
        audit_before = count(session, AuditEntry)

        report = import_citizens(session, csv_bytes(rows))

        assert [r.external_ref for r in report.created] == ["J-100"]
        found = problems(report)
        assert found[3] == [("Navn", "Feltet skal udfyldes")]
        assert found[4][0][0] == "Jobønsker"
        assert found[4][0][1] == "Feltet ligner et CPR-nummer; CPR-numre må ikke gemmes"
        assert "010190" not in found[4][0][1]
        assert found[5] == [
            ("CPR-nummer", "Er ikke et gyldigt CPR-nummer (DDMMÅÅ-XXXX); rækken er afvist")
        ]
        assert found[6] == [("Dansk niveau", "Må højst være 5")]
        assert found[7][0][0] == "Ønskede brancher"
        assert found[7][0][1].startswith("Skal være en af: ")
        assert found[8] == [
            ("Sagsnummer", "Samme borger står også i række 2; rækken er sprunget over")
        ]
        assert found[9] == [
            ("CPR-nummer", "Samme borger står også i række 2; rækken er sprunget over")
        ]
        assert found[10] == [("Kørekort", "Skal være sand eller falsk (true/false)")]
        assert count(session, Citizen) == 1
        audit = session.exec(
            select(AuditEntry).where(col(AuditEntry.id) > 0).order_by(col(AuditEntry.id))
        ).all()[audit_before:]
        assert [e.action for e in audit] == ["create", "import"]
        assert audit[-1].detail == '{"created": 1, "updated": 0, "rejected_rows": 8}'

    def test_a_known_case_number_is_updated_and_a_known_person_refused(
        self, session: Session
    ) -> None:
        import_citizens(session, csv_bytes([HEADER, GOOD]))
        changed = list(GOOD)
        changed[8] = "20"
        twin = ["Mads Møller", "J-999", "150384-4321", "4900"]
        stranger = ["Mads Møller", "J-100", "010203-4444", "4900"]

        update = import_citizens(session, csv_bytes([HEADER, changed]))
        refused = import_citizens(session, csv_bytes([HEADER[:4], twin, stranger]))

        assert [r.external_ref for r in update.updated] == ["J-100"]
        citizen = session.exec(select(Citizen).where(Citizen.external_ref == "J-100")).one()
        assert citizen.hours_per_week == 20
        found = problems(refused)
        assert found[2] == [
            ("CPR-nummer", f"Samme person er allerede registreret som borger {citizen.id}")
        ]
        assert found[3] == [
            (
                "CPR-nummer",
                "Sagsnummeret hører til en anden person end CPR-nummeret; rækken er afvist",
            )
        ]
        assert count(session, Citizen) == 1

    def test_a_twin_in_another_municipality_is_not_named(self, session: Session) -> None:
        import_citizens(session, csv_bytes([HEADER, GOOD]))  # J-100 in Lolland
        caseworker, _ = make_key(session, Role.caseworker, "376")

        report = import_citizens(
            session,
            csv_bytes([HEADER[:4], ["Mads Møller", "G-1", "150384-4321", "4800"]]),
            actor=caseworker,
        )

        assert problems(report)[2] == [
            ("CPR-nummer", "Samme person er allerede registreret som en borger i en anden kommune")
        ]

    def test_dry_run_stores_nothing(self, session: Session) -> None:
        report = import_citizens(session, csv_bytes([HEADER, GOOD]), dry_run=True)

        assert report.dry_run
        assert len(report.created) == 1
        assert count(session, Citizen) == 0

    def test_progress_is_reported_per_chunk_written(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Issue 13: rows are checked and written in chunks (service.importing.CHUNK_ROWS), so
        # progress counts rows stored or rejected, after each chunk; two rows a chunk here.
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        seen: list[tuple[int, int]] = []
        rows = [HEADER, GOOD, ["Ida", "J-2", "", "4930"], ["", "", "", ""], ["Bo", "J-3", "", "x"]]

        importers.import_citizens(
            session,
            content=csv_bytes(rows),
            filename="b.csv",
            actor=CLI_PRINCIPAL,
            secret_key=SECRET,
            progress=lambda done, total: seen.append((done, total)),
        )

        assert seen == [(2, 3), (3, 3)]  # the empty row is not a row


def _truncated_xlsx() -> bytes:
    return xlsx_bytes([["Navn", "Sagsnummer", "Postnr"], ["A", "B", 4930]])[:300]


def _xlsx_with_broken_sheet() -> bytes:
    source = io.BytesIO(xlsx_bytes([["Navn", "Sagsnummer"], ["A", "B"]]))
    target = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = b"<worksheet><sheetData><row><c r='A1'"
            new.writestr(item, data)
    return target.getvalue()


class TestUnreadableFiles:
    @pytest.mark.parametrize(
        ("name", "content", "reason"),
        [
            ("tom.csv", b"   \n", "filen er tom"),
            ("gammel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "gammelt Excel"),
            ("afkortet.xlsx", _truncated_xlsx(), "beskadiget"),
            ("ark.xlsx", _xlsx_with_broken_sheet(), "beskadiget"),
            ("binaer.csv", b"Navn;Sagsnummer\x00\x01", "binær"),
            ("kolonner.csv", csv_bytes([["Navn", "Postnr"], ["A", "4930"]]), "Sagsnummer mangler"),
            ("enkolonne.csv", b"Navn\nA\n", "ingen kolonner"),
        ],
        ids=["empty", "xls", "truncated", "broken-sheet", "binary", "no-case-number", "one-col"],
    )
    def test_is_refused_and_changes_nothing(
        self, client: TestClient, session: Session, name: str, content: bytes, reason: str
    ) -> None:
        _, key = make_key(session, Role.admin)
        before = (count(session, Citizen), count(session, AuditEntry))

        response = client.post(
            f"{API}/citizens/import",
            files={"file": (name, content, XLSX_TYPE)},
            headers=bearer(key),
        )

        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "unreadable_file"
        assert error["message"].startswith("Filen kan ikke læses som en tabel")
        assert error["message"].endswith("Intet er gemt.")
        assert reason in error["fields"][0]["message"]
        assert (count(session, Citizen), count(session, AuditEntry)) == before

    def test_bip_file_without_indicators_is_refused(
        self, client: TestClient, session: Session
    ) -> None:
        _, key = make_key(session, Role.admin)

        response = client.post(
            f"{API}/citizens/bip/import",
            files={
                "file": (
                    "bip.csv",
                    csv_bytes([["Sagsnummer", "Dato", "Farve"], ["A", "2025-01-01", "blå"]]),
                )
            },
            headers=bearer(key, **{"Accept-Language": "en"}),
        )

        assert response.status_code == 400
        assert "none of the ten BIP indicators is a column" in response.json()["error"]["message"]


BIP_HEADER = ["Sagsnummer", "CPR", "Dato", "Idé om job", "Misbrug", "Helbred", "Tro på job"]


class TestBipImport:
    def test_rows_by_case_number_or_cpr_with_missing_answers_kept_missing(
        self, session: Session
    ) -> None:
        import_citizens(session, csv_bytes([HEADER, GOOD]))  # J-100 with a CPR number
        other = make_citizen(session, external_ref="J-200")
        full_question = "Hvordan har du det med at tage kontakt til nogen, du ikke kender?"
        rows = [
            [*BIP_HEADER, full_question],
            ["J-100", "", "01-03-2025", "3", "5", "ved ikke", "4", "2"],
            ["", "150384-4321", "2025-09-01", "4", "5", "3", "", ""],
            ["J-200", "", "2025-04-01", "2", "", "1", "", "3"],
        ]

        report = import_bip(session, csv_bytes(rows))

        assert report.rejected == []
        assert len(report.created) == 3
        citizen = session.exec(select(Citizen).where(Citizen.external_ref == "J-100")).one()
        stored = session.exec(
            select(BipMeasurement)
            .where(BipMeasurement.citizen_id == citizen.id)
            .order_by(col(BipMeasurement.measured_on))
        ).all()
        assert [(m.measured_on, m.job_goal, m.health, m.caseworker_belief) for m in stored] == [
            (date(2025, 3, 1), 3, None, 4),
            (date(2025, 9, 1), 4, 3, None),
        ]
        assert stored[0].contacting_strangers == 2
        assert stored[0].daily_energy is None  # not a column: not answered, never 1
        assert citizen.bip_next_due_date == date(2026, 3, 1)
        only = session.exec(
            select(BipMeasurement).where(BipMeasurement.citizen_id == other.id)
        ).one()
        assert (only.job_goal, only.substance_abuse) == (2, None)

    def test_bad_rows_store_nothing_and_known_dates_are_replaced(self, session: Session) -> None:
        make_citizen(session, external_ref="J-1")
        tomorrow = (clock.now().date() + timedelta(days=1)).isoformat()
        rows = [
            BIP_HEADER,
            ["J-1", "", "2025-01-01", "3", "4", "2", ""],
            ["J-1", "", "2025-01-01", "3", "4", "2", ""],  # same date twice in the file
            ["J-1", "", "2025-02-01", "6", "4", "2", ""],
            ["J-1", "", "2025-03-01", "", "", "", ""],  # nothing answered
            ["J-1", "", tomorrow, "3", "", "", ""],
            ["J-404", "", "2025-01-01", "3", "", "", ""],
            ["J-1", "010190-123", "2025-04-01", "3", "", "", ""],
            ["J-1", "", "1. april", "3", "", "", ""],
        ]

        report = import_bip(session, csv_bytes(rows))
        again = import_bip(
            session, csv_bytes([BIP_HEADER, ["J-1", "", "2025-01-01", "5", "5", "5", ""]])
        )

        found = problems(report)
        assert found[3][0] == (
            "Dato",
            "Samme borger og dato står også i række 2; rækken er sprunget over",
        )
        assert found[4] == [("Idé om job", "Må højst være 5")]
        assert found[5] == [("indikatorer", "Mindst én af de ti indikatorer skal være besvaret")]
        assert found[6] == [("Dato", "Datoen ligger i fremtiden")]
        assert found[7] == [
            ("Sagsnummer", "Ingen borger med det sagsnummer (opret borgeren først)")
        ]
        assert found[8][0][0] == "CPR"
        assert found[9] == [("Dato", "Skal være en dato (ÅÅÅÅ-MM-DD)")]
        assert len(report.created) == 1
        assert [r.row for r in again.updated] == [2]
        stored = session.exec(select(BipMeasurement)).one()
        assert (stored.job_goal, stored.substance_abuse, stored.health) == (5, 5, 5)

    def test_belief_column_needs_a_caseworker_over_http(
        self, client: TestClient, session: Session
    ) -> None:
        make_citizen(session, external_ref="J-1")
        _, admin = make_key(session, Role.admin)
        _, caseworker = make_key(session, Role.caseworker, "360")
        content = csv_bytes([BIP_HEADER, ["J-1", "", "2025-01-01", "3", "4", "2", "4"]])

        by_admin = client.post(
            f"{API}/citizens/bip/import",
            files={"file": ("bip.csv", content)},
            headers=bearer(admin),
        ).json()
        by_caseworker = client.post(
            f"{API}/citizens/bip/import",
            files={"file": ("bip.csv", content)},
            headers=bearer(caseworker),
        ).json()

        assert by_admin["created"] == []
        assert by_admin["rejected"] == [
            {
                "row": 2,
                "external_ref": "J-1",
                "field": "Tro på job",
                "message": "Kun sagsbehandlere kan angive dette felt",
            }
        ]
        assert len(by_caseworker["created"]) == 1
        assert session.exec(select(BipMeasurement)).one().caseworker_belief == 4


class TestCommandLine:
    def test_import_citizens_then_bip(self, cli_database: str, tmp_path: Path) -> None:
        citizens = tmp_path / "borgere.xlsx"
        citizens.write_bytes(xlsx_bytes([HEADER, GOOD, ["Uden Postnr", "J-9"]]))
        bip = tmp_path / "bip.csv"
        bip.write_bytes(csv_bytes([BIP_HEADER, ["J-100", "", "2025-03-01", "3", "5", "2", "4"]]))
        runner = CliRunner()

        first = runner.invoke(cli_app, ["import", "citizens", str(citizens)])
        second = runner.invoke(cli_app, ["import", "bip", str(bip)])

        assert first.exit_code == 3, first.output  # a row was rejected (the other stored)
        assert "1 rækker blev afvist" in first.stderr
        lines = first.stdout.splitlines()
        assert lines[0] == "2 rækker (borgere): 1 oprettet, 0 opdateret, 1 afvist"
        assert lines[1] == "  række 3 (J-9) Postnr.: Feltet skal udfyldes"
        assert second.exit_code == 0, second.output
        assert second.stdout.splitlines()[0] == (
            "1 rækker (BIP-målinger): 1 oprettet, 0 opdateret, 0 afvist"
        )
        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                measurement = check.exec(select(BipMeasurement)).one()
                # The command line transcribes the job centre's records, beliefs included.
                assert (measurement.job_goal, measurement.caseworker_belief) == (3, 4)
                assert check.exec(select(Citizen)).one().cpr_hmac is not None
        finally:
            engine.dispose()

    def test_unreadable_file_fails_and_stores_nothing(
        self, cli_database: str, tmp_path: Path
    ) -> None:
        path = tmp_path / "afkortet.xlsx"
        path.write_bytes(_truncated_xlsx())

        failed = CliRunner().invoke(cli_app, ["import", "citizens", str(path)])

        assert failed.exit_code == 1
        assert "Filen kan ikke læses som en tabel" in failed.stderr
        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                assert count(check, Citizen) == 0
        finally:
            engine.dispose()


class TestBulkCitizenImport:
    """Issue 13: rows checked and written in chunks (two rows a chunk here), nothing half-done."""

    def test_new_citizens_are_written_in_bulk_with_their_links_and_audit(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        caseworker, _ = make_key(session, Role.caseworker, "360")
        header = ["Navn", "Sagsnummer", "Postnr.", "Køn", "Fødselsår", "Sagsbehandler"]
        rows = [
            header,
            ["Ida Holm", "B-1", "4900", "kvinde", "", ""],
            ["Bo Lund", "B-2", "4800", "", "1990", ""],
            ["Eva Sand", "B-3", "4900", "", "", str(caseworker.user_id)],
        ]

        report = import_citizens(session, csv_bytes(rows))

        assert report.rejected == []
        assert [(r.row, r.external_ref) for r in report.created] == [
            (2, "B-1"),
            (3, "B-2"),
            (4, "B-3"),
        ]
        by_ref = {
            c.external_ref: c
            for c in session.exec(select(Citizen).where(col(Citizen.external_ref).like("B-%")))
        }
        assert {ref: c.municipality_code for ref, c in by_ref.items()} == {
            "B-1": "360",
            "B-2": "376",
            "B-3": "360",
        }
        assert by_ref["B-1"].city == "Nakskov"
        fairness = citizens_service.fairness_attributes(
            session, citizen_ids=[c.id for c in by_ref.values()]
        )
        assert fairness == {
            by_ref["B-1"].id: ("female", None),
            by_ref["B-2"].id: (None, 1990),
        }
        links = session.exec(
            select(CitizenCaseworker).where(
                col(CitizenCaseworker.citizen_id).in_([c.id for c in by_ref.values()])
            )
        ).all()
        assert [(link.citizen_id, link.user_id) for link in links] == [
            (by_ref["B-3"].id, caseworker.user_id)
        ]
        creates = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "create",
                col(AuditEntry.entity_id).in_([c.id for c in by_ref.values()]),
            )
        ).all()
        assert sorted(e.detail or "" for e in creates) == [
            '{"municipality_code": "360"}',
            '{"municipality_code": "360"}',
            '{"municipality_code": "376"}',
        ]

    def test_bad_rows_in_every_chunk_are_all_reported_and_none_stored(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        rows = [
            HEADER[:4],
            ["Ida Holm", "C-1", "150384-4321", "4900"],  # chunk 1
            ["", "C-2", "", "4900"],  # no name
            ["Ida Holm", "C-1", "", "4900"],  # chunk 2: the case number of row 2 again
            ["Ida Holm", "C-3", "150384-4321", "4900"],  # the person of row 2 again
            ["Bo Lund", "C-4", "", "9999"],  # chunk 3: an unknown postal code
            ["Bo Lund", "C-5", "", "4800"],
        ]
        before = count(session, Citizen)

        report = import_citizens(session, csv_bytes(rows))

        assert [r.external_ref for r in report.created] == ["C-1", "C-5"]
        found = problems(report)
        assert sorted(found) == [3, 4, 5, 6]
        assert found[3] == [("Navn", "Feltet skal udfyldes")]
        assert found[4] == [
            ("Sagsnummer", "Samme borger står også i række 2; rækken er sprunget over")
        ]
        assert found[5] == [
            ("CPR-nummer", "Samme borger står også i række 2; rækken er sprunget over")
        ]
        assert found[6][0][0] == "municipality_code"
        assert "9999" in found[6][0][1]
        assert count(session, Citizen) == before + 2

    def test_a_dry_run_over_several_chunks_stores_nothing(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        rows = [HEADER[:4], *([f"Navn {i}", f"D-{i}", "", "4900"] for i in range(5))]
        audit_before = count(session, AuditEntry)

        report = import_citizens(session, csv_bytes(rows), dry_run=True)

        assert len(report.created) == 5
        assert count(session, Citizen) == 0
        assert count(session, AuditEntry) == audit_before
