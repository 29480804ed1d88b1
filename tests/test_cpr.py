"""The one CPR detector (service/cpr.py): generated separators, positions and dates."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.cpr import first_cpr_cell, fold, is_real_date, looks_like_cpr, normalise_cpr

# Deterministic: the same examples on every run and machine.
CHECKS = settings(derandomize=True, max_examples=150, deadline=None)

SEPARATORS = [
    "-",
    " ",
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2212",  # minus sign
    "\u2010",  # hyphen
    "\u2011",  # non-breaking hyphen
    "\ufe63",  # small hyphen-minus
    "\uff0d",  # full-width hyphen-minus
    "\u00a0",  # non-breaking space
    "\u2007",  # figure space
    "\u202f",  # narrow non-breaking space
    "\u3000",  # ideographic space
    "\t",
    "\n",
    "/",
    "\u2044",  # fraction slash
    ".",
    "\u00b7",  # middle dot
]
INVISIBLE = ["\u200b", "\u00ad", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"]

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
serials = st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}")
# A run of one to three separators (" - ", two spaces), optionally with invisible characters.
separator_runs = st.lists(st.sampled_from(SEPARATORS + INVISIBLE), min_size=1, max_size=3).map(
    "".join
)
# Text around the number: letters, punctuation and spaces, never a digit glued to it.
words = st.text(alphabet="abcæøå ABC,;:()!?", max_size=30)


def cpr_text(day: date, serial: str, substitute: bool = False) -> tuple[str, str]:
    dd = day.day + 60 if substitute else day.day
    return f"{dd:02d}{day.month:02d}{day.year % 100:02d}", serial


@CHECKS
@given(day=dates, serial=serials, sep=separator_runs, before=words, after=words)
def test_any_separator_at_any_position_is_found(
    day: date, serial: str, sep: str, before: str, after: str
) -> None:
    date_part, serial = cpr_text(day, serial)
    text = f"{before} {date_part}{sep}{serial} {after}"

    assert looks_like_cpr(text)
    assert looks_like_cpr(text, identifier=True)


@CHECKS
@given(day=dates, serial=serials, sep=st.sampled_from([".", "-", "/", " "]), tail=separator_runs)
def test_separators_between_the_date_pairs_are_found(
    day: date, serial: str, sep: str, tail: str
) -> None:
    text = f"{day.day:02d}{sep}{day.month:02d}{sep}{day.year % 100:02d}{tail}{serial}"

    assert looks_like_cpr(text)


@CHECKS
@given(day=dates, serial=serials, invisible=st.sampled_from(INVISIBLE), at=st.integers(0, 10))
def test_an_invisible_character_anywhere_in_the_number_is_ignored(
    day: date, serial: str, invisible: str, at: int
) -> None:
    digits = "".join(cpr_text(day, serial))
    text = digits[:at] + invisible + digits[at:]

    assert looks_like_cpr(text)
    assert normalise_cpr(text) == digits


@CHECKS
@given(day=dates, serial=serials, sep=separator_runs)
def test_substitute_numbers_count(day: date, serial: str, sep: str) -> None:
    date_part, serial = cpr_text(day, serial, substitute=True)

    assert looks_like_cpr(f"{date_part}{sep}{serial}")


@CHECKS
@given(
    day=st.integers(0, 99),
    month=st.integers(0, 99),
    year=st.integers(0, 99),
    serial=serials,
    sep=separator_runs,
)
def test_only_a_real_date_counts(day: int, month: int, year: int, serial: str, sep: str) -> None:
    text = f"{day:02d}{month:02d}{year:02d}{sep}{serial}"
    real = is_real_date(day, month, year)

    assert looks_like_cpr(text) is real
    if real:
        calendar_day = day - 60 if day > 60 else day
        assert 1 <= month <= 12
        assert calendar_day <= max(calendar.monthrange(c + year, month)[1] for c in (1900, 2000))


@CHECKS
@given(day=dates, serial=serials, sep=separator_runs, extra=st.sampled_from("0123456789"))
def test_part_of_a_longer_run_of_digits_does_not_count(
    day: date, serial: str, sep: str, extra: str
) -> None:
    date_part, serial = cpr_text(day, serial)

    assert not looks_like_cpr(f"{extra}{date_part}{sep}{serial}{extra}"[1:-1] + extra + "1")
    assert not looks_like_cpr(f"{date_part}{sep}{serial}{extra}")


@CHECKS
@given(day=dates, serial=serials, sep=separator_runs)
def test_full_width_and_other_scripts_digits_are_digits(day: date, serial: str, sep: str) -> None:
    date_part, serial = cpr_text(day, serial)
    full_width = "".join(chr(0xFF10 + int(d)) for d in date_part + serial)
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in date_part + serial)

    assert looks_like_cpr(full_width[:6] + sep + full_width[6:])
    assert looks_like_cpr(arabic_indic[:6] + sep + arabic_indic[6:])


def test_fold_keeps_plain_ascii_and_marks_separators() -> None:
    assert fold("Lager og kantine") == "Lager og kantine"
    assert fold("21\u200b02\u00a070\u20131092") == "2102 70 1092"


@pytest.mark.parametrize(
    "text",
    [
        "Timer 10-16, tlf 21 02 70 10",
        "+45 21 02 70 10",
        "4521027010",  # +45 and eight digits: day 45 is no day
        "Mødes 21.02 kl. 10.30",
        "2024-03-12",
        "SAG-2024-000123",
        "100.000.000 kr.",
        "a06b8711948043bdad5dd188f9823148",
        "320190-1234",
        "011390-1234",
        "290201-1234",  # no 29 February in 1901 or 2001
        "21.02.70..--..1092",  # six separators between date and serial: not one number
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert not looks_like_cpr(text, identifier=True)


def test_identifiers_only_refuse_a_number_standing_alone() -> None:
    hex_id = "a06b8711948043bdad5dd188f9823148"  # holds 8711948043

    assert looks_like_cpr(hex_id)
    assert not looks_like_cpr(hex_id, identifier=True)
    assert looks_like_cpr("opgave-010190\u20131234", identifier=True)


def test_normalise_cpr_reads_one_number_in_any_form() -> None:
    assert normalise_cpr(" 150384\u20134321 ") == "1503844321"
    assert normalise_cpr("15.03.84/4321") == "1503844321"
    assert normalise_cpr("150384-432") is None
    assert normalise_cpr("321384-4321") is None


def test_first_cpr_cell_is_the_row_check_of_every_importer() -> None:
    row = {
        "cvr": "12345678",
        "p_number": "1003388394",
        "name": "Lager",
        "notes": "ring 21.02.70.1092",
    }

    assert first_cpr_cell(row, codes={"p_number"}) == "notes"
    assert first_cpr_cell({**row, "notes": ""}, codes={"p_number"}) is None
    assert first_cpr_cell({"p_number": "210270-1092"}, codes={"p_number"}) == "p_number"
    assert first_cpr_cell({"cpr": "210270-1092"}, skip={"cpr"}) is None
    assert first_cpr_cell({"task": "b8711948043c"}, identifiers={"task"}) is None
