"""BIP measurements of a citizen: record, history with progression, chart (all audited).

The numbers are worked out by the pure functions of ``service.citizens.bip``; this module
stores, loads, checks permissions and audits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service import clock
from service.auth import policy
from service.auth.principal import Principal
from service.citizens import bip as bip_rules
from service.citizens import service as citizens_service
from service.citizens.chart import bip_chart_svg
from service.citizens.exceptions import (
    BeliefNotAllowedError,
    BipMeasurementExistsError,
    CitizenDataError,
)
from service.citizens.models import BipMeasurement, Citizen
from service.citizens.schemas import BipHistory, BipMeasurementCreate, BipMeasurementPublic


def measurements_of(session: Session, *, citizen_id: str) -> list[BipMeasurement]:
    """A citizen's BIP measurements, oldest first."""
    statement = (
        select(BipMeasurement)
        .where(BipMeasurement.citizen_id == citizen_id)
        .order_by(col(BipMeasurement.measured_on))
    )
    return list(session.exec(statement).all())


def _answers(measurement: BipMeasurement) -> dict[str, int | None]:
    return {key: getattr(measurement, key) for key in bip_rules.INDICATORS}


def _refresh_bip_dates(session: Session, citizen: Citizen) -> None:
    last = session.exec(
        select(func.max(BipMeasurement.measured_on)).where(BipMeasurement.citizen_id == citizen.id)
    ).one()
    citizen.bip_last_measured_on = last
    citizen.bip_next_due_date = bip_rules.next_due(last)
    citizen.updated_at = clock.now()
    session.add(citizen)


def record_bip(
    session: Session,
    *,
    citizen: Citizen,
    data: BipMeasurementCreate,
    actor: Principal,
    replace_existing: bool = False,
) -> tuple[BipMeasurement, bool]:
    """Store a BIP measurement (409 for a second one on the same date unless replacing).

    Returns the measurement and whether it was created (False: an existing one was replaced).
    """
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    if data.caseworker_belief is not None and not policy.may_record_belief(actor):
        raise BeliefNotAllowedError()
    if data.measured_on > clock.today():
        raise CitizenDataError(
            "measured_on",
            "Datoen ligger i fremtiden",
            "The date is in the future",
        )
    existing = session.exec(
        select(BipMeasurement).where(
            BipMeasurement.citizen_id == citizen.id,
            BipMeasurement.measured_on == data.measured_on,
        )
    ).first()
    if existing is not None and not replace_existing:
        raise BipMeasurementExistsError(data.measured_on.isoformat())
    measurement = existing or BipMeasurement(citizen_id=citizen.id, measured_on=data.measured_on)
    for key in bip_rules.INDICATORS:
        setattr(measurement, key, getattr(data.answers, key))
    measurement.caseworker_belief = data.caseworker_belief
    measurement.recorded_by_user_id = actor.user_id
    measurement.updated_at = clock.now()
    try:
        with session.begin_nested():
            session.add(measurement)
    except IntegrityError as exc:  # a concurrent measurement on the same date
        raise BipMeasurementExistsError(data.measured_on.isoformat()) from exc
    _refresh_bip_dates(session, citizen)
    session.flush()
    created = existing is None
    citizens_service.audit_citizen(
        session,
        actor,
        "bip_create" if created else "bip_update",
        citizen.id,
        {"measurement_id": measurement.id, "measured_on": data.measured_on.isoformat()},
    )
    return measurement, created


def _measurement_public(measurement: BipMeasurement) -> BipMeasurementPublic:
    answers = _answers(measurement)
    return BipMeasurementPublic(
        id=measurement.id,
        measured_on=measurement.measured_on,
        answers=answers,
        caseworker_belief=measurement.caseworker_belief,
        answered=bip_rules.answered(answers),
        recorded_by_user_id=measurement.recorded_by_user_id,
        created_at=measurement.created_at,
    )


def bip_history(session: Session, *, citizen: Citizen, on: date | None = None) -> BipHistory:
    """The measurements with change per indicator and the next due date (not audited here)."""
    stored = measurements_of(session, citizen_id=citizen.id)
    result = bip_rules.progression(
        [bip_rules.Measurement(m.measured_on, _answers(m), m.caseworker_belief) for m in stored],
        today=on or clock.today(),
    )
    return BipHistory(
        citizen_id=citizen.id,
        measurements=[_measurement_public(m) for m in stored],
        change_since_first=result.change_since_first,
        change_since_previous=result.change_since_previous,
        next_due=result.next_due,
        overdue=result.overdue,
        days_overdue=result.days_overdue,
        questions=dict(bip_rules.QUESTIONS_DA),
        labels=dict(bip_rules.LABELS_DA),
    )


def read_bip(session: Session, *, citizen: Citizen, actor: Principal) -> BipHistory:
    """A citizen's BIP history and progression; the read is audited."""
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    history = bip_history(session, citizen=citizen)
    citizens_service.audit_citizen(
        session, actor, "bip_read", citizen.id, {"measurements": len(history.measurements)}
    )
    return history


def read_bip_chart(session: Session, *, citizen: Citizen, actor: Principal) -> str:
    """The BIP indicators over time as an SVG chart with Danish labels; the read is audited."""
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    stored = measurements_of(session, citizen_id=citizen.id)
    svg = bip_chart_svg(
        [bip_rules.Measurement(m.measured_on, _answers(m), m.caseworker_belief) for m in stored]
    )
    citizens_service.audit_citizen(
        session, actor, "bip_chart", citizen.id, {"measurements": len(stored)}
    )
    return svg
