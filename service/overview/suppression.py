"""Statistical disclosure control for the integration role, in the spirit of Statistics Denmark.

Pure functions. The rules (docs/overview.md, "Small counts"):

1. Primary: a count of people that is 1 or 2 is shown as ``"<3"``. 0 and 3+ are shown.
2. No total the integration sees lets a hidden count be recomputed by subtraction: a total over
   cells it can also see is the sum of the *shown* cells (hidden ones add nothing) and says how
   many cells it leaves out; a part whose complement in a shown total would be 1 or 2 is
   withheld (``None``).

Counts of companies are not counts of people and are always exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

SUPPRESSED: Literal["<3"] = "<3"
# The smallest count of people shown as a number (besides 0).
THRESHOLD = 3

Count = int | Literal["<3"]


def is_small(value: int) -> bool:
    """Whether a count of people must be hidden (1 or 2)."""
    return 0 < value < THRESHOLD


def shown(value: int, *, exact: bool) -> Count:
    """A count of people as a caller sees it: exact, or "<3" for 1 and 2."""
    return SUPPRESSED if not exact and is_small(value) else value


def published_part(value: int) -> int:
    """What a hidden cell contributes to a total the integration sees: nothing."""
    return 0 if is_small(value) else value


def published_sum(values: Iterable[int]) -> tuple[int, int]:
    """The sum of the shown cells and how many cells were left out as "<3"."""
    total = hidden = 0
    for value in values:
        if is_small(value):
            hidden += 1
        else:
            total += value
    return total, hidden


def part_and_rate(part: int, whole: int, *, exact: bool) -> tuple[Count | None, float | None]:
    """A part of a shown whole (converted of ended) and its rate, safe against subtraction.

    The part is "<3" when small; it is withheld (None) when the rest (whole - part) is small,
    since whole - part would give that away; the rate is shown only when neither is hidden.
    """
    rate = part / whole if whole else None
    if exact:
        return part, rate
    rest = whole - part
    if is_small(part):
        return SUPPRESSED, None
    if is_small(rest):
        return None, None
    return part, rate
