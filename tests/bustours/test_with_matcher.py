"""Relevance from the matcher's scores, and wishes that count beyond the commute limit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL, Role
from service.companies.models import Company
from service.matching import service as matching_service
from service.matching import synthetic
from service.matching.model import train
from service.tasks import openings as openings_service
from service.tasks.schemas import OpeningCreate
from tests.bustours.helpers import EAST, World, company, person, plan
from tests.factories import bearer, make_key

NYKOEBING = (54.769, 11.874)
NO_LIMITS = {"cannot_lift_heavy": False, "criminal_record": "no"}


def _open(session: Session, at: Company, task_id: str) -> None:
    item = OpeningCreate.model_validate(
        {"task_id": task_id, "hours_per_week": 10, "placement_types": ["virksomhedspraktik"]}
    )
    openings_service.create_openings(
        session, company=at, items=[item], actor=CLI_PRINCIPAL, as_list=False
    )


def test_matcher_covers_a_citizen_without_wishes_and_wishes_reach_beyond_the_commute(
    client: TestClient, session: Session, loaded_catalogue: object
) -> None:
    shop = company(session, "Sakskøbing Super", "detailhandel", EAST)
    _open(session, shop, "detailhandel.varepaafyldning")
    packer = company(session, "Nykøbing Pakkeri", "industri", NYKOEBING)
    _open(session, packer, "industri.pakning")
    # No wishes at all: only the matcher can say where she fits (7 km from Maribo).
    gitte = person(session, "Gitte Lund", [], max_commute_km=30, limits=NO_LIMITS)
    # Wishes to pack, but will only commute 5 km; Nykøbing is 26 km from Maribo.
    hans = person(
        session,
        "Hans Berg",
        [],
        max_commute_km=5,
        preferred_tasks=["industri.pakning"],
        limits=NO_LIMITS,
    )
    data = synthetic.generate(3000, seed=11)
    result = train(data.frame, data.frame["label"], source="SYNTHETIC (test)")
    matching_service.store_model(session, result=result, actor=CLI_PRINCIPAL)
    _, key = make_key(session, Role.caseworker, "360")
    world = World(companies={}, group=[gitte, hans], headers=bearer(key))

    body = plan(client, world, start="maribo", stops=2, latest_return="14:00")

    by_name = {s["company_name"]: s for s in body["stops"]}
    assert set(by_name) == {"Sakskøbing Super", "Nykøbing Pakkeri"}
    (for_gitte,) = by_name["Sakskøbing Super"]["for_citizens"]
    assert for_gitte["label"] == "Gitte"
    assert "matcheren finder opgaver her, som passer til borgeren" in for_gitte["reasons"]
    assert 0 < for_gitte["match_score"] <= 1
    (for_hans,) = by_name["Nykøbing Pakkeri"]["for_citizens"]
    assert for_hans["reasons"] == [
        "ønsker opgaven 'Pakning af færdigvarer ved produktionslinjen', som virksomheden har åben"
    ]
    assert body["selection"]["used_model"] is True
    assert not any(w.startswith("Ingen matchmodel") for w in body["warnings"])
    packing = "1 åben opgave: 'Pakning af færdigvarer ved produktionslinjen'"
    assert packing in by_name["Nykøbing Pakkeri"]["reasons"]
