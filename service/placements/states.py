"""The placement state machine and the vocabularies of assessments, reasons and outcomes.

proposed -> agreed -> active -> ended, or proposed -> rejected, or proposed/agreed ->
cancelled. ended, rejected and cancelled are final. Pure: no database, no web.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class PlacementType(StrEnum):
    """Company placements (the first four) and support placements without a company."""

    virksomhedspraktik = "virksomhedspraktik"
    loentimer = "loentimer"
    hybridjob = "hybridjob"
    ordinary = "ordinary"
    mentor = "mentor"
    vejledning_opkvalificering = "vejledning_opkvalificering"


# Paid hours: the step an internship should lead to.
PAID_TYPES = frozenset({PlacementType.loentimer, PlacementType.hybridjob, PlacementType.ordinary})
SUPPORT_TYPES = frozenset({PlacementType.mentor, PlacementType.vejledning_opkvalificering})
# Types with a wage-hour agreement.
AGREEMENT_TYPES = frozenset({PlacementType.loentimer, PlacementType.hybridjob})
# An internship running longer than this without its step to paid hours risks lock-in.
LOCK_IN_WEEKS = 13


class PlacementStatus(StrEnum):
    """Where a placement stands."""

    proposed = "proposed"
    agreed = "agreed"
    active = "active"
    ended = "ended"
    rejected = "rejected"
    cancelled = "cancelled"


ALLOWED_NEXT: dict[PlacementStatus, tuple[PlacementStatus, ...]] = {
    PlacementStatus.proposed: (
        PlacementStatus.agreed,
        PlacementStatus.rejected,
        PlacementStatus.cancelled,
    ),
    PlacementStatus.agreed: (PlacementStatus.active, PlacementStatus.cancelled),
    PlacementStatus.active: (PlacementStatus.ended,),
    PlacementStatus.ended: (),
    PlacementStatus.rejected: (),
    PlacementStatus.cancelled: (),
}
FINAL = frozenset(s for s, nxt in ALLOWED_NEXT.items() if not nxt)
# Placements still in play: they count against an opening's monthly congestion.
OPEN = frozenset({PlacementStatus.proposed, PlacementStatus.agreed, PlacementStatus.active})

STATUS_LABELS_DA: dict[PlacementStatus, str] = {
    PlacementStatus.proposed: "foreslået",
    PlacementStatus.agreed: "aftalt",
    PlacementStatus.active: "i gang",
    PlacementStatus.ended: "afsluttet",
    PlacementStatus.rejected: "afvist",
    PlacementStatus.cancelled: "annulleret",
}
TYPE_LABELS_DA: dict[PlacementType, str] = {
    PlacementType.virksomhedspraktik: "Virksomhedspraktik",
    PlacementType.loentimer: "Løntimer",
    PlacementType.hybridjob: "Hybridjob",
    PlacementType.ordinary: "Ordinær ansættelse",
    PlacementType.mentor: "Mentorforløb",
    PlacementType.vejledning_opkvalificering: "Vejledning og opkvalificering",
}


class Assessment(StrEnum):
    """How a placement went, recorded when it ends."""

    completed = "completed"
    partly_completed = "partly_completed"
    did_not_show = "did_not_show"
    ended_early = "ended_early"


# An early end opens a learning case (læringscase).
EARLY_END = frozenset({Assessment.did_not_show, Assessment.ended_early})


class EndReason(StrEnum):
    """Why a placement ended early."""

    health = "health"
    attendance = "attendance"
    company = "company"
    task_mismatch = "task_mismatch"
    transport = "transport"
    other = "other"


REASON_LABELS_DA: dict[str, str] = {
    EndReason.health: "Helbred",
    EndReason.attendance: "Fremmøde",
    EndReason.company: "Virksomhedens forhold",
    EndReason.task_mismatch: "Opgaverne passede ikke",
    EndReason.transport: "Transport",
    EndReason.other: "Andet",
    # A no-show without a known reason is counted under the assessment itself.
    Assessment.did_not_show: "Mødte ikke op (årsag ikke angivet)",
}


class Perspective(StrEnum):
    """Whose account a learning-case note gives."""

    citizen = "citizen"
    company = "company"
    caseworker = "caseworker"
    consultant = "consultant"


class OutcomeCategory(IntEnum):
    """The employment outcome categories of Table 6.10 (VIVE 2020)."""

    paid_hours_without_benefit = 1
    paid_hours_with_benefit = 2
    flex_job = 3
    study_grant_or_adult_apprentice = 4
    wage_subsidy_only = 5
    flex_allowance_without_flex_job = 6
    no_paid_hours = 7


OUTCOME_LABELS_DA: dict[int, str] = {
    1: "Lønnede timer uden løntilskud eller supplerende ydelse (ekskl. fleksjob)",
    2: "Lønnede timer, men aldrig uden supplerende ydelse (ekskl. fleksjob og løntilskud)",
    3: "Lønnede timer som fleksjob",
    4: "SU eller voksenlærling (ingen ordinære timer)",
    5: "Støttede timer med løntilskud (aldrig uden løntilskud)",
    6: "Ingen ordinære timer, fleks-/ledighedsydelse",
    7: "Ingen ordinære timer",
}
# Categories 1-3: ordinary paid hours (the evaluation's "lønnede timer").
PAID_OUTCOMES = frozenset({1, 2, 3})


def describe(status: PlacementStatus) -> str:
    """A status with its Danish label, as messages show it."""
    return f"{status.value} ({STATUS_LABELS_DA[status]})"


def can_move(current: PlacementStatus, target: PlacementStatus) -> bool:
    """Whether the state machine allows going from one status to another."""
    return target in ALLOWED_NEXT[current]
