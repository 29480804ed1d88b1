"""The outbox: claim due messages exactly once, record what the gateway said, and delivery.

Claiming moves rows from ``queued`` to ``sending`` with a fresh claim token, in its own short
transaction. On PostgreSQL the candidates are locked with ``SELECT ... FOR UPDATE SKIP LOCKED``,
so two workers take different rows without waiting for each other. SQLite has no row locks, so
one ``UPDATE ... WHERE status = 'queued'`` claims the rows: SQLite runs one writer at a time,
and the status check makes a second worker's update skip what the first one took. Either way
the claimed rows are read back by their token, so a worker sends only what it won.

A message is handed to the gateway at most once: after the claim, it only ever leaves
``sending`` for ``sent``, ``failed`` or (a transient error, nothing accepted) back to
``queued`` for a later attempt. A claim older than ``STALE_CLAIM`` (a worker died while
sending) is marked failed, never sent again: the gateway may already have it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlmodel import Session, col
from sqlmodel import select as orm_select

from service import clock
from service.auth.principal import CLI_PRINCIPAL
from service.db import new_id
from service.reminders.models import Reminder
from service.reminders.schemas import DeliveryReport, DeliveryReportResult, ReminderStatus
from service.reminders.service import audit_reminder

SMS_WORKER = replace(CLI_PRINCIPAL, name="sms-udsender")
SMS_GATEWAY = replace(CLI_PRINCIPAL, name="sms-gateway (leveringsrapport)")
STALE_CLAIM = timedelta(minutes=15)
# GatewayAPI's final statuses; the others (ENROUTE, BUFFERED, ...) only update gateway_status.
DELIVERED_STATUSES = frozenset({"DELIVERED"})
FAILED_STATUSES = frozenset({"UNDELIVERABLE", "EXPIRED", "REJECTED", "DELETED", "SKIPPED"})


@dataclass(frozen=True)
class ClaimedMessage:
    """What a worker needs to send one claimed message (plain values, no ORM row)."""

    reminder_id: str
    claim_token: str
    mobile: str
    message: str
    attempts: int


def _due_clause(now: datetime) -> Any:
    return and_(
        col(Reminder.status) == ReminderStatus.queued.value,
        col(Reminder.is_demo).is_(False),  # demo rows are history: never sent to a phone
        col(Reminder.send_at) <= now,
        or_(col(Reminder.next_attempt_at).is_(None), col(Reminder.next_attempt_at) <= now),
    )


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages for this worker (commit the session right after)."""
    token = new_id()
    table = Reminder.__table__  # type: ignore[attr-defined]
    candidates = select(table.c.id).where(_due_clause(now)).order_by(table.c.send_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.execute(candidates.with_for_update(skip_locked=True)).scalars())
        if not ids:
            return []
        target = table.c.id.in_(ids)
    else:
        target = table.c.id.in_(candidates.scalar_subquery())
    session.execute(
        update(table)
        .where(target, table.c.status == ReminderStatus.queued.value)
        .values(
            status=ReminderStatus.sending.value,
            claim_token=token,
            claimed_at=now,
            attempts=table.c.attempts + 1,
            updated_at=now,
        )
    )
    rows = session.execute(
        select(table.c.id, table.c.mobile, table.c.message, table.c.attempts).where(
            table.c.claim_token == token, table.c.status == ReminderStatus.sending.value
        )
    ).all()
    return [
        ClaimedMessage(row.id, token, row.mobile, row.message, row.attempts)
        for row in rows
        if row.mobile and row.message  # erased meanwhile: nothing to send (see fail_stale)
    ]


def _mine(claim: ClaimedMessage, *, sending_only: bool = True) -> Any:
    clauses = [
        col(Reminder.id) == claim.reminder_id,
        col(Reminder.claim_token) == claim.claim_token,
    ]
    if sending_only:
        clauses.append(col(Reminder.status) == ReminderStatus.sending.value)
    return and_(*clauses)


def _update_claimed(
    session: Session, claim: ClaimedMessage, where: Any, **values: Any
) -> Reminder | None:
    # Write first, read after: on SQLite a transaction that reads before it writes can be
    # refused (the snapshot is stale once the other worker commits); a write waits its turn.
    result: Any = session.execute(update(Reminder).where(where).values(**values))
    if result.rowcount != 1:
        return None
    return session.get(Reminder, claim.reminder_id, populate_existing=True)


def record_sent(
    session: Session, *, claim: ClaimedMessage, gateway_message_id: str, now: datetime
) -> None:
    """The gateway accepted the message: keep its id (a delivery report may have come first)."""
    reminder = _update_claimed(
        session,
        claim,
        _mine(claim, sending_only=False),
        gateway_message_id=gateway_message_id,
        sent_at=now,
        last_error=None,
        updated_at=now,
        status=case(
            (col(Reminder.status) == ReminderStatus.sending.value, ReminderStatus.sent.value),
            else_=col(Reminder.status),
        ),
    )
    if reminder is not None:
        audit_reminder(session, SMS_WORKER, "sms_sent", reminder, {"attempt": claim.attempts})


