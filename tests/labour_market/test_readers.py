"""Readers for the real download formats and the shipped illustrative set."""

from __future__ import annotations

from pathlib import Path

import pytest

from labour_market import readers
from labour_market.codes import SECTORS, AgeBand, db07_sector_table, parse_age_band
from labour_market.illustrative import write_illustrative_data
from labour_market.readers import (
    InputError,
    detect_kind,
    read_employment,
    read_exit_rates,
    read_projects,
    read_vacancies,
    shipped_inputs,
)
from service.companies.codes import industry_sector_table
from service.sectors import Sector

# A StatBank export saved by Danish Excel: Latin-1, semicolons, Danish headers and labels,
# a title line above the table, totals, a sex dimension and confidential cells.
LATIN1_EXPORT = (
    "Beskæftigede efter område, branche, alder, køn og tid\n"
    "OMRÅDE;BRANCHE07 (127-grp);ALDER;KØN;TID;INDHOLD\n"
    "Lolland;470000 Detailhandel;25-29 år;Køn i alt;2023;120\n"
    "Lolland;470000 Detailhandel;25-29 år;Mænd;2023;50\n"
    "Lolland;470000 Detailhandel;65 år og derover;Køn i alt;2023;..\n"
    "Lolland;952000 Reparation af husholdningsudstyr;25-29 år;Køn i alt;2023;5\n"
    "Lolland;Erhverv i alt;25-29 år;Køn i alt;2023;9999\n"
    "376 Guldborgsund;560000 Restauranter;25-29 år;Køn i alt;2023;1.234\n"
    "Lolland;470000 Detailhandel;25-29 år;Køn i alt;2022;110\n"
    "Lolland;470000 Detailhandel;25-29 år;Køn i alt;2021;100\n"
)


def employment_frame_value(data: readers.EmploymentData, **where: object) -> float:
    frame = data.frame
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return float(frame["employed"].sum())


class TestEmploymentReader:
    def test_reads_a_semicolon_separated_latin1_file_with_danish_headers(self) -> None:
        data = read_employment(LATIN1_EXPORT.encode("latin-1"), filename="ras.csv")

        assert data.years == [2021, 2022, 2023]
        assert data.municipalities == ["360", "376"]
        # 470000 and 952000 (repair, mapped by the longer prefix 952) are both retail
        assert (
            employment_frame_value(
                data, municipality_code="360", sector="detailhandel", age_band="25-29 år", year=2023
            )
            == 125
        )
        # "1.234" is a thousands separator; 56 is restaurants
        assert (
            employment_frame_value(data, municipality_code="376", sector="hoteller_restauranter")
            == 1234
        )
        # the confidential cell counts as 0 and is reported; the total row and "Mænd" are left out
        assert employment_frame_value(data, age_band="65 år og derover") == 0
        assert data.warnings == ("1 celler var diskretioneret ('..') eller tomme og tælles som 0",)
        assert data.bands == (AgeBand(25, 29), AgeBand(65, None))
        assert data.source.illustrative is False
        assert data.source.licence.startswith("CC BY 4.0")

    def test_reads_the_same_file_in_utf8_with_bom(self) -> None:
        latin = read_employment(LATIN1_EXPORT.encode("latin-1"))
        utf8 = read_employment(b"\xef\xbb\xbf" + LATIN1_EXPORT.encode("utf-8"))

        assert utf8.frame.equals(latin.frame)

    def test_sums_a_dimension_without_totals(self) -> None:
        text = "OMRÅDE;BRANCHE07;ALDER;KØN;TID;INDHOLD\n" + "".join(
            f"360;47 Detailhandel;16-24 år;{sex};{year};{n}\n"
            for year in (2020, 2021, 2022)
            for sex, n in (("Mænd", 10), ("Kvinder", 15))
        )

        data = read_employment(text.encode())

        assert employment_frame_value(data, year=2021) == 25

    def test_names_every_bad_line_and_keeps_nothing(self) -> None:
        text = (
            "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD\n"
            "Lolland;47 Detailhandel;25-29 år;2021;10\n"
            "Atlantis;47 Detailhandel;25-29 år;2022;10\n"
            "Lolland;47 Detailhandel;gamle;2023;10\n"
            "Lolland;47 Detailhandel;25-29 år;23;ti\n"
            "Lolland;00 Ukendt;25-29 år;2024;1\n"
            "Lolland;47 Detailhandel;25-29 år;2021;11\n"
            "Lolland;47 Detailhandel\n"
        )

        with pytest.raises(InputError) as caught:
            read_employment(text.encode("latin-1"), filename="fejl.csv")

        where = [(p.line, p.column) for p in caught.value.problems]
        assert where[:7] == [
            (3, "OMRÅDE"),
            (4, "ALDER"),
            (5, "TID"),
            (5, "INDHOLD"),
            (6, "BRANCHE07"),
            (7, None),
            (8, None),
        ]
        messages = [p.message_da for p in caught.value.problems]
        assert "Ukendt kommune 'Atlantis'" in messages[0]
        assert messages[5] == "Samme kombination som linje 2"
        assert caught.value.filename == "fejl.csv"

    def test_refuses_the_10_grouping_with_the_reason(self) -> None:
        text = "OMRÅDE;BRANCHE;ALDER;TID;INDHOLD\n360;4 Handel og transport mv.;25-29 år;2020;5\n"

        with pytest.raises(InputError) as caught:
            read_employment(text.encode())

        assert "10- og 19-grupperingerne" in caught.value.problems[0].message_da

    def test_missing_columns_and_too_few_years(self) -> None:
        with pytest.raises(InputError) as missing:
            read_employment(b"OMRADE;TID;INDHOLD\n360;2020;1\n")
        with pytest.raises(InputError) as short:
            read_employment(
                "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD\n360;47 D;16-24 år;2020;1\n".encode()
            )
        with pytest.raises(InputError) as gap:
            read_employment(
                "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD\n"
                "360;47 D;16-24 år;2018;1\n360;47 D;16-24 år;2019;1\n"
                "360;47 D;16-24 år;2021;1\n".encode()
            )

        assert [p.message_en for p in missing.value.problems] == [
            "Missing the industry (BRANCHE07) column",
            "Missing the age (ALDER) column",
        ]
        assert short.value.problems[0].message_en == "At least 3 years are needed to fit a trend"
        assert gap.value.problems[0].message_en == "The years must be consecutive; missing: 2020"

    def test_refuses_nul_bytes(self) -> None:
        with pytest.raises(InputError, match="NUL"):
            read_employment(b"OMR\x00DE;TID\n")


