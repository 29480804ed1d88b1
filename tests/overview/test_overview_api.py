"""The overview over HTTP: companies (JSON, CSV, XLSX), summary, roles and "<3" suppression."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from service.overview import exporters
from tests.overview.helpers import (
    COUNT_FIELDS,
    EXACT,
    OVERVIEW,
    DataSet,
    build_data_set,
    counts_of,
    hidden,
)
from tests.placements.helpers import People, days_ago, people


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


@pytest.fixture
def data(session: Session) -> DataSet:
    """The hand-made data set of tests/overview/helpers.py."""
    return build_data_set(session)


def all_items(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every listed company, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"{OVERVIEW}/companies", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def by_label(data: DataSet, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Items keyed by the company's letter in the data set."""
    letters = {company.id: label for label, company in data.companies.items()}
    return {letters[item["company_id"]]: item for item in items}


class TestCompanies:
    def test_admin_sees_exact_counts_of_the_listed_companies(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        items = by_label(data, all_items(client, who.headers["admin"]))

        assert sorted(items) == ["A", "B", "C", "F"]  # D has no placement, E only a proposal
        assert {label: counts_of(item) for label, item in items.items()} == EXACT
        a = items["A"]
        assert (a["name"], a["sector"], a["sector_name"]) == (
            "Maribo Brugs",
            "detailhandel",
            "Detailhandel og reparationsvirksomhed undtagen med biler",
        )
        assert (a["municipality_code"], a["municipality_name"], a["size_band"]) == (
            "360",
            "Lolland",
            "6-19",
        )
        assert (a["contact_owner"], a["contact_owner_name"], a["is_ambassador"]) == (
            "jc_lolland",
            "Jobcenter Lolland",
            True,
        )
        assert a["contact_person"] == {
            "name": "Lis Hansen",
            "title": "Leder",
            "phone": "+45 54 12 34 56",
            "email": "kontakt@example.dk",
        }
        assert items["C"]["contact_owner_name"] == "Jobcenter Guldborgsund"
        assert items["F"]["contact_person"] is None

    @pytest.mark.parametrize("role", ["caseworker", "consultant", "blf"])
    def test_staff_see_exact_counts(
        self, client: TestClient, who: People, data: DataSet, role: str
    ) -> None:
        response = client.get(f"{OVERVIEW}/companies", headers=who.headers[role])

        body = response.json()
        assert body["disclosure"] == {"exact_counts": True, "rule": None}
        items = by_label(data, body["items"])
        assert {label: counts_of(item) for label, item in items.items()} == EXACT

    def test_the_integration_sees_small_counts_as_below_three(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(f"{OVERVIEW}/companies", headers=who.headers["integration"])

        body = response.json()
        items = by_label(data, body["items"])
        assert {label: counts_of(item) for label, item in items.items()} == {
            label: hidden(values) for label, values in EXACT.items()
        }
        assert items["A"]["in_internship"] == 3
        assert items["C"]["in_paid_hours"] == "<3"
        assert body["disclosure"]["exact_counts"] is False
        assert '"<3"' in body["disclosure"]["rule"]

    def test_the_integration_gets_no_citizen_level_data(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        texts = [
            client.get(f"{OVERVIEW}/{path}", headers=who.headers["integration"]).text
            for path in ("companies", "summary", "targets")
        ]

        for citizen in data.citizens.values():
            assert all(citizen.id not in text and citizen.name not in text for text in texts)
        for placement in data.placements.values():
            assert all(placement.id not in text for text in texts)

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"sector": "detailhandel"}, ["A", "F"]),
            ({"municipality_code": "376"}, ["C"]),
            ({"contact_owner": "blf"}, ["B"]),
            ({"size_band": "0-5"}, ["B", "F"]),
            ({"sector": "detailhandel", "size_band": "0-5"}, ["F"]),
            # B's placements ended 150 days ago; C's agreed internship has not started.
            ({"active_from": days_ago(100).isoformat()}, ["A", "C", "F"]),
            ({"active_to": days_ago(250).isoformat()}, ["B"]),
            (
                {"active_from": days_ago(180).isoformat(), "active_to": days_ago(160).isoformat()},
                ["B"],
            ),
            ({"active_to": days_ago(400).isoformat()}, []),
        ],
    )
    def test_filters(
        self,
        client: TestClient,
        who: People,
        data: DataSet,
        params: dict[str, str],
        expected: list[str],
    ) -> None:
        items = all_items(client, who.headers["admin"], **params)

        assert sorted(by_label(data, items)) == expected

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"sector": "skibsfart"}, "sector"),
            ({"municipality_code": "36"}, "municipality_code"),
            ({"contact_owner": "Kommunen!"}, "contact_owner"),
            ({"size_band": "7"}, "size_band"),
            ({"active_from": "i går"}, "active_from"),
            ({"format": "pdf"}, "format"),
            ({"updated_since": "sidste uge"}, "updated_since"),
            ({"updated_since": "0001-01-01T00:00:00Z"}, "updated_since"),
            ({"cursor": "ikke-en-cursor"}, "cursor"),
            ({"limit": "0"}, "limit"),
            (
                {"active_from": days_ago(1).isoformat(), "active_to": days_ago(5).isoformat()},
                "active_to",
            ),
        ],
    )
    def test_bad_input_names_the_field(
        self, client: TestClient, who: People, params: dict[str, str], field: str
    ) -> None:
        danish = client.get(f"{OVERVIEW}/companies", params=params, headers=who.headers["admin"])
        english = client.get(
            f"{OVERVIEW}/companies",
            params=params,
            headers={**who.headers["admin"], "Accept-Language": "en"},
        )

        assert danish.status_code in (400, 422), danish.text
        assert [f["field"] for f in danish.json()["error"]["fields"]] == [field]
        assert danish.json()["error"]["message"] != english.json()["error"]["message"]

    def test_period_error_in_both_languages(self, client: TestClient, who: People) -> None:
        params = {"active_from": "2025-03-01", "active_to": "2025-02-01"}

        danish = client.get(f"{OVERVIEW}/summary", params=params, headers=who.headers["admin"])
        english = client.get(
            f"{OVERVIEW}/summary",
            params=params,
            headers={**who.headers["admin"], "Accept-Language": "en"},
        )

        assert danish.status_code == 422
        assert danish.json()["error"]["fields"][0]["message"].startswith("Perioden slutter før")
        assert english.json()["error"]["fields"][0]["message"].startswith("The period ends")