def record_retry(
    session: Session,
    *,
    claim: ClaimedMessage,
    error: str,
    now: datetime,
    max_attempts: int,
    base_seconds: float,
) -> bool:
    """A transient error: queue again after a backoff (doubling), or fail at the last attempt.

    Returns whether the message will be tried again.
    """
    if claim.attempts >= max_attempts:
        record_failure(session, claim=claim, error=error, now=now)
        return False
    delay = timedelta(seconds=base_seconds * 2 ** (claim.attempts - 1))
    reminder = _update_claimed(
        session,
        claim,
        _mine(claim),
        status=ReminderStatus.queued.value,
        next_attempt_at=now + delay,
        claim_token=None,
        last_error=error[:300],
        updated_at=now,
    )
    return reminder is not None


def record_failure(session: Session, *, claim: ClaimedMessage, error: str, now: datetime) -> None:
    """The gateway refused the message, or its answer is unknown: failed, never resent."""
    reminder = _update_claimed(
        session,
        claim,
        _mine(claim),
        status=ReminderStatus.failed.value,
        last_error=error[:300],
        failed_at=now,
        updated_at=now,
    )
    if reminder is not None:
        audit_reminder(session, SMS_WORKER, "sms_failed", reminder, {"attempts": claim.attempts})


STALE_NOTE = (
    "Udsenderen stoppede under afsendelsen; beskeden sendes ikke igen, da gatewayen måske "
    "allerede har den"
)


def fail_stale_claims(session: Session, *, now: datetime) -> int:
    """Mark messages claimed long ago by a worker that never finished as failed (not resent)."""
    stale = and_(
        col(Reminder.status) == ReminderStatus.sending.value,
        col(Reminder.claimed_at) < now - STALE_CLAIM,
    )
    token = new_id()
    result: Any = session.execute(
        update(Reminder)
        .where(stale)
        .values(
            status=ReminderStatus.failed.value,
            failed_at=now,
            updated_at=now,
            last_error=STALE_NOTE,
            claim_token=token,
        )
    )
    if not result.rowcount:
        return 0
    rows = session.exec(orm_select(Reminder).where(col(Reminder.claim_token) == token)).all()
    for reminder in rows:
        audit_reminder(session, SMS_WORKER, "sms_failed", reminder, {"stale_claim": True})
    return len(rows)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def valid_jwt_signature(token: str, secret: str) -> bool:
    """Whether a compact JWT is signed with HS256 and the shared secret (GatewayAPI's scheme)."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(_b64url(header_part))
        signature = _b64url(signature_part)
    except (ValueError, TypeError):
        return False
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return False
    expected = hmac.new(
        secret.encode(), f"{header_part}.{payload_part}".encode(), hashlib.sha256
    ).digest()
    return hmac.compare_digest(expected, signature)


def report_authenticated(
    *, secret: str | None, signature: str | None, shared_secret_header: str | None
) -> bool:
    """A delivery report carries the secret: a signed JWT header, or the secret itself."""
    if not secret:
        return False
    if signature and valid_jwt_signature(signature, secret):
        return True
    return bool(shared_secret_header) and hmac.compare_digest(
        (shared_secret_header or "").encode(), secret.encode()
    )


def apply_delivery_report(
    session: Session, *, report: DeliveryReport, now: datetime | None = None
) -> DeliveryReportResult:
    """Record a delivery status from the gateway (matched by its id, or our id as userref)."""
    now = now or clock.now()
    reminder = session.exec(
        orm_select(Reminder).where(col(Reminder.gateway_message_id) == str(report.id))
    ).first()
    if reminder is None and report.userref:
        reminder = session.get(Reminder, report.userref)
    if reminder is None:
        return DeliveryReportResult(reminder_id=None, status=None, matched=False)
    status = report.status.upper()
    reminder.gateway_status = status
    reminder.updated_at = now
    if reminder.gateway_message_id is None:
        reminder.gateway_message_id = str(report.id)
    final = ReminderStatus(reminder.status) in (ReminderStatus.delivered, ReminderStatus.failed)
    action = None
    if status in DELIVERED_STATUSES and not final:
        reminder.status = ReminderStatus.delivered.value
        reminder.delivered_at = now
        action = "sms_delivered"
    elif status in FAILED_STATUSES and not final:
        reminder.status = ReminderStatus.failed.value
        reminder.failed_at = now
        reminder.last_error = f"Gatewayen: {status} {report.code or ''}".strip()[:300]
        action = "sms_failed"
    session.add(reminder)
    session.flush()
    if action is not None:
        audit_reminder(session, SMS_GATEWAY, action, reminder, {"gateway_status": status})
    return DeliveryReportResult(
        reminder_id=reminder.id, status=ReminderStatus(reminder.status), matched=True
    )


def queued_count(session: Session) -> int:
    """Messages waiting in the queue (for the worker's report)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Reminder)
            .where(col(Reminder.status) == ReminderStatus.queued.value)
        ).scalar_one()
    )
