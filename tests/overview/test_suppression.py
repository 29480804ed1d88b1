"""The "<3" rule and the protection against recomputing a hidden count by subtraction."""

from __future__ import annotations

import pytest

from service.overview.suppression import part_and_rate, shown, shown_total


@pytest.mark.parametrize(
    ("value", "integration", "staff"),
    [(0, 0, 0), (1, "<3", 1), (2, "<3", 2), (3, 3, 3), (250, 250, 250)],
)
def test_small_counts_are_hidden_from_the_integration_only(
    value: int, integration: object, staff: object
) -> None:
    assert shown(value, exact=False) == integration
    assert shown(value, exact=True) == staff


@pytest.mark.parametrize(
    ("total", "hidden_cells", "integration"),
    [
        (10, 0, 10),  # no hidden cell: the exact sum
        (0, 0, 0),
        (13, 2, "skjult"),  # 3 + 1 + 0 + 2 + 7: never the smaller 10
        (30, 20, "skjult"),  # 30 people in paid hours, 1 or 2 at each company: not 0
        (2, 1, "<3"),
        (1, 1, "<3"),
    ],
)
def test_a_total_with_hidden_cells_is_hidden_never_smaller(
    total: int, hidden_cells: int, integration: object
) -> None:
    assert shown_total(total, hidden_cells, exact=False) == integration
    assert shown_total(total, hidden_cells, exact=True) == total


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (3, 6, (3, 0.5)),  # neither 3 converted nor 3 not converted is small
        (0, 5, (0, 0.0)),
        (2, 9, ("<3", None)),  # the part is small
        (7, 9, (None, None)),  # 9 - 7 = 2 not converted would be given away
        (0, 1, (None, None)),
        (5, 5, (5, 1.0)),
        (0, 0, (0, None)),
    ],
)
def test_a_part_and_its_rate_for_the_integration(
    part: int, whole: int, expected: tuple[object, object]
) -> None:
    assert part_and_rate(part, whole, exact=False) == expected


def test_staff_get_the_exact_part_and_rate() -> None:
    assert part_and_rate(7, 9, exact=True) == (7, 7 / 9)
