"""Forecasts stored in the database and served by the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from labour_market.codes import SECTOR_NAMES_DA
from service.auth.models import AuditEntry
from service.auth.principal import CLI_PRINCIPAL, Role
from service.cpr import CPR_REFUSED_DA, CPR_REFUSED_EN
from service.forecasts import importers
from service.forecasts import service as forecasts_service
from service.forecasts.exceptions import ForecastInputError
from service.forecasts.models import ForecastCell, ForecastInput, ForecastRow, ForecastRun
from tests.contract.test_cpr_fields import CPR_FORMS
from tests.factories import bearer, make_key

API = "/api/v1"

# Small "real" (not illustrative) extracts, in the shapes a user downloads.
REAL_EXIT_RATES = (
    "# kilde: Egen beregning efter Cedefop\n# dato: 2025-03-01\n# licens: CC BY 4.0\n"
    "ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE\n16-59 år;0;0,01\n60 år og derover;0,08;0,02\n"
).encode("latin-1")
REAL_EMPLOYMENT = (
    "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD\n"
    + "".join(
        f"Lolland;47 Detailhandel;{band};{year};{count - (year - 2020) * 5}\n"
        for year in range(2020, 2025)
        for band, count in (("16-59 år", 800), ("60 år og derover", 240))
    )
).encode("latin-1")
REAL_VACANCIES = (
    "OMRÅDE;BRANCHE07;TID;INDHOLD\n"
    + "".join(
        f"Region Sjælland;4 Handel og transport mv.;{year}K{q};{1000 + 10 * q}\n"
        for year in (2023, 2024)
        for q in (1, 2, 3, 4)
    )
).encode("latin-1")
REAL_PROJECTS = (
    b"illustrative: false\nsource: {kilde: Kommunens erhvervsafdeling, dato: '2025-02-01'}\n"
    b"projects:\n  - name: Butikscenter\n    municipality: '360'\n"
    b"    source: Byggetilladelse 2025\n    extra_jobs: {detailhandel: {2025: 30}}\n"
)


@pytest.fixture
def run(session: Session) -> ForecastRun:
    """A forecast computed from the shipped illustrative data."""
    return forecasts_service.compute_forecast(session, actor=CLI_PRINCIPAL)


@pytest.fixture
def key(session: Session) -> str:
    _, api_key = make_key(session, Role.company_consultant, "376")
    return api_key


def get(client: TestClient, key: str, path: str, **headers: str) -> Any:
    return client.get(f"{API}{path}", headers=bearer(key, **headers))


class TestBeforeAnyRun:
    def test_api_says_no_forecast_yet(self, client: TestClient, key: str) -> None:
        response = get(client, key, "/forecasts")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "forecast_missing"
        assert "kantmatch forecast run" in response.json()["error"]["message"]

    def test_demand_index_is_empty(self, session: Session) -> None:
        assert forecasts_service.demand_index(session) == {}
        assert forecasts_service.forecast_version(session) is None

    def test_ensure_computes_once(self, session: Session) -> None:
        first, computed = forecasts_service.ensure_forecast(session, actor=CLI_PRINCIPAL)
        again, computed_again = forecasts_service.ensure_forecast(session, actor=CLI_PRINCIPAL)

        assert (computed, computed_again) == (True, False)
        assert again.id == first.id


@pytest.mark.usefixtures("run")
class TestReadForecasts:
    def test_illustrative_flag_sources_and_backtest(self, client: TestClient, key: str) -> None:
        body = get(client, key, "/forecasts").json()

        assert body["illustrative"] is True
        assert body["notice"].startswith("ILLUSTRATIVE DATA")
        assert [s["kind"] for s in body["sources"]] == [
            "employment",
            "exit_rates",
            "vacancies",
            "projects",
        ]
        assert all(s["illustrative"] for s in body["sources"])
        assert all(
            s["name"] and s["date"] == "2026-11-27" and s["licence"] for s in body["sources"]
        )
        assert body["run"]["history_first_year"] == 2008
        assert body["run"]["history_last_year"] == 2024
        backtest = body["run"]["backtest"]
        assert backtest["method_beats_naive"] is True
        assert backtest["method_mae"] < backtest["naive_mae"]
        assert len(body["items"]) == 2 * 10 * 5
        assert len(body["demand"]) == 2 * 10

    def test_filters_and_values(self, client: TestClient, key: str, session: Session) -> None:
        body = get(client, key, "/forecasts?municipality=360&sector=bygge_anlaeg&years=2").json()

        assert [(i["municipality_code"], i["sector"], i["year"]) for i in body["items"]] == [
            ("360", "bygge_anlaeg", 2025),
            ("360", "bygge_anlaeg", 2026),
        ]
        first = body["items"][0]
        stored = session.exec(
            select(ForecastRow).where(
                ForecastRow.municipality_code == "360",
                ForecastRow.sector == "bygge_anlaeg",
                ForecastRow.year == 2025,
            )
        ).one()
        assert first["openings"] == round(stored.openings, 1)
        assert first["municipality_name"] == "Lolland"
        assert first["sector_name"] == SECTOR_NAMES_DA["bygge_anlaeg"]
        # the Femern entry (illustrative): 420 - 300 jobs plus 15 % turnover of 300
        assert first["project"] == pytest.approx(165.0)
        assert first["openings"] == pytest.approx(
            first["replacement"] + first["expansion"] + first["project"], abs=0.15
        )
        assert first["low"] <= first["openings"] <= first["high"]
        (demand,) = body["demand"]
        assert demand["projects"] == [
            "Femern Bælt-tunnelen, lokale job på Lolland (illustrativt skøn)"
        ]
        assert demand["current_vacancies"]["db07_10_group"] == 3
        assert demand["current_vacancies"]["region_name"] == "Region Sjælland"
        assert demand["current_vacancies"]["latest_quarter"] == "2024K4"

    def test_notice_in_english(self, client: TestClient, key: str) -> None:
        body = get(client, key, "/forecasts?years=1", **{"Accept-Language": "en"}).json()

        assert body["notice"].startswith("ILLUSTRATIVE DATA: the forecast rests on invented")
        assert {i["years_ahead"] for i in body["items"]} == {1}

    @pytest.mark.parametrize(
        ("query", "field"),
        [("municipality=36", "municipality"), ("years=6", "years"), ("sector=fiskeri", "sector")],
    )
    def test_bad_parameters_name_the_field(
        self, client: TestClient, key: str, query: str, field: str
    ) -> None:
        response = get(client, key, f"/forecasts?{query}")

        assert response.status_code == 422
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]

    def test_municipality_without_data_falls_back_visibly(
        self, client: TestClient, key: str
    ) -> None:
        response = get(client, key, "/forecasts?municipality=751&sector=detailhandel")

        assert response.status_code == 200
        body = response.json()
        assert body["fallback_municipalities"] == ["751"]
        assert body["items"] == []
        assert [
            (d["municipality_code"], d["sector"], d["demand_index"], d["fallback"])
            for d in body["demand"]
        ] == [("751", "detailhandel", 0.5, True)]
        assert "ingen tal for kommune 751" in body["notice"]
        assert "ILLUSTRATIVE DATA" in body["notice"]

    def test_municipality_with_data_is_not_flagged(self, client: TestClient, key: str) -> None:
        body = get(client, key, "/forecasts?municipality=360").json()

        assert body["fallback_municipalities"] == []
        assert {d["fallback"] for d in body["demand"]} == {False}
        assert len(body["demand"]) == 10

    def test_code_that_is_no_municipality_is_404(self, client: TestClient, key: str) -> None:
        response = get(client, key, "/forecasts?municipality=999")

        assert response.status_code == 404
        assert response.json()["error"]["fields"][0]["field"] == "municipality"

    def test_integration_is_refused(self, client: TestClient, session: Session) -> None:
        _, integration = make_key(session, Role.integration)

        assert get(client, integration, "/forecasts").status_code == 403


@pytest.mark.usefixtures("run")
class TestChart:
    def test_svg_with_a_panel_per_sector_bands_and_the_illustrative_mark(
        self, client: TestClient, key: str
    ) -> None:
        response = get(client, key, "/forecasts/chart.svg?municipality=360")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)
        ns = "{http://www.w3.org/2000/svg}"
        titles = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "panel-title"]
        assert titles == list(SECTOR_NAMES_DA.values())
        assert len(list(root.iter(f"{ns}polygon"))) == 10  # one band per sector
        assert "ILLUSTRATIVE DATA" in response.text
        assert "Lolland (360), 2025-2029" in response.text
        assert "[ILLUSTRATIV]" in response.text

    def test_unknown_municipality_and_missing_parameter(self, client: TestClient, key: str) -> None:
        assert get(client, key, "/forecasts/chart.svg?municipality=101").status_code == 404
        missing = get(client, key, "/forecasts/chart.svg")
        assert missing.status_code == 422
        assert missing.json()["error"]["fields"][0]["field"] == "municipality"


class TestDemandIndex:
    def test_plain_function_for_the_matcher(self, session: Session, run: ForecastRun) -> None:
        index = forecasts_service.demand_index(session)

        assert len(index) == 20
        assert all(0 <= v <= 1 for v in index.values())
        # the illustrative Femern project makes Lolland's construction the tightest cell
        assert max(index, key=index.__getitem__) == ("360", "bygge_anlaeg")
        stored = session.exec(
            select(ForecastCell).where(
                ForecastCell.run_id == run.id,
                ForecastCell.municipality_code == "376",
                ForecastCell.sector == "detailhandel",
            )
        ).one()
        assert index[("376", "detailhandel")] == stored.demand_index
        assert forecasts_service.forecast_version(session) == run.id

    def test_demand_with_fallback_flags_municipalities_without_data(
        self, session: Session, run: ForecastRun
    ) -> None:
        index = forecasts_service.demand_index(session)
        answer = forecasts_service.demand_with_fallback(
            session, keys=[("360", "industri"), ("751", "industri")]
        )

        assert answer == {
            ("360", "industri"): (index[("360", "industri")], False),
            ("751", "industri"): (0.5, True),
        }
        assert forecasts_service.forecast_municipalities(session) == {"360", "376"}

    def test_a_new_run_replaces_the_version(self, session: Session, run: ForecastRun) -> None:
        newer = forecasts_service.compute_forecast(session, actor=CLI_PRINCIPAL)

        assert forecasts_service.forecast_version(session) == newer.id != run.id

    def test_old_runs_are_pruned(self, session: Session) -> None:
        for _ in range(forecasts_service.KEEP_RUNS + 1):
            forecasts_service.compute_forecast(session, actor=CLI_PRINCIPAL)

        runs = session.exec(select(func.count()).select_from(ForecastRun)).one()
        rows = session.exec(select(func.count()).select_from(ForecastRow)).one()
        assert runs == forecasts_service.KEEP_RUNS
        assert rows == forecasts_service.KEEP_RUNS * 100


def counts(session: Session) -> tuple[int, int]:
    return (
        session.exec(select(func.count()).select_from(ForecastInput)).one(),
        session.exec(select(func.count()).select_from(ForecastRun)).one(),
    )


class TestImport:
    def test_real_extracts_replace_the_illustrative_set(
        self, session: Session, client: TestClient, key: str
    ) -> None:
        for name, content in (
            ("afgang.csv", REAL_EXIT_RATES),
            ("ras.csv", REAL_EMPLOYMENT),
            ("lsk03.csv", REAL_VACANCIES),
            ("projekter.yaml", REAL_PROJECTS),
        ):
            result = importers.import_input(
                session, content=content, filename=name, actor=CLI_PRINCIPAL
            )
            assert result.run_id is not None

        body = get(client, key, "/forecasts?municipality=360&sector=detailhandel").json()

        assert body["illustrative"] is False
        assert body["notice"] is None
        assert [s["filename"] for s in body["sources"]] == [
            "ras.csv",
            "afgang.csv",
            "lsk03.csv",
            "projekter.yaml",
        ]
        assert body["sources"][1]["name"] == "Egen beregning efter Cedefop"
        assert body["sources"][3]["name"] == "Kommunens erhvervsafdeling"
        # 780 × 0.01 + 220 × 0.10 in 2024; the trend falls 10 a year; the shop adds 30 jobs
        first = body["items"][0]
        assert first["replacement"] == pytest.approx(7.8 + 22.0, abs=0.05)
        assert first["project"] == 30
        assert body["run"]["history_first_year"] == 2020
        assert body["demand"][0]["current_vacancies"]["mean_last_4_quarters"] == 1025.0
        audited = session.exec(
            select(AuditEntry).where(AuditEntry.entity_type == "forecast_input")
        ).all()
        assert len(audited) == 4

    def test_source_given_at_import_wins(self, session: Session) -> None:
        result = importers.import_input(
            session,
            content=REAL_EXIT_RATES,
            filename="afgang.csv",
            actor=CLI_PRINCIPAL,
            source_name="STAR, afgangsrater",
            licence="Fri brug",
            recompute=False,
        )

        assert (result.source.name, result.source.licence, result.run_id) == (
            "STAR, afgangsrater",
            "Fri brug",
            None,
        )
        active = session.exec(select(ForecastInput).where(col(ForecastInput.is_active))).one()
        assert active.source["name"] == "STAR, afgangsrater"

    def test_a_bad_file_names_its_lines_and_stores_nothing(self, session: Session) -> None:
        before = counts(session)
        broken = REAL_EMPLOYMENT.replace(b"2022;790", b"2022;x").replace(
            b"Lolland;47", b"Mars;47", 1
        )

        with pytest.raises(ForecastInputError) as caught:
            importers.import_input(session, content=broken, filename="ras.csv", actor=CLI_PRINCIPAL)

        assert [f.field for f in caught.value.fields] == ["linje 2, OMRÅDE", "linje 6, INDHOLD"]
        assert caught.value.status_code == 422
        assert counts(session) == before

    @pytest.mark.parametrize("form", list(CPR_FORMS))
    def test_a_cpr_like_label_is_refused_with_its_line_and_column(
        self, session: Session, form: str
    ) -> None:
        before = counts(session)
        cpr = CPR_FORMS[form]
        text = REAL_EMPLOYMENT.decode("latin-1").replace(
            "Detailhandel;60 år og derover;2021", f"Detailhandel ring {cpr};60 år og derover;2021"
        )

        with pytest.raises(ForecastInputError) as caught:
            importers.import_input(
                session, content=text.encode(), filename="ras.csv", actor=CLI_PRINCIPAL
            )

        assert [(f.field, f.message_da) for f in caught.value.fields] == [
            ("linje 5, BRANCHE07", CPR_REFUSED_DA)
        ]
        assert cpr not in caught.value.message_da + str(caught.value.fields)
        assert counts(session) == before

    def test_cpr_like_values_anywhere_in_a_file_or_its_options_are_all_named(
        self, session: Session
    ) -> None:
        before = counts(session)
        employment = (
            "# note: spørg Anne (210270-1092)\n"
            + REAL_EMPLOYMENT.decode("latin-1").replace(";2020;800", ";2020;210270-1092")
        ).encode()
        projects = REAL_PROJECTS.replace(b"Butikscenter", b"Butikscenter 21.02.70.1092")

        with pytest.raises(ForecastInputError) as in_employment:
            importers.import_input(
                session,
                content=employment,
                filename="ras.csv",
                actor=CLI_PRINCIPAL,
                source_name="Anne 210270/1092",
            )
        with pytest.raises(ForecastInputError) as in_projects:
            importers.import_input(
                session, content=projects, filename="projekter.yaml", actor=CLI_PRINCIPAL
            )

        # A count cell is refused as a CPR number before the reader could quote it as "not a
        # number"; the option is named by its name.
        assert [f.field for f in in_employment.value.fields] == [
            "linje 1, note",
            "linje 3, INDHOLD",
            "source",
        ]
        assert [f.field for f in in_projects.value.fields] == ["linje 4, name"]
        refusals = in_employment.value.fields + in_projects.value.fields
        assert {f.message_en for f in refusals} == {CPR_REFUSED_EN}
        assert "1092" not in str(refusals)
        assert counts(session) == before

    def test_employment_whose_age_bands_have_no_exit_rate_is_refused(
        self, session: Session
    ) -> None:
        before = counts(session)

        # The shipped exit rates use 16-24 ... 65+; 16-59 år fits none of them.
        with pytest.raises(ForecastInputError) as caught:
            importers.import_input(
                session, content=REAL_EMPLOYMENT, filename="ras.csv", actor=CLI_PRINCIPAL
            )

        assert "16-59 år" in caught.value.fields[0].message_da
        assert counts(session) == before

    def test_reset_goes_back_to_the_shipped_set(self, session: Session) -> None:
        importers.import_input(
            session, content=REAL_EXIT_RATES, filename="afgang.csv", actor=CLI_PRINCIPAL
        )

        assert importers.reset_inputs(session, actor=CLI_PRINCIPAL) == 1
        inputs = forecasts_service.active_inputs(session)

        assert inputs.exit_rates.source.filename == "exit_rates_illustrative.csv"
        assert inputs.illustrative
