"""Danish mobile numbers: accepted as people write them, stored as +45 and 8 digits."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from service.i18n import bilingual_error

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_danish_mobile(value: str) -> str:
    """``+45`` and the 8 digits of a Danish number, or a bilingual validation error.

    Accepts spaces, dashes and dots, and the prefixes ``+45``, ``0045`` or ``45`` (the last only
    before 8 digits). Danish subscriber numbers never start with 0 or 1.
    """
    digits = _SEPARATORS.sub("", value.strip())
    if digits.startswith("+45"):
        digits = digits[3:]
    elif digits.startswith("0045"):
        digits = digits[4:]
    elif len(digits) == 10 and digits.startswith("45"):
        digits = digits[2:]
    if not (len(digits) == 8 and digits.isdigit() and digits[0] not in "01"):
        raise bilingual_error(
            "danish_mobile",
            da="Mobilnummeret skal være et dansk nummer med 8 cifre (fx 20 12 34 56 eller "
            "+45 20123456)",
            en="The mobile number must be a Danish number of 8 digits (e.g. 20 12 34 56 or "
            "+45 20123456)",
        )
    return f"+45{digits}"


def msisdn(mobile: str) -> int:
    """The number as GatewayAPI wants it: country code and subscriber number as one integer."""
    return int(mobile.removeprefix("+"))


# What normalise_danish_mobile accepts, for the OpenAPI document: separators anywhere, an
# optional +45, 0045 or 45, then 8 digits of which the first is 2-9.
_S = r"[\s\-().]*"
MOBILE_PATTERN = (
    rf"^{_S}(?:\+{_S}4{_S}5{_S}|0{_S}0{_S}4{_S}5{_S}|4{_S}5{_S})?[2-9]{_S}(?:[0-9]{_S}){{7}}$"
)
DanishMobile = Annotated[
    str,
    AfterValidator(normalise_danish_mobile),
    Field(json_schema_extra={"pattern": MOBILE_PATTERN}),
]
