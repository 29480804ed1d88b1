"""The forecast on a small hand-made data set, where every number is worked out by hand.

Lolland (360), history 2020-2024, two sectors with employment, two age bands:

| sector       | 2020 | 2021 | 2022 | 2023 | 2024 | 2024: 16-59 år / 60 år og derover |
|--------------|------|------|------|------|------|-----------------------------------|
| detailhandel | 1040 | 1030 | 1020 | 1010 | 1000 | 760 / 240                         |
| industri     |  500 |  510 |  520 |  530 |  540 | 440 / 100                         |

Exit rates: 16-59 år 0 + 0.01, 60 år og derover 0.08 + 0.02. One project in industri with
10, 30, 30, 0 extra jobs in 2024-2027 and a yearly turnover of 0.1. Damping 0.5, band z = 1,
band scales 0.01, 0.02, 0.03 for 1-3 years ahead.
"""

from __future__ import annotations

import numpy as np
import pytest

from labour_market.forecast import DampedTrend, Forecast, Settings, demand_index, forecast_openings
from labour_market.readers import (
    ForecastInputs,
    assemble_inputs,
    read_employment,
    read_exit_rates,
    read_projects,
)

TOTALS = {
    "47 Detailhandel": (1040, 1030, 1020, 1010, 1000),
    "25 Fremstilling af metalprodukter": (500, 510, 520, 530, 540),
}
OLDER = {"47 Detailhandel": 240, "25 Fremstilling af metalprodukter": 100}


def hand_made_inputs() -> ForecastInputs:
    """The data set of the module docstring, as a Latin-1 StatBank-shaped file."""
    lines = ["OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD"]
    for branch, totals in TOTALS.items():
        for year, total in zip(range(2020, 2025), totals, strict=True):
            lines.append(f"Lolland;{branch};16-59 år;{year};{total - OLDER[branch]}")
            lines.append(f"Lolland;{branch};60 år og derover;{year};{OLDER[branch]}")
    employment = read_employment("\n".join(lines).encode("latin-1"))
    exit_rates = read_exit_rates(
        "ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE\n16-59 år;0;0,01\n"
        "60 år og derover;0,08;0,02\n".encode("latin-1")
    )
    projects = read_projects(
        b"projects:\n"
        b"  - name: Testprojekt\n"
        b"    municipality: '360'\n"
        b"    source: Haandlavet testdata\n"
        b"    annual_turnover: 0.1\n"
        b"    extra_jobs:\n"
        b"      industri: {2024: 10, 2025: 30, 2026: 30, 2027: 0}\n"
    )
    return assemble_inputs(
        {"employment": employment, "exit_rates": exit_rates, "projects": projects}
    )


SETTINGS = Settings(damping=0.5, window=10, horizon=3, band_scale=(0.01, 0.02, 0.03), band_z=1.0)


@pytest.fixture(scope="module")
def forecast() -> Forecast:
    return forecast_openings(hand_made_inputs(), SETTINGS)


def row(forecast: Forecast, sector: str, year: int) -> dict[str, float]:
    rows = forecast.rows
    match = rows[(rows["sector"] == sector) & (rows["year"] == year)]
    assert len(match) == 1
    return {
        str(k): float(v)
        for k, v in match.iloc[0].items()
        if k not in ("municipality_code", "sector")
    }


