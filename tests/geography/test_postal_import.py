"""`kantmatch import postal-codes FILE`: DAWA's postnumre CSV, all or nothing."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.db import make_engine
from service.places import ImportedPostalCode
from service.postal_import import import_postal_codes, read_postnumre
from tests.geography.helpers import dawa_csv


class TestReadPostnumre:
    def test_good_file(self) -> None:
        report = read_postnumre(dawa_csv())

        assert report.rejected == []
        assert [(r.postal_code, r.city, r.lat, r.lon) for r in report.rows] == [
            ("8000", "Aarhus C", 56.1567, 10.2039),
            ("8210", "Aarhus V", 56.17, 10.163),
            ("4100", "Ringsted", 55.44, 11.79),
        ]
        assert [(p.line, p.message) for p in report.skipped] == [
            (4, "0800: stormodtager, intet område")
        ]

    def test_every_broken_line_is_reported_with_its_line_number(self) -> None:
        content = dawa_csv(
            "8000,Aarhus C,false,1,2,3,4,10.2039,56.1567,x,x,2,1",
            "8200,Aarhus N,false,1,2,3,4,ti,56.18,x,x,2,1",
            "8210,Aarhus V,false,1,2,3,4,10.16",
            "82x0,Aarhus X,false,1,2,3,4,10.16,56.17,x,x,2,1",
            "8220,Brabrand,false,1,2,3,4,10.11,66.0,x,x,2,1",
            "8000,Aarhus C,false,1,2,3,4,10.2039,56.1567,x,x,2,1",
        )

        report = read_postnumre(content)

        assert [(p.line, p.field) for p in report.rejected] == [
            (3, "visueltcenter_x"),
            (4, "linje"),
            (5, "nr"),
            (6, "visueltcenter_y"),
            (7, "nr"),
        ]
        assert report.rejected[1].message == "har 8 felter, hovedlinjen har 13"
        assert report.rejected[4].message == "8000 står også i linje 2"

    def test_missing_columns_are_named(self) -> None:
        report = read_postnumre(b"nr;navn\n8000;Aarhus C\n")

        assert [(p.line, p.field) for p in report.rejected] == [
            (1, "visueltcenter_x, visueltcenter_y")
        ]

    def test_semicolons_and_a_municipality_column(self) -> None:
        content = (
            "nr;navn;visueltcenter_x;visueltcenter_y;kommunekode\n8000;Aarhus C;10,2;56,15;0751\n"
        )

        report = read_postnumre(content.encode())

        assert [(r.postal_code, r.lat, r.lon, r.municipality_code) for r in report.rows] == [
            ("8000", 56.15, 10.2, "751")
        ]


class TestImport:
    def test_a_broken_line_stores_nothing(self, session: Session) -> None:
        import_postal_codes(session, content=dawa_csv(), filename="first.csv")
        broken = dawa_csv("8000,Aarhus C,false,1,2,3,4,10.0,56.0,x,x,2,1", "8200,Aarhus N,false")

        report = import_postal_codes(session, content=broken, filename="second.csv")

        assert report.stored is False
        assert [p.line for p in report.rejected] == [3]
        rows = session.exec(select(ImportedPostalCode)).all()
        assert sorted((r.postal_code, r.lat) for r in rows) == [
            ("4100", 55.44),
            ("8000", 56.1567),
            ("8210", 56.17),
        ]

    def test_a_good_file_replaces_the_imported_table(self, session: Session) -> None:
        import_postal_codes(session, content=dawa_csv(), filename="first.csv")

        report = import_postal_codes(
            session,
            content=dawa_csv("8000,Aarhus C,false,1,2,3,4,10.2,56.15,x,x,2,1"),
            filename="second.csv",
        )

        assert report.stored is True
        rows = session.exec(select(ImportedPostalCode)).all()
        assert [(r.postal_code, r.lat, r.lon) for r in rows] == [("8000", 56.15, 10.2)]
        assert rows[0].source.startswith("DAWA postnumre: second.csv")

    def test_dry_run_stores_nothing(self, session: Session) -> None:
        report = import_postal_codes(session, content=dawa_csv(), filename="x.csv", dry_run=True)

        assert (len(report.rows), report.stored) == (3, False)
        assert session.exec(select(ImportedPostalCode)).all() == []


class TestCommand:
    def test_broken_file_exits_1_naming_the_line_and_stores_nothing(
        self, cli_database: str, tmp_path: Path
    ) -> None:
        path = tmp_path / "postnumre.csv"
        path.write_bytes(dawa_csv("8000,Aarhus C,false,1,2,3,4,10.2,56.15,x,x,2,1", "8200,ødelagt"))

        result = CliRunner().invoke(cli_app, ["import", "postal-codes", str(path)])

        assert result.exit_code == 1
        assert "  linje 3 linje: har 2 felter, hovedlinjen har 13" in result.stdout
        assert "1 fejl i postnumre.csv: intet gemt" in result.stdout
        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                assert check.exec(select(ImportedPostalCode)).all() == []
        finally:
            engine.dispose()

    def test_good_file_is_stored(self, cli_database: str, tmp_path: Path) -> None:
        path = tmp_path / "postnumre.csv"
        path.write_bytes(dawa_csv())

        result = CliRunner().invoke(cli_app, ["import", "postal-codes", str(path)])

        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1].startswith(
            "3 postnumre med koordinater, 1 sprunget over (DAWA postnumre: postnumre.csv"
        )
        engine = make_engine(cli_database)
        try:
            with Session(engine) as check:
                codes = sorted(r.postal_code for r in check.exec(select(ImportedPostalCode)))
                assert codes == ["4100", "8000", "8210"]
        finally:
            engine.dispose()
