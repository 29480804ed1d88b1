"""Targets: the data file, the derived half-year plan, progress over HTTP and the SVG chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service import clock, erasure
from service.overview.targets import (
    TARGET_KEYS,
    HalfYear,
    TargetsFileError,
    load_targets,
    parse_targets,
    plan,
    round_half_up,
)
from tests.overview.helpers import OVERVIEW, DataSet, build_data_set
from tests.placements.helpers import People, days_ago, people

SVG = "{http://www.w3.org/2000/svg}"


class TestTargetsFile:
    def test_the_shipped_file_names_its_source_and_the_published_figures(self) -> None:
        targets = load_targets()

        assert [t.key for t in targets.targets] == list(TARGET_KEYS)
        assert [t.total for t in targets.targets] == [1300, 850, 550, 400, 30]
        assert (targets.start_date, targets.end_date) == (date(2018, 7, 1), date(2021, 12, 31))
        assert "ASSUMPTION" in targets.end_date_source
        paid = targets.targets[2]
        assert [(c.on, c.cumulative) for c in paid.checkpoints] == [
            (date(2019, 12, 31), 100),
            (date(2021, 12, 31), 550),
        ]
        assert "31/12-2019" in paid.checkpoints[0].source
        assert all("section" in c.source.casefold() for t in targets.targets for c in t.checkpoints)

    def test_paid_hours_half_years_published_and_derived(self) -> None:
        targets = load_targets()

        planned = plan(targets.targets[2], targets.half_years)

        assert [(p.half_year.label, p.cumulative, p.published) for p in planned] == [
            ("2018-H2", 33, False),
            ("2019-H1", 67, False),
            ("2019-H2", 100, True),
            ("2020-H1", 213, False),  # 100 + 450 / 4 = 212.5, rounded half up
            ("2020-H2", 325, False),
            ("2021-H1", 438, False),
            ("2021-H2", 550, True),
        ]

    def test_targets_without_a_breakdown_grow_in_equal_steps(self) -> None:
        targets = load_targets()

        planned = plan(targets.targets[4], targets.half_years)  # 30 ambassadors over 7 halves

        assert [p.cumulative for p in planned] == [4, 9, 13, 17, 21, 26, 30]
        assert [p.published for p in planned] == [False] * 6 + [True]
        assert planned[-1].source is not None

    def test_rounding_is_half_up(self) -> None:
        assert [round_half_up(n, 2) for n in (1, 3, 5, 225)] == [1, 2, 3, 113]
        assert round_half_up(1300 * 3, 7) == 557

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (("date: 2019-12-31", "date: 2019-12-30"), "not a half-year end"),
            (("cumulative: 100", "cumulative: 600"), "rise in date and value"),
            (
                (
                    "date: 2021-12-31\n        cumulative: 1300",
                    "date: 2020-12-31\n        cumulative: 1300",
                ),
                "programme's end",
            ),
            (("key: companies", "key: firms"), "expected exactly"),
            (("start_date: 2018-07-01", "start_date: 2018-08-01"), "begin a half-year"),
            (("cumulative: 30", "cumulative: -1"), "whole number"),
        ],
    )
    def test_a_broken_file_is_refused_with_the_reason(
        self, change: tuple[str, str], message: str
    ) -> None:
        from importlib import resources

        text = resources.files("service.overview").joinpath("data/targets.yaml").read_text("utf-8")
        assert change[0] in text

        with pytest.raises(TargetsFileError, match=message):
            parse_targets(text.replace(change[0], change[1], 1))

    def test_half_years(self) -> None:
        assert HalfYear.of(date(2019, 6, 30)).label == "2019-H1"
        assert HalfYear.of(date(2019, 7, 1)).label == "2019-H2"
        assert HalfYear(2019, 2).next() == HalfYear(2020, 1)
        assert (HalfYear(2020, 1).start, HalfYear(2020, 1).end) == (
            date(2020, 1, 1),
            date(2020, 6, 30),
        )


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


@pytest.fixture
def data(session: Session) -> DataSet:
    """The hand-made data set."""
    return build_data_set(session)


# When each counted citizen or company first qualified, worked out from tests/overview/helpers.
def first_dates() -> dict[str, list[date]]:
    """The first qualifying date of every counted citizen or company, per target."""
    d50, d60 = days_ago(50), days_ago(60)
    return {
        "citizens": [date(2025, 1, 15)] * 12,  # programme start of every test citizen
        # c1-c6, c8-c10 started 50 days ago; c7 (B) 300 days ago; c11 agreed, c12 proposed.
        "company_placements": [d50] * 9 + [days_ago(300)],
        # c5 loentimer and c8, c9 hybridjob start; c10's internship ended with outcome 1;
        # c7: the internship ending 200 days ago with outcome 2 comes before the job.
        "paid_hours_or_employment": [d50] * 3 + [days_ago(10), days_ago(200)],
        # First proposal at A, F and C 60 days ago; at B 310 days ago.
        "companies": [d60] * 3 + [days_ago(310)],
    }


def expected_half_years(dates: list[date], exact: bool) -> dict[str, tuple[Any, int, bool]]:
    """Per half-year with something new: (new as shown, cumulative, lower bound)."""
    per_half = Counter(HalfYear.of(d) for d in dates)
    result: dict[str, tuple[Any, int, bool]] = {}
    cumulative, hidden = 0, False
    for half in sorted(per_half):
        n = per_half[half]
        small = not exact and 0 < n < 3
        hidden = hidden or small
        cumulative += 0 if small else n
        result[half.label] = ("<3" if small else n, cumulative, hidden)
    return result


def by_key(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The targets of a response by key."""
    return {t["key"]: t for t in body["targets"]}


