"""Contract test: the knowledge-sharing tool keeps a copy of the overview in step over HTTP.

The tool (the integration role) syncs everything, data changes, and it syncs again with
``updated_since`` set to the ``sync_token`` it was given. Rows are inserted, changed and
deleted *between its page requests* (in the same process, through the service functions), and
after every pass its copy must equal a fresh full listing, with no item delivered twice
unless the company changed in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.companies import service as companies_service
from service.companies.models import Company
from service.companies.schemas import CompanyUpdate
from service.placements.models import Placement
from service.placements.states import PlacementStatus
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.overview.helpers import OVERVIEW, DataSet, build_data_set, place
from tests.placements.helpers import People, days_ago, move, people

# (what, company id, change_seq): what the tool received, in order.
Delivery = tuple[str, str, int]


@dataclass
class KnowledgeSharingTool:
    """A client that mirrors the overview locally, as the vidensdelingsværktøj does."""

    client: TestClient
    headers: dict[str, str]
    limit: int = 2
    filters: dict[str, str] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    token: str | None = None
    pages: int = 0

    def sync(self, between_pages: Callable[[int], None] | None = None) -> list[Delivery]:
        """One pass to the end of the feed; ``between_pages(n)`` runs after page n."""
        received: list[Delivery] = []
        cursor: str | None = None
        page = 0
        while True:
            params: dict[str, Any] = {"limit": self.limit, **self.filters}
            if cursor is not None:
                params["cursor"] = cursor
            elif self.token is not None:
                params["updated_since"] = self.token
            response = self.client.get(f"{OVERVIEW}/companies", params=params, headers=self.headers)
            assert response.status_code == 200, response.text
            body = response.json()
            page += 1
            # A page names each company once; applied in change order all the same.
            changes = [("item", i) for i in body["items"]] + [
                (gone["reason"], gone) for gone in body["removed"]
            ]
            for what, row in sorted(changes, key=lambda change: change[1]["change_seq"]):
                if what == "item":
                    self.rows[row["company_id"]] = row
                else:
                    self.rows.pop(row["company_id"], None)
                received.append((what, row["company_id"], row["change_seq"]))
            cursor = body["next_cursor"]
            if cursor is None:
                self.token = body["sync_token"]
                self.pages += page
                return received
            if between_pages is not None:
                between_pages(page)


@pytest.fixture
def who(session: Session) -> People:
    """One user and key per role."""
    return people(session)


@pytest.fixture
def data(session: Session) -> DataSet:
    """The hand-made data set."""
    return build_data_set(session)


def tool(client: TestClient, who: People, **filters: str) -> KnowledgeSharingTool:
    """The knowledge-sharing tool with the integration's key."""
    return KnowledgeSharingTool(client, who.headers["integration"], filters=filters)


def fresh_listing(client: TestClient, who: People, **filters: str) -> dict[str, dict[str, Any]]:
    """What a brand-new client gets from a full sync with nothing changing meanwhile."""
    fresh = KnowledgeSharingTool(client, who.headers["integration"], limit=500, filters=filters)
    fresh.sync()
    return fresh.rows


def assert_no_duplicates(received: list[Delivery]) -> None:
    """No (company, change) twice, and a company again only with a later change number."""
    assert len({(c, s) for _, c, s in received}) == len(received)
    last: dict[str, int] = {}
    for _, company_id, seq in received:
        assert seq > last.get(company_id, 0), (company_id, seq)
        last[company_id] = seq
    seqs = [s for _, _, s in received]
    assert seqs == sorted(seqs)


def new_company_with_internship(session: Session, name: str, postal_code: str = "4930") -> Company:
    """A company registered now with one active internship."""
    company = make_company(session, name=name, postal_code=postal_code, db07_code="471100")
    place(session, make_citizen(session), company, "virksomhedspraktik", PlacementStatus.active)
    return company


def placement(data: DataSet, key: str) -> Placement:
    """A placement of the data set."""
    return data.placements[key]


