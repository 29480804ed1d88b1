"""Danish SMS texts for reminders, and their length in SMS segments. Pure: no database.

A reminder says what, when (the date written out: "mandag den 11. januar kl. 9.00"), where and
who to call, and nothing else: never health, BIP, limits or the reason for a placement, since a
phone's lock screen shows the text to anyone nearby.

Segments follow GSM 03.38: a text of GSM-7 characters fits 160 in one SMS (153 per part when
split); the characters of the extension table (``^{}\\[~]|€``) count two; any other character
makes the whole message UCS-2 (70, or 67 per part). Danish æ, ø and å are in the basic table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")
WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE_SEGMENT = {"gsm7": 160, "ucs2": 70}
MULTI_SEGMENT = {"gsm7": 153, "ucs2": 67}


class ReminderKind(StrEnum):
    """What the citizen is reminded of."""

    placement_start = "placement_start"
    meeting = "meeting"
    bus_tour = "bus_tour"
    custom = "custom"


def danish_datetime(moment: datetime) -> str:
    """The moment in Danish local time, written out: ``mandag den 11. januar kl. 9.00``."""
    local = moment.astimezone(DANISH_TIME) if moment.tzinfo else moment
    return (
        f"{WEEKDAYS[local.weekday()]} den {local.day}. {MONTHS[local.month - 1]} "
        f"kl. {local.hour}.{local.minute:02d}"
    )


def encoding(text: str) -> str:
    """``gsm7`` when every character is in the GSM 03.38 tables, else ``ucs2``."""
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def length_in_units(text: str) -> int:
    """Septets for GSM-7 (extension characters count two), UTF-16 code units for UCS-2."""
    if encoding(text) == "gsm7":
        return sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS the text is sent as."""
    kind = encoding(text)
    units = length_in_units(text)
    if units <= SINGLE_SEGMENT[kind]:
        return 1
    per_part = MULTI_SEGMENT[kind]
    return -(-units // per_part)


_OPENINGS = {
    ReminderKind.placement_start: "Husk din første dag",
    ReminderKind.meeting: "Husk dit møde",
    ReminderKind.bus_tour: "Husk busturen",
}


def _gsm7_safe(text: str) -> str:
    # Typographic dashes and quotes would turn the whole SMS into UCS-2 (70 characters).
    return (
        text.replace("–", "-")
        .replace("—", "-")
        .replace("’", "'")
        .replace("“", '"')
        .replace("”", '"')
        .strip()
    )


def render(
    *,
    kind: ReminderKind,
    at: datetime,
    place: str,
    contact_name: str,
    contact_phone: str,
    text: str | None = None,
) -> str:
    """The SMS for a reminder: what, when, where and who to call (nothing more)."""
    what = f"Husk: {_gsm7_safe(text)}" if kind == ReminderKind.custom and text else None
    what = what or _OPENINGS.get(kind, "Husk")
    when = danish_datetime(at)
    parts = [p.strip() for p in _gsm7_safe(place).split(",") if p.strip()] or [place]
    while True:
        message = (
            f"{what} {when}, {', '.join(parts)}. "
            f"Forhindret? Ring til {_gsm7_safe(contact_name)} på {contact_phone}."
        )
        # One SMS where possible: drop the address's last parts (postal town, then street).
        if segments(message) == 1 or len(parts) == 1:
            return message
        parts = parts[:-1]
