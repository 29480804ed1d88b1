"""The one CPR detector: recognise a CPR number however it is written, so none is ever stored.

A Danish CPR number is DDMMYY-XXXX. People and programs write it in many ways: with an en dash,
an em dash or a minus sign, a non-breaking space or hyphen, a tab, two spaces, " - ", a slash,
dots ("21.02.70.1092"), or with an invisible zero-width space or soft hyphen pasted from a
document. The detector therefore

1. Unicode-normalises the text (NFKC: full-width digits become 0-9, a non-breaking space a
   space) and turns every other script's decimal digit into 0-9;
2. drops invisible characters (format characters such as U+200B and U+00AD, combining marks);
3. treats any dash, space, dot or slash as a separator: at most one between the day, month and
   year pairs, and a run of up to five between the date part and the serial;
4. counts a match only if the six digits form a real date (day 1-31, or 61-91 for substitute
   numbers, month 1-12, the day existing in that month in 19YY or 20YY).

Every text field the service stores goes through ``FreeText`` or ``Identifier`` in
``service/schemas.py``, and every importer's row check calls ``looks_like_cpr``; both refuse
with the same message and never echo the value.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Collection, Mapping
from typing import Any

from service.i18n import bilingual_error

CPR_REFUSED_DA = "Feltet ligner et CPR-nummer; CPR-numre må ikke gemmes"
CPR_REFUSED_EN = "The field looks like a CPR number; CPR numbers must not be stored"

# Every separator is folded to this one character before matching.
_SEP = " "
# Characters that separate besides Unicode dashes (Pd) and spaces (Z*, whitespace).
_EXTRA_SEPARATORS = frozenset("./\\\u2212\u2044\u2215\u00b7\u2027\u30fb")
# Day, month and year pairs (one separator between them at most), up to five separators, serial.
_CPR_LIKE = re.compile(r"(?<![0-9])([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) {0,5}[0-9]{4}(?![0-9])")
# The same as a token of its own: an identifier such as a hex id ("b87119480436c...") may hold
# ten digits by chance, so in identifiers only a CPR number standing alone counts.
_CPR_TOKEN = re.compile(r"(?<![^\W_])([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) {0,5}[0-9]{4}(?![^\W_])")


def _fold_char(char: str) -> str:
    if char.isascii():
        if char.isalnum():
            return char
        return _SEP if char.isspace() or char in "-./\\" else char
    category = unicodedata.category(char)
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category in ("Cf", "Mn", "Me"):
        return ""  # invisible: zero-width space, soft hyphen, joiners, combining marks
    if category in ("Pd", "Zs", "Zl", "Zp") or char.isspace() or char in _EXTRA_SEPARATORS:
        return _SEP
    return char


def fold(text: str) -> str:
    """The text as the detector reads it: NFKC, ASCII digits, no invisibles, one separator."""
    normalised = unicodedata.normalize("NFKC", text)
    if normalised.isascii() and not any(c.isspace() or c in "-./\\" for c in normalised):
        return normalised
    return "".join(_fold_char(c) for c in normalised)


def is_real_date(day: int, month: int, two_digit_year: int) -> bool:
    """Whether DD, MM and YY form a date of birth a CPR number can carry."""
    # Substitute numbers (erstatningspersonnumre) add 60 to the day; treat them alike.
    if day > 60:
        day -= 60
    if not 1 <= month <= 12 or day < 1:
        return False
    # DDMMYY carries no century: a date that exists in either century counts.
    return any(
        day <= calendar.monthrange(century + two_digit_year, month)[1] for century in (1900, 2000)
    )


def looks_like_cpr(text: str, *, identifier: bool = False) -> bool:
    """Whether the text contains something shaped like a CPR number (DDMMYY-XXXX, a real date).

    With ``identifier``, digits glued to letters (inside a hex id) do not count.
    """
    # Most text has fewer than ten digits: passed over at C speed before the fold (issue 13:
    # the fold cost a bulk import about 0.5 ms a row). ``str.isdigit`` after NFKC accepts
    # every character the fold turns into a digit, so nothing the fold would find is missed.
    if sum(map(str.isdigit, unicodedata.normalize("NFKC", text))) < 10:
        return False
    folded = fold(text)
    if sum(c.isdigit() for c in folded) < 10:
        return False
    pattern = _CPR_TOKEN if identifier else _CPR_LIKE
    # Overlapping matches: "1321027010921" must not hide the "2102701092" it does not contain,
    # but "x 3210270-1092" must still find nothing glued to the leading digit.
    position = 0
    while (match := pattern.search(folded, position)) is not None:
        if is_real_date(int(match.group(1)), int(match.group(2)), int(match.group(3))):
            return True
        position = match.start() + 1
    return False


def normalise_cpr(value: str) -> str | None:
    """The ten digits of a value that is one CPR number (any separators), or None if it is not."""
    digits = fold(value).replace(_SEP, "").strip()
    if len(digits) != 10 or not digits.isdigit():
        return None
    if not is_real_date(int(digits[0:2]), int(digits[2:4]), int(digits[4:6])):
        return None
    return digits


def first_cpr_cell(
    cells: Mapping[str, str],
    *,
    identifiers: Collection[str] = (),
    codes: Collection[str] = (),
    skip: Collection[str] = (),
) -> str | None:
    """The first column of an import row whose cell holds a CPR-like value, else None.

    The row check of every importer. ``identifiers`` are checked as identifiers, ``codes`` as
    ten-digit codes (see ``reject_cpr_in_code``), ``skip`` not at all (the CPR column itself).
    """
    for name, value in cells.items():
        if name in skip or not value:
            continue
        if name in codes:
            found = not value.strip().isdigit() and looks_like_cpr(value)
        else:
            found = looks_like_cpr(value, identifier=name in identifiers)
        if found:
            return name
    return None


def cpr_refused() -> Any:
    """The validation error for a CPR-like value (the value itself is never echoed)."""
    return bilingual_error("cpr_refused", da=CPR_REFUSED_DA, en=CPR_REFUSED_EN)


def reject_cpr(value: Any) -> Any:
    """A validator that refuses text holding a CPR-like number anywhere."""
    if isinstance(value, str) and looks_like_cpr(value):
        raise cpr_refused()
    return value


def reject_cpr_in_code(value: Any) -> Any:
    """A validator for a ten-digit code (a P-number), run before its separators are dropped.

    Ten bare digits are the code's own format and cannot be told from a CPR number, so only a
    CPR number written as one (with a separator between the date part and the serial) is refused.
    """
    if isinstance(value, str) and not value.strip().isdigit() and looks_like_cpr(value):
        raise cpr_refused()
    return value


def reject_cpr_identifier(value: Any) -> Any:
    """A validator for identifiers: refuses a CPR-like number standing as a token of its own."""
    if isinstance(value, str) and looks_like_cpr(value, identifier=True):
        raise cpr_refused()
    return value