class TestExitRates:
    def test_fractions_with_decimal_comma_and_percentages(self) -> None:
        rates = read_exit_rates(
            "ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE\n"
            "16-59 år;0;1,5 %\n60-64 år;0,12;0,03\n65 år og derover;25%;4 %\n".encode("latin-1")
        )

        assert rates.rates[AgeBand(16, 59)] == pytest.approx((0.0, 0.015))
        assert rates.total(AgeBand(60, 64)) == pytest.approx(0.15)
        assert rates.total(AgeBand(70, None)) == pytest.approx(0.29)  # inside 65+
        assert rates.total(AgeBand(10, 15)) is None

    def test_bad_rates_and_overlapping_bands(self) -> None:
        with pytest.raises(InputError) as caught:
            read_exit_rates(b"ALDER;PENSIONERINGSRATE\n16-59;1,5\n55-64;x\n")
        with pytest.raises(InputError) as overlap:
            read_exit_rates(b"ALDER;PENSIONERINGSRATE\n16-59;0,1\n55-64;0,2\n")

        assert [(p.line, p.column) for p in caught.value.problems] == [
            (2, "PENSIONERINGSRATE"),
            (3, "PENSIONERINGSRATE"),
        ]
        assert "overlap" in overlap.value.problems[0].message_en


class TestVacancies:
    def test_lsk_shape(self) -> None:
        text = (
            "OMRÅDE;BRANCHE07;TID;INDHOLD\n"
            "Region Sjælland;3 Bygge og anlæg;2024K1;410\n"
            "Region Sjælland;Bygge og anlæg;2024K2;..\n"
            "Hele landet;3 Bygge og anlæg;2024K1;9000\n"
            "085;TOT Erhverv i alt;2024K1;5000\n"
        )

        vacancies = read_vacancies(text.encode("latin-1"))

        assert vacancies.frame.to_dict("records") == [
            {"region_code": "085", "group": 3, "year": 2024, "quarter": 1, "vacancies": 410.0}
        ]
        assert vacancies.warnings == ("1 kvartaler uden tal ('..') er sprunget over",)

    def test_bad_quarter_and_region(self) -> None:
        with pytest.raises(InputError) as caught:
            read_vacancies(b"OMRADE;BRANCHE07;TID;INDHOLD\nMars;3 Bygge og anlaeg;2024Q1;4\n")

        assert [p.column for p in caught.value.problems] == ["OMRADE", "TID"]


