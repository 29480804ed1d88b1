"""Reminders over HTTP: consent, the mobile number, scope, the text, listing and cancelling."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service import clock
from service.auth.principal import CLI_PRINCIPAL
from service.citizens import service as citizens_service
from service.citizens.schemas import CitizenUpdate
from service.reminders import erasure as reminders_erasure
from service.reminders.models import Reminder
from tests.citizens.helpers import citizen_payload, make_citizen
from tests.placements.helpers import audit_rows, error_fields, people
from tests.reminders.helpers import API, consenting_citizen, reminder_payload


def _future(**overrides: object) -> dict[str, object]:
    at = (clock.now() + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    return {"at": at.isoformat(), **overrides}


class TestCitizenMobileAndConsent:
    def test_the_mobile_is_normalised_and_consent_is_dated_by_the_server(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        payload = citizen_payload(mobile="0045 20-12-34-56", sms_consent=True)

        response = client.post(f"{API}/citizens", json=payload, headers=team.headers["caseworker"])

        body = response.json()
        assert response.status_code == 201, body
        assert (body["mobile"], body["sms_consent"]) == ("+4520123456", True)
        assert body["sms_consent_date"] == clock.today().isoformat()

    def test_withdrawing_consent_clears_its_date(self, session: Session) -> None:
        citizen = consenting_citizen(session)

        citizens_service.update_citizen(
            session, citizen=citizen, data=CitizenUpdate(sms_consent=False), actor=CLI_PRINCIPAL
        )

        assert (citizen.sms_consent, citizen.sms_consent_date) == (False, None)

    def test_a_number_that_is_not_danish_is_refused_naming_the_field(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)

        response = client.post(
            f"{API}/citizens",
            json=citizen_payload(mobile="+46 70 123 45 67"),
            headers=team.headers["caseworker"],
        )

        assert response.status_code == 422
        assert error_fields(response.json())["mobile"].startswith("Mobilnummeret skal være")

    def test_consultants_do_not_see_the_number(self, client: TestClient, session: Session) -> None:
        team = people(session)
        citizen = consenting_citizen(session)

        body = client.get(f"{API}/citizens/{citizen.id}", headers=team.headers["consultant"]).json()

        assert body["view"] == "consultant"
        assert "mobile" not in body


class TestCreate:
    def test_a_caseworker_queues_a_reminder_with_the_text_and_the_afternoon_before(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = consenting_citizen(session)
        payload = reminder_payload(citizen, at="2030-01-14T08:00:00Z")  # a Monday, 9.00 CET

        response = client.post(f"{API}/reminders", json=payload, headers=team.headers["caseworker"])

        body = response.json()
        assert response.status_code == 201, body
        assert body["status"] == "queued"
        assert body["message"] == (
            "Husk din første dag mandag den 14. januar kl. 9.00, Maribo Dagligvarer, "
            "Vestergade 3, 4930 Maribo. Forhindret? Ring til Mette i jobcentret på 54 67 60 00."
        )
        assert body["segments"] == 1
        assert body["send_at"] == "2030-01-13T15:00:00Z"  # 16.00 Danish time the day before
        assert body["gateway_configured"] is False
        assert body["note"].startswith("Ingen SMS-gateway er sat op")
        actions = [e.action for e in audit_rows(session, "citizen", citizen.id)]
        assert actions[-1] == "sms_queued"

    def test_without_consent_there_is_no_message(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = make_citizen(session, mobile="20123456", sms_consent=False)

        response = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future()),
            headers=team.headers["caseworker"],
        )

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_sms_consent"
        assert session.exec(select(Reminder).where(Reminder.citizen_id == citizen.id)).all() == []

    def test_without_a_mobile_number_there_is_no_message(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = make_citizen(session, sms_consent=True)

        response = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future()),
            headers={**team.headers["caseworker"], "Accept-Language": "en"},
        )

        assert response.status_code == 409
        assert response.json()["error"]["message"].startswith("The citizen has no mobile")

    def test_a_consultant_of_another_municipality_gets_404(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = consenting_citizen(session)

        response = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future()),
            headers=team.headers["consultant_376"],
        )

        assert response.status_code == 404

    def test_a_consultant_sends_on_a_companys_behalf(
        self, client: TestClient, session: Session
    ) -> None:
        from tests.factories import make_company

        team = people(session)
        citizen = consenting_citizen(session)
        company = make_company(session, name="Maribo Bageri")
        payload = reminder_payload(citizen, **_future(company_id=company.id, contact_name=None))

        body = client.post(
            f"{API}/reminders", json=payload, headers=team.headers["consultant"]
        ).json()

        assert body["company_id"] == company.id
        assert "Ring til Maribo Bageri på 54 67 60 00" in body["message"]

    def test_send_at_after_the_appointment_is_refused(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = consenting_citizen(session)
        payload = reminder_payload(
            citizen, at="2030-01-14T08:00:00Z", send_at="2030-01-14T09:00:00Z"
        )

        response = client.post(f"{API}/reminders", json=payload, headers=team.headers["caseworker"])

        assert (response.status_code, response.json()["error"]["code"]) == (409, "send_time")

    def test_a_custom_reminder_needs_a_text(self, client: TestClient, session: Session) -> None:
        team = people(session)
        citizen = consenting_citizen(session)

        response = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future(kind="custom")),
            headers=team.headers["caseworker"],
        )

        assert response.status_code == 422
        assert "text" in error_fields(response.json())


class TestListAndCancel:
    def test_list_shows_status_and_cancel_stops_a_queued_message(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = consenting_citizen(session)
        headers = team.headers["caseworker"]
        created = client.post(
            f"{API}/reminders", json=reminder_payload(citizen, **_future()), headers=headers
        ).json()

        cancelled = client.delete(f"{API}/reminders/{created['id']}", headers=headers)
        again = client.delete(f"{API}/reminders/{created['id']}", headers=headers)
        listed = client.get(f"{API}/reminders", params={"citizen_id": citizen.id}, headers=headers)

        assert cancelled.json()["status"] == "cancelled"
        assert (again.status_code, again.json()["error"]["code"]) == (409, "not_cancellable")
        body = listed.json()
        assert [(i["id"], i["status"]) for i in body["items"]] == [(created["id"], "cancelled")]
        assert body["gateway_configured"] is False
        actions = [e.action for e in audit_rows(session, "citizen", citizen.id)]
        assert actions[-3:] == ["sms_queued", "sms_cancelled", "sms_read"]

    def test_blf_may_not_send_reminders(self, client: TestClient, session: Session) -> None:
        team = people(session)
        citizen = consenting_citizen(session)

        response = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future()),
            headers=team.headers["blf"],
        )

        assert response.status_code == 403


class TestOffers:
    def test_a_placement_offers_a_reminder_for_its_first_day(
        self, client: TestClient, session: Session
    ) -> None:
        from tests.factories import make_company
        from tests.placements.helpers import internship

        team = people(session)
        citizen = consenting_citizen(session)
        placement = internship(session, citizen, make_company(session))

        [offer] = client.get(
            f"{API}/reminders/offers",
            params={"placement_id": placement.id, "start_time": "08:30"},
            headers=team.headers["caseworker"],
        ).json()

        assert offer["kind"] == "placement_start"
        assert offer["can_send"] is True
        assert offer["place"] == "Maribo Dagligvarer, Vestergade 3, Maribo"
        assert offer["at"].startswith(
            placement.start_date.isoformat() if placement.start_date else ""
        )


class TestErasure:
    def test_erasure_removes_the_number_and_texts_and_cancels_queued_messages(
        self, client: TestClient, session: Session
    ) -> None:
        team = people(session)
        citizen = consenting_citizen(session)
        created = client.post(
            f"{API}/reminders",
            json=reminder_payload(citizen, **_future()),
            headers=team.headers["caseworker"],
        ).json()

        assert reminders_erasure.erase_citizen_data(session, citizen.id) == 1

        row = session.get(Reminder, created["id"])
        assert row is not None
        session.refresh(row)
        assert (row.citizen_id, row.mobile, row.message, row.place) == (None, None, None, None)
        assert row.status == "cancelled"


class TestRightOfAccess:
    def test_the_export_holds_the_citizens_reminders_and_mentor_matches(
        self, client: TestClient, session: Session
    ) -> None:
        from tests.mentors.test_mentors_api import match, mentor

        team = people(session)
        citizen = consenting_citizen(session)
        headers = team.headers["caseworker"]
        created = client.post(
            f"{API}/reminders", json=reminder_payload(citizen, **_future()), headers=headers
        ).json()
        matched = match(session, citizen.id, mentor(session).id)

        export = client.get(f"{API}/citizens/{citizen.id}/export", headers=headers).json()

        assert [r["id"] for r in export["sms_reminders"]] == [created["id"]]
        assert export["sms_reminders"][0]["message"] == created["message"]
        assert [m["id"] for m in export["mentor_matches"]] == [matched.id]
