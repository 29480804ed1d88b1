"""The backtest: hand-checked on a straight line, then on the shipped data against naive."""

from __future__ import annotations

import numpy as np
import pytest

from labour_market.backtest import (
    backtest,
    backtest_inputs,
    band_scale,
    calibrated_settings,
    choose_damping,
    format_backtest,
)
from labour_market.forecast import FALLBACK_BAND_SCALE
from labour_market.readers import shipped_inputs

YEARS = np.arange(2019, 2025)
LINE = np.array([[100.0], [110.0], [120.0], [130.0], [140.0], [150.0]])


class TestOnAStraightLine:
    def test_trend_is_exact_and_naive_misses_by_the_slope(self) -> None:
        result = backtest(YEARS, LINE, holdout=2, damping=1.0)

        # fitted on 2019-2022 (slope 10): 140 and 150 exactly; naive says 130 twice
        assert result.fitted_years == (2019, 2022)
        assert result.holdout_years == (2023, 2024)
        assert result.method.mae == pytest.approx(0.0)
        assert result.naive.mae == pytest.approx((10 + 20) / 2)
        assert result.naive.mape == pytest.approx((10 / 140 + 20 / 150) / 2 * 100)
        assert result.naive.mae_by_horizon == pytest.approx((10.0, 20.0))
        assert result.method_beats_naive

    def test_a_straight_line_chooses_no_damping(self) -> None:
        damping, scores = choose_damping(YEARS, LINE, last_target=5)

        assert damping == 1.0
        assert scores[1.0] == pytest.approx(0.0)
        assert scores[0.5] > scores[0.9] > 0

    def test_damping_is_chosen_before_the_held_out_years(self) -> None:
        # The line breaks in the held-out years; the choice must not see that.
        broken = LINE.copy()
        broken[4:, 0] = [130.0, 130.0]

        result = backtest(YEARS, broken, holdout=2)

        assert result.damping == 1.0
        assert result.method.mae == pytest.approx((10 + 20) / 2)
        assert result.naive.mae == 0


class TestBandScale:
    def test_zero_errors_give_a_zero_band(self) -> None:
        years = np.arange(2010, 2022)
        two_lines = np.column_stack([100 + 5.0 * np.arange(12), 50 - 1.0 * np.arange(12)])

        scale, counts = band_scale(years, two_lines, damping=1.0, horizon=2)

        # origins 2014-2020 for one year ahead (7 × 2 series), 2014-2019 for two (6 × 2)
        assert counts == (14, 12)
        assert scale == pytest.approx((0.0, 0.0))

    def test_too_few_residuals_fall_back(self) -> None:
        years = np.arange(2010, 2022)
        line = (100 + 5.0 * np.arange(12))[:, None]

        scale, counts = band_scale(years, line, damping=1.0, horizon=2)

        assert counts == (7, 6)
        assert scale == (FALLBACK_BAND_SCALE, FALLBACK_BAND_SCALE)

    def test_one_known_error(self) -> None:
        # Flat at 100 for 5 years, then 110: from origin 2014 the one-year change error is
        # 0 - 10 = -10 on a base of 100; every later origin sees a level shift it cannot
        # predict either, so the RMS is computed from the listed errors.
        years = np.arange(2010, 2017)
        levels = np.array([[100.0, 100.0, 100.0, 100.0, 100.0, 110.0, 110.0]] * 10).T

        scale, counts = band_scale(years, levels, damping=1.0, horizon=1)

        # origin 2014: predicts 100, actual 110: relative change error -0.1 (10 series)
        # origin 2015: slope over 2010-2015 = 50/35 = 1.4286; predicts 111.4286 vs 110
        slope = 50 / 35
        expected = np.sqrt((0.1**2 + (slope / 110) ** 2) / 2)
        assert counts == (20,)
        assert scale[0] == pytest.approx(expected)


class TestShippedData:
    def test_method_beats_naive_and_prints_the_figures(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        inputs = shipped_inputs()

        result = backtest_inputs(inputs)

        with capsys.disabled():
            print("\n" + format_backtest(result) + "\n(ILLUSTRATIVE DATA, not statistics)")
        assert result.holdout_years == (2020, 2021, 2022, 2023, 2024)
        assert result.series == 20
        assert result.method.mae < result.naive.mae
        assert result.method.mape < result.naive.mape
        assert result.method_beats_naive

    def test_calibration_picks_a_damping_from_the_grid_and_bands_from_residuals(self) -> None:
        settings, scores, counts = calibrated_settings(shipped_inputs())

        assert settings.damping in scores
        assert scores[settings.damping] == min(scores.values())
        assert min(counts) >= 10
        assert all(0 < s < 0.05 for s in settings.band_scale)