def csv_rows(text: str) -> list[dict[str, str]]:
    """Parse the semicolon CSV (after its BOM) into dicts keyed by field (Danish headings)."""
    assert text.startswith("\ufeff")
    field_of = {heading: field for field, heading in exporters.COLUMNS[:-1]}
    field_of["Ændret (UTC)"] = "changed_at"
    rows = list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))
    assert rows
    assert set(rows[0]) == set(field_of)
    return [{field_of[heading]: value for heading, value in row.items()} for row in rows]


class TestExports:
    def test_csv_holds_every_listed_company_by_name_with_exact_counts(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(
            f"{OVERVIEW}/companies", params={"format": "csv"}, headers=who.headers["admin"]
        )

        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.headers["content-disposition"].endswith('.csv"')
        rows = csv_rows(response.content.decode("utf-8"))
        assert [r["name"] for r in rows] == [
            "Maribo Bageri",
            "Maribo Brugs",
            "Nakskov Tømrer",
            "Nykøbing Hotel",
        ]
        brugs = rows[1]
        assert tuple(int(brugs[f]) for f in COUNT_FIELDS) == EXACT["A"]
        assert (brugs["cvr"], brugs["is_ambassador"], brugs["contact_person_name"]) == (
            data.companies["A"].cvr,
            "ja",
            "Lis Hansen",
        )
        assert (rows[0]["is_ambassador"], rows[0]["contact_person_name"]) == ("nej", "")

    def test_csv_for_the_integration_shows_below_three(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(
            f"{OVERVIEW}/companies",
            params={"format": "csv", "sector": "hoteller_restauranter"},
            headers=who.headers["integration"],
        )

        rows = csv_rows(response.text)
        assert [r["company_id"] for r in rows] == [data.id("C")]
        assert tuple(rows[0][f] for f in COUNT_FIELDS) == ("0", "<3", "0", "<3", "<3", "0")

    def test_xlsx_has_numbers_as_numbers_and_below_three_as_text(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(
            f"{OVERVIEW}/companies", params={"format": "xlsx"}, headers=who.headers["integration"]
        )

        assert response.status_code == 200
        assert response.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Virksomheder", "Om tallene"]
        rows = list(workbook["Virksomheder"].iter_rows(values_only=True))
        header = list(rows[0])
        assert header[:3] == ["Id", "CVR-nummer", "Virksomhed"]
        first = header.index("I virksomhedspraktik nu")
        by_name = {str(row[2]): row for row in rows[1:]}
        assert sorted(by_name) == [
            "Maribo Bageri",
            "Maribo Brugs",
            "Nakskov Tømrer",
            "Nykøbing Hotel",
        ]
        assert by_name["Maribo Brugs"][first : first + 6] == (3, "<3", 0, 4, "<3", 0)
        assert by_name["Maribo Brugs"][header.index("Ambassadørvirksomhed")] == "ja"
        about = {row[0]: row[1] for row in workbook["Om tallene"].iter_rows(values_only=True)}
        assert about["Virksomheder"] == 4
        assert '"<3"' in str(about["Tal"])

    def test_xlsx_for_an_admin_is_exact(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(
            f"{OVERVIEW}/companies",
            params={"format": "xlsx", "municipality_code": "376"},
            headers=who.headers["admin"],
        )

        workbook = load_workbook(io.BytesIO(response.content))
        rows = list(workbook["Virksomheder"].iter_rows(values_only=True))
        header = list(rows[0])
        first = header.index("I virksomhedspraktik nu")
        assert [row[2] for row in rows[1:]] == ["Nykøbing Hotel"]
        assert rows[1][first : first + 6] == EXACT["C"]
        about = {row[0]: row[1] for row in workbook["Om tallene"].iter_rows(values_only=True)}
        assert (about["Tal"], about["Filtre"]) == ("Nøjagtige", "municipality_code=376")


SUMMARY_EXACT = {
    ("bygge_anlaeg", "360", "blf"): (1, 0, 0, 0, (0, 0, 0, 1, 0, 1)),
    ("detailhandel", "360", "jc_lolland"): (2, 2, 1, 0, (4, 1, 0, 5, 1, 0)),
    ("hoteller_restauranter", "376", "jc_guldborgsund"): (1, 0, 1, 0, (0, 2, 0, 1, 2, 0)),
}


def group_key(group: dict[str, Any]) -> tuple[str, str, str]:
    """A summary group's sector, municipality and contact owner."""
    return (group["sector"], group["municipality_code"], group["contact_owner"])


def cell(group: dict[str, Any]) -> tuple[Any, ...]:
    """Companies, companies with internship/paid/hired now, and the six counts."""
    return (
        group["companies"],
        group["companies_with_internship_now"],
        group["companies_with_paid_hours_now"],
        group["companies_with_hired_now"],
        counts_of(group),
    )


class TestSummary:
    def test_admin_gets_exact_groups_and_totals(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers["admin"]).json()

        assert {group_key(g): cell(g) for g in body["groups"]} == SUMMARY_EXACT
        assert [group_key(g) for g in body["groups"]] == sorted(SUMMARY_EXACT)
        assert cell(body["totals"]) == (4, 2, 2, 0, (4, 3, 0, 7, 3, 1))
        assert all(g["hidden_cells"] == {} for g in [*body["groups"], body["totals"]])
        assert body["groups"][1]["contact_owner_name"] == "Jobcenter Lolland"

    def test_the_integration_sees_a_total_with_hidden_cells_as_hidden_never_smaller(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers["integration"]).json()
        groups = {group_key(g): g for g in body["groups"]}
        retail = groups[("detailhandel", "360", "jc_lolland")]

        # Exact (4, 1, 0, 5, 1, 0). A has 3 in internship, F has 1: showing 3 (the shown
        # cells' sum) would be smaller than the truth, and 4 would give F away: "skjult".
        assert counts_of(retail) == ("skjult", "<3", 0, "skjult", "<3", 0)
        assert retail["hidden_cells"] == {
            "in_internship": 1,
            "in_paid_hours": 1,
            "internship_total": 1,
            "paid_hours_total": 1,
        }
        assert retail["companies"] == 2  # companies are not people: exact
        # Exact (4, 3, 0, 7, 3, 1): 3 people in paid hours, each company with 1 or 2, read
        # "skjult", not the misleading 0 of before.
        assert counts_of(body["totals"]) == ("skjult", "skjult", 0, "skjult", "skjult", "<3")
        assert body["totals"]["hidden_cells"] == {
            "in_internship": 1,
            "in_paid_hours": 2,
            "internship_total": 3,
            "paid_hours_total": 2,
            "hired_total": 1,
        }
        assert "skjult" in body["hidden_totals_note"]
        assert '"skjult"' in body["disclosure"]["rule"]

    @pytest.mark.parametrize("role", ["blf", "admin"])
    def test_blf_and_admin_see_the_real_totals(
        self, client: TestClient, who: People, data: DataSet, role: str
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers[role]).json()

        assert counts_of(body["totals"]) == (4, 3, 0, 7, 3, 1)
        assert body["hidden_totals_note"] is None

    def test_no_total_is_smaller_than_the_truth_or_gives_a_hidden_cell_away(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        headers = who.headers["integration"]
        items = all_items(client, headers)
        summary = client.get(f"{OVERVIEW}/summary", headers=headers).json()
        exact = client.get(f"{OVERVIEW}/summary", headers=who.headers["admin"]).json()
        exact_groups = {group_key(g): g for g in exact["groups"]}

        for field in COUNT_FIELDS:
            for group, truth in [
                (summary["totals"], exact["totals"]),
                *[(g, exact_groups[group_key(g)]) for g in summary["groups"]],
            ]:
                in_group = [
                    i
                    for i in items
                    if group is summary["totals"]
                    or (i["sector"], i["municipality_code"], i["contact_owner"]) == group_key(group)
                ]
                if any(i[field] == "<3" for i in in_group):
                    assert group[field] in ("<3", "skjult"), (field, group)
                    assert (group[field] == "<3") == (truth[field] in (1, 2))
                else:
                    assert group[field] == truth[field] == sum(i[field] for i in in_group)

    def test_unskilled_share_overall_and_by_sector(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers["integration"]).json()
        shares = {s["sector"]: s for s in body["unskilled_tasks"]}

        overall = shares[None]
        assert (overall["registered"], overall["answered"]) == (6, 4)
        assert (overall["many"], overall["few"], overall["none"]) == (2, 1, 1)
        assert overall["share_with_tasks"] == 0.75
        assert (overall["with_activity_answered"], overall["with_activity_with_tasks"]) == (3, 2)
        assert overall["with_activity_share_with_tasks"] == pytest.approx(0.6667)
        assert shares["hoteller_restauranter"]["share_with_tasks"] is None  # no answer
        assert shares["bygge_anlaeg"]["share_with_tasks"] == 0.0
        assert body["unskilled_tasks"][0]["sector_name"] == "Alle brancher"

    def test_conversion_by_sector_exact_for_staff(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers["blf"]).json()

        assert [
            (c["sector"], c["internships_ended"], c["converted"], c["conversion_rate"])
            for c in body["conversion_by_sector"]
        ] == [
            ("bygge_anlaeg", 1, 1, 1.0),
            ("detailhandel", 1, 0, 0.0),
            ("hoteller_restauranter", 1, 1, 1.0),
        ]
        assert "kategori 1-3" in body["conversion_rule"]

    def test_conversion_for_the_integration_hides_small_parts_and_their_complements(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/summary", headers=who.headers["integration"]).json()

        assert [
            (c["sector"], c["internships_ended"], c["converted"], c["conversion_rate"])
            for c in body["conversion_by_sector"]
        ] == [
            ("bygge_anlaeg", "<3", "<3", None),
            # 0 of 1 converted: "0" would tell that the one intern did not convert.
            ("detailhandel", "<3", None, None),
            ("hoteller_restauranter", "<3", "<3", None),
        ]

    def test_filters_apply_to_the_summary(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(
            f"{OVERVIEW}/summary",
            params={"municipality_code": "360", "active_from": days_ago(100).isoformat()},
            headers=who.headers["admin"],
        ).json()

        assert [group_key(g) for g in body["groups"]] == [("detailhandel", "360", "jc_lolland")]
        assert body["totals"]["companies"] == 2
        # Conversion: internships of Lolland citizens that ended within the period.
        assert [(c["sector"], c["internships_ended"]) for c in body["conversion_by_sector"]] == [
            ("detailhandel", 1),
            ("hoteller_restauranter", 1),
        ]


class TestRoles:
    @pytest.mark.parametrize(
        "path", ["companies", "summary", "targets", "targets/chart.svg", "companies?format=csv"]
    )
    def test_the_integration_reaches_every_overview_endpoint(
        self, client: TestClient, who: People, path: str
    ) -> None:
        response = client.get(f"{OVERVIEW}/{path}", headers=who.headers["integration"])

        assert response.status_code == 200, response.text

    @pytest.mark.parametrize(
        "path", ["/api/v1/companies", "/api/v1/placements", "/api/v1/citizens", "/api/v1/meta"]
    )
    def test_the_integration_reaches_nothing_else(
        self, client: TestClient, who: People, path: str
    ) -> None:
        response = client.get(path, headers=who.headers["integration"])

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"

    def test_no_key_no_overview(self, client: TestClient) -> None:
        response = client.get(f"{OVERVIEW}/companies")

        assert response.status_code == 401
