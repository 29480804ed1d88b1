"""CPR numbers are never stored: recognise CPR-like text, and keep a keyed hash for duplicates.

A Danish CPR number is DDMMYY-XXXX. Anything that looks like one (six digits forming a real
date, then four digits, with or without a hyphen or space) is refused wherever it appears, so a
number typed into a name, a wish or a note cannot slip into the database. An import file's CPR
column is turned into an HMAC with the server's secret key, which finds the same person twice
without the number itself being kept or recoverable by anyone who lacks the key.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
from typing import Annotated, Any

from pydantic import AfterValidator

from service.i18n import bilingual_error

# Six digits, an optional hyphen or space, four digits, not inside a longer run of digits.
_CPR_LIKE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)")
# The same as a token of its own: an identifier such as a hex id ("b87119480436c...") may hold
# ten digits by chance, so in identifiers only a CPR number standing alone counts.
_CPR_TOKEN = re.compile(r"(?<![0-9A-Za-z])(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?![0-9A-Za-z])")
# Versioned so the hash can be changed later without mixing old and new values.
_HMAC_CONTEXT = b"kantmatch-cpr-v1:"


def _is_real_date(day: int, month: int, two_digit_year: int) -> bool:
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
    pattern = _CPR_TOKEN if identifier else _CPR_LIKE
    return any(
        _is_real_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        for m in pattern.finditer(text)
    )


def normalise_cpr(value: str) -> str | None:
    """The ten digits of a CPR number written with or without a hyphen, or None if it is not one."""
    digits = re.sub(r"[\s\-]", "", value)
    if len(digits) != 10 or not digits.isdigit():
        return None
    if not _is_real_date(int(digits[0:2]), int(digits[2:4]), int(digits[4:6])):
        return None
    return digits


def cpr_hmac(cpr_digits: str, secret_key: str) -> str:
    """The keyed hash kept instead of a CPR number (HMAC-SHA256 with the server's secret)."""
    return hmac.new(
        secret_key.encode("utf-8"), _HMAC_CONTEXT + cpr_digits.encode("ascii"), hashlib.sha256
    ).hexdigest()


CPR_REFUSED_DA = (
    "Ligner et CPR-nummer. Kantmatch gemmer aldrig CPR-numre; "
    "brug jobcentrets sagsnummer (external_ref) til at finde borgeren"
)
CPR_REFUSED_EN = (
    "Looks like a CPR number. Kantmatch never stores CPR numbers; "
    "use the job centre's case number (external_ref) to identify the citizen"
)


def reject_cpr(value: Any) -> Any:
    """A validator that refuses text holding a CPR-like number (the value is never echoed)."""
    if isinstance(value, str) and looks_like_cpr(value):
        raise bilingual_error("cpr_refused", da=CPR_REFUSED_DA, en=CPR_REFUSED_EN)
    return value


def reject_cpr_identifier(value: Any) -> Any:
    """A validator for identifiers: refuses a CPR-like number standing as a token of its own."""
    if isinstance(value, str) and looks_like_cpr(value, identifier=True):
        raise bilingual_error("cpr_refused", da=CPR_REFUSED_DA, en=CPR_REFUSED_EN)
    return value


# Every free or identifying text of a citizen goes through one of these types.
CprFreeText = Annotated[str, AfterValidator(reject_cpr)]
CprFreeIdentifier = Annotated[str, AfterValidator(reject_cpr_identifier)]