def with_news(target: dict[str, Any]) -> dict[str, tuple[Any, int, bool]]:
    """The half-years in which something new was reached."""
    return {
        h["period"]: (h["new"], h["cumulative"], h["cumulative_is_lower_bound"])
        for h in target["half_years"]
        if h["new"] not in (0, None)
    }


class TestProgress:
    def test_admin_sees_exact_progress_per_half_year(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/targets", headers=who.headers["admin"]).json()
        targets = by_key(body)

        for key, dates in first_dates().items():
            assert with_news(targets[key]) == expected_half_years(dates, exact=True), key
            assert targets[key]["reached"] == len(dates)
            assert targets[key]["reached_is_lower_bound"] is False
        assert targets["companies"]["share_reached"] == 0.01  # 4 of 400
        ambassadors = targets["ambassador_companies"]
        assert (ambassadors["reached"], ambassadors["target"]) == (1, 30)
        assert {h["new"] for h in ambassadors["half_years"]} == {None}
        assert body["disclosure"]["exact_counts"] is True
        assert body["as_of"] == clock.today().isoformat()

    def test_half_years_carry_their_planned_targets(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/targets", headers=who.headers["blf"]).json()
        paid = by_key(body)["paid_hours_or_employment"]
        rows = {h["period"]: h for h in paid["half_years"]}

        assert (rows["2019-H2"]["target_cumulative"], rows["2019-H2"]["target_kind"]) == (
            100,
            "published",
        )
        assert "31/12-2019" in rows["2019-H2"]["target_source"]
        assert (rows["2020-H1"]["target_cumulative"], rows["2020-H1"]["target_kind"]) == (
            213,
            "derived",
        )
        assert rows["2020-H1"]["target_source"] is None
        # After the programme period: listed, without a target.
        after = HalfYear.of(clock.today()).label
        assert (rows[after]["target_cumulative"], rows[after]["target_kind"]) == (None, None)
        periods = [h["period"] for h in paid["half_years"]]
        assert periods[0] == "2018-H2"
        assert periods[-1] == after
        assert "equal steps" in body["derivation"]
        assert "ASSUMPTION" in body["period_note"]

    def test_the_integration_sees_small_half_years_hidden_and_sums_without_them(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        body = client.get(f"{OVERVIEW}/targets", headers=who.headers["integration"]).json()
        targets = by_key(body)

        for key, dates in first_dates().items():
            exact = key == "companies"  # companies are not people
            assert with_news(targets[key]) == expected_half_years(dates, exact=exact), key
            last = expected_half_years(dates, exact=exact)
            reached, lower = list(last.values())[-1][1:]
            assert (targets[key]["reached"], targets[key]["reached_is_lower_bound"]) == (
                reached,
                lower,
            )
        # The overall figure is the sum of the shown half-years: nothing to subtract.
        for key in ("company_placements", "paid_hours_or_employment"):
            shown = sum(h["new"] for h in targets[key]["half_years"] if isinstance(h["new"], int))
            assert targets[key]["reached"] == shown

    def test_erased_citizens_count_in_the_second_half_of_their_year(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        from service.auth.principal import CLI_PRINCIPAL

        erasure.erase_citizen(session, citizen=data.citizens["c12"], actor=CLI_PRINCIPAL)

        body = client.get(f"{OVERVIEW}/targets", headers=who.headers["admin"]).json()
        citizens = with_news(by_key(body)["citizens"])

        assert citizens["2025-H1"][0] == 11
        assert citizens["2025-H2"][0] == 1
        assert by_key(body)["citizens"]["reached"] == 12


class TestChart:
    def test_the_chart_has_a_panel_per_target_and_marks_derived_targets(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(f"{OVERVIEW}/targets/chart.svg", headers=who.headers["admin"])

        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        root = ET.fromstring(response.text)
        panels = root.findall(f"{SVG}g")
        assert len(panels) == 5
        titles = [p.find(f"{SVG}text").text for p in panels]  # type: ignore[union-attr]
        assert titles[2] == "Borgere i løntimer eller ansættelse: 5 af 550 (1 %)"
        paid_dots = panels[2].findall(f"{SVG}circle")
        assert [d.get("class") for d in paid_dots].count("dot") == 2  # 2019-H2 and 2021-H2
        assert [d.get("class") for d in paid_dots].count("dot derived") == 5
        assert "Mål, afledt (ikke offentliggjort)" in response.text
        assert "VIVE 2020" in response.text

    def test_the_integrations_chart_says_it_leaves_small_counts_out(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        response = client.get(f"{OVERVIEW}/targets/chart.svg", headers=who.headers["integration"])

        root = ET.fromstring(response.text)
        titles = [p.find(f"{SVG}text").text for p in root.findall(f"{SVG}g")]  # type: ignore[union-attr]
        # c7's first company placement, 300 days ago, is alone in its half-year: hidden.
        assert titles[1] == "Borgere i virksomhedsrettede forløb: 9 (mindst) af 850 (1 %)"
        assert 'vises som "&lt;3"' in response.text
