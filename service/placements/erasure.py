"""What happens to placements when their citizen is erased.

Placements hold personal data (free text, the agreement's budget category and parties, the
learning-case notes). On erasure those go, and each placement stays as an anonymous row for
the overview's counts: municipality, company, sector, type, status, assessment, outcome and
dates, with no citizen id. Imports only the placement tables (and the overview's change hook,
which imports nothing else), so the citizens domain can call it without an import cycle.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from service import clock
from service.changefeed import feed as changefeed
from service.placements.models import LearningCaseNote, Placement, WageHourAgreement


def anonymise_citizen_placements(session: Session, *, citizen_id: str) -> int:
    """Strip a citizen's placements of personal data and the citizen id; returns how many."""
    rows = session.exec(
        select(Placement.id, Placement.company_id).where(Placement.citizen_id == citizen_id)
    ).all()
    ids = [placement_id for placement_id, _ in rows]
    if not ids:
        return 0
    session.execute(delete(LearningCaseNote).where(col(LearningCaseNote.placement_id).in_(ids)))
    session.execute(delete(WageHourAgreement).where(col(WageHourAgreement.placement_id).in_(ids)))
    now = clock.now()
    session.execute(
        update(Placement)
        .where(col(Placement.id).in_(ids))
        .values(
            citizen_id=None,
            caseworker_user_id=None,
            consultant_user_id=None,
            notes=None,
            status_reason=None,
            end_reason_text=None,
            missed_hours=None,
            anonymised_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    # Counts of distinct citizens may change (each anonymous placement counts on its own).
    changefeed.record_company_changes(session, company_ids=[c for _, c in rows])
    return len(ids)


def follow_citizen_move(session: Session, *, citizen_id: str, municipality_code: str) -> int:
    """Give a moved citizen's placements the new municipality, so scope follows the citizen.

    Placements carry the municipality for scope checks and counts; without this, caseworkers
    and consultants of the old municipality would keep reading them.
    """
    companies = session.exec(
        select(Placement.company_id).where(col(Placement.citizen_id) == citizen_id)
    ).all()
    if not companies:
        return 0
    session.execute(
        update(Placement)
        .where(col(Placement.citizen_id) == citizen_id)
        .values(municipality_code=municipality_code, updated_at=clock.now())
    )
    changefeed.record_company_changes(session, company_ids=list(companies))
    return len(companies)
