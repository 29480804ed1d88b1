"""What happens to a citizen's SMS reminders when the citizen is erased.

The number, the text and the place go; a queued message is cancelled; the row stays without the
citizen id as an anonymous count (kind, times, status). Imports only the reminder table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlmodel import Session, col

from service import clock
from service.reminders.models import Reminder


def erase_citizen_data(session: Session, citizen_id: str) -> int:
    """Clear the number and texts of a citizen's reminders; returns how many rows."""
    now = clock.now()
    result: Any = session.execute(
        update(Reminder)
        .where(col(Reminder.citizen_id) == citizen_id)
        .values(
            citizen_id=None,
            mobile=None,
            message=None,
            place=None,
            last_error=None,
            status=case(
                (col(Reminder.status) == "queued", "cancelled"), else_=col(Reminder.status)
            ),
            cancelled_at=case(
                (col(Reminder.status) == "queued", now), else_=col(Reminder.cancelled_at)
            ),
            updated_at=now,
        )
    )
    return int(result.rowcount or 0)