class TestDampedTrend:
    def test_slope_by_least_squares_and_damped_steps(self) -> None:
        # x̄ = 2021, ȳ = 103: slope = ((-1)(-3) + 0 + (1)(2)) / ((-1)² + 0 + 1²) = 5 / 2 = 2.5
        model = DampedTrend(damping=0.5).fit(
            np.array([2020, 2021, 2022]), np.array([[100.0], [104.0], [105.0]])
        )

        assert model.slope_ == pytest.approx([2.5])
        # 105 + 2.5 × 0.5 = 106.25; + 2.5 × 0.25 = 106.875; + 2.5 × 0.125 = 107.1875
        assert model.predict(3)[:, 0] == pytest.approx([106.25, 106.875, 107.1875])

    def test_no_damping_is_a_straight_line_and_the_window_limits_the_fit(self) -> None:
        years = np.array([2020, 2021, 2022])
        levels = np.array([[100.0], [104.0], [105.0]])

        straight = DampedTrend(damping=1.0).fit(years, levels).predict(2)
        last_two = DampedTrend(damping=1.0, window=2).fit(years, levels).predict(2)

        assert straight[:, 0] == pytest.approx([107.5, 110.0])
        assert last_two[:, 0] == pytest.approx([106.0, 107.0])  # slope 105 - 104 = 1

    def test_never_below_zero(self) -> None:
        model = DampedTrend(damping=1.0).fit(np.array([1, 2, 3]), np.array([[20.0], [10.0], [0.0]]))

        assert model.predict(2)[:, 0] == pytest.approx([0.0, 0.0])

    def test_refuses_a_damping_outside_0_to_1(self) -> None:
        with pytest.raises(ValueError, match="damping"):
            DampedTrend(damping=1.5).fit(np.array([1, 2]), np.array([[1.0], [2.0]]))


class TestReplacementDemand:
    def test_first_year_is_employment_by_age_times_exit_rates(self, forecast: Forecast) -> None:
        # detailhandel: 760 × 0.01 + 240 × (0.08 + 0.02) = 7.6 + 24 = 31.6
        assert row(forecast, "detailhandel", 2025)["replacement"] == pytest.approx(31.6)
        # industri: 440 × 0.01 + 100 × 0.10 = 4.4 + 10 = 14.4
        assert row(forecast, "industri", 2025)["replacement"] == pytest.approx(14.4)

    def test_later_years_scale_with_the_projected_employment(self, forecast: Forecast) -> None:
        # the rate 31.6 / 1000 = 0.0316 times employment at the start of the year (995, 992.5)
        assert row(forecast, "detailhandel", 2026)["replacement"] == pytest.approx(0.0316 * 995)
        assert row(forecast, "detailhandel", 2027)["replacement"] == pytest.approx(0.0316 * 992.5)
        # industri: 14.4 / 540 × 545
        assert row(forecast, "industri", 2026)["replacement"] == pytest.approx(14.4 / 540 * 545)


class TestExpansionDemand:
    def test_the_damped_trend_part(self, forecast: Forecast) -> None:
        # detailhandel falls 10 a year: -10 × 0.5, -10 × 0.25, -10 × 0.125
        assert [row(forecast, "detailhandel", y)["expansion"] for y in (2025, 2026, 2027)] == (
            pytest.approx([-5.0, -2.5, -1.25])
        )
        assert [row(forecast, "detailhandel", y)["employment"] for y in (2025, 2026, 2027)] == (
            pytest.approx([995.0, 992.5, 991.25])
        )
        # industri grows 10 a year
        assert [row(forecast, "industri", y)["expansion"] for y in (2025, 2026, 2027)] == (
            pytest.approx([5.0, 2.5, 1.25])
        )


class TestProjectDemand:
    def test_increases_plus_turnover_of_the_jobs_held(self, forecast: Forecast) -> None:
        # 2025: (30 - 10) + 0.1 × 10 = 21; 2026: 0 + 0.1 × 30 = 3; 2027: max(0, -30) + 0.1 × 30 = 3
        assert [row(forecast, "industri", y)["project"] for y in (2025, 2026, 2027)] == (
            pytest.approx([21.0, 3.0, 3.0])
        )
        assert [row(forecast, "industri", y)["project_jobs"] for y in (2025, 2026, 2027)] == (
            pytest.approx([30.0, 30.0, 0.0])
        )
        assert row(forecast, "detailhandel", 2025)["project"] == 0

    def test_the_cell_names_the_project(self, forecast: Forecast) -> None:
        cells = forecast.cells.set_index("sector")

        assert cells.loc["industri", "projects"] == ["Testprojekt"]
        assert cells.loc["detailhandel", "projects"] == []


