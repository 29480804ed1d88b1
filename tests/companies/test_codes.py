"""CVR and P-number checks, the industry-code to sector table and size bands (pure functions)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from importlib import resources

import pytest

from service.companies.codes import (
    IndustryCodeVersion,
    cvr_check_digit,
    cvr_is_valid,
    industry_sector_table,
    known_divisions,
    normalise_digits,
    p_number_is_valid,
    sector_for_industry_code,
    sector_from_codes,
    size_band_for_employees,
)
from service.sectors import Sector

# The divisions (two-digit codes) of NACE Rev. 2, which DB07's first two digits follow.
NACE_REV2_DIVISIONS = frozenset(
    f"{d:02d}"
    for d in [
        *range(1, 4),
        *range(5, 10),
        *range(10, 34),
        35,
        *range(36, 40),
        *range(41, 44),
        *range(45, 48),
        *range(49, 54),
        55,
        56,
        *range(58, 64),
        *range(64, 67),
        68,
        *range(69, 76),
        *range(77, 83),
        84,
        85,
        86,
        87,
        88,
        *range(90, 100),
    ]
)


def _table_rows() -> list[dict[str, str]]:
    """The raw rows of the shipped table, comments dropped, duplicates kept."""
    text = (
        resources.files("service.companies")
        .joinpath("data/industry_sectors.csv")
        .read_text("utf-8")
    )
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))


class TestCvrIsValid:
    # 35408002: 3*2 + 5*7 + 4*6 + 0*5 + 8*4 + 0*3 + 0*2 + 2*1 = 6+35+24+0+32+0+0+2 = 99 = 9*11.
    # 12345674: 1*2 + 2*7 + 3*6 + 4*5 + 5*4 + 6*3 + 7*2 + 4*1 = 2+14+18+20+20+18+14+4 = 110 = 10*11.
    # 10000009: 1*2 + 9*1 = 11.
    @pytest.mark.parametrize("cvr", ["35408002", "12345674", "10000009"])
    def test_hand_computed_numbers_are_valid(self, cvr: str) -> None:
        assert cvr_is_valid(cvr) is True

    # 35408003: 99 + 1 = 100 = 9*11 + 1; 12345678: 106 + 8 = 114 = 10*11 + 4;
    # 10000000: 2 = 0*11 + 2; 35408020: the last two digits swapped, 6+35+24+0+32+0+4+0 = 101.
    @pytest.mark.parametrize("cvr", ["35408003", "12345678", "10000000", "35408020"])
    def test_hand_computed_wrong_check_digit_is_invalid(self, cvr: str) -> None:
        assert cvr_is_valid(cvr) is False

    @pytest.mark.parametrize(
        "cvr",
        [
            "3540800",  # 7 digits
            "354080020",  # 9 digits
            "",
            "3540800A",
            "3540 8002",
            "00000000",  # sum 0 is divisible by 11, but CVR numbers never start with 0
            "01234567",
        ],
    )
    def test_wrong_shape_is_invalid(self, cvr: str) -> None:
        assert cvr_is_valid(cvr) is False


class TestCvrCheckDigit:
    def test_gives_the_digit_that_makes_the_sum_divisible_by_11(self) -> None:
        # 3540800: 6+35+24+0+32+0+0 = 97; 97 + 2 = 99 = 9*11.
        assert cvr_check_digit("3540800") == 2
        # 1234567: 106; 106 + 4 = 110.
        assert cvr_check_digit("1234567") == 4
        # 1000000: 2; 2 + 9 = 11.
        assert cvr_check_digit("1000000") == 9

    def test_none_when_the_remainder_needs_a_ten(self) -> None:
        # 1300000: 1*2 + 3*7 = 23 = 2*11 + 1, so the eighth digit would have to be 10.
        assert cvr_check_digit("1300000") is None
        assert not any(cvr_is_valid(f"1300000{d}") for d in range(10))

    @pytest.mark.parametrize("first_seven", ["1000000", "2999999", "4312345", "8765432"])
    def test_agrees_with_the_validator(self, first_seven: str) -> None:
        digit = cvr_check_digit(first_seven)
        valid = [d for d in range(10) if cvr_is_valid(f"{first_seven}{d}")]
        assert valid == ([] if digit is None else [digit])


class TestPNumberAndDigits:
    @pytest.mark.parametrize(
        ("p_number", "valid"),
        [
            ("1003388394", True),
            ("0000000001", True),
            ("100338839", False),
            ("10033883940", False),
            ("10033883A4", False),
            ("", False),
        ],
    )
    def test_p_number_is_ten_digits(self, p_number: str, valid: bool) -> None:
        assert p_number_is_valid(p_number) is valid

    @pytest.mark.parametrize(
        ("raw", "digits"),
        [("47.11.00", "471100"), ("35 40 80 02", "35408002"), ("3540-8002", "35408002")],
    )
    def test_normalise_digits_drops_separators(self, raw: str, digits: str) -> None:
        assert normalise_digits(raw) == digits


class TestIndustryTable:
    @pytest.mark.parametrize("version", ["DB07", "DB25"])
    def test_every_division_has_exactly_one_two_digit_row(
        self, version: IndustryCodeVersion
    ) -> None:
        two_digit = Counter(
            row["prefix"]
            for row in _table_rows()
            if row["version"] == version and len(row["prefix"]) == 2
        )
        assert two_digit, f"no {version} rows"
        assert {prefix: n for prefix, n in two_digit.items() if n != 1} == {}
        expected = NACE_REV2_DIVISIONS - {"45"} if version == "DB25" else NACE_REV2_DIVISIONS
        assert set(two_digit) == expected
        assert known_divisions(version) == expected

    def test_no_prefix_twice_and_only_known_versions_and_sectors(self) -> None:
        rows = _table_rows()
        keys = Counter((row["version"], row["prefix"]) for row in rows)
        assert [key for key, n in keys.items() if n > 1] == []
        assert {row["version"] for row in rows} == {"DB07", "DB25"}
        assert {row["sector"] for row in rows} <= {s.value for s in Sector}
        assert all(row["prefix"].isdigit() and 2 <= len(row["prefix"]) <= 6 for row in rows)

    def test_every_longer_prefix_refines_a_known_division(self) -> None:
        for version, prefixes in industry_sector_table().items():
            for prefix in prefixes:
                assert prefix[:2] in prefixes, f"{version} {prefix} has no division row"

    def test_every_sector_is_reachable_from_db07(self) -> None:
        assert set(industry_sector_table()["DB07"].values()) == set(Sector)

    @pytest.mark.parametrize("version", ["DB07", "DB25"])
    def test_longest_prefix_wins(self, version: IndustryCodeVersion) -> None:
        # 95.2 repair of personal goods counts as retail; the rest of 95 does not.
        assert sector_for_industry_code("952100", version) == Sector.detailhandel
        assert sector_for_industry_code("952900", version) == Sector.detailhandel
        assert sector_for_industry_code("9521", version) == Sector.detailhandel
        assert sector_for_industry_code("951100", version) == Sector.andre_brancher
        assert sector_for_industry_code("95", version) == Sector.andre_brancher

    @pytest.mark.parametrize(
        ("code", "sector"),
        [
            ("011100", Sector.landbrug),  # growing cereals
            ("021000", Sector.landbrug),  # forestry
            ("031100", Sector.andre_brancher),  # marine fishing: not in landbrug 01-02
            ("101100", Sector.industri),  # slaughterhouses
            ("331200", Sector.industri),  # repair of machinery
            ("351100", Sector.andre_brancher),  # electricity
            ("381100", Sector.foreninger_kultur_renovation),  # waste collection
            ("412000", Sector.bygge_anlaeg),
            ("432100", Sector.bygge_anlaeg),  # electricians
            ("451110", Sector.anden_handel),  # car dealers
            ("463100", Sector.anden_handel),  # wholesale of fruit and vegetables
            ("471100", Sector.detailhandel),  # supermarkets
            ("477100", Sector.detailhandel),
            ("494100", Sector.andre_brancher),  # road haulage
            ("521000", Sector.andre_brancher),  # warehousing
            ("551010", Sector.hoteller_restauranter),
            ("561010", Sector.hoteller_restauranter),  # restaurants
            ("812100", Sector.andre_brancher),  # cleaning
            ("841100", Sector.offentlig_adm_undervisning_sundhed),
            ("852010", Sector.offentlig_adm_undervisning_sundhed),  # primary schools
            ("861000", Sector.offentlig_adm_undervisning_sundhed),  # hospitals
            ("873000", Sector.sociale_institutioner),  # care homes for the elderly
            ("889100", Sector.sociale_institutioner),  # day care
            ("900300", Sector.foreninger_kultur_renovation),
            ("931100", Sector.foreninger_kultur_renovation),  # sports facilities
            ("949900", Sector.foreninger_kultur_renovation),  # associations
            ("960210", Sector.andre_brancher),  # hairdressers
        ],
    )
    def test_db07_codes_map_to_the_reference_sectors(self, code: str, sector: Sector) -> None:
        assert sector_for_industry_code(code, "DB07") == sector

    def test_unknown_codes_give_none(self) -> None:
        assert sector_for_industry_code("000000", "DB07") is None
        assert sector_for_industry_code("040000", "DB07") is None
        assert sector_for_industry_code("451100", "DB25") is None  # DB25 folded 45 into 46/47/95
        assert sector_for_industry_code("4", "DB07") is None

    def test_sector_from_codes_prefers_db07_then_db25(self) -> None:
        assert sector_from_codes("471100", "561010") == Sector.detailhandel
        assert sector_from_codes(None, "561010") == Sector.hoteller_restauranter
        assert sector_from_codes("000000", "873000") == Sector.sociale_institutioner
        assert sector_from_codes(None, None) is None


class TestSizeBands:
    @pytest.mark.parametrize(
        ("employees", "band"),
        [
            (0, "0-5"),
            (1, "0-5"),
            (5, "0-5"),
            (6, "6-19"),
            (19, "6-19"),
            (20, "20-49"),
            (49, "20-49"),
            (50, "50-99"),
            (99, "50-99"),
            (100, "100+"),
            (2500, "100+"),
        ],
    )
    def test_band_edges(self, employees: int, band: str) -> None:
        assert size_band_for_employees(employees) == band
