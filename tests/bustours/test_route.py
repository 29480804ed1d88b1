"""Road distances, the exact visiting order and the timetable, on points worked out by hand."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from service.bustours import route

# A start and three stops on the corners of a rectangle on Lolland-Falster: 0.2 degrees of
# longitude (12.82 km at 54.8 N) by 0.1 degrees of latitude (11.12 km). The shortest round
# trip goes round the rectangle, never along a diagonal (16.96 km).
START = (54.80, 11.40)
EAST = (54.80, 11.60)
NORTH_EAST = (54.90, 11.60)
NORTH = (54.90, 11.40)


def _matrix(*points: tuple[float, float]) -> npt.NDArray[np.float64]:
    return route.road_km_matrix(
        np.array([p[0] for p in points], dtype=float), np.array([p[1] for p in points], dtype=float)
    )


class TestRoadKm:
    def test_road_km_is_the_straight_line_times_the_detour_factor(self) -> None:
        km = _matrix(START, EAST)

        assert route.DETOUR_FACTOR == 1.3
        assert km[0, 1] == pytest.approx(12.82 * 1.3, abs=0.02)
        assert km[0, 0] == 0.0
        assert km[1, 0] == km[0, 1]

    def test_minutes_at_60_kmh_are_rounded_up(self) -> None:
        assert route.AVERAGE_SPEED_KMH == 60.0
        assert route.drive_minutes(16.665) == 17
        assert route.drive_minutes(15.0) == 15
        assert route.drive_minutes(0.0) == 0


class TestBestOrder:
    def test_goes_round_the_rectangle_not_across(self) -> None:
        # Listed with the diagonal first, so the given order is not the answer.
        distances = _matrix(START, NORTH_EAST, EAST, NORTH)

        order, km = route.best_order(distances)

        assert order in ((2, 1, 3), (3, 1, 2))  # east, north-east, north, or the reverse
        assert km == pytest.approx(2 * (12.82 + 11.12) * 1.3, abs=0.1)
        assert km == pytest.approx(62.2, abs=0.05)

    def test_is_the_minimum_over_every_order(self) -> None:
        rng = np.random.default_rng(8)
        lats = 54.6 + rng.random(8) * 0.4
        lons = 11.0 + rng.random(8) * 1.0
        distances = route.road_km_matrix(lats, lons)

        order, km = route.best_order(distances)

        brute = min(
            distances[0, p[0]]
            + sum(distances[a, b] for a, b in itertools.pairwise(p))
            + distances[p[-1], 0]
            for p in itertools.permutations(range(1, 8))
        )
        assert km == pytest.approx(brute)
        assert sorted(order) == list(range(1, 8))

    def test_ties_take_the_first_order(self) -> None:
        order, _ = route.best_order(_matrix(START, EAST, NORTH_EAST, NORTH))

        assert order == (1, 2, 3)

    def test_no_stops_and_too_many_stops(self) -> None:
        assert route.best_order(np.zeros((1, 1))) == ((), 0.0)
        with pytest.raises(ValueError, match="at most 7"):
            route.best_order(np.zeros((9, 9)))


class TestTimetable:
    def test_times_by_hand(self) -> None:
        distances = _matrix(START, EAST, NORTH_EAST, NORTH)

        table = route.timetable(distances, (1, 2, 3), depart=9 * 60, visit_minutes=45)

        # 16.7 km -> 17 min, 14.5 -> 15, 16.6 -> 17, 14.5 -> 15 at 60 km/h.
        assert [(v.drive.minutes, v.arrive, v.leave) for v in table.visits] == [
            (17, 9 * 60 + 17, 10 * 60 + 2),
            (15, 10 * 60 + 17, 11 * 60 + 2),
            (17, 11 * 60 + 19, 12 * 60 + 4),
        ]
        assert table.home.minutes == 15
        assert route.clock_text(table.return_at) == "12:19"
        assert table.total_minutes == 199
        assert table.driving_minutes == 64
        assert table.total_km == pytest.approx(62.2, abs=0.05)

    def test_clock_and_duration_text(self) -> None:
        assert route.clock_text(9 * 60 + 5) == "09:05"
        assert route.clock_text(24 * 60 + 30) == "00:30 (+1)"
        assert route.duration_text(199) == "3 t 19 min"
        assert route.duration_text(45) == "45 min"