class TestProjects:
    def test_reads_projects_with_their_sources(self) -> None:
        projects = read_projects(
            b"illustrative: false\nsource: {kilde: Projektkontoret, dato: '2025-01-01'}\n"
            b"projects:\n  - name: Havneudvidelse\n    municipality: Guldborgsund\n"
            b"    source: Havnens plan 2025\n    extra_jobs: {bygge_anlaeg: {2026: 40}}\n"
        )

        (project,) = projects.projects
        assert project.municipality_code == "376"
        assert project.extra_jobs == {"bygge_anlaeg": {2026: 40.0}}
        assert project.annual_turnover == 0
        assert projects.source.name == "Projektkontoret"
        assert projects.source.illustrative is False

    def test_every_project_needs_a_source_and_known_sectors(self) -> None:
        with pytest.raises(InputError) as caught:
            read_projects(
                b"projects:\n  - name: X\n    municipality: '360'\n"
                b"    annual_turnover: 2\n"
                b"    extra_jobs: {fiskeri: {2026: 1}, industri: {2026: -1}}\n"
            )

        assert [p.column for p in caught.value.problems] == [
            "projects[0].source",
            "projects[0].annual_turnover",
            "projects[0].extra_jobs.fiskeri",
            "projects[0].extra_jobs.industri.2026",
        ]

    def test_broken_yaml_names_the_line(self) -> None:
        with pytest.raises(InputError) as caught:
            read_projects(b"projects:\n  - name: [x\n")

        assert caught.value.problems[0].line is not None


class TestDetectKind:
    @pytest.mark.parametrize(
        ("content", "filename", "kind"),
        [
            (LATIN1_EXPORT.encode("latin-1"), "x.csv", "employment"),
            (b"ALDER;PENSIONERINGSRATE\n16-64;0\n", "x.csv", "exit_rates"),
            (b"OMRADE;BRANCHE07;TID;INDHOLD\n085;3 Bygge;2024K1;1\n", "x.csv", "vacancies"),
            (b"projects: []\n", "x.yaml", "projects"),
        ],
    )
    def test_by_headers_and_name(self, content: bytes, filename: str, kind: str) -> None:
        assert detect_kind(content, filename) == kind

    def test_unknown_table(self) -> None:
        with pytest.raises(InputError, match="Cannot tell"):
            detect_kind(b"a;b\n1;2\n", "x.csv")


class TestCodes:
    def test_sectors_are_the_service_sectors(self) -> None:
        assert tuple(s.value for s in Sector) == SECTORS

    def test_db07_table_is_the_company_register_table(self) -> None:
        companies = {prefix: str(s) for prefix, s in industry_sector_table()["DB07"].items()}

        assert db07_sector_table() == companies

    @pytest.mark.parametrize(
        ("text", "band"),
        [
            ("25-29 år", AgeBand(25, 29)),
            ("65 år og derover", AgeBand(65, None)),
            ("65+", AgeBand(65, None)),
            ("Under 25 år", AgeBand(0, 24)),
            ("Alder i alt", None),
            ("30-20 år", None),
        ],
    )
    def test_age_bands(self, text: str, band: AgeBand | None) -> None:
        assert parse_age_band(text) == band


class TestShippedData:
    def test_shipped_set_is_illustrative_and_plausible(self) -> None:
        inputs = shipped_inputs()

        assert inputs.illustrative
        assert all(source.illustrative for source in inputs.sources)
        assert [s.kind for s in inputs.sources] == [
            "employment",
            "exit_rates",
            "vacancies",
            "projects",
        ]
        last = inputs.employment.frame[inputs.employment.frame["year"] == 2024]
        jobs = last.groupby("municipality_code")["employed"].sum()
        assert 16_000 < jobs["360"] < 18_000
        assert 21_000 < jobs["376"] < 23_000
        assert inputs.employment.years == list(range(2008, 2025))
        (femern,) = inputs.projects.projects if inputs.projects else ()
        assert femern.municipality_code == "360"
        assert set(femern.extra_jobs) == {"bygge_anlaeg", "hoteller_restauranter"}
        assert "ILLUSTRATIVT" in femern.source

    def test_every_shipped_file_says_it_is_illustrative(self) -> None:
        for kind in readers.INPUT_KINDS:
            text = readers.shipped_content(kind).decode("utf-8")
            assert "ILLUSTRATIVE DATA" in text, kind

    def test_the_generator_reproduces_the_shipped_files(self, tmp_path: Path) -> None:
        for path in write_illustrative_data(tmp_path):
            shipped = readers.shipped_content(
                next(k for k, name in readers.SHIPPED_FILES.items() if name == path.name)
            )
            assert path.read_bytes() == shipped, path.name
