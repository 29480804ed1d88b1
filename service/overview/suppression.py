"""Statistical disclosure control for the integration role, in the spirit of Statistics Denmark.

Pure functions. The rules (docs/overview.md, "Small counts"):

1. Primary: a count of people that is 1 or 2 is shown as ``"<3"``. 0 and 3+ are shown.
2. No total the integration sees lets a hidden count be recomputed by subtraction, and no total
   is shown smaller than the truth (issue 15): a total over cells that includes a hidden cell is
   itself hidden, ``"<3"`` when the true total is 1 or 2 and ``"skjult"`` otherwise, with the
   number of hidden cells beside it; a total without hidden cells is the exact sum. A part whose
   complement in a shown total would be 1 or 2 is withheld (``None``).

Counts of companies are not counts of people and are always exact.
"""

from __future__ import annotations

from typing import Literal

SUPPRESSED: Literal["<3"] = "<3"
# A total that includes hidden cells and is itself 3 or more.
HIDDEN_TOTAL: Literal["skjult"] = "skjult"
# The smallest count of people shown as a number (besides 0).
THRESHOLD = 3

Count = int | Literal["<3"]
Total = int | Literal["<3", "skjult"]
HIDDEN_TOTAL_NOTE_DA = (
    'En sum vises som "skjult" (eller "<3"), når den omfatter virksomheder med 1 eller 2 '
    "borgere: den kan ikke vises uden at afsløre dem, og en sum af de viste tal ville være "
    "mindre end det rigtige tal."
)


def is_small(value: int) -> bool:
    """Whether a count of people must be hidden (1 or 2)."""
    return 0 < value < THRESHOLD


def shown(value: int, *, exact: bool) -> Count:
    """A count of people as a caller sees it: exact, or "<3" for 1 and 2."""
    return SUPPRESSED if not exact and is_small(value) else value


def published_part(value: int) -> int:
    """What a hidden cell contributes to a total the integration sees: nothing."""
    return 0 if is_small(value) else value


def shown_total(total: int, hidden_cells: int, *, exact: bool) -> Total:
    """A total of counts of people over cells, as a caller sees it (never smaller than the truth).

    Exact callers get the total. Otherwise a total without hidden cells is the sum (every cell
    is 0 or 3+); one with hidden cells is "<3" when it is 1 or 2 and "skjult" when it is more.
    """
    if exact or hidden_cells == 0:
        return total
    return SUPPRESSED if is_small(total) else HIDDEN_TOTAL


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
