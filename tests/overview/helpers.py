"""A hand-made data set for the overview tests, with counts worked out by hand.

Companies (six; four listed in the overview). Counts: now in internship / paid hours / hired,
then the same since the start.

- A Maribo Brugs (detailhandel, 360, jc_lolland): 3 internships active, 1 ended (outcome 7),
  1 loentimer active. Now 3/1/0, since the start 4/1/0.
- F Maribo Bageri (detailhandel, 360, jc_lolland): 1 internship active. 1/0/0 and 1/0/0.
- B Nakskov Tømrer (bygge_anlaeg, 360, blf): one citizen, an internship ended 200 days ago
  (outcome 2), then ordinary work that ended 150 days ago. 0/0/0 and 1/0/1.
- C Nykøbing Hotel (hoteller_restauranter, 376, jc_guldborgsund): 2 hybridjob active,
  1 internship ended (outcome 1), 1 internship agreed (not started). 0/2/0 and 1/2/0.
- D Sakskøbing Lager (andre_brancher, 376): no placements, not listed.
- E Rødby Fisk (industri, 360): one internship proposed, not listed.

Twelve citizens (c1-c12, all with programme start 2025-01-15); c7 is B's citizen twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from service.citizens.models import Citizen
from service.companies.models import Company
from service.placements.models import Placement
from service.placements.states import PlacementStatus
from tests.citizens.helpers import make_citizen
from tests.factories import make_company
from tests.placements.helpers import days_ago, move, propose

API = "/api/v1"
OVERVIEW = f"{API}/overview"


def place(
    session: Session,
    citizen: Citizen,
    company: Company,
    kind: str,
    status: PlacementStatus,
    *,
    started: date | None = None,
    ended: date | None = None,
    outcome: int = 7,
) -> Placement:
    """A placement taken through the state machine to ``status`` (dates in the past)."""
    start = started or days_ago(50)
    payload: dict[str, Any] = {
        "citizen_id": citizen.id,
        "company_id": company.id,
        "placement_type": kind,
        "proposed_date": (start - timedelta(days=10)).isoformat(),
        "start_date": start.isoformat(),
        "hours_per_week": 10,
    }
    if kind == "virksomhedspraktik":
        payload.update(
            review_date=(start + timedelta(weeks=4)).isoformat(),
            planned_step_type="loentimer",
            planned_step_date=(start + timedelta(weeks=8)).isoformat(),
        )
    placement = propose(session, **payload)
    if status == PlacementStatus.proposed:
        return placement
    agreed_on = min(start - timedelta(days=5), days_ago(0))
    move(session, placement, status="agreed", effective_date=agreed_on)
    if status == PlacementStatus.agreed:
        return placement
    move(session, placement, status="active", effective_date=start)
    if status == PlacementStatus.active:
        return placement
    return move(
        session,
        placement,
        status="ended",
        effective_date=ended or days_ago(10),
        assessment="completed",
        outcome_category=outcome,
    )


@dataclass
class DataSet:
    """The companies and citizens of the hand-made data set."""

    companies: dict[str, Company]
    citizens: dict[str, Citizen]
    placements: dict[str, Placement]

    def id(self, label: str) -> str:
        """A company's id by its letter."""
        return self.companies[label].id


def contact(name: str) -> dict[str, Any]:
    """A primary contact person payload."""
    return {
        "name": name,
        "title": "Leder",
        "phone": "54 12 34 56",
        "email": "kontakt@example.dk",
        "is_primary": True,
    }


def build_data_set(session: Session) -> DataSet:
    """Store the data set of the module docstring."""
    companies = {
        "A": make_company(
            session,
            name="Maribo Brugs",
            postal_code="4930",
            db07_code="471100",
            contact_owner="jc_lolland",
            size_band="6-19",
            is_ambassador=True,
            unskilled_tasks="many",
            contacts=[contact("Lis Hansen")],
        ),
        "F": make_company(
            session,
            name="Maribo Bageri",
            postal_code="4930",
            db07_code="471100",
            contact_owner="jc_lolland",
            size_band="0-5",
            unskilled_tasks="few",
        ),
        "B": make_company(
            session,
            name="Nakskov Tømrer",
            postal_code="4900",
            db07_code="412000",
            contact_owner="blf",
            size_band="0-5",
            unskilled_tasks="none",
        ),
        "C": make_company(
            session,
            name="Nykøbing Hotel",
            postal_code="4800",
            db07_code="551000",
            contact_owner="jc_guldborgsund",
            size_band="20-49",
        ),
        "D": make_company(
            session,
            name="Sakskøbing Lager",
            postal_code="4990",
            db07_code="521000",
            contact_owner="jc_guldborgsund",
            unskilled_tasks="many",
        ),
        "E": make_company(
            session,
            name="Rødby Fisk",
            postal_code="4970",
            db07_code="102000",
            contact_owner="jc_lolland",
        ),
    }
    citizens = {f"c{n}": make_citizen(session, name=f"Borger {n}") for n in range(1, 13)}
    a, f, b, c, e = (companies[k] for k in "AFBCE")
    active, ended = PlacementStatus.active, PlacementStatus.ended
    placements = {
        "a1": place(session, citizens["c1"], a, "virksomhedspraktik", active),
        "a2": place(session, citizens["c2"], a, "virksomhedspraktik", active),
        "a3": place(session, citizens["c3"], a, "virksomhedspraktik", active),
        "a4": place(session, citizens["c4"], a, "virksomhedspraktik", ended, outcome=7),
        "a5": place(session, citizens["c5"], a, "loentimer", active),
        "f1": place(session, citizens["c6"], f, "virksomhedspraktik", active),
        "b1": place(
            session,
            citizens["c7"],
            b,
            "virksomhedspraktik",
            ended,
            started=days_ago(300),
            ended=days_ago(200),
            outcome=2,
        ),
        "b2": place(
            session,
            citizens["c7"],
            b,
            "ordinary",
            ended,
            started=days_ago(190),
            ended=days_ago(150),
            outcome=1,
        ),
        "c1": place(session, citizens["c8"], c, "hybridjob", active),
        "c2": place(session, citizens["c9"], c, "hybridjob", active),
        "c3": place(session, citizens["c10"], c, "virksomhedspraktik", ended, outcome=1),
        "c4": place(
            session,
            citizens["c11"],
            c,
            "virksomhedspraktik",
            PlacementStatus.agreed,
            started=days_ago(0) + timedelta(days=7),
        ),
        "e1": place(session, citizens["c12"], e, "virksomhedspraktik", PlacementStatus.proposed),
    }
    return DataSet(companies, citizens, placements)


# The hand-worked counts of the module docstring: (now int, paid, hired, total int, paid, hired).
EXACT = {
    "A": (3, 1, 0, 4, 1, 0),
    "F": (1, 0, 0, 1, 0, 0),
    "B": (0, 0, 0, 1, 0, 1),
    "C": (0, 2, 0, 1, 2, 0),
}
COUNT_FIELDS = (
    "in_internship",
    "in_paid_hours",
    "hired",
    "internship_total",
    "paid_hours_total",
    "hired_total",
)


def hidden(values: tuple[int, ...]) -> tuple[int | str, ...]:
    """The integration's view of counts: 1 and 2 as "<3"."""
    return tuple("<3" if 0 < v < 3 else v for v in values)


def counts_of(item: dict[str, Any]) -> tuple[Any, ...]:
    """The six counts of an overview item, in COUNT_FIELDS order."""
    return tuple(item[field] for field in COUNT_FIELDS)
