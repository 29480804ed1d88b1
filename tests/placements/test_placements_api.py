"""Placements over HTTP: propose, the state machine, assessments, lock-in, lists and scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service import clock
from service.placements.models import Placement, PlacementTransition
from service.placements.states import ALLOWED_NEXT, PlacementStatus
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import (
    API,
    People,
    audit_rows,
    citizen_and_company,
    days_ago,
    error_fields,
    internship,
    internship_payload,
    make_opening,
    move,
    people,
    post_placement,
    propose,
)


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


def placement_count(session: Session) -> int:
    """How many placements are stored."""
    return int(session.exec(select(func.count()).select_from(Placement)).one())


def transition_count(session: Session) -> int:
    """How many transitions are stored."""
    return int(session.exec(select(func.count()).select_from(PlacementTransition)).one())


class TestPropose:
    def test_a_caseworker_proposes_an_internship(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session, name="Maribo Brugs")
        payload = internship_payload(citizen, company, notes="Starter på formiddagshold")

        response = post_placement(client, payload, who.headers["caseworker"])

        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "proposed"
        assert body["allowed_next"] == ["agreed", "rejected", "cancelled"]
        assert (body["citizen_name"], body["company_name"]) == ("Bodil Testesen", "Maribo Brugs")
        assert (body["municipality_code"], body["sector"]) == ("360", "detailhandel")
        assert body["proposed_date"] == clock.today().isoformat()
        assert (body["planned_step_type"], body["planned_step_done"]) == ("loentimer", False)
        assert body["review_date"] == payload["review_date"]
        assert body["caseworker_id"] == who.principals["caseworker"].user_id
        assert body["consultant_id"] is None
        assert (body["lock_in_risk"], body["weeks_running"], body["has_agreement"]) == (
            False,
            None,
            False,
        )
        assert [
            (t["from_status"], t["to_status"], t["effective_date"]) for t in body["transitions"]
        ] == [(None, "proposed", clock.today().isoformat())]
        entries = audit_rows(session, "placement", body["id"])
        assert [(e.action, e.actor_role) for e in entries] == [("create", "caseworker")]
        assert citizen.name not in (entries[0].detail or "")

    def test_an_opening_gives_the_company_and_task(
        self, client: TestClient, session: Session, who: People, loaded_catalogue: Any
    ) -> None:
        citizen, company = citizen_and_company(session)
        opening = make_opening(session, company)
        payload = internship_payload(citizen, company, opening_id=opening.id)
        del payload["company_id"]

        response = post_placement(client, payload, who.headers["consultant"])

        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["company_id"], body["opening_id"], body["task_id"]) == (
            company.id,
            opening.id,
            "detailhandel.varepaafyldning",
        )
        assert body["consultant_id"] == who.principals["consultant"].user_id

    def test_a_support_placement_needs_no_company(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen = make_citizen(session)

        response = post_placement(
            client,
            {"citizen_id": citizen.id, "placement_type": "mentor", "hours_per_week": 2},
            who.headers["caseworker"],
        )

        assert response.status_code == 201, response.text
        assert (response.json()["company_id"], response.json()["sector"]) == (None, None)

    def test_an_internship_without_review_and_step_is_refused_naming_each_field(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        payload = internship_payload(citizen, company)
        for name in ("review_date", "planned_step_type", "planned_step_date"):
            del payload[name]

        response = post_placement(client, payload, who.headers["caseworker"])

        assert response.status_code == 422
        fields = error_fields(response.json())
        assert set(fields) == {"review_date", "planned_step_type", "planned_step_date"}
        assert fields["review_date"].startswith("En virksomhedspraktik skal have")
        assert placement_count(session) == 0

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"placement_type": "loentimer", "company_id": None}, "company_id", "skal have en"),
            ({"placement_type": "ordinary"}, "planned_step_type", "Kun en virksomhedspraktik"),
            ({"planned_step_type": "mentor"}, "planned_step_type", "Skridtet skal være"),
            ({"citizen_id": "nobody"}, "citizen_id", "Borgeren nobody findes ikke"),
            ({"company_id": "nothing"}, "company_id", "Virksomheden nothing findes ikke"),
            ({"proposed_date": "2999-01-01"}, "proposed_date", "fremtiden"),
            ({"hours_per_week": 0}, "hours_per_week", "større end 0"),
            ({"placement_type": "praktik"}, "placement_type", "Skal være en af"),
            ({"notes": "CPR 0203851234"}, "notes", "CPR"),
        ],
    )
    def test_refusals_name_their_field(
        self,
        client: TestClient,
        session: Session,
        who: People,
        overrides: dict[str, Any],
        field: str,
        message: str,
    ) -> None:
        citizen, company = citizen_and_company(session)
        payload = internship_payload(citizen, company, **overrides)

        response = post_placement(client, payload, who.headers["caseworker"])

        assert response.status_code == 422, response.text
        assert message in error_fields(response.json())[field]
        assert placement_count(session) == 0

    def test_an_opening_that_does_not_offer_the_type_is_refused(
        self, client: TestClient, session: Session, who: People, loaded_catalogue: Any
    ) -> None:
        citizen, company = citizen_and_company(session)
        opening = make_opening(session, company, placement_types=["virksomhedspraktik"])
        payload = {"citizen_id": citizen.id, "opening_id": opening.id, "placement_type": "ordinary"}

        response = post_placement(
            client, payload, {**who.headers["caseworker"], "Accept-Language": "en"}
        )

        assert response.status_code == 422
        assert error_fields(response.json()) == {
            "opening_id": "The task is not offered as ordinary (only: virksomhedspraktik)"
        }

    def test_a_user_of_the_other_municipality_is_refused(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)

        response = post_placement(
            client, internship_payload(citizen, company), who.headers["consultant_376"]
        )

        assert response.status_code == 403
        assert response.json()["error"]["message"] == "Du har ikke adgang til forløb i kommune 360"
        assert placement_count(session) == 0


def _placement_in(session: Session, status: PlacementStatus) -> Placement:
    """An internship brought to a status through the legal path."""
    citizen, company = citizen_and_company(session)
    if status == PlacementStatus.proposed:
        return internship(session, citizen, company)
    placement = internship(session, citizen, company, proposed_date=days_ago(30).isoformat())
    if status in (PlacementStatus.rejected, PlacementStatus.cancelled):
        return move(session, placement, status=status.value, effective_date=days_ago(20))
    move(session, placement, status="agreed", effective_date=days_ago(20))
    if status == PlacementStatus.agreed:
        return placement
    move(session, placement, status="active", effective_date=days_ago(10))
    if status == PlacementStatus.active:
        return placement
    return move(
        session,
        placement,
        status="ended",
        effective_date=days_ago(1),
        assessment="completed",
        outcome_category=7,
    )


ILLEGAL = [
    (current, target)
    for current in PlacementStatus
    for target in PlacementStatus
    if target != current and target not in ALLOWED_NEXT[current]
]


class TestStateMachine:
    def test_the_whole_way_is_dated_and_audited(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        payload = internship_payload(citizen, company, proposed_date=days_ago(40).isoformat())
        headers = who.headers["consultant"]
        created = post_placement(client, payload, headers).json()
        url = f"{API}/placements/{created['id']}"

        agreed = client.patch(
            url,
            json={"status": "agreed", "effective_date": days_ago(30).isoformat()},
            headers=headers,
        )
        active = client.patch(
            url,
            json={"status": "active", "effective_date": days_ago(20).isoformat()},
            headers=headers,
        )
        ended = client.patch(
            url,
            json={
                "status": "ended",
                "effective_date": days_ago(2).isoformat(),
                "assessment": "partly_completed",
                "missed_hours": 6,
                "outcome_category": 2,
            },
            headers=headers,
        )

        assert [r.status_code for r in (agreed, active, ended)] == [200, 200, 200], ended.text
        body = ended.json()
        assert body["status"] == "ended"
        assert body["allowed_next"] == []
        assert (body["start_date"], body["end_date"]) == (
            days_ago(20).isoformat(),
            days_ago(2).isoformat(),
        )
        assert (body["assessment"], body["missed_hours"], body["outcome_category"]) == (
            "partly_completed",
            6,
            2,
        )
        assert body["outcome_label"].startswith("Lønnede timer, men aldrig uden supplerende")
        assert body["learning_case_opened_date"] is None
        assert [
            (t["from_status"], t["to_status"], t["effective_date"], t["actor_role"])
            for t in body["transitions"]
        ] == [
            (None, "proposed", days_ago(40).isoformat(), "company_consultant"),
            ("proposed", "agreed", days_ago(30).isoformat(), "company_consultant"),
            ("agreed", "active", days_ago(20).isoformat(), "company_consultant"),
            ("active", "ended", days_ago(2).isoformat(), "company_consultant"),
        ]
        trail = audit_rows(session, "placement", created["id"])
        assert [e.action for e in trail] == ["create", "transition", "transition", "transition"]
        assert '"from": "active", "to": "ended"' in (trail[-1].detail or "")

    @pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=lambda s: str(s))
    def test_every_illegal_transition_is_refused(
        self,
        client: TestClient,
        session: Session,
        who: People,
        current: PlacementStatus,
        target: PlacementStatus,
    ) -> None:
        placement = _placement_in(session, current)
        before = (placement.status, placement.updated_at, transition_count(session))

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": target.value},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert error["code"] == "illegal_transition"
        assert error["message"].startswith(
            f"Forløbet kan ikke gå fra {current.value} ("
            + f"{_label(current)}) til {target.value}."
        )
        if ALLOWED_NEXT[current]:
            assert all(s.value in error["message"] for s in ALLOWED_NEXT[current])
        else:
            assert "slutstatus" in error["message"]
        session.refresh(placement)
        assert (placement.status, placement.updated_at, transition_count(session)) == before

    def test_the_refusal_in_english_names_the_allowed_statuses(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.active)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": "proposed"},
            headers={**who.headers["caseworker"], "Accept-Language": "en"},
        )

        assert response.status_code == 409
        assert response.json()["error"]["message"] == (
            "The placement cannot go from active to proposed. Allowed next statuses: ended"
        )
        assert error_fields(response.json()) == {"status": "Allowed next statuses: ended"}

    def test_an_unknown_status_is_a_validation_error(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.proposed)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": "paused"},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 422
        assert "status" in error_fields(response.json())

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({}, {"assessment", "outcome_category"}),
            ({"assessment": "partly_completed", "outcome_category": 7}, {"missed_hours"}),
            ({"assessment": "ended_early", "outcome_category": 7}, {"end_reason"}),
            (
                {"assessment": "ended_early", "end_reason": "other", "outcome_category": 7},
                {"end_reason_text"},
            ),
            (
                {"assessment": "completed", "end_reason": "health", "outcome_category": 1},
                {"end_reason"},
            ),
            ({"assessment": "completed", "outcome_category": 8}, {"outcome_category"}),
            (
                {"assessment": "completed", "outcome_category": 7, "effective_date": "2999-01-01"},
                {"effective_date"},
            ),
        ],
    )
    def test_ending_needs_an_assessment_and_an_outcome(
        self,
        client: TestClient,
        session: Session,
        who: People,
        fields: dict[str, Any],
        expected: set[str],
    ) -> None:
        placement = _placement_in(session, PlacementStatus.active)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": "ended", **fields},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 422, response.text
        assert set(error_fields(response.json())) == expected
        session.refresh(placement)
        assert placement.status == "active"

    def test_dates_must_follow_the_previous_transition_and_agreement_needs_a_start(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.agreed)  # agreed 20 days ago
        url = f"{API}/placements/{placement.id}"
        headers = who.headers["caseworker"]

        early = client.patch(
            url,
            json={"status": "active", "effective_date": days_ago(25).isoformat()},
            headers=headers,
        )
        proposed = _placement_in(session, PlacementStatus.proposed)
        no_start = client.patch(
            f"{API}/placements/{proposed.id}",
            json={"status": "agreed", "start_date": None},
            headers=headers,
        )

        assert early.status_code == 422
        assert error_fields(early.json())["effective_date"].startswith(
            "Må ikke ligge før forrige statusændring"
        )
        assert no_start.status_code == 422
        assert error_fields(no_start.json()) == {
            "start_date": "Et aftalt forløb skal have en startdato"
        }

    def test_ending_fields_belong_to_ending(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.active)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"assessment": "completed", "status_reason": "Flyttet"},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 422
        assert set(error_fields(response.json())) == {"assessment", "status_reason"}

    def test_a_final_placement_keeps_its_terms_but_takes_notes_and_corrections(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.ended)
        url = f"{API}/placements/{placement.id}"
        headers = who.headers["caseworker"]

        frozen = client.patch(url, json={"hours_per_week": 20, "notes": "x"}, headers=headers)
        corrected = client.patch(
            url, json={"notes": "Rettet udfald", "outcome_category": 2}, headers=headers
        )

        assert frozen.status_code == 409
        assert frozen.json()["error"]["code"] == "placement_closed"
        assert error_fields(frozen.json()) == {"hours_per_week": "Kan ikke ændres i denne status"}
        assert corrected.status_code == 200, corrected.text
        assert (corrected.json()["notes"], corrected.json()["outcome_category"]) == (
            "Rettet udfald",
            2,
        )
        assert len(corrected.json()["transitions"]) == 4

    def test_resending_the_current_status_is_no_transition(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.agreed)
        before = transition_count(session)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": "agreed", "hours_per_week": 8},
            headers=who.headers["caseworker"],
        )

        assert response.status_code == 200
        assert response.json()["hours_per_week"] == 8
        assert transition_count(session) == before

    def test_rejection_keeps_its_reason(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        placement = _placement_in(session, PlacementStatus.proposed)

        response = client.patch(
            f"{API}/placements/{placement.id}",
            json={"status": "rejected", "status_reason": "Virksomheden har ikke plads nu"},
            headers=who.headers["consultant"],
        )

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["status_reason"], body["end_date"]) == (
            "rejected",
            "Virksomheden har ikke plads nu",
            None,
        )


def _label(status: PlacementStatus) -> str:
    from service.placements.states import STATUS_LABELS_DA

    return STATUS_LABELS_DA[status]


class TestLockIn:
    def test_an_internship_past_13_weeks_without_its_step_is_flagged(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        long = internship(session, citizen, company, started=days_ago(100))
        short = internship(session, make_citizen(session), company, started=days_ago(80))

        flagged = client.get(
            f"{API}/placements?lock_in_risk=true", headers=who.headers["caseworker"]
        ).json()
        unflagged = client.get(
            f"{API}/placements?lock_in_risk=false", headers=who.headers["caseworker"]
        ).json()
        item = client.get(f"{API}/placements/{long.id}", headers=who.headers["caseworker"]).json()

        assert [p["id"] for p in flagged["items"]] == [long.id]
        assert [p["id"] for p in unflagged["items"]] == [short.id]
        assert (item["lock_in_risk"], item["weeks_running"]) == (True, 14)

    def test_the_step_taken_lifts_the_flag(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        company = make_company(session)
        marked = internship(session, make_citizen(session), company, started=days_ago(100))
        move(session, marked, planned_step_done=True)
        followed_citizen = make_citizen(session)
        followed = internship(session, followed_citizen, company, started=days_ago(100))
        paid: dict[str, Any] = {
            "citizen_id": followed_citizen.id,
            "company_id": company.id,
            "placement_type": "loentimer",
            "start_date": clock.today().isoformat(),
        }
        proposed_only_citizen = make_citizen(session)
        proposed_only = internship(session, proposed_only_citizen, company, started=days_ago(100))
        move(session, propose(session, **paid), status="agreed")
        propose(session, **{**paid, "citizen_id": proposed_only_citizen.id})

        risky = client.get(
            f"{API}/placements?lock_in_risk=true", headers=who.headers["caseworker"]
        ).json()

        assert [p["id"] for p in risky["items"]] == [proposed_only.id]
        assert marked.planned_step_done_date == clock.today()
        assert followed.id not in {p["id"] for p in risky["items"]}


class TestList:
    def test_filters_scope_and_pages(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        other_company = make_company(session, name="Rødby Rengøring", db07_code="812100")
        first = internship(session, citizen, company)
        second = internship(session, citizen, other_company)
        mentor = propose(session, citizen_id=citizen.id, placement_type="mentor")
        move(session, second, status="rejected")
        guldborgsund = internship(session, make_citizen(session, postal_code="4800"), company)
        headers = who.headers["caseworker"]

        def ids(query: str, role: str = "caseworker") -> list[str]:
            response = client.get(f"{API}/placements{query}", headers=who.headers[role])
            assert response.status_code == 200, response.text
            return [p["id"] for p in response.json()["items"]]

        assert ids("") == [first.id, second.id, mentor.id]
        assert ids("", "caseworker_376") == [guldborgsund.id]
        assert ids("", "admin") == [first.id, second.id, mentor.id, guldborgsund.id]
        assert ids(f"?company_id={other_company.id}") == [second.id]
        assert ids("?status=rejected") == [second.id]
        assert ids("?placement_type=mentor") == [mentor.id]
        assert ids(f"?citizen_id={citizen.id}&status=proposed") == [first.id, mentor.id]
        page = client.get(f"{API}/placements?limit=2", headers=headers).json()
        rest = client.get(
            f"{API}/placements?limit=2&cursor={page['next_cursor']}", headers=headers
        ).json()
        assert [p["id"] for p in page["items"] + rest["items"]] == [first.id, second.id, mentor.id]
        assert rest["next_cursor"] is None
        since = second.updated_at.isoformat().replace("+00:00", "Z")
        assert ids(f"?updated_since={since}") == [second.id]

    def test_reads_are_audited_on_the_citizen(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        placement = internship(session, citizen, company)

        client.get(f"{API}/placements", headers=who.headers["consultant"])
        client.get(f"{API}/placements/{placement.id}", headers=who.headers["caseworker"])

        reads = [e for e in audit_rows(session, "citizen", citizen.id) if e.action == "read"]
        assert [(e.actor_role, e.detail) for e in reads] == [
            (
                "company_consultant",
                f'{{"via": "placement_list", "placement_id": "{placement.id}"}}',
            ),
            ("caseworker", f'{{"via": "placement", "placement_id": "{placement.id}"}}'),
        ]

    def test_blf_and_other_municipalities_are_refused_and_nothing_is_read(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        citizen, company = citizen_and_company(session)
        placement = internship(session, citizen, company)
        url = f"{API}/placements/{placement.id}"

        refused = [
            client.get(url, headers=who.headers["blf"]),
            client.get(url, headers=who.headers["integration"]),
            client.get(url, headers=who.headers["caseworker_376"]),
            client.patch(url, json={"status": "agreed"}, headers=who.headers["consultant_376"]),
            client.get(f"{API}/placements", headers=who.headers["blf"]),
        ]

        # Roles without placements get 403; another municipality's placement answers 404 like
        # a missing one, so its id cannot be probed.
        assert [r.status_code for r in refused] == [403, 403, 404, 404, 403]
        assert refused[2].json()["error"]["message"] == f"Forløbet {placement.id} findes ikke"
        assert [e.action for e in audit_rows(session, "citizen", citizen.id)] == ["create"]
        session.refresh(placement)
        assert placement.status == "proposed"

    def test_unknown_placement_is_404(
        self, client: TestClient, session: Session, who: People
    ) -> None:
        response = client.get(f"{API}/placements/nope", headers=who.headers["caseworker"])

        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Forløbet nope findes ikke"


def test_weeks_are_counted_from_the_start(session: Session) -> None:
    citizen, company = citizen_and_company(session)
    placement = internship(session, citizen, company, started=clock.today() - timedelta(days=20))

    from service.placements import views

    assert views.placements_public(session, [placement])[0].weeks_running == 2