class TestOpeningsAndBands:
    def test_openings_add_the_three_parts(self, forecast: Forecast) -> None:
        assert row(forecast, "detailhandel", 2025)["openings"] == pytest.approx(31.6 - 5)
        assert row(forecast, "industri", 2025)["openings"] == pytest.approx(14.4 + 5 + 21)
        assert row(forecast, "industri", 2026)["openings"] == pytest.approx(
            14.4 / 540 * 545 + 2.5 + 3
        )

    def test_bands_are_z_times_scale_times_last_employment(self, forecast: Forecast) -> None:
        # detailhandel 2025: 26.6 ± 1 × 0.01 × 1000 = [16.6, 36.6]
        first = row(forecast, "detailhandel", 2025)
        assert (first["low"], first["high"]) == pytest.approx((16.6, 36.6))
        # 2027: 31.6 × 0.9925 - 1.25 = 30.113 ± 0.03 × 1000; the low end stays at 0.113
        third = row(forecast, "detailhandel", 2027)
        assert third["openings"] == pytest.approx(30.113)
        assert (third["low"], third["high"]) == pytest.approx((0.113, 60.113))
        # industri 2025: 40.4 ± 0.01 × 540 = [35.0, 45.8]
        industry = row(forecast, "industri", 2025)
        assert (industry["low"], industry["high"]) == pytest.approx((35.0, 45.8))

    def test_low_is_floored_at_zero(self) -> None:
        wide = Settings(damping=0.5, horizon=3, band_scale=(0.05, 0.05, 0.05), band_z=1.0)

        result = forecast_openings(hand_made_inputs(), wide)

        detail = result.rows[result.rows["sector"] == "detailhandel"]
        assert (detail["low"] == 0).all()  # 26.6 - 50 < 0
        assert detail["high"].iloc[0] == pytest.approx(26.6 + 50)

    def test_sectors_without_jobs_open_nothing(self, forecast: Forecast) -> None:
        empty = forecast.rows[forecast.rows["sector"] == "landbrug"]

        assert len(empty) == 3
        assert (empty[["openings", "low", "high", "replacement"]] == 0).all().all()


class TestDemandIndex:
    def test_hand_computed(self, forecast: Forecast) -> None:
        # mean openings / employment 2024:
        detail = (26.6 + (0.0316 * 995 - 2.5) + 30.113) / 3 / 1000
        industry = (40.4 + (14.4 / 540 * 545 + 2.5 + 3) + (14.4 / 540 * 547.5 + 1.25 + 3)) / 3 / 540
        median = (detail + industry) / 2  # over the two cells with jobs
        cells = forecast.cells.set_index("sector")

        assert cells.loc["detailhandel", "openings_rate"] == pytest.approx(detail)
        assert cells.loc["industri", "openings_rate"] == pytest.approx(industry)
        assert cells.loc["detailhandel", "demand_index"] == pytest.approx(
            detail / (detail + median)
        )
        assert cells.loc["industri", "demand_index"] == pytest.approx(
            industry / (industry + median)
        )
        assert cells.loc["landbrug", "demand_index"] == 0
        assert ((cells["demand_index"] >= 0) & (cells["demand_index"] <= 1)).all()

    def test_median_cell_gets_one_half(self) -> None:
        index = demand_index(np.array([0.02, 0.04, 0.08]))

        assert index == pytest.approx([0.02 / 0.06, 0.5, 0.08 / 0.12])

    def test_no_jobs_anywhere_gives_zeros(self) -> None:
        assert demand_index(np.array([0.0, 0.0]), np.array([0.0, 0.0])) == pytest.approx([0, 0])
