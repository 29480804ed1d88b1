"""Planning bus tours over HTTP: coverage, the exact route, the time window, privacy, roles."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from service.auth.models import AuditEntry
from service.auth.principal import Role
from service.bustours.models import BusTour
from tests.bustours.helpers import (
    API,
    FACTORY,
    INN,
    SHOP,
    World,
    build_world,
    person,
    plan,
    tour_request,
)
from tests.citizens.helpers import error_fields
from tests.factories import bearer, make_key

AROUND = [SHOP, FACTORY, INN]


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _tours(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(BusTour)).one())


class TestPlan:
    def test_three_stops_go_round_the_rectangle_with_times_by_hand(
        self, client: TestClient, world: World
    ) -> None:
        body = plan(client, world)

        names = [s["company_name"] for s in body["stops"]]
        assert names in (AROUND, AROUND[::-1])  # round the rectangle, never across
        assert body["total_km"] == pytest.approx(62.2, abs=0.05)
        # 16.7 km = 17 min, 14.5 km = 15 min, 16.6 km = 17 min, 14.5 km = 15 min at 60 km/h.
        if names == AROUND:
            times = [("09:17", "10:02"), ("10:17", "11:02"), ("11:19", "12:04")]
        else:
            times = [("09:15", "10:00"), ("10:17", "11:02"), ("11:17", "12:02")]
        assert [(s["arrive_at"], s["leave_at"]) for s in body["stops"]] == times
        assert body["return_at"] == "12:19"
        assert body["home"]["arrive_at"] == "12:19"
        assert body["total_minutes"] == 199
        assert body["driving_minutes"] == 64
        assert body["assumptions"]["detour_factor"] == 1.3
        assert body["assumptions"]["average_speed_kmh"] == 60.0
        assert "antaget" in body["assumptions"]["note"]

    def test_every_citizen_is_covered_and_every_stop_says_for_whom_and_why(
        self, client: TestClient, world: World
    ) -> None:
        body = plan(client, world)

        by_name = {s["company_name"]: s for s in body["stops"]}
        labels = {n: [p["label"] for p in s["for_citizens"]] for n, s in by_name.items()}
        assert labels == {
            SHOP: ["Anne H.", "Bo", "Carla", "Anne K."],
            FACTORY: ["Anne H.", "Bo", "Dennis"],
            INN: ["Carla", "Anne K.", "Eva"],
        }
        assert all(m["covered"] for m in body["citizens"])
        assert body["selection"]["covered"] == 6
        factory = by_name[FACTORY]
        assert "Dennis: foretrækker branchen industri" in factory["reasons"]
        assert "ambassadørvirksomhed: en rollemodel for andre virksomheder" in factory["reasons"]
        assert "ingen åbne opgaver lige nu: besøget viser arbejdspladsen" in factory["reasons"]
        assert factory["contact_name"] == "Jens Madsen"
        assert by_name[SHOP]["contact_name"] == "Kirsten Holm"  # the primary contact
        assert by_name[SHOP]["contact_phone"] == "+45 54 12 34 56"
        assert by_name[SHOP]["address"] == "Hovedgaden 1"
        # The decoys: no visits, and paused.
        assert not {"Startby Super", "Pauseby Bageri"} & set(by_name)
        assert body["selection"]["used_model"] is False
        assert any(w.startswith("Ingen matchmodel er trænet endnu") for w in body["warnings"])

    def test_two_stops_still_cover_all_six(self, client: TestClient, world: World) -> None:
        # The shop alone is relevant for four; the factory and the inn together for all six.
        body = plan(client, world, stops=2)

        assert sorted(s["company_name"] for s in body["stops"]) == sorted([FACTORY, INN])
        assert all(m["covered"] for m in body["citizens"])

    def test_a_citizen_nothing_fits_is_named_in_a_warning(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        farmer = person(session, "Frida Mark", ["landbrug"])

        body = plan(client, world, citizen_ids=[*tour_request(world)["citizen_ids"], farmer.id])

        member = next(m for m in body["citizens"] if m["citizen_id"] == farmer.id)
        assert member == {"citizen_id": farmer.id, "label": "Frida", "covered": False}
        assert (
            "Frida: ingen virksomhed, der tager imod besøg inden for rækkevidde, passer til "
            "ønsker eller muligheder." in body["warnings"]
        )

    def test_a_small_group_gets_a_warning_not_an_error(
        self, client: TestClient, world: World
    ) -> None:
        body = plan(client, world, citizen_ids=[c.id for c in world.group[:3]], stops=1)

        assert "Gruppen har 3 borgere; en bustur er tænkt til 6-8 borgere." in body["warnings"]
        assert [s["company_name"] for s in body["stops"]] == [SHOP]

    def test_start_at_a_job_centre(self, client: TestClient, world: World) -> None:
        body = plan(client, world, start="maribo", stops=1)

        assert body["start"] == {
            "key": "maribo",
            "name": "Jobcenter Lolland, Maribo",
            "lat": 54.777,
            "lon": 11.5,
        }


class TestTimeWindow:
    def test_too_late_names_latest_return_and_what_fits(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        before = _tours(session)

        response = client.post(
            f"{API}/bus-tours",
            json=tour_request(world, latest_return="11:30"),
            headers=world.headers,
        )

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "tour_does_not_fit"
        # Three stops: 199 minutes, home 12:19. Two stops: 145 minutes, home 11:25.
        message = (
            "3 stop kan ikke nås før seneste hjemkomst kl. 11:30: turen kræver 3 t 19 min og er "
            "hjemme kl. 12:19. 2 stop kan nås (hjemme kl. 11:25); sæt stops til 2, gør "
            "besøgene kortere eller flyt seneste hjemkomst."
        )
        assert error["message"] == message
        assert error_fields(response.json()) == {"latest_return": message}
        assert _tours(session) == before

    def test_in_english(self, client: TestClient, world: World) -> None:
        response = client.post(
            f"{API}/bus-tours",
            json=tour_request(world, latest_return="10:40"),
            headers={**world.headers, "Accept-Language": "en"},
        )

        assert response.status_code == 422
        # One stop, the shop (relevant for four): 17 + 45 + 17 minutes, home 10:19.
        assert response.json()["error"]["message"] == (
            "3 stops cannot be visited before the latest return at 10:40: the tour needs "
            "3 h 19 min and is back at 12:19. 1 stop would fit (back at 10:19); set stops to "
            "1, shorten the visits or move the latest return."
        )

    def test_nothing_within_reach(self, client: TestClient, world: World) -> None:
        response = client.post(
            f"{API}/bus-tours",
            json=tour_request(world, latest_return="10:00"),
            headers=world.headers,
        )

        assert response.status_code == 422
        # (60 - 45) / 2 minutes out at 60 km/h: 7.5 road km; the nearest company is 14.5 away.
        assert error_fields(response.json()) == {
            "latest_return": "Ikke engang ét stop kan nås før seneste hjemkomst kl. 10:00: med "
            "den tid og besøgslængde kan bussen højst køre 7,5 km ud, og ingen af de 3 "
            "virksomheder, der tager imod besøg, ligger så tæt på. Flyt tiderne eller gør "
            "besøget kortere."
        }


class TestValidation:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"citizen_ids": ["x"]}, "citizen_ids"),
            ({"citizen_ids": [f"c{i}" for i in range(13)]}, "citizen_ids"),
            ({"start": "rodby"}, "start"),
            ({"start": {"lat": 10, "lon": 11}}, "start"),
            ({"start_time": "9.00"}, "start_time"),
            ({"latest_return": "08:30"}, "latest_return"),
            ({"stops": 7}, "stops"),
            ({"visit_minutes": 5}, "visit_minutes"),
            ({"date": "12-05-2026"}, "date"),
        ],
    )
    def test_bad_input_names_the_field(
        self,
        client: TestClient,
        session: Session,
        world: World,
        change: dict[str, object],
        field: str,
    ) -> None:
        response = client.post(
            f"{API}/bus-tours", json=tour_request(world, **change), headers=world.headers
        )

        assert response.status_code == 422, response.text
        fields = [f["field"] for f in response.json()["error"]["fields"]]
        assert any(f == field or f.startswith(f"{field}.") for f in fields), fields
        assert _tours(session) == 0

    def test_duplicates_and_unknown_citizens(self, client: TestClient, world: World) -> None:
        ids = [c.id for c in world.group]

        twice = client.post(
            f"{API}/bus-tours",
            json=tour_request(world, citizen_ids=[*ids, ids[0]]),
            headers=world.headers,
        )
        unknown = client.post(
            f"{API}/bus-tours",
            json=tour_request(world, citizen_ids=[*ids, "ukendt"]),
            headers={**world.headers, "Accept-Language": "en"},
        )

        assert error_fields(twice.json()) == {
            "citizen_ids": "Hver borger må kun stå på listen én gang"
        }
        assert unknown.status_code == 422
        assert error_fields(unknown.json()) == {
            "citizen_ids": "These citizens do not exist: ukendt"
        }


class TestSavedTours:
    def test_listed_and_opened_again(self, client: TestClient, world: World) -> None:
        first = plan(client, world)
        second = plan(client, world, stops=1, date="2026-05-19")

        page = client.get(f"{API}/bus-tours?limit=1", headers=world.headers).json()
        rest = client.get(
            f"{API}/bus-tours?limit=1&cursor={page['next_cursor']}", headers=world.headers
        ).json()
        again = client.get(f"{API}/bus-tours/{first['id']}", headers=world.headers)

        assert [i["id"] for i in page["items"] + rest["items"]] == [first["id"], second["id"]]
        assert rest["next_cursor"] is None
        assert page["items"][0]["stops"] == 3
        assert page["items"][0]["citizens"] == 6
        assert page["items"][0]["return_at"] == "12:19"
        assert "Anne" not in str(page)
        assert again.status_code == 200
        assert again.json() == first

    def test_planning_and_reading_are_audited_per_citizen(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        body = plan(client, world)
        client.get(f"{API}/bus-tours/{body['id']}.html", headers=world.headers)

        rows = session.exec(
            select(AuditEntry.entity_id, AuditEntry.action).where(
                col(AuditEntry.action).in_(["plan_bus_tour", "read_bus_tour"])
            )
        ).all()
        ids = {c.id for c in world.group}
        assert {cid for cid, action in rows if action == "plan_bus_tour"} == ids
        assert {cid for cid, action in rows if action == "read_bus_tour"} == ids


class TestScope:
    def test_other_municipality_and_other_roles_are_refused(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        body = plan(client, world)
        _, other = make_key(session, Role.caseworker, "376")
        _, consultant = make_key(session, Role.company_consultant, "360")

        planned = client.post(f"{API}/bus-tours", json=tour_request(world), headers=bearer(other))
        opened = client.get(f"{API}/bus-tours/{body['id']}.csv", headers=bearer(other))
        listed = client.get(f"{API}/bus-tours", headers=bearer(other))
        consultant_plan = client.post(
            f"{API}/bus-tours", json=tour_request(world), headers=bearer(consultant)
        )

        # Another municipality's citizens are answered like ids that do not exist (issue 17).
        missing = client.post(
            f"{API}/bus-tours",
            json={
                **tour_request(world),
                "citizen_ids": [
                    f"{i:032x}" for i in range(len(tour_request(world)["citizen_ids"]))
                ],
            },
            headers=bearer(other),
        )
        assert planned.status_code == missing.status_code == 422
        assert planned.json()["error"]["message"] == missing.json()["error"]["message"]
        assert [f["field"] for f in planned.json()["error"]["fields"]] == ["citizen_ids"]
        assert "kommune" not in json.dumps(planned.json())
        assert opened.status_code == 404  # another municipality's tour: as if missing
        assert listed.json() == {"items": [], "next_cursor": None}
        assert consultant_plan.status_code == 403
        assert _tours(session) == 1


class TestErasure:
    def test_an_erased_citizen_leaves_every_saved_tour(
        self, client: TestClient, session: Session, world: World
    ) -> None:
        body = plan(client, world)
        dennis = world.group[4]
        _, admin = make_key(session, Role.admin)

        erased = client.delete(f"{API}/citizens/{dennis.id}", headers=bearer(admin))
        after = client.get(f"{API}/bus-tours/{body['id']}", headers=world.headers).json()

        assert erased.status_code == 204, erased.text
        assert dennis.id not in str(after)
        assert "Dennis" not in str(after)
        assert len(after["citizens"]) == 5
        assert [s["company_name"] for s in after["stops"]] == [
            s["company_name"] for s in body["stops"]
        ]
        assert "1 borger(e) er fjernet fra turen ved sletning." in after["warnings"]
        stored = session.get(BusTour, body["id"])
        assert stored is not None
        assert dennis.id not in str(stored.plan)
