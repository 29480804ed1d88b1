"""Learning cases (læringscases): what went wrong in placements that ended early.

A case opens when a placement ends as ``ended_early`` or ``did_not_show``. Citizen, company,
caseworker and consultant each add what happened (written down by staff); the summary counts
reasons by sector and company and holds no citizen-level data, so BLF consultants see it too.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.auth import policy
from service.auth.principal import Principal
from service.companies.models import Company
from service.placements import service as placements_service
from service.placements.exceptions import NoLearningCaseError, PlacementOutOfScopeError
from service.placements.models import LearningCaseNote, Placement
from service.placements.schemas import (
    LearningCaseGroup,
    LearningCaseNoteCreate,
    LearningCaseNotePublic,
    LearningCasePublic,
    LearningCaseSummary,
    ReasonCount,
)
from service.placements.states import REASON_LABELS_DA, Assessment, Perspective

CONSULTANT_PERSPECTIVES = frozenset({Perspective.company, Perspective.consultant})


def case_reason(placement: Placement) -> str:
    """The reason a case is counted under: the end reason, else the assessment (no-show)."""
    return placement.end_reason or str(placement.assessment)


def _notes(session: Session, placement_id: str) -> list[LearningCaseNote]:
    statement = (
        select(LearningCaseNote)
        .where(LearningCaseNote.placement_id == placement_id)
        .order_by(col(LearningCaseNote.created_at), col(LearningCaseNote.id))
    )
    return list(session.exec(statement))


def _public(placement: Placement, notes: list[LearningCaseNote]) -> LearningCasePublic:
    assert placement.learning_case_opened_date is not None
    reason = case_reason(placement)
    given = {n.perspective for n in notes}
    return LearningCasePublic(
        placement_id=placement.id,
        opened_date=placement.learning_case_opened_date,
        assessment=Assessment(str(placement.assessment)),
        reason=reason,
        reason_label=REASON_LABELS_DA.get(reason, reason),
        company_id=placement.company_id,
        sector=placement.sector,
        notes=[LearningCaseNotePublic.model_validate(n.model_dump()) for n in notes],
        perspectives_missing=[p for p in Perspective if p.value not in given],
    )


def learning_case_public(session: Session, *, placement: Placement) -> LearningCasePublic:
    """A placement's learning case with its notes (the caller has checked and audited)."""
    return _public(placement, _notes(session, placement.id))


def read_learning_case(
    session: Session, *, placement: Placement, actor: Principal
) -> LearningCasePublic:
    """A placement's learning case with every note; the read is audited on the citizen."""
    placements_service.check_scope(actor, placement.municipality_code)
    if placement.learning_case_opened_date is None:
        raise NoLearningCaseError(placement.id)
    placements_service.audit_reads(session, actor, [placement], "learning_case")
    return _as_seen_by(_public(placement, _notes(session, placement.id)), actor)


def _as_seen_by(public: LearningCasePublic, actor: Principal) -> LearningCasePublic:
    if policy.may_see_sensitive(actor):
        return public
    # Consultants see what the company and consultants wrote, not the citizen's or the
    # caseworker's words, and never a health reason (API.md).
    reason = policy.end_reason_for(actor, public.reason) or public.reason
    return public.model_copy(
        update={
            "reason": reason,
            "reason_label": REASON_LABELS_DA.get(reason, reason),
            "notes": [n for n in public.notes if n.perspective in CONSULTANT_PERSPECTIVES],
        }
    )


def add_note(
    session: Session, *, placement: Placement, data: LearningCaseNoteCreate, actor: Principal
) -> LearningCasePublic:
    """Add one party's account to a placement's learning case (409 if it has none)."""
    placements_service.check_scope(actor, placement.municipality_code)
    if placement.learning_case_opened_date is None:
        raise NoLearningCaseError(placement.id)
    note = LearningCaseNote(
        placement_id=placement.id,
        perspective=data.perspective.value,
        text=data.text,
        author_user_id=actor.user_id,
    )
    session.add(note)
    session.flush()
    placements_service.audit_change(
        session,
        actor,
        "learning_note",
        placement,
        {"perspective": note.perspective, "note_id": note.id},
    )
    # The answer shows the case as a read by the same caller would (no wider for a consultant).
    return _as_seen_by(_public(placement, _notes(session, placement.id)), actor)


def learning_case_summary(
    session: Session,
    *,
    actor: Principal,
    municipality_code: str | None,
    opened_since: date | None,
) -> LearningCaseSummary:
    """Learning cases counted by reason, sector and company, in the actor's municipalities."""
    if municipality_code is not None and not policy.reaches_municipality(actor, municipality_code):
        raise PlacementOutOfScopeError(municipality_code)
    reason = func.coalesce(Placement.end_reason, Placement.assessment)
    scope: list[Any] = [col(Placement.learning_case_opened_date).is_not(None)]
    if (own := policy.municipality_scope(actor)) is not None:
        scope.append(Placement.municipality_code == own)
    if municipality_code is not None:
        scope.append(Placement.municipality_code == municipality_code)
    if opened_since is not None:
        scope.append(col(Placement.learning_case_opened_date) >= opened_since)
    statement = (
        sa_select(
            col(Placement.sector),
            col(Placement.company_id),
            col(Company.name),
            reason,
            func.count(),
        )
        .outerjoin(Company, col(Company.id) == col(Placement.company_id))
        .where(*scope)
        .group_by(col(Placement.sector), col(Placement.company_id), col(Company.name), reason)
    )
    by_reason: dict[str, int] = defaultdict(int)
    sectors: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    companies: dict[str, tuple[str | None, str | None, dict[str, int]]] = {}
    for sector, company_id, company_name, raw_reason, count in session.execute(statement).all():
        # Per company the counts are small: a health reason would point at a person.
        why = policy.end_reason_for(actor, raw_reason) or raw_reason
        by_reason[why] += count
        sectors[sector][why] += count
        if company_id is not None:
            entry = companies.setdefault(company_id, (company_name, sector, defaultdict(int)))
            entry[2][why] += count
    notes = session.exec(
        select(LearningCaseNote.perspective, func.count())
        .join(Placement, col(Placement.id) == col(LearningCaseNote.placement_id))
        .where(*scope)
        .group_by(col(LearningCaseNote.perspective))
    )
    sector_groups = [
        LearningCaseGroup(sector=s, total=sum(r.values()), reasons=dict(r))
        for s, r in sectors.items()
    ]
    company_groups = [
        LearningCaseGroup(
            sector=sector,
            company_id=company_id,
            company_name=name,
            total=sum(r.values()),
            reasons=dict(r),
        )
        for company_id, (name, sector, r) in companies.items()
    ]
    return LearningCaseSummary(
        total=sum(by_reason.values()),
        by_reason=sorted(
            (
                ReasonCount(reason=r, label=REASON_LABELS_DA.get(r, r), count=n)
                for r, n in by_reason.items()
            ),
            key=lambda c: (-c.count, c.reason),
        ),
        by_sector=sorted(sector_groups, key=lambda g: (-g.total, g.sector or "")),
        by_company=sorted(company_groups, key=lambda g: (-g.total, g.company_name or "")),
        notes_by_perspective={p.value: 0 for p in Perspective} | dict(notes.all()),
    )
