"""The rules a placement's fields must keep, per type and per status change. Pure functions.

Each returns every problem it finds as a field error, so one response names them all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from service.errors import FieldError
from service.placements.states import (
    PAID_TYPES,
    Assessment,
    EndReason,
    PlacementStatus,
    PlacementType,
)

ENDING_FIELDS = ("assessment", "missed_hours", "end_reason", "end_reason_text", "outcome_category")


def _field(name: str, da: str, en: str) -> FieldError:
    return FieldError(name, da, en)


def check_terms(values: dict[str, Any], on: date) -> list[FieldError]:
    """Every rule about dates and the internship's step that the merged values break."""
    problems: list[FieldError] = []
    kind = PlacementType(values["placement_type"])
    start = values.get("start_date")
    if values["proposed_date"] > on:
        problems.append(
            _field("proposed_date", "Må ikke ligge i fremtiden", "May not be in the future")
        )
    for name in ("planned_end_date", "review_date", "planned_step_date"):
        if start is not None and values.get(name) is not None and values[name] < start:
            problems.append(
                _field(name, "Må ikke ligge før startdatoen", "May not be before the start date")
            )
    if kind == PlacementType.virksomhedspraktik:
        for name in ("review_date", "planned_step_type", "planned_step_date"):
            if values.get(name) is None:
                problems.append(
                    _field(
                        name,
                        "En virksomhedspraktik skal have en opfølgningsdato og et planlagt "
                        "skridt til lønnede timer (type og dato)",
                        "An internship needs a review date and a planned step to paid hours "
                        "(type and date)",
                    )
                )
        step = values.get("planned_step_type")
        if step is not None and PlacementType(step) not in PAID_TYPES:
            problems.append(
                _field(
                    "planned_step_type",
                    "Skridtet skal være loentimer, hybridjob eller ordinary",
                    "The step must be loentimer, hybridjob or ordinary",
                )
            )
    else:
        for name in ("planned_step_type", "planned_step_date"):
            if values.get(name) is not None:
                problems.append(
                    _field(
                        name,
                        "Kun en virksomhedspraktik har et planlagt skridt til lønnede timer",
                        "Only an internship has a planned step to paid hours",
                    )
                )
    return problems


def check_ending(values: dict[str, Any]) -> list[FieldError]:
    """The assessment rules of an ended placement."""
    problems: list[FieldError] = []
    assessment = values.get("assessment")
    if assessment is None:
        problems.append(
            _field(
                "assessment",
                "Angiv vurderingen, når forløbet afsluttes",
                "Give the assessment when the placement ends",
            )
        )
    if values.get("outcome_category") is None:
        problems.append(
            _field(
                "outcome_category",
                "Angiv udfaldet (kategori 1-7 i tabel 6.10), når forløbet afsluttes",
                "Give the outcome (category 1-7 of Table 6.10) when the placement ends",
            )
        )
    partly = assessment == Assessment.partly_completed
    if partly and values.get("missed_hours") is None:
        problems.append(
            _field(
                "missed_hours",
                "Angiv de manglende timer for et delvist gennemført forløb",
                "Give the missed hours of a partly completed placement",
            )
        )
    if not partly and values.get("missed_hours") is not None:
        problems.append(
            _field(
                "missed_hours",
                "Kun for vurderingen partly_completed",
                "Only for the assessment partly_completed",
            )
        )
    reason = values.get("end_reason")
    if assessment == Assessment.ended_early and reason is None:
        problems.append(
            _field(
                "end_reason",
                "Angiv årsagen til, at forløbet blev afbrudt",
                "Give the reason the placement ended early",
            )
        )
    if assessment in (Assessment.completed, Assessment.partly_completed) and reason is not None:
        problems.append(
            _field(
                "end_reason",
                "Kun for et afbrudt forløb, eller når borgeren ikke mødte op",
                "Only for a placement that ended early or where the citizen did not show",
            )
        )
    if reason == EndReason.other and not values.get("end_reason_text"):
        problems.append(
            _field(
                "end_reason_text",
                "Beskriv årsagen, når den er 'other'",
                "Describe the reason when it is 'other'",
            )
        )
    return problems


def apply_transition(
    target: PlacementStatus,
    effective: date,
    values: dict[str, Any],
    *,
    last: date | None,
    on: date,
    start_given: bool,
) -> list[FieldError]:
    """Dates and checks of one status change; the values are changed in place."""
    problems: list[FieldError] = []
    if effective > on:
        problems.append(
            _field(
                "effective_date",
                "En statusændring kan ikke ligge i fremtiden",
                "A status change cannot be in the future",
            )
        )
    if last is not None and effective < last:
        problems.append(
            _field(
                "effective_date",
                f"Må ikke ligge før forrige statusændring ({last.isoformat()})",
                f"May not be before the previous status change ({last.isoformat()})",
            )
        )
    if target == PlacementStatus.agreed and values.get("start_date") is None:
        problems.append(
            _field(
                "start_date",
                "Et aftalt forløb skal have en startdato",
                "An agreed placement needs a start date",
            )
        )
    if target == PlacementStatus.active and not start_given:
        values["start_date"] = effective
    if target == PlacementStatus.ended:
        values["end_date"] = effective
        start = values.get("start_date")
        if start is not None and effective < start:
            problems.append(
                _field(
                    "effective_date",
                    f"Slutdatoen må ikke ligge før startdatoen ({start.isoformat()})",
                    f"The end date may not be before the start date ({start.isoformat()})",
                )
            )
    return problems


def field_problems(
    current: PlacementStatus, target: PlacementStatus, patched: set[str]
) -> list[FieldError]:
    """Fields sent that do not belong to the status the placement is in or moves to."""
    problems = []
    ending = [f for f in ENDING_FIELDS if f in patched]
    if ending and target != PlacementStatus.ended:
        problems += [
            _field(
                f,
                "Kan kun angives, når forløbet afsluttes (status ended)",
                "Can only be given when the placement ends (status ended)",
            )
            for f in ending
        ]
    closing = (PlacementStatus.rejected, PlacementStatus.cancelled)
    if "status_reason" in patched and target not in closing:
        problems.append(
            _field(
                "status_reason",
                "Kun når forløbet afvises eller annulleres",
                "Only when the placement is rejected or cancelled",
            )
        )
    return problems
