"""Hand-made cases of issue 14 over HTTP: the care citizen and the care-home walk, a new
company next door, the Danish-level-1 citizen, company history as evidence, chances with their
band, and candidates ordered by fit with task-side wording for consultants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.auth.principal import CLI_PRINCIPAL, Role
from service.citizens.models import BipMeasurement, Citizen
from service.companies.models import Company
from service.matching import service as matching_service
from service.matching import synthetic
from service.matching.features import BIP_KEYS
from service.matching.model import CHANCE_LABEL_DA, train
from service.placements.models import Placement
from service.tasks.normaliser import sector_wishes
from tests.citizens.helpers import add_bip, make_citizen
from tests.factories import make_company, valid_cvr
from tests.matching.test_matching_api import API, _opening, headers, matches

CARE_WISH = "arbejde med ældre mennesker, omsorg og pleje"
NEUTRAL = dict.fromkeys(BIP_KEYS, 3)


@dataclass
class Cases:
    openings: dict[str, str]
    companies: dict[str, Company]
    care: Citizen
    shopper: Citizen
    danish_one: Citizen


def _history(session: Session, company: Company, converted: int, ended: int) -> None:
    for i in range(ended):
        session.add(
            Placement(
                municipality_code="360",
                company_id=company.id,
                sector=company.sector,
                placement_type="virksomhedspraktik",
                status="ended",
                proposed_date=date(2026, 1, 5),
                start_date=date(2026, 1, 12),
                end_date=date(2026, 4, 10),
                outcome_category=2 if i < converted else 7,
            )
        )
    session.flush()


def _citizen(session: Session, name: str, wishes: str | None, **extra: Any) -> Citizen:
    values: dict[str, Any] = {
        "name": name,
        "postal_code": "4900",
        "has_driving_licence": False,
        "has_car": False,
        "max_commute_km": 30,
        "wishes": wishes,
        "preferred_sectors": [],
        "excluded_sectors": [],
        "preferred_tasks": [],
        "limits": {"cannot_lift_heavy": False, "criminal_record": "no"},
    }
    values.update(extra)
    return make_citizen(session, **values)


@pytest.fixture
def cases(session: Session, loaded_catalogue: object) -> Cases:
    def company(name: str, db07: str, postal_code: str = "4900") -> Company:
        return make_company(
            session,
            cvr=valid_cvr(),
            name=name,
            postal_code=postal_code,
            db07_code=db07,
            contact_owner="jc_lolland",
        )

    companies = {
        "care_home": company("Plejecenter Solsikken", "873000"),
        "old_shop": company("Nakskov Købmand", "471100"),
        "other_shop": company("Nakskov Minimarked", "471100"),
        "new_shop": company("Ny Butik Nakskov", "471100"),
        "builder": company("Nakskov Byg", "412000"),
    }
    openings = {
        "walk": _opening(session, companies["care_home"], "sociale_institutioner.gaatur"),
        "old_shelves": _opening(session, companies["old_shop"], "detailhandel.varepaafyldning"),
        "other_shelves": _opening(session, companies["other_shop"], "detailhandel.varepaafyldning"),
        "new_shelves": _opening(session, companies["new_shop"], "detailhandel.varepaafyldning"),
        "till": _opening(session, companies["old_shop"], "detailhandel.kasse"),
        "carrying": _opening(session, companies["builder"], "bygge_anlaeg.materialebaering"),
    }
    _history(session, companies["old_shop"], converted=3, ended=5)
    _history(session, companies["other_shop"], converted=1, ended=1)
    care = _citizen(session, "Karen Omsorg", CARE_WISH)
    add_bip(session, care, "2026-01-10", NEUTRAL)
    shopper = _citizen(session, "Sofie Hylde", "Fylde varer på hylderne")
    add_bip(session, shopper, "2026-01-10", NEUTRAL)
    danish_one = _citizen(session, "Dana Sprog", "Ekspedition ved kassen", danish_level=1)
    add_bip(session, danish_one, "2026-01-10", NEUTRAL)
    data = synthetic.generate(4000, seed=11)
    result = train(data.frame, data.frame["label"], source="SYNTHETIC (test)")
    matching_service.store_model(session, result=result, actor=CLI_PRINCIPAL)
    return Cases(openings, companies, care, shopper, danish_one)


def _set_answers(session: Session, citizen: Citizen, answers: dict[str, int]) -> None:
    row = session.exec(select(BipMeasurement).where(BipMeasurement.citizen_id == citizen.id)).one()
    for key, value in answers.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()


def _rank(body: dict[str, Any], opening_id: str) -> tuple[int, dict[str, Any]]:
    ids = [item["opening_id"] for item in body["items"]]
    return ids.index(opening_id) + 1, body["items"][ids.index(opening_id)]


class TestCareCitizen:
    def test_care_wish_is_a_sector_and_the_walk_comes_first_whatever_support_says(
        self,
        client: TestClient,
        session: Session,
        cases: Cases,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        assert sector_wishes(CARE_WISH) == ["sociale_institutioner"]
        caseworker = headers(session, Role.caseworker)
        seen = {}
        for label, value in (("3", 3), ("1", 1), ("5", 5)):
            _set_answers(session, cases.care, {"social_support": value, "cooperation": value})
            rank, item = _rank(matches(client, caseworker, cases.care), cases.openings["walk"])
            seen[label] = (rank, item["chance"])
        with capsys.disabled():
            print(f"\n[care citizen, walk (rank, chance) by support+cooperation] {seen}")
        assert seen["3"][0] == 1
        # Better self-ratings never lower the chance (they carry no weight in the evaluation).
        assert seen["1"][1] <= seen["3"][1] <= seen["5"][1]
        assert seen["5"][0] == 1


class TestNewCompany:
    def test_a_new_company_next_door_is_in_the_top_5_for_its_task(
        self, client: TestClient, session: Session, cases: Cases
    ) -> None:
        body = matches(client, headers(session, Role.caseworker), cases.shopper)

        rank, item = _rank(body, cases.openings["new_shelves"])
        assert rank <= 5
        assert item["parts"]["chance"] > 0
        # No history: no reason or caution speaks of it.
        assert not [r for r in item["reasons"] + item["cautions"] if "praktikker" in r]

    def test_history_is_quoted_only_with_five_ended_internships(
        self, client: TestClient, session: Session, cases: Cases
    ) -> None:
        body = matches(client, headers(session, Role.caseworker), cases.shopper)

        _, old = _rank(body, cases.openings["old_shelves"])
        _, other = _rank(body, cases.openings["other_shelves"])
        assert "3 af 5 praktikker her er blevet til lønnede timer" in old["reasons"]
        assert not [r for r in other["reasons"] + other["cautions"] if "praktik" in r]


class TestDanishLevel:
    def test_the_caution_names_the_level_for_caseworkers_and_the_task_for_consultants(
        self, client: TestClient, session: Session, cases: Cases
    ) -> None:
        full = matches(client, headers(session, Role.caseworker), cases.danish_one)
        task_side = matches(client, headers(session, Role.company_consultant), cases.danish_one)

        _, till = _rank(full, cases.openings["till"])
        _, till_consultant = _rank(task_side, cases.openings["till"])
        assert "opgaven kræver dansk på niveau 3; borgeren har angivet 1" in till["cautions"]
        assert "opgaven kræver dansk på niveau 3" in till_consultant["cautions"]
        assert not [c for c in till_consultant["cautions"] if "borgeren har angivet" in c]
        assert till["log_odds"]["task_fit"] < 0  # the language gap costs, never helps
        assert "readiness" not in till_consultant["log_odds"]
        assert "task_fit" not in till_consultant["log_odds"]


class TestChances:
    def test_chances_are_labelled_banded_and_in_the_evaluation_s_range(
        self, client: TestClient, session: Session, cases: Cases
    ) -> None:
        body = matches(client, headers(session, Role.caseworker), cases.shopper)

        for item in body["items"]:
            assert item["chance_label"] == CHANCE_LABEL_DA == "chance for lønnede timer (skøn)"
            low, high = item["chance_band"]
            assert 0 <= low <= high <= 1
            assert item["chance"] <= 0.8
            assert item["parts"]["chance"] == pytest.approx(item["chance"], abs=1e-4)


class TestCandidates:
    def test_candidates_are_ordered_by_fit_and_consultants_see_task_side_parts(
        self, client: TestClient, session: Session, cases: Cases
    ) -> None:
        response = client.get(
            f"{API}/openings/{cases.openings['new_shelves']}/candidates",
            headers=headers(session, Role.company_consultant),
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]

        fits = [item["fit"] for item in items]
        assert fits == sorted(fits, reverse=True)
        assert items[0]["name"] == "Sofie Hylde"  # the one who wishes the task
        for item in items:
            assert set(item["log_odds"]) <= {
                "wishes",
                "commute",
                "hours",
                "task",
                "company",
                "demand",
            }
