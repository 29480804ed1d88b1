"""The outbox of SMS reminders.

One row per message. The worker claims due rows (status ``queued`` -> ``sending`` with a claim
token), sends them and records the gateway's id, so a message is handed to the gateway at most
once. When the citizen is erased, the number, the text and the place are cleared and the row
stays as an anonymous count.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class Reminder(SQLModel, table=True):
    """An SMS reminder to a citizen about a time and a place."""

    __tablename__ = "sms_reminders"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    # NULL once the citizen is erased.
    citizen_id: str | None = Field(
        default=None, foreign_key="citizens.id", ondelete="SET NULL", index=True, max_length=32
    )
    municipality_code: str = Field(max_length=3, index=True)
    kind: str = Field(max_length=16)
    at: datetime
    place: str | None = Field(default=None, max_length=200)
    # What is sent, and to whom; both cleared on erasure.
    message: str | None = Field(default=None, max_length=480)
    mobile: str | None = Field(default=None, max_length=12)
    segments: int = 1
    status: str = Field(default="queued", max_length=16, index=True)
    send_at: datetime = Field(index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = None
    gateway_message_id: str | None = Field(default=None, max_length=64, index=True)
    last_error: str | None = Field(default=None, max_length=300)
    gateway_status: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    placement_id: str | None = Field(
        default=None, foreign_key="placements.id", ondelete="SET NULL", max_length=32
    )
    bus_tour_id: str | None = Field(
        default=None, foreign_key="bus_tours.id", ondelete="SET NULL", max_length=32
    )
    # A consultant may send one on a company's behalf.
    company_id: str | None = Field(
        default=None, foreign_key="companies.id", ondelete="SET NULL", max_length=32
    )
    created_by_user_id: str | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", max_length=32
    )
    is_demo: bool = False
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now, index=True)
