"""The Danish SMS texts and their length in segments (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.reminders.templates import (
    ReminderKind,
    danish_datetime,
    encoding,
    length_in_units,
    render,
    segments,
)

MONDAY_9 = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)  # 9.00 in Copenhagen (CET)
LONG_PLACE = "Nakskov Maskinfabrik og Smedie A/S, Havnegade 117, 4900 Nakskov"


class TestDanishDate:
    def test_the_date_is_written_out_in_danish_local_time(self) -> None:
        assert danish_datetime(MONDAY_9) == "mandag den 11. januar kl. 9.00"

    def test_summer_time_and_minutes(self) -> None:
        # 13 June 2027 is a Sunday; 12:30 UTC is 14.30 in Danish summer time (CEST).
        assert danish_datetime(datetime(2027, 6, 13, 12, 30, tzinfo=UTC)) == (
            "søndag den 13. juni kl. 14.30"
        )


class TestSegments:
    def test_danish_letters_are_gsm7(self) -> None:
        assert encoding("Æblegrød på Ørby Å") == "gsm7"

    def test_160_gsm7_characters_are_one_sms_and_161_are_two(self) -> None:
        assert (segments("a" * 160), segments("a" * 161), segments("a" * 306)) == (1, 2, 2)
        assert segments("a" * 307) == 3

    def test_extension_characters_count_twice(self) -> None:
        assert length_in_units("€[]") == 6
        assert segments("a" * 158 + "€") == 1
        assert segments("a" * 159 + "€") == 2

    def test_an_emoji_makes_the_message_ucs2_with_70_characters(self) -> None:
        assert encoding("Hej 🙂") == "ucs2"
        assert (segments("ø" * 69 + "🙂"), segments("ø" * 70 + "🙂")) == (2, 2)
        assert segments("ø" * 69 + "ı") == 1  # UCS-2, exactly 70 units


class TestRender:
    def test_placement_start(self) -> None:
        text = render(
            kind=ReminderKind.placement_start,
            at=MONDAY_9,
            place="Maribo Dagligvarer, Vestergade 3, 4930 Maribo",
            contact_name="Mette i jobcentret",
            contact_phone="54 67 60 00",
        )

        assert text == (
            "Husk din første dag mandag den 11. januar kl. 9.00, Maribo Dagligvarer, "
            "Vestergade 3, 4930 Maribo. Forhindret? Ring til Mette i jobcentret på 54 67 60 00."
        )
        assert (encoding(text), segments(text)) == ("gsm7", 1)

    @pytest.mark.parametrize("kind", list(ReminderKind))
    def test_every_kind_fits_one_sms_even_with_a_long_address(self, kind: ReminderKind) -> None:
        text = render(
            kind=kind,
            at=MONDAY_9,
            place=LONG_PLACE,
            contact_name="Jobcenter Guldborgsund",
            contact_phone="+45 54 73 10 00",
            text="samtale om praktik" if kind == ReminderKind.custom else None,
        )

        assert segments(text) == 1, (len(text), text)
        assert text.startswith("Husk")
        assert "Nakskov Maskinfabrik" in text  # the address is shortened, never the name
        assert "mandag den 11. januar kl. 9.00" in text

    def test_a_text_too_long_for_one_sms_says_so(self) -> None:
        text = render(
            kind=ReminderKind.meeting,
            at=MONDAY_9,
            place="Det Store Fælles Kursus- og Konferencecenter for Lolland-Falsters Virksomheder",
            contact_name="Jobcenter Guldborgsund",
            contact_phone="+45 54 73 10 00",
        )

        assert segments(text) == 2

    def test_typographic_dashes_do_not_turn_the_sms_into_ucs2(self) -> None:
        text = render(
            kind=ReminderKind.meeting,
            at=MONDAY_9,
            place="Jobcentret – mødelokale 2",
            contact_name="Ole",
            contact_phone="54 67 60 00",
        )

        assert encoding(text) == "gsm7"
        assert "Jobcentret - mødelokale 2" in text
