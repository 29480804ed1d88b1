"""The company importer's row check: a CPR number in any cell, however written, rejects the row."""

from __future__ import annotations

from sqlmodel import Session, select

from service.companies.models import Company, CompanyContact
from tests.companies.test_import import DANISH_HEADER, csv_bytes, run_import, stored
from tests.contract.test_cpr_fields import CPR_FORMS, TWELVE
from tests.factories import valid_cvr

REFUSED = "Feltet ligner et CPR-nummer; CPR-numre må ikke gemmes"


def test_every_cpr_form_in_a_name_address_or_contact_rejects_the_row(session: Session) -> None:
    good = valid_cvr()
    rows: list[list[str]] = [DANISH_HEADER]
    expected: dict[int, str] = {}
    for number, form in enumerate(TWELVE):
        column = ["Navn", "Adresse", "Kontaktperson", "Telefon"][number % 4]
        cells = [valid_cvr(), "Lager ApS", "Vej 1", "4930", "471100", "3", "Anne", "20304050"]
        cells[DANISH_HEADER.index(column)] = f"x {CPR_FORMS[form]}"
        rows.append(cells)
        expected[number + 2] = column
    rows.append([good, "Lager ApS", "Vej 1", "4930", "471100", "3", "Anne", "20304050"])

    report = run_import(session, csv_bytes(rows))

    assert [r.cvr for r in report.created] == [good]
    assert {p.row: p.field for p in report.rejected} == expected
    assert {p.message for p in report.rejected} == {REFUSED}
    assert all("1092" not in p.model_dump_json() for p in report.rejected)
    assert len(session.exec(select(Company)).all()) == 1
    names = [c.name for c in session.exec(select(CompanyContact)).all()]
    assert names == ["Anne"]


def test_a_cpr_number_in_the_cvr_column_is_not_repeated_as_the_rows_cvr(session: Session) -> None:
    rows = [DANISH_HEADER, ["210270-1092", "Lager ApS", "Vej 1", "4930", "471100", "3", "", ""]]

    report = run_import(session, csv_bytes(rows))

    assert [(p.row, p.cvr, p.field, p.message) for p in report.rejected] == [
        (2, None, "CVR", REFUSED)
    ]
    assert stored(session, "2102701092") is None
