"""What happens to a citizen's mentor matches when the citizen is erased.

The match stays as an anonymous count for the mentor and the overview (dates, municipality);
the citizen id, first name and assessment go, and an open match ends on the day of erasure.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col

from service import clock
from service.mentors.models import MentorMatch


def erase_citizen_data(session: Session, citizen_id: str) -> int:
    """Anonymise a citizen's mentor matches; returns how many."""
    now = clock.now()
    result: Any = session.execute(
        update(MentorMatch)
        .where(col(MentorMatch.citizen_id) == citizen_id)
        .values(
            citizen_id=None,
            citizen_first_name=None,
            assessment=None,
            end_date=func.coalesce(col(MentorMatch.end_date), now.date()),
            updated_at=now,
        )
    )
    return int(result.rowcount or 0)
