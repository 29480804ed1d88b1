"""Request and response shapes of SMS reminders and of the gateway's delivery reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.citizens.schemas import field_error
from service.i18n import bilingual_error
from service.reminders.templates import ReminderKind
from service.schemas import FreeText, Identifier, UtcDatetime


class ReminderStatus(StrEnum):
    """Where a message stands; ``sending`` is the worker's claim, shown as queued."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    cancelled = "cancelled"


# A phone number to call back: Danish, 8 digits (spaces allowed), or a +45 number.
CallbackPhone = Annotated[str, Field(pattern=r"^(\+45 ?)?\d{2} ?\d{2} ?\d{2} ?\d{2}$")]


class ReminderCreate(BaseModel):
    """A reminder to queue: what, when, where, who to call, and when to send it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    citizen_id: Annotated[Identifier, Field(min_length=1, max_length=32)]
    kind: ReminderKind
    at: datetime = Field(description="When the citizen is expected (with offset, or UTC)")
    place: Annotated[FreeText, Field(min_length=2, max_length=120)]
    send_at: datetime | None = Field(
        default=None, description="Default: 16.00 Danish time the day before `at`"
    )
    contact_phone: CallbackPhone = Field(description="Who the citizen calls if prevented")
    contact_name: Annotated[FreeText | None, Field(min_length=2, max_length=40)] = None
    text: Annotated[FreeText | None, Field(min_length=2, max_length=40)] = Field(
        default=None, description="custom only: what to remember, e.g. 'jobklub'"
    )
    company_id: Annotated[Identifier | None, Field(max_length=32)] = Field(
        default=None, description="Sent on this company's behalf (its name is the contact)"
    )
    placement_id: Annotated[Identifier | None, Field(max_length=32)] = None
    bus_tour_id: Annotated[Identifier | None, Field(max_length=32)] = None

    @model_validator(mode="after")
    def _text_only_for_custom(self) -> ReminderCreate:
        if self.kind == ReminderKind.custom and not self.text:
            raise field_error(
                "ReminderCreate",
                "text",
                bilingual_error(
                    "text_missing",
                    da="En fri påmindelse (custom) skal have en kort tekst (text)",
                    en="A custom reminder needs a short text (text)",
                ),
            )
        return self


class ReminderPublic(BaseModel):
    """A reminder as the caller sees it, with the exact text and its SMS segments."""

    id: str
    citizen_id: str | None
    kind: ReminderKind
    at: UtcDatetime
    place: str | None
    message: str | None
    segments: int
    status: ReminderStatus
    send_at: UtcDatetime
    attempts: int
    next_attempt_at: UtcDatetime | None
    gateway_message_id: str | None
    last_error: str | None
    sent_at: UtcDatetime | None
    delivered_at: UtcDatetime | None
    failed_at: UtcDatetime | None
    cancelled_at: UtcDatetime | None
    placement_id: str | None
    bus_tour_id: str | None
    company_id: str | None
    created_at: UtcDatetime
    gateway_configured: bool
    note: str | None = Field(description="Why a queued message is not going out, in Danish")


class ReminderList(BaseModel):
    """A citizen's reminders, newest first, and whether a gateway is set up."""

    items: list[ReminderPublic]
    next_cursor: str | None
    gateway_configured: bool
    note: str | None


class ReminderOffer(BaseModel):
    """A reminder the caller can queue for a placement or bus tour, ready to POST."""

    citizen_id: str
    kind: ReminderKind
    at: UtcDatetime
    place: str
    send_at: UtcDatetime
    placement_id: str | None
    bus_tour_id: str | None
    can_send: bool
    reason: str | None = Field(description="Why it cannot be sent (no number, no consent)")


class DeliveryReport(BaseModel):
    """GatewayAPI's delivery status webhook (the fields Kantmatch reads; others are ignored)."""

    model_config = ConfigDict(extra="ignore")

    id: int | Identifier
    status: Annotated[Identifier, Field(max_length=32)]
    msisdn: int | None = None
    time: int | None = None
    error: FreeText | None = None
    code: Identifier | None = None
    userref: Identifier | None = None


class DeliveryReportResult(BaseModel):
    """What a delivery report changed."""

    reminder_id: str | None
    status: ReminderStatus | None
    matched: bool
