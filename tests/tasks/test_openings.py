"""Spot et job openings: create by id or free text, bulk all or nothing, change, delete, list,
and the task checklist for a company visit."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func as sa_func
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import Role
from service.companies.models import Company
from service.tasks.models import Task, TaskOpening
from service.tasks.schemas import CatalogueStatus
from tests.companies.helpers import audit_entries
from tests.factories import make_company
from tests.tasks.helpers import API, field_messages, headers_for, opening_count, opening_payload


def post(client: TestClient, company: Company, body: Any, headers: dict[str, str]) -> Any:
    """POST openings for a company."""
    return client.post(f"{API}/companies/{company.id}/openings", json=body, headers=headers)


class TestCreateOne:
    def test_by_task_id(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, Role.company_consultant, "360")

        response = post(client, company, opening_payload(), headers)

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["company_id"] == company.id
        assert body["task_id"] == "rengoering.toiletter"
        assert body["task"] == {
            "id": "rengoering.toiletter",
            "name": "Rengøring af toiletter",
            "sector": "andre_brancher",
            "card": "rengoering",
            "criticality": "nice_to",
            "learning_days": 1,
            "learnable_within_week": True,
            "status": "active",
        }
        assert body["resolution"] is None
        assert (body["hours_per_week"], body["hourly_wage"], body["positions"]) == (6.0, 152.5, 1)
        assert body["schedule"] == {
            "flexible": False,
            "slots": [{"days": ["mon", "wed", "fri"], "start": "07:00:00", "end": "09:00:00"}],
        }
        assert body["placement_types"] == ["virksomhedspraktik", "loentimer"]
        assert (body["status"], body["start_date"]) == ("open", "2026-02-02")
        assert body["demands"] == {
            "physical": 2,
            "contact": 1,
            "teamwork": 1,
            "danish": 1,
            "pace": 2,
            "independence": 2,
        }
        stored = session.get(TaskOpening, body["id"])
        assert stored is not None
        assert stored.override_physical is None
        assert stored.hourly_wage == 152.5
        [entry] = audit_entries(session, entity_type="task_opening", entity_id=body["id"])
        assert entry.action == "create"

    def test_by_free_text_returns_what_was_understood(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session, db07_code="561010")  # a restaurant
        payload = opening_payload(task_id=None, task_text="vaske op efter frokost")

        response = post(client, company, payload, headers_for(session, Role.blf_consultant))

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["task"]["id"] == "koekken.opvask"
        assert body["resolution"]["text"] == "vaske op efter frokost"
        assert body["resolution"]["score"] >= 60
        stored = session.get(TaskOpening, body["id"])
        assert stored is not None
        assert (stored.task_id, stored.task_text) == ("koekken.opvask", "vaske op efter frokost")

    def test_company_overrides_change_the_effective_levels(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        payload = opening_payload(demand_overrides={"physical": 4, "pace": 1})

        body = post(client, company, payload, headers_for(session, Role.admin)).json()

        assert body["demand_overrides"] == {
            "physical": 4,
            "contact": None,
            "teamwork": None,
            "danish": None,
            "pace": 1,
            "independence": None,
        }
        assert (body["demands"]["physical"], body["demands"]["pace"]) == (4, 1)
        assert body["demands"]["contact"] == 1
        stored = session.get(TaskOpening, body["id"])
        assert stored is not None
        assert (stored.override_physical, stored.override_pace, stored.override_danish) == (
            4,
            1,
            None,
        )

    def test_an_unusual_wage_needs_confirming(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, Role.admin)

        low = post(client, company, opening_payload(hourly_wage=95), headers)
        high = post(client, company, opening_payload(hourly_wage=650), headers)
        confirmed = post(
            client, company, opening_payload(hourly_wage=95, wage_confirmed=True), headers
        )

        assert (low.status_code, high.status_code, confirmed.status_code) == (422, 422, 201)
        assert field_messages(low.json()) == {
            "hourly_wage": "Timelønnen 95,00 kr. ligger uden for det sædvanlige (100-500 kr.); "
            "send wage_confirmed: true, hvis den er rigtig"
        }
        assert "650,00" in field_messages(high.json())["hourly_wage"]
        assert confirmed.json()["hourly_wage"] == 95.0
        assert opening_count(session, company.id) == 1

    def test_refusals_name_their_field(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, Role.admin)
        cases = {
            "task_id": opening_payload(task_id=None),
            "schedule.slots.0.end": opening_payload(
                schedule={"slots": [{"days": ["tue"], "start": "12:00", "end": "08:00"}]}
            ),
            "schedule.slots": opening_payload(schedule={"flexible": False}),
            "placement_types.0": opening_payload(placement_types=["fleksjob"]),
            "hours_per_week": opening_payload(hours_per_week=0),
            "status": opening_payload(status="archived"),
            "demand_overrides.danish": opening_payload(demand_overrides={"danish": 6}),
        }

        fields = {
            name: list(field_messages(post(client, company, payload, headers).json()))
            for name, payload in cases.items()
        }

        assert fields == {name: [name] for name in cases}
        assert opening_count(session, company.id) == 0

    def test_unknown_or_unmatched_tasks_are_refused_with_near_misses(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        headers = headers_for(session, Role.admin)

        unknown = post(client, company, opening_payload(task_id="koekken.nej"), headers)
        vague = post(
            client,
            company,
            opening_payload(task_id=None, task_text="undervise i matematik"),
            headers,
        )

        assert field_messages(unknown.json()) == {
            "task_id": "Opgaven koekken.nej findes ikke i kataloget"
        }
        message = field_messages(vague.json())["task_text"]
        assert message.startswith(
            "'undervise i matematik' ligner ingen opgave godt nok (tærskel 60)"
        )
        assert "nærmeste: detailhandel.kundehjaelp" in message
        assert opening_count(session, company.id) == 0

    def test_a_consultant_of_another_municipality_is_refused(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)  # Maribo, Lolland (360)

        response = post(
            client, company, opening_payload(), headers_for(session, Role.company_consultant, "376")
        )

        assert response.status_code == 403
        assert opening_count(session, company.id) == 0


class TestBulk:
    def decomposition(self) -> list[dict[str, Any]]:
        """A supermarket's Spot et job: four tasks, one typed as free text."""
        return [
            opening_payload(task_id="detailhandel.varepaafyldning", hours_per_week=10),
            opening_payload(task_id=None, task_text="tømme flaskeautomaten", hours_per_week=4),
            opening_payload(
                task_id="detailhandel.indkoebsvogne",
                placement_types=["virksomhedspraktik"],
                hourly_wage=None,
            ),
            opening_payload(task_id="udendoers.fejning", schedule={"flexible": True}, positions=2),
        ]

    def test_a_whole_decomposition_in_one_call(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)

        response = post(
            client,
            company,
            self.decomposition(),
            headers_for(session, Role.company_consultant, "360"),
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert [o["task_id"] for o in body] == [
            "detailhandel.varepaafyldning",
            "detailhandel.pantautomat",
            "detailhandel.indkoebsvogne",
            "udendoers.fejning",
        ]
        assert body[1]["resolution"]["text"] == "tømme flaskeautomaten"
        assert [o["hours_per_week"] for o in body] == [10.0, 4.0, 6.0, 6.0]
        assert body[2]["hourly_wage"] is None
        assert body[3]["positions"] == 2
        assert opening_count(session, company.id) == 4
        listed = client.get(
            f"{API}/companies/{company.id}/openings",
            headers=headers_for(session, Role.caseworker, "376"),
        )
        assert [o["id"] for o in listed.json()["items"]] == [o["id"] for o in body]

    def test_one_bad_item_stores_nothing_and_every_problem_is_named(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        items = self.decomposition()
        items[2]["hourly_wage"] = 60  # a typing error: not confirmed

        wage = post(client, company, items, headers_for(session, Role.admin))
        items[2]["hourly_wage"] = None
        items[3] = opening_payload(task_id=None, task_text="regnskab og bogføring")
        task = post(client, company, items, headers_for(session, Role.admin))

        assert (wage.status_code, task.status_code) == (422, 422)
        assert list(field_messages(wage.json())) == ["2.hourly_wage"]
        assert list(field_messages(task.json())) == ["3.task_text"]
        assert task.json()["error"]["message"] == "Opgaveåbningen kan ikke gemmes; intet er gemt"
        assert opening_count(session, company.id) == 0
        assert audit_entries(session, entity_type="task_opening", entity_id=None) == []

    def test_an_empty_list_is_refused(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)

        response = post(client, company, [], headers_for(session, Role.admin))

        assert response.status_code == 422
        assert opening_count(session, company.id) == 0


def create(
    client: TestClient, session: Session, company: Company, **overrides: Any
) -> dict[str, Any]:
    """An opening created through the API."""
    response = post(client, company, opening_payload(**overrides), headers_for(session, Role.admin))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestChange:
    def test_patch_changes_only_what_is_sent(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        opening = create(client, session, company, demand_overrides={"physical": 3, "pace": 4})

        response = client.patch(
            f"{API}/openings/{opening['id']}",
            json={"hours_per_week": 9, "status": "paused", "demand_overrides": {"contact": 2}},
            headers=headers_for(session, Role.company_consultant, "360"),
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["hours_per_week"], body["status"], body["hourly_wage"]) == (
            9.0,
            "paused",
            152.5,
        )
        # demand_overrides replaces the set: physical and pace go back to the task's levels
        assert body["demands"] == {**opening["demands"], "contact": 2, "physical": 2, "pace": 2}
        assert body["updated_at"] > opening["updated_at"]
        entries = audit_entries(session, entity_type="task_opening", entity_id=opening["id"])
        assert [e.action for e in entries] == ["create", "update"]
        assert '"hours_per_week"' in (entries[1].detail or "")

    def test_a_new_wage_is_checked_and_must_be_confirmed_again(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        opening = create(client, session, company, hourly_wage=95, wage_confirmed=True)
        url = f"{API}/openings/{opening['id']}"
        headers = headers_for(session, Role.admin)

        hours_only = client.patch(url, json={"hours_per_week": 8}, headers=headers)
        new_wage = client.patch(url, json={"hourly_wage": 90}, headers=headers)

        assert hours_only.status_code == 200
        assert new_wage.status_code == 422
        assert list(field_messages(new_wage.json())) == ["hourly_wage"]
        assert session.get(TaskOpening, opening["id"]).hourly_wage == 95.0  # type: ignore[union-attr]

    def test_the_task_can_be_changed_by_free_text(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        opening = create(client, session, company)

        response = client.patch(
            f"{API}/openings/{opening['id']}",
            json={"task_text": "pudse vinduer"},
            headers=headers_for(session, Role.blf_consultant),
        )

        assert response.json()["task"]["id"] == "rengoering.vinduer"
        assert response.json()["resolution"]["text"] == "pudse vinduer"

    def test_delete_and_then_404(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        opening = create(client, session, company)
        url = f"{API}/openings/{opening['id']}"
        headers = headers_for(session, Role.company_consultant, "360")

        refused = client.delete(url, headers=headers_for(session, Role.company_consultant, "376"))
        deleted = client.delete(url, headers=headers)
        again = client.get(url, headers=headers)

        assert (refused.status_code, deleted.status_code, again.status_code) == (403, 204, 404)
        assert opening_count(session, company.id) == 0
        entries = audit_entries(session, entity_type="task_opening", entity_id=opening["id"])
        assert [e.action for e in entries] == ["create", "delete"]

    def test_deleting_the_company_deletes_its_openings(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)
        create(client, session, company)

        response = client.delete(
            f"{API}/companies/{company.id}", headers=headers_for(session, Role.admin)
        )

        assert response.status_code == 204
        assert opening_count(session, company.id) == 0


class TestLists:
    def test_filters_and_sync_by_change_time(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        lolland = make_company(session)
        guldborgsund = make_company(session, postal_code="4800", contact_owner="jc_guldborgsund")
        first = create(client, session, lolland)
        second = create(client, session, guldborgsund, status="filled")
        mark = clock.now()
        headers = headers_for(session, Role.caseworker, "360")
        client.patch(
            f"{API}/openings/{first['id']}",
            json={"positions": 3},
            headers=headers_for(session, Role.admin),
        )

        def ids(**params: Any) -> list[str]:
            body = client.get(
                f"{API}/openings", params={**params, "limit": 500}, headers=headers
            ).json()
            return [o["id"] for o in body["items"] if o["id"] in {first["id"], second["id"]}]

        assert ids(municipality_code="376") == [second["id"]]
        assert ids(status="filled") == [second["id"]]
        assert ids(sector="detailhandel") == [first["id"], second["id"]]
        assert ids(updated_since=mark.isoformat()) == [first["id"]]
        company_list = client.get(
            f"{API}/companies/{lolland.id}/openings", params={"status": "open"}, headers=headers
        ).json()
        assert [o["id"] for o in company_list["items"]] == [first["id"]]


class TestSuggestions:
    def test_sector_and_cross_sector_tasks_not_yet_openings_easiest_first(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session)  # retail
        create(client, session, company)  # rengoering.toiletter
        create(client, session, company, task_id="detailhandel.frontning", status="closed")

        response = client.get(
            f"{API}/companies/{company.id}/task-suggestions",
            headers=headers_for(session, Role.caseworker, "376"),
        )

        assert response.status_code == 200
        body = response.json()
        assert body["sector"] == "detailhandel"
        assert body["cards"] == ["detailhandel", "koekken", "rengoering", "udendoers"]
        assert body["already_openings"] == 2
        ids = [item["task"]["id"] for item in body["items"]]
        assert len(ids) == 16 + 13 + 14 + 13 - 2
        assert "rengoering.toiletter" not in ids
        assert "detailhandel.frontning" not in ids
        assert {i.split(".")[0] for i in ids} == {
            "detailhandel",
            "koekken",
            "rengoering",
            "udendoers",
        }
        keys = [
            (
                item["task"]["criticality"] != "nice_to",
                item["task"]["learning_days"],
                sum(item["demands"].values()),
            )
            for item in body["items"]
        ]
        assert keys == sorted(keys)
        assert body["items"][-1]["task"]["id"] == "detailhandel.kasse"  # need_to, 8 days
        first = body["items"][0]
        assert first["task"]["learning_days"] == 1
        assert first["task"]["criticality"] == "nice_to"
        assert first["cross_sector"] is (not first["task"]["id"].startswith("detailhandel."))
        assert first["worth_doing"]

    def test_a_warehouse_gets_its_sub_cards(
        self, client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
    ) -> None:
        company = make_company(session, db07_code="521000")

        body = client.get(
            f"{API}/companies/{company.id}/task-suggestions",
            headers=headers_for(session, Role.admin),
        ).json()

        assert body["sector"] == "andre_brancher"
        assert body["cards"] == [
            "andre_brancher",
            "lager_transport",
            "rengoering",
            "udendoers",
            "koekken",
        ]
        by_id = {item["task"]["id"]: item for item in body["items"]}
        assert by_id["lager_transport.ordreplukning"]["cross_sector"] is False
        assert by_id["koekken.opvask"]["cross_sector"] is True
        assert by_id["lager_transport.varebil"]["hard_requirements"] == ["driving_licence"]


def test_the_matcher_reads_levels_as_numbers(
    client: TestClient, session: Session, loaded_catalogue: CatalogueStatus
) -> None:
    company = make_company(session)
    opening = create(client, session, company, demand_overrides={"danish": 4})
    row = session.exec(
        select(
            sa_func.coalesce(TaskOpening.override_danish, Task.demand_danish),
            sa_func.coalesce(TaskOpening.override_pace, Task.demand_pace),
        )
        .join(Task, col(Task.id) == col(TaskOpening.task_id))
        .where(TaskOpening.id == opening["id"])
    ).one()

    assert tuple(row) == (4, 2)
