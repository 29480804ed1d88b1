"""The worker that sends due reminders: claim, send through the gateway, record; repeat.

Each message gets three short transactions (claim, then the outcome), and the HTTP request to
the gateway runs between them, outside any transaction, so a slow gateway never holds a lock.
Without a configured gateway the worker sends nothing and the messages stay queued.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from service import clock
from service.config import Settings
from service.phones import msisdn
from service.reminders import outbox
from service.reminders.gateway import (
    GatewayApiClient,
    PermanentGatewayError,
    TransientGatewayError,
    UncertainGatewayError,
)

logger = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class WorkerRun:
    """What one pass of the worker did."""

    gateway_configured: bool
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stale: int = 0
    still_queued: int = 0


def gateway_client(settings: Settings) -> GatewayApiClient | None:
    """The configured GatewayAPI client, or None when no gateway is set up."""
    if not (settings.sms_gateway_url and settings.sms_token):
        return None
    return GatewayApiClient(
        base_url=settings.sms_gateway_url,
        token=settings.sms_token,
        sender=settings.sms_sender,
        timeout_seconds=settings.sms_timeout_seconds,
    )


def send_due(
    engine: Engine, settings: Settings, *, now: Clock = clock.now, batch: int = 50
) -> WorkerRun:
    """One pass: fail stale claims, then claim and send every due message (in batches)."""
    client = gateway_client(settings)
    run = WorkerRun(gateway_configured=client is not None)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        run.stale = outbox.fail_stale_claims(session, now=now())
    while client is not None:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            claims = outbox.claim_due(session, now=now(), limit=batch)
        if not claims:
            break
        run.claimed += len(claims)
        for claim in claims:
            _send_one(engine, settings, client, claim, run, now)
    with Session(engine, expire_on_commit=False) as session:
        run.still_queued = outbox.queued_count(session)
    return run


def _send_one(
    engine: Engine,
    settings: Settings,
    client: GatewayApiClient,
    claim: outbox.ClaimedMessage,
    run: WorkerRun,
    now: Clock,
) -> None:
    try:
        gateway_id = client.send(
            msisdn=msisdn(claim.mobile), message=claim.message, userref=claim.reminder_id
        )
    except TransientGatewayError as exc:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            again = outbox.record_retry(
                session,
                claim=claim,
                error=str(exc),
                now=now(),
                max_attempts=settings.sms_max_attempts,
                base_seconds=settings.sms_retry_base_seconds,
            )
        if again:
            run.retrying += 1
        else:
            run.failed += 1
        logger.warning("SMS %s: transient error (%s)", claim.reminder_id, exc)
        return
    except (PermanentGatewayError, UncertainGatewayError) as exc:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            outbox.record_failure(session, claim=claim, error=str(exc), now=now())
        run.failed += 1
        logger.warning("SMS %s: not sent (%s)", claim.reminder_id, exc)
        return
    with Session(engine, expire_on_commit=False) as session, session.begin():
        outbox.record_sent(session, claim=claim, gateway_message_id=gateway_id, now=now())
    run.sent += 1


def run_forever(
    engine: Engine,
    settings: Settings,
    *,
    interval_seconds: float,
    report: Callable[[WorkerRun], None],
) -> None:
    """Send due messages every ``interval_seconds`` until interrupted."""
    while True:
        report(send_due(engine, settings))
        time.sleep(interval_seconds)
