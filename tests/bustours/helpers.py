"""A small world for bus-tour tests: companies on a rectangle, a group of six, a caseworker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import Role
from service.citizens.models import Citizen
from service.companies.models import Company
from tests.citizens.helpers import make_citizen
from tests.factories import bearer, make_company, make_key

API = "/api/v1"
# The start and three companies on the corners of a rectangle, 0.2 degrees of longitude
# (12.82 km) by 0.1 degrees of latitude (11.12 km): the shortest round trip goes round it,
# 2 x (12.82 + 11.12) km straight = 62.2 road km at the detour factor 1.3.
START = {"lat": 54.80, "lon": 11.40}
EAST = (54.80, 11.60)
NORTH_EAST = (54.90, 11.60)
NORTH = (54.90, 11.40)
SHOP, FACTORY, INN = "Østby Købmand", "Nordøst Maskinfabrik", "Nordkro"


@dataclass
class World:
    """The companies by name, the group in order and a caseworker's headers."""

    companies: dict[str, Company]
    group: list[Citizen]
    headers: dict[str, str]


def company(
    session: Session, name: str, sector: str, at: tuple[float, float], **extra: Any
) -> Company:
    """A company at given coordinates that takes visits unless told otherwise."""
    values: dict[str, Any] = {
        "name": name,
        "db07_code": None,
        "sector": sector,
        "lat": at[0],
        "lon": at[1],
        "postal_code": "4990",
        "contact_owner": "jc_guldborgsund",
        "accepts_visits": True,
    }
    values.update(extra)
    return make_company(session, **values)


def person(session: Session, name: str, sectors: list[str], **extra: Any) -> Citizen:
    """A Lolland citizen with preferred sectors, no free-text wishes and a private note."""
    values: dict[str, Any] = {
        "name": name,
        "preferred_sectors": sectors,
        "excluded_sectors": [],
        "preferred_tasks": [],
        "wishes": None,
    }
    values.update(extra)
    return make_citizen(session, **values)


def build_world(session: Session) -> World:
    """Three visiting companies round the rectangle, decoys, and six citizens.

    The shop is relevant for citizens 0-3, the factory for 0, 1 and 4, the inn for 2, 3 and 5:
    with two stops, greedy coverage would take the shop first and miss someone; the factory
    and the inn together cover all six.
    """
    companies = {
        SHOP: company(
            session,
            SHOP,
            "detailhandel",
            EAST,
            address="Hovedgaden 1",
            contacts=[
                {"name": "Per Lund", "phone": "54 00 00 01"},
                {"name": "Kirsten Holm", "phone": "54 12 34 56", "is_primary": True},
            ],
        ),
        FACTORY: company(
            session,
            FACTORY,
            "industri",
            NORTH_EAST,
            address="Fabriksvej 2",
            is_ambassador=True,
            contacts=[{"name": "Jens Madsen", "phone": "54 22 33 44"}],
        ),
        INN: company(
            session,
            INN,
            "hoteller_restauranter",
            NORTH,
            address="Krovej 3",
            postal_code="4930",
            contact_owner="jc_lolland",
            contacts=[{"name": "Lise Berg", "phone": "54 55 66 77"}],
        ),
        # Decoys: a shop at the start that takes no visits, and a paused bakery.
        "Startby Super": company(
            session, "Startby Super", "detailhandel", (54.80, 11.40), accepts_visits=False
        ),
        "Pauseby Bageri": company(
            session, "Pauseby Bageri", "detailhandel", (54.81, 11.41), is_paused=True
        ),
    }
    group = [
        person(session, "Anne Hansen", ["detailhandel", "industri"]),
        person(session, "Bo Jensen", ["detailhandel", "industri"]),
        person(session, "Carla Nielsen", ["detailhandel", "hoteller_restauranter"]),
        person(session, "Anne Krogh", ["detailhandel", "hoteller_restauranter"]),
        person(session, "Dennis Olsen", ["industri"]),
        person(session, "Eva Petersen", ["hoteller_restauranter"]),
    ]
    _, key = make_key(session, Role.caseworker, "360")
    return World(companies=companies, group=group, headers=bearer(key))


def tour_request(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid plan request for the whole group."""
    body: dict[str, Any] = {
        "citizen_ids": [c.id for c in world.group],
        "start": START,
        "date": "2026-05-12",
        "start_time": "09:00",
        "latest_return": "15:00",
        "stops": 3,
        "visit_minutes": 45,
    }
    body.update(overrides)
    return body


def plan(client: TestClient, world: World, **overrides: Any) -> dict[str, Any]:
    """Plan a tour and return the 201 body."""
    response = client.post(
        f"{API}/bus-tours", json=tour_request(world, **overrides), headers=world.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