class TestFullSync:
    def test_rows_inserted_changed_and_deleted_while_paging(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        knowledge = tool(client, who)
        made: dict[str, Company] = {}

        def meanwhile(page: int) -> None:
            if page == 1:  # after A and F were delivered
                made["G"] = new_company_with_internship(session, "Maribo Cykler")
                place(
                    session,
                    make_citizen(session),
                    data.companies["A"],
                    "hybridjob",
                    PlacementStatus.active,
                )
                companies_service.delete_company(
                    session, company=data.companies["F"], actor=CLI_PRINCIPAL
                )
            if page == 2:  # E's proposal is agreed: E enters the overview
                move(
                    session,
                    placement(data, "e1"),
                    status="agreed",
                    effective_date=days_ago(1),
                )

        received = knowledge.sync(meanwhile)

        a, f, e, g = data.id("A"), data.id("F"), data.id("E"), made["G"].id
        assert_no_duplicates(received)
        assert [(what, c) for what, c, _ in received] == [
            ("item", a),
            ("item", f),
            ("item", data.id("B")),
            ("item", data.id("C")),
            ("item", g),
            ("item", a),
            ("deleted", f),
            ("item", e),
        ]
        assert knowledge.rows == fresh_listing(client, who)
        assert set(knowledge.rows) == {a, data.id("B"), data.id("C"), e, g}
        assert knowledge.rows[a]["in_paid_hours"] == "<3"  # loentimer + the new hybridjob: 2

    def test_companies_that_left_before_the_sync_are_not_reported(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        companies_service.delete_company(session, company=data.companies["B"], actor=CLI_PRINCIPAL)

        received = tool(client, who).sync()

        # B (deleted) and E (a proposal only) left before this client started: nothing to drop.
        assert [c for _, c, _ in received] == [data.id(k) for k in "AFC"]
        assert {what for what, _, _ in received} == {"item"}


class TestIncrementalSync:
    def test_receives_exactly_the_changes(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        knowledge = tool(client, who)
        knowledge.sync()
        first_token = knowledge.token
        assert first_token is not None
        assert first_token.endswith("Z")
        before = dict(knowledge.rows)
        # Changes: B's size (company), F's internship ends (placement), C deleted, E's proposal
        # cancelled (E was never listed; its removal is reported anyway, harmless), D changed
        # (no placements: not in the feed at all), and a new company H.
        companies_service.update_company(
            session,
            company=data.companies["B"],
            data=CompanyUpdate(size_band="6-19"),
            actor=CLI_PRINCIPAL,
        )
        move(
            session,
            placement(data, "f1"),
            status="ended",
            effective_date=days_ago(1),
            assessment="completed",
            outcome_category=2,
        )
        companies_service.delete_company(session, company=data.companies["C"], actor=CLI_PRINCIPAL)
        move(session, placement(data, "e1"), status="cancelled")
        companies_service.update_company(
            session,
            company=data.companies["D"],
            data=CompanyUpdate(name="Sakskøbing Lager ApS"),
            actor=CLI_PRINCIPAL,
        )
        h = new_company_with_internship(session, "Holeby Grønt", postal_code="4960")

        received = knowledge.sync()

        b, f, c, e = (data.id(k) for k in "BFCE")
        assert_no_duplicates(received)
        assert [(what, company) for what, company, _ in received] == [
            ("item", b),
            ("item", f),
            ("deleted", c),
            ("not_listed", e),
            ("item", h.id),
        ]
        assert knowledge.rows[b]["size_band"] == "6-19"
        assert knowledge.rows[f]["in_internship"] == 0
        assert knowledge.rows[f]["internship_total"] == "<3"
        assert knowledge.rows[data.id("A")] == before[data.id("A")]  # untouched, not resent
        assert knowledge.rows == fresh_listing(client, who)
        assert knowledge.token is not None
        assert knowledge.token > first_token

    def test_inserts_while_an_incremental_sync_pages(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        knowledge = tool(client, who)
        knowledge.sync()
        for key in ("a1", "f1", "c1"):  # three changed companies: two pages of two
            move(
                session,
                placement(data, key),
                status="ended",
                effective_date=days_ago(1),
                assessment="completed",
                outcome_category=7,
            )
        made: list[Company] = []

        def meanwhile(page: int) -> None:
            made.append(new_company_with_internship(session, f"Nyt firma {page}"))
            if page == 1:  # and A, delivered on page 1, changes again
                move(
                    session,
                    placement(data, "a2"),
                    status="ended",
                    effective_date=days_ago(1),
                    assessment="completed",
                    outcome_category=7,
                )

        received = knowledge.sync(meanwhile)

        a, f, c = (data.id(k) for k in "AFC")
        assert_no_duplicates(received)
        assert [company for _, company, _ in received] == [a, f, c, made[0].id, a, made[1].id]
        assert knowledge.rows == fresh_listing(client, who)
        assert knowledge.rows[a]["in_internship"] == "<3"  # a3 only

    def test_nothing_changed_nothing_received(
        self, client: TestClient, who: People, data: DataSet
    ) -> None:
        knowledge = tool(client, who)
        knowledge.sync()
        token = knowledge.token

        received = knowledge.sync()

        assert received == []
        assert knowledge.token == token
        assert knowledge.pages == 2 + 1  # the full sync took two pages, this one one

    def test_the_token_is_an_updated_since_time(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        knowledge = tool(client, who)
        knowledge.sync()
        assert knowledge.token is not None
        moment = datetime.fromisoformat(knowledge.token.replace("Z", "+00:00"))
        newest = max(row["changed_at"] for row in knowledge.rows.values())

        # The token lies just after the newest change: resending it is harmless.
        assert moment > datetime.fromisoformat(newest)
        again = client.get(
            f"{OVERVIEW}/companies",
            params={"updated_since": newest},
            headers=who.headers["integration"],
        ).json()
        assert [i["changed_at"] for i in again["items"]] == [newest]


class TestFilteredSync:
    def test_a_company_that_leaves_the_filter_is_reported_as_removed(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        retail = tool(client, who, sector="detailhandel")
        retail.sync()
        assert set(retail.rows) == {data.id("A"), data.id("F")}
        companies_service.update_company(
            session,
            company=data.companies["A"],
            data=CompanyUpdate(sector="andre_brancher"),
            actor=CLI_PRINCIPAL,
        )

        received = retail.sync()

        assert received == [
            ("not_listed", data.id("A"), received[0][2]),
        ]
        assert set(retail.rows) == {data.id("F")}
        assert retail.rows == fresh_listing(client, who, sector="detailhandel")

    def test_an_empty_result_still_gives_a_token_to_resume_from(
        self, client: TestClient, session: Session, who: People, data: DataSet
    ) -> None:
        farming = tool(client, who, sector="landbrug")
        assert farming.sync() == []
        assert farming.token is not None
        farm = make_company(session, name="Ringsebølle Gods", db07_code="011100")
        place(session, make_citizen(session), farm, "virksomhedspraktik", PlacementStatus.active)

        received = farming.sync()

        assert received == [("item", farm.id, received[0][2])]
