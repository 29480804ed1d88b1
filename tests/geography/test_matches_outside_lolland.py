"""Before issue 13 a citizen outside Lolland and Guldborgsund had no coordinates and matches
answered 409. Now: Aarhus citizens match Aarhus openings, by DAWA's centres or explicit lat/lon."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL, Role
from service.matching import service as matching_service
from service.matching import synthetic
from service.matching.model import train
from service.postal_import import import_postal_codes
from service.tasks import openings as openings_service
from service.tasks.schemas import OpeningCreate
from tests.citizens.helpers import make_citizen
from tests.factories import bearer, make_company, make_key, valid_cvr
from tests.geography.helpers import dawa_csv

API = "/api/v1"


@dataclass
class Aarhus:
    headers: dict[str, str]


@pytest.fixture
def aarhus(session: Session, loaded_catalogue: object) -> Aarhus:
    data = synthetic.generate(2000, seed=13)
    result = train(data.frame, data.frame["label"], source="SYNTHETIC (test)")
    matching_service.store_model(session, result=result, actor=CLI_PRINCIPAL)
    _, key = make_key(session, Role.caseworker, "751")
    return Aarhus(headers=bearer(key))


def _shop_with_opening(session: Session, **where: object) -> str:
    company = make_company(
        session,
        cvr=valid_cvr(),
        name="Aarhus Dagligvarer",
        db07_code="471100",
        contact_owner="jc_aarhus",
        **where,
    )
    item = OpeningCreate.model_validate(
        {
            "task_id": "detailhandel.varepaafyldning",
            "hours_per_week": 10,
            "placement_types": ["virksomhedspraktik", "loentimer"],
        }
    )
    (opening,) = openings_service.create_openings(
        session, company=company, items=[item], actor=CLI_PRINCIPAL, as_list=False
    )
    return opening.id


def _citizen(session: Session, **where: Any) -> str:
    citizen = make_citizen(
        session,
        max_commute_km=20,
        preferred_tasks=[],
        limits={"cannot_lift_heavy": False, "criminal_record": "no"},
        **where,
    )
    assert citizen.municipality_code == "751"
    return citizen.id


class TestAarhus:
    def test_without_coordinates_matches_answer_409(
        self, client: TestClient, session: Session, aarhus: Aarhus
    ) -> None:
        citizen_id = _citizen(session, postal_code="8000")

        response = client.get(f"{API}/citizens/{citizen_id}/matches", headers=aarhus.headers)

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "citizen_without_location"
        assert "kantmatch import postal-codes" in response.json()["error"]["message"]

    def test_dawa_centres_give_an_aarhus_citizen_aarhus_matches(
        self, client: TestClient, session: Session, aarhus: Aarhus
    ) -> None:
        import_postal_codes(session, content=dawa_csv(), filename="postnumre.csv")
        opening_id = _shop_with_opening(session, postal_code="8210")
        citizen_id = _citizen(session, postal_code="8000")

        response = client.get(f"{API}/citizens/{citizen_id}/matches", headers=aarhus.headers)
        citizen = client.get(f"{API}/citizens/{citizen_id}", headers=aarhus.headers).json()

        assert response.status_code == 200, response.text
        assert opening_id in [m["opening_id"] for m in response.json()["items"]]
        assert (citizen["lat"], citizen["lon"], citizen["coordinates_source"]) == (
            56.1567,
            10.2039,
            "postal_code",
        )

    def test_explicit_coordinates_without_any_table(
        self, client: TestClient, session: Session, aarhus: Aarhus
    ) -> None:
        opening_id = _shop_with_opening(session, postal_code="8000", lat=56.156, lon=10.21)
        citizen_id = _citizen(session, postal_code="8000", lat=56.16, lon=10.19)

        response = client.get(f"{API}/citizens/{citizen_id}/matches", headers=aarhus.headers)
        citizen = client.get(f"{API}/citizens/{citizen_id}", headers=aarhus.headers).json()

        assert response.status_code == 200, response.text
        assert [m["opening_id"] for m in response.json()["items"]][:1] == [opening_id]
        assert citizen["coordinates_source"] == "given"


class TestCitizenCoordinates:
    def test_only_one_of_lat_and_lon_is_refused(
        self, client: TestClient, session: Session, aarhus: Aarhus
    ) -> None:
        response = client.post(
            f"{API}/citizens",
            json={"name": "Ida", "external_ref": "A-1", "postal_code": "8000", "lat": 56.1},
            headers=aarhus.headers,
        )

        assert response.status_code == 422
        fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
        assert fields == {"lon": "Angiv både lat og lon, eller ingen af dem"}

    def test_moving_drops_given_coordinates_for_the_new_centre(
        self, client: TestClient, session: Session, aarhus: Aarhus
    ) -> None:
        import_postal_codes(session, content=dawa_csv(), filename="postnumre.csv")
        citizen_id = _citizen(session, postal_code="8000", lat=56.16, lon=10.19)

        moved = client.patch(
            f"{API}/citizens/{citizen_id}", json={"postal_code": "8210"}, headers=aarhus.headers
        )

        assert moved.status_code == 200, moved.text
        body = moved.json()
        assert (body["lat"], body["lon"], body["coordinates_source"]) == (
            56.17,
            10.163,
            "postal_code",
        )
