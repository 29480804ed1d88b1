"""Citizens over HTTP: create, read in two shapes, search, change, BIP, chart, audit, export."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.principal import Principal, Role
from service.citizens.bip import add_months
from service.citizens.models import BipMeasurement, Citizen, CitizenFairnessAttributes
from tests.citizens.helpers import (
    ALL_TEN,
    API,
    actions,
    add_bip,
    citizen_audit,
    citizen_payload,
    error_fields,
    make_citizen,
)
from tests.factories import bearer, make_key

# The consultant's shape: name, wishes and availability, nothing else.
CONSULTANT_FIELDS = {
    "view",
    "id",
    "name",
    "municipality_code",
    "city",
    "status",
    "hours_per_week",
    "has_driving_licence",
    "has_car",
    "transport",
    "max_commute_km",
    "wishes",
    "wish_task_ids",
    "preferred_sectors",
    "excluded_sectors",
    "preferred_tasks",
    "excluded_tasks",
    "is_demo",
    "updated_at",
}


class Keys:
    """API keys of one user per role (scoped roles in Lolland, 360) and their principals."""

    def __init__(self, session: Session) -> None:
        self.principals: dict[str, Principal] = {}
        self.headers: dict[str, dict[str, str]] = {}
        for label, role, municipality in (
            ("admin", Role.admin, None),
            ("caseworker", Role.caseworker, "360"),
            ("caseworker_376", Role.caseworker, "376"),
            ("consultant", Role.company_consultant, "360"),
            ("blf", Role.blf_consultant, None),
        ):
            principal, key = make_key(session, role, municipality)
            self.principals[label] = principal
            self.headers[label] = bearer(key)


@pytest.fixture
def keys(session: Session) -> Keys:
    """One user and key per role."""
    return Keys(session)


class TestCreateCitizen:
    def test_caseworker_registers_a_citizen_with_derived_place(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        response = client.post(
            f"{API}/citizens",
            json=citizen_payload(name="Åse Ørsted"),
            headers=keys.headers["caseworker"],
        )

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["view"] == "caseworker"
        assert body["name"] == "Åse Ørsted"
        assert (body["municipality_code"], body["city"]) == ("360", "Maribo")
        assert (body["lat"], body["lon"]) == (54.777, 11.5)
        assert body["caseworkers"] == [
            {
                "id": keys.principals["caseworker"].user_id,
                "name": keys.principals["caseworker"].name,
            }
        ]
        assert body["limits"] == {
            "cannot_lift_heavy": True,
            "cannot_handle_food": False,
            "cannot_stand_long": False,
            "criminal_record": "no",
            "other": "Tåler ikke støv",
        }
        assert body["fairness"] == {"audit_gender": "female", "audit_birth_year": 1980}
        assert body["wish_task_ids"] == []  # "arbejde i en butik" names no single task
        assert (body["bip_next_due"], body["bip_overdue"], body["cpr_hash_stored"]) == (
            None,
            False,
            False,
        )
        assert body["status"] == "active"
        stored = session.get(Citizen, body["id"])
        assert stored is not None
        assert stored.preferred_sectors == ["detailhandel"]
        fairness = session.get(CitizenFairnessAttributes, body["id"])
        assert fairness is not None
        assert fairness.audit_birth_year == 1980
        entries = citizen_audit(session, body["id"])
        assert [(e.action, e.actor_role) for e in entries] == [("create", "caseworker")]
        assert "Ørsted" not in (entries[0].detail or "")

    def test_missing_and_bad_fields_are_named_in_danish_or_english(
        self, client: TestClient, keys: Keys
    ) -> None:
        bad = {"danish_level": 6, "transport": "rocket", "preferred_sectors": ["fiskeri"]}

        danish = client.post(f"{API}/citizens", json=bad, headers=keys.headers["admin"])
        english = client.post(
            f"{API}/citizens", json=bad, headers={**keys.headers["admin"], "Accept-Language": "en"}
        )

        assert danish.status_code == english.status_code == 422
        fields = error_fields(danish.json())
        assert fields["name"] == "Feltet skal udfyldes"
        assert fields["external_ref"] == "Feltet skal udfyldes"
        assert fields["postal_code"] == "Feltet skal udfyldes"
        assert fields["danish_level"] == "Må højst være 5"
        assert fields["transport"].startswith("Skal være en af")
        assert "preferred_sectors.0" in fields
        assert error_fields(english.json())["danish_level"] == "Must be at most 5"

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"status": "ended"}, "status_reason", "Angiv årsagen, når forløbet afsluttes"),
            (
                {"programme_start_date": "2025-02-01", "programme_end_date": "2025-01-01"},
                "programme_end_date",
                "Slutdatoen ligger før startdatoen",
            ),
            ({"excluded_sectors": ["detailhandel"]}, "excluded_sectors", "Både ønsket og fravalgt"),
            ({"danish_level": True}, "danish_level", "Skal være et helt tal"),
            ({"postal_code": "4100"}, "municipality_code", "Postnummer 4100 Ringsted dækker"),
        ],
    )
    def test_inconsistent_input_is_refused_and_nothing_stored(
        self,
        client: TestClient,
        session: Session,
        keys: Keys,
        overrides: dict[str, Any],
        field: str,
        message: str,
    ) -> None:
        before = len(session.exec(select(Citizen)).all())

        response = client.post(
            f"{API}/citizens", json=citizen_payload(**overrides), headers=keys.headers["admin"]
        )

        assert response.status_code == 422, response.text
        assert error_fields(response.json())[field].startswith(message)
        assert len(session.exec(select(Citizen)).all()) == before

    def test_case_numbers_are_unique_per_municipality(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        make_citizen(session, external_ref="SAG-1")

        again = client.post(
            f"{API}/citizens",
            json=citizen_payload(external_ref="SAG-1"),
            headers=keys.headers["admin"],
        )
        other_municipality = client.post(
            f"{API}/citizens",
            json=citizen_payload(external_ref="SAG-1", postal_code="4800"),
            headers=keys.headers["admin"],
        )

        assert again.status_code == 409
        assert again.json()["error"]["code"] == "external_ref_taken"
        assert other_municipality.status_code == 201
        assert other_municipality.json()["municipality_code"] == "376"

    def test_only_caseworkers_of_the_municipality_can_be_responsible(
        self, client: TestClient, keys: Keys
    ) -> None:
        for label, reason in (
            ("consultant", "er ikke en aktiv sagsbehandler"),
            ("caseworker_376", "hører ikke til kommune 360"),
        ):
            user_id = keys.principals[label].user_id
            response = client.post(
                f"{API}/citizens",
                json=citizen_payload(caseworker_ids=[user_id]),
                headers=keys.headers["admin"],
            )

            assert response.status_code == 422
            assert reason in error_fields(response.json())["caseworker_ids"]


class TestReadCitizen:
    def test_consultants_get_a_smaller_shape_than_caseworkers(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        url = f"{API}/citizens/{citizen.id}"

        full = client.get(url, headers=keys.headers["caseworker"]).json()
        summary = client.get(url, headers=keys.headers["consultant"]).json()

        assert set(summary) == CONSULTANT_FIELDS
        assert summary["view"] == "consultant"
        assert summary["wishes"] == "Vil gerne arbejde i en butik"
        assert summary["hours_per_week"] == 10
        assert {"limits", "notes", "external_ref", "fairness", "bip_next_due"} <= set(full)
        assert set(summary) - set(full) == set()
        assert [(e.action, e.actor_role, e.detail) for e in citizen_audit(session, citizen.id)][
            1:
        ] == [
            ("read", "caseworker", '{"view": "caseworker", "via": "item"}'),
            ("read", "company_consultant", '{"view": "consultant", "via": "item"}'),
        ]

    def test_list_audits_one_row_per_citizen_returned(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        first = make_citizen(session, name="Aase Aagaard")
        second = make_citizen(session, name="Bent Bøgh")
        other = make_citizen(session, name="Carl Clausen", postal_code="4800")

        response = client.get(f"{API}/citizens?limit=500", headers=keys.headers["consultant"])

        assert response.status_code == 200
        ids = [item["id"] for item in response.json()["items"]]
        assert first.id in ids
        assert second.id in ids
        assert other.id not in ids
        assert all(set(item) == CONSULTANT_FIELDS for item in response.json()["items"])
        for citizen in (first, second):
            assert actions(session, citizen.id) == ["create", "read"]
        assert actions(session, other.id) == ["create"]

    def test_search_by_name_folds_danish_letters_and_case_number_is_for_caseworkers(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        target = make_citizen(session, name="Søren Ærøskøbing", external_ref="J-77")
        make_citizen(session, name="Hans Hansen")

        by_name = client.get(f"{API}/citizens?q=ærø", headers=keys.headers["consultant"])
        by_ref = client.get(f"{API}/citizens?q=j-77", headers=keys.headers["caseworker"])
        by_ref_consultant = client.get(f"{API}/citizens?q=J-77", headers=keys.headers["consultant"])

        assert [i["id"] for i in by_name.json()["items"]] == [target.id]
        assert [i["id"] for i in by_ref.json()["items"]] == [target.id]
        assert by_ref_consultant.json()["items"] == []

    def test_overdue_filter_is_for_caseworkers(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        overdue = make_citizen(session)
        add_bip(session, overdue, "2020-01-01", ALL_TEN)
        recent = make_citizen(session)
        add_bip(session, recent, clock.now().date().isoformat(), ALL_TEN)

        never = make_citizen(session)
        mine = client.get(f"{API}/citizens?bip_overdue=true", headers=keys.headers["caseworker"])
        not_overdue = client.get(
            f"{API}/citizens?bip_overdue=false", headers=keys.headers["caseworker"]
        )
        refused = client.get(f"{API}/citizens?bip_overdue=true", headers=keys.headers["consultant"])

        ids = [i["id"] for i in mine.json()["items"]]
        assert overdue.id in ids
        assert recent.id not in ids
        assert all(i["bip_overdue"] for i in mine.json()["items"])
        assert {i["id"] for i in not_overdue.json()["items"]} == {recent.id, never.id}
        assert refused.status_code == 403
        assert "bip_overdue" in error_fields(refused.json())

    def test_other_municipality_filter_is_refused_for_scoped_roles(
        self, client: TestClient, keys: Keys
    ) -> None:
        response = client.get(
            f"{API}/citizens?municipality_code=376", headers=keys.headers["caseworker"]
        )

        assert response.status_code == 403
        assert response.json()["error"]["message"] == "Du har ikke adgang til borgere i kommune 376"


class TestUpdateCitizen:
    def test_moving_follows_the_postal_code_and_audit_names_only_fields(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)

        response = client.patch(
            f"{API}/citizens/{citizen.id}",
            json={"postal_code": "4900", "notes": "Flyttet til Nakskov", "audit_birth_year": 1981},
            headers=keys.headers["caseworker"],
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["city"], body["lat"], body["notes"]) == (
            "Nakskov",
            54.831,
            "Flyttet til Nakskov",
        )
        assert body["fairness"]["audit_birth_year"] == 1981
        assert body["name"] == "Bodil Testesen"  # untouched
        update = citizen_audit(session, citizen.id)[-1]
        assert update.action == "update"
        assert (
            update.detail
            == '{"fields": ["city", "fairness", "lat", "lon", "notes", "postal_code"]}'
        )

    def test_ending_sets_the_end_date_and_reopening_clears_it(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        url = f"{API}/citizens/{citizen.id}"

        ended = client.patch(
            url,
            json={"status": "ended", "status_reason": "Ordinært job"},
            headers=keys.headers["admin"],
        ).json()
        reopened = client.patch(
            url, json={"status": "active"}, headers=keys.headers["admin"]
        ).json()

        assert (ended["status"], ended["programme_end_date"]) == (
            "ended",
            clock.now().date().isoformat(),
        )
        assert (reopened["status"], reopened["programme_end_date"]) == ("active", None)

    def test_refused_changes_change_nothing(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session, postal_code="4800")  # Guldborgsund
        url = f"{API}/citizens/{citizen.id}"

        wrong_municipality = client.patch(
            url, json={"notes": "x"}, headers=keys.headers["caseworker"]
        )
        cpr_in_notes = client.patch(
            url, json={"notes": "cpr 010190-1234"}, headers=keys.headers["caseworker_376"]
        )
        consultant = client.patch(url, json={"notes": "x"}, headers=keys.headers["consultant"])

        assert [r.status_code for r in (wrong_municipality, cpr_in_notes, consultant)] == [
            404,  # another municipality's citizen answers like a missing one
            422,
            403,
        ]
        session.refresh(citizen)
        assert citizen.notes == "Vil helst starte om formiddagen"
        assert actions(session, citizen.id) == ["create"]


class TestBip:
    def test_missing_answers_stay_missing_and_progression_is_reported(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        url = f"{API}/citizens/{citizen.id}/bip"
        first = {**ALL_TEN, "health": None}
        second = {**ALL_TEN, "job_goal": 4, "daily_energy": None}
        third = {**ALL_TEN, "job_goal": 5, "health": 3}
        headers = keys.headers["caseworker"]

        for day, answers in (("2024-01-10", first), ("2024-07-10", second), ("2025-02-28", third)):
            response = client.post(
                url, json={"measured_on": day, "answers": answers}, headers=headers
            )
            assert response.status_code == 201, response.text
        history = client.get(url, headers=headers).json()

        stored = session.exec(
            select(BipMeasurement).where(BipMeasurement.citizen_id == citizen.id)
        ).all()
        assert [m.health for m in stored if m.measured_on == date(2024, 1, 10)] == [None]
        assert [m["answers"]["health"] for m in history["measurements"]] == [None, 2, 3]
        assert [m["answered"] for m in history["measurements"]] == [9, 9, 10]
        assert history["change_since_first"]["job_goal"] == 3
        assert history["change_since_first"]["health"] is None  # first was not answered
        assert history["change_since_previous"]["job_goal"] == 1
        assert history["change_since_previous"]["daily_energy"] is None
        assert history["change_since_previous"]["health"] == 1
        assert history["next_due"] == "2025-08-28"
        assert history["overdue"] is True
        assert history["days_overdue"] == (clock.now().date() - date(2025, 8, 28)).days
        assert history["labels"]["substance_abuse"] == "Misbrug (5 = intet problem)"
        assert history["questions"]["job_goal"].startswith("Har en idé om")
        session.refresh(citizen)
        assert citizen.bip_next_due_date == date(2025, 8, 28)
        assert actions(session, citizen.id)[-4:] == ["bip_create"] * 3 + ["bip_read"]

    def test_a_fresh_measurement_is_not_overdue(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        today = clock.now().date()

        history = client.post(
            f"{API}/citizens/{citizen.id}/bip",
            json={"measured_on": today.isoformat(), "answers": {"job_goal": 3}},
            headers=keys.headers["caseworker"],
        ).json()

        assert history["next_due"] == add_months(today, 6).isoformat()
        assert (history["overdue"], history["days_overdue"]) == (False, None)
        assert history["change_since_first"] == dict.fromkeys(ALL_TEN)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"measured_on": "2025-01-01", "answers": {"job_goal": "3"}}, "answers.job_goal"),
            ({"measured_on": "2025-01-01", "answers": {"job_goal": 0}}, "answers.job_goal"),
            ({"measured_on": "2025-01-01", "answers": {"job_goal": 6}}, "answers.job_goal"),
            ({"measured_on": "2025-01-01", "answers": {"job_goal": True}}, "answers.job_goal"),
            ({"measured_on": "2025-01-01", "answers": {"job_goal": 2.5}}, "answers.job_goal"),
            ({"measured_on": "2025-01-01", "answers": {"jobgoal": 3}}, "answers.jobgoal"),
            ({"measured_on": "2025-01-01", "answers": {}}, "answers"),
            ({"measured_on": "2025-13-01", "answers": {"job_goal": 3}}, "measured_on"),
        ],
    )
    def test_bad_measurements_are_refused(
        self,
        client: TestClient,
        session: Session,
        keys: Keys,
        body: dict[str, Any],
        field: str,
    ) -> None:
        citizen = make_citizen(session)

        response = client.post(
            f"{API}/citizens/{citizen.id}/bip", json=body, headers=keys.headers["caseworker"]
        )

        assert response.status_code == 422, response.text
        assert field in error_fields(response.json())
        assert session.exec(select(BipMeasurement)).all() == []

    def test_future_dates_and_second_measurements_on_a_day_are_refused(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        url = f"{API}/citizens/{citizen.id}/bip"
        tomorrow = (clock.now().date() + timedelta(days=1)).isoformat()
        headers = keys.headers["caseworker"]

        future = client.post(
            url, json={"measured_on": tomorrow, "answers": ALL_TEN}, headers=headers
        )
        client.post(url, json={"measured_on": "2025-03-03", "answers": ALL_TEN}, headers=headers)
        twice = client.post(
            url, json={"measured_on": "2025-03-03", "answers": ALL_TEN}, headers=headers
        )

        assert future.status_code == 422
        assert error_fields(future.json())["measured_on"] == "Datoen ligger i fremtiden"
        assert twice.status_code == 409
        assert twice.json()["error"]["code"] == "bip_exists"
        assert len(session.exec(select(BipMeasurement)).all()) == 1

    def test_only_caseworkers_record_their_belief(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        url = f"{API}/citizens/{citizen.id}/bip"
        body = {"measured_on": "2025-03-03", "answers": ALL_TEN, "caseworker_belief": 4}

        by_admin = client.post(url, json=body, headers=keys.headers["admin"])
        by_caseworker = client.post(url, json=body, headers=keys.headers["caseworker"])

        assert by_admin.status_code == 403
        assert "caseworker_belief" in error_fields(by_admin.json())
        assert by_caseworker.status_code == 201
        assert by_caseworker.json()["measurements"][0]["caseworker_belief"] == 4
        assert by_caseworker.json()["measurements"][0]["recorded_by_user_id"] == (
            keys.principals["caseworker"].user_id
        )

    def test_chart_is_svg_with_danish_labels(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        add_bip(session, citizen, "2024-01-10", {**ALL_TEN, "health": None}, belief=3)
        add_bip(session, citizen, "2024-07-10", ALL_TEN)

        response = client.get(
            f"{API}/citizens/{citizen.id}/bip/chart.svg", headers=keys.headers["caseworker"]
        )

        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        svg = response.text
        assert svg.startswith("<svg")
        assert svg.rstrip().endswith("</svg>")
        for label in ("BIP-indikatorer over tid", "Overskud i hverdagen", "Helbred ift. arbejde"):
            assert label in svg
        assert "Sagsbehandlerens tro på job" in svg
        assert "ikke besvaret" in svg
        assert "10.01.2024" in svg
        assert "10.07.2024" in svg
        assert citizen.name not in svg
        assert actions(session, citizen.id)[-1] == "bip_chart"


class TestAuditTrailAndExport:
    def test_admins_read_the_audit_trail_and_that_read_is_audited(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        client.get(f"{API}/citizens/{citizen.id}", headers=keys.headers["consultant"])

        response = client.get(f"{API}/citizens/{citizen.id}/audit", headers=keys.headers["admin"])

        assert response.status_code == 200
        items = response.json()["items"]
        assert [(i["action"], i["actor_role"]) for i in items] == [
            ("create", "admin"),
            ("read", "company_consultant"),
        ]
        assert items[1]["detail"] == {"view": "consultant", "via": "item"}
        assert actions(session, citizen.id)[-1] == "audit_read"

    def test_export_holds_everything_including_the_trail(
        self, client: TestClient, session: Session, keys: Keys
    ) -> None:
        citizen = make_citizen(session)
        add_bip(session, citizen, "2024-01-10", ALL_TEN)
        citizen.cpr_hmac = "f" * 64
        session.add(citizen)
        session.flush()

        response = client.get(
            f"{API}/citizens/{citizen.id}/export", headers=keys.headers["caseworker"]
        )

        assert response.status_code == 200
        body = response.json()
        assert body["citizen"]["name"] == "Bodil Testesen"
        assert body["citizen"]["notes"] == "Vil helst starte om formiddagen"
        assert body["citizen"]["fairness"] == {"audit_gender": "female", "audit_birth_year": 1980}
        assert body["cpr"]["number_stored"] is False
        assert body["cpr"]["hash_stored"] is True
        assert "f" * 64 not in response.text  # the hash itself is not handed out
        assert body["bip"]["measurements"][0]["answers"] == ALL_TEN
        assert [e["action"] for e in body["audit_trail"]] == ["create", "bip_create", "export"]
        assert body["audit_trail"][-1]["actor_role"] == "caseworker"


@pytest.mark.usefixtures("loaded_catalogue")
class TestWishesNormalised:
    def test_free_text_wishes_become_catalogue_tasks_and_follow_changes(
        self, client: TestClient, session: Session
    ) -> None:
        _, key = make_key(session, Role.caseworker, "360")
        headers = bearer(key)
        payload = citizen_payload(
            wishes="Fylde varer op, lidt rengøring af toiletter eller køre truck"
        )

        created = client.post(f"{API}/citizens", json=payload, headers=headers)

        assert created.status_code == 201, created.text
        body = created.json()
        # "køre truck" is no catalogue task: it is left out, not forced onto the nearest one.
        assert body["wish_task_ids"] == ["detailhandel.varepaafyldning", "rengoering.toiletter"]
        changed = client.patch(
            f"{API}/citizens/{body['id']}", json={"wishes": "fodre dyr"}, headers=headers
        )
        assert changed.json()["wish_task_ids"] == ["landbrug.fodring"]
        cleared = client.patch(
            f"{API}/citizens/{body['id']}", json={"wishes": None}, headers=headers
        )
        assert cleared.json()["wish_task_ids"] == []
