"""Choosing stops: coverage is optimal, then sector variety, then the company preferences."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from service.bustours.selection import exact_cover, select_stops


def _coverage(relevance: npt.NDArray[np.float64], chosen: tuple[int, ...]) -> int:
    return int((relevance[:, list(chosen)] > 0).any(axis=1).sum()) if chosen else 0


def _best_possible(relevance: npt.NDArray[np.float64], stops: int) -> int:
    columns = range(relevance.shape[1])
    return max(
        _coverage(relevance, combo)
        for k in range(1, stops + 1)
        for combo in itertools.combinations(columns, k)
    )


class TestCoverage:
    def test_two_stops_cover_everyone_where_greedy_alone_would_not(self) -> None:
        # A is relevant for citizens 0-3, B for 0, 1, 4 and C for 2, 3, 5. Greedy takes A
        # first and reaches 5 of 6; B and C together cover all six.
        relevance = np.zeros((6, 3))
        relevance[[0, 1, 2, 3], 0] = 1.0
        relevance[[0, 1, 4], 1] = 1.0
        relevance[[2, 3, 5], 2] = 1.0

        selection = select_stops(relevance, ["a", "b", "c"], np.zeros(3), 2)

        assert sorted(selection.chosen) == [1, 2]
        assert selection.covered.all()
        assert selection.best_coverage == 6

    def test_the_exact_check_repairs_a_cover_swaps_cannot_find(self) -> None:
        # Greedy takes column 0 (4 citizens) and then column 1; no single swap improves on
        # five, but columns 2 and 3 together cover all six.
        relevance = np.array(
            [[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1], [1, 0, 1, 0], [0, 0, 0, 1]],
            dtype=float,
        )

        selection = select_stops(relevance, ["a"] * 4, np.zeros(4), 2)

        assert selection.repaired
        assert sorted(selection.chosen) == [2, 3]
        assert selection.covered.all()

    def test_coverage_is_optimal_on_random_groups(self) -> None:
        rng = np.random.default_rng(2024)
        sectors = [f"s{j % 4}" for j in range(9)]
        for _ in range(150):
            relevance = (rng.random((8, 9)) < 0.22) * rng.uniform(0.6, 1.0, (8, 9))
            stops = int(rng.integers(1, 4))

            selection = select_stops(relevance, sectors, rng.random(9), stops)

            assert _coverage(relevance, selection.chosen) == _best_possible(relevance, stops)
            assert len(selection.chosen) <= stops

    def test_exact_cover_reaches_the_most_citizens(self) -> None:
        rng = np.random.default_rng(7)
        for _ in range(50):
            relevance = (rng.random((10, 12)) < 0.15).astype(float)
            stops = int(rng.integers(1, 5))

            best, picks = exact_cover(relevance, stops)

            assert best == _best_possible(relevance, stops)
            assert _coverage(relevance, tuple(picks)) == best
            assert len(picks) <= stops

    def test_a_citizen_no_candidate_fits_is_coverable_false(self) -> None:
        relevance = np.array([[1.0, 0.0], [0.0, 0.0]])

        selection = select_stops(relevance, ["a", "b"], np.zeros(2), 2)

        assert selection.chosen == (0,)  # the irrelevant candidate is never a stop
        assert selection.coverable.tolist() == [True, False]


class TestPreferences:
    def test_variety_before_company_bonus(self) -> None:
        # Everyone is covered by any stop; two retail shops have the larger bonus.
        relevance = np.ones((4, 3))

        selection = select_stops(
            relevance, ["detailhandel", "detailhandel", "industri"], np.array([1.0, 0.9, 0.1]), 2
        )

        assert sorted(selection.chosen) == [0, 2]

    def test_bonus_breaks_ties(self) -> None:
        relevance = np.ones((3, 3))

        selection = select_stops(relevance, ["a", "a", "a"], np.array([0.1, 0.8, 0.3]), 1)

        assert selection.chosen == (1,)

    @pytest.mark.parametrize("stops", [1, 3, 6])
    def test_never_more_stops_than_useful_candidates(self, stops: int) -> None:
        relevance = np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 0.9]])

        selection = select_stops(relevance, ["a", "b", "c"], np.zeros(3), stops)

        assert set(selection.chosen) <= {0, 2}
        assert len(selection.chosen) == min(stops, 2)


class TestOrderAndScale:
    def test_equal_candidates_go_in_candidate_order(self) -> None:
        relevance = np.ones((3, 4))

        assert select_stops(relevance, ["a"] * 4, np.zeros(4), 1).chosen == (0,)
        assert select_stops(relevance, ["a"] * 4, np.zeros(4), 2).chosen == (0, 1)

    def test_a_gain_within_rounding_does_not_replace_the_earlier_candidate(self) -> None:
        # 1e-12 more bonus is below the comparison's tolerance (1e-9); 0.1 more is not.
        relevance = np.ones((2, 3))

        near = select_stops(relevance, ["a"] * 3, np.array([0.5, 0.5 + 1e-12, 0.1]), 1)
        clear = select_stops(relevance, ["a"] * 3, np.array([0.5, 0.5 + 1e-12, 0.6]), 1)

        assert near.chosen == (0,)
        assert clear.chosen == (2,)

    def test_planted_best_stops_among_twenty_thousand_candidates(self) -> None:
        # Every candidate is a weak fit for one citizen; three planted ones in three sectors
        # cover all eight strongly. The best set is those three, whatever else is within reach.
        rng = np.random.default_rng(13)
        m = 20_000
        relevance = np.zeros((8, m))
        relevance[rng.integers(0, 8, m), np.arange(m)] = 0.6
        planted = [4_321, 11_000, 17_777]
        relevance[:, planted] = 0.0
        relevance[[0, 1, 2], planted[0]] = 1.1
        relevance[[3, 4, 5], planted[1]] = 1.1
        relevance[[6, 7], planted[2]] = 1.1
        sectors = ["detailhandel"] * m
        sectors[planted[1]], sectors[planted[2]] = "industri", "rengoering"

        selection = select_stops(relevance, sectors, rng.random(m) * 0.1, 3)

        assert sorted(selection.chosen) == planted
        assert selection.covered.all()
