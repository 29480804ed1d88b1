"""The import progress line (issue 13): real rows per second and a sensible time left."""

from __future__ import annotations

from service.clidb import ProgressLine


def test_rate_and_time_left_come_from_the_rows_between_reports() -> None:
    moments = iter([100.0, 102.0, 104.0, 106.0])
    written: list[str] = []
    line = ProgressLine(written.append, lambda: next(moments))

    first = line.text(5_000, 20_000)
    second = line.text(10_000, 20_000)
    third = line.text(15_000, 20_000)
    line(20_000, 20_000)

    # No guess before the second report: reading the file is not counted as slow rows.
    assert first == "Importerer: 5.000 af 20.000 rækker (25%)"
    assert second == "Importerer: 10.000 af 20.000 rækker (50%), 2.500 rækker/s, ca. 0:04 tilbage"
    assert third == "Importerer: 15.000 af 20.000 rækker (75%), 2.500 rækker/s, ca. 0:02 tilbage"
    assert written == ["\rImporterer: 20.000 af 20.000 rækker (100%), 2.500 rækker/s\033[K\n"]


def test_hours_are_shown_for_long_imports() -> None:
    moments = iter([0.0, 1.0])
    line = ProgressLine(lambda _: None, lambda: next(moments))

    line.text(0, 1_000_000)
    assert line.text(100, 1_000_000).endswith("100 rækker/s, ca. 2:46:39 tilbage")


def test_a_slow_file_read_does_not_make_the_first_estimate_hours() -> None:
    # Issue 13: a 34 s import once showed "01:13:52" first. Reading 200,000 rows took 20 s
    # before the first chunk was reported; the estimate comes from the chunks that followed.
    moments = iter([20.0, 21.0, 22.0])
    line = ProgressLine(lambda _: None, lambda: next(moments))

    assert line.text(5_000, 200_000) == "Importerer: 5.000 af 200.000 rækker (2%)"
    assert line.text(10_000, 200_000).endswith("5.000 rækker/s, ca. 0:38 tilbage")
    assert line.text(15_000, 200_000).endswith("5.000 rækker/s, ca. 0:37 tilbage")
