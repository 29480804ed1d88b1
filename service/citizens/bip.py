"""BIP indicators and progression: pure functions, no web and no database.

The ten indicators (Beskæftigelsesindikatorprojektet, VIVE 2020 Table 6.17) are rated 1-5 by the
citizen, 1 being low readiness and 5 high (for substance abuse, 5 means it is no problem). An
unanswered indicator stays missing: it never counts as 1, and a change needs both answers.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

INDICATORS: tuple[str, ...] = (
    "job_goal",
    "substance_abuse",
    "daily_energy",
    "social_support",
    "cooperation",
    "contacting_strangers",
    "health",
    "competences_usable",
    "can_manage_job",
    "job_search_knowledge",
)

# The questions as the citizen hears them (Table 6.17).
QUESTIONS_DA: dict[str, str] = {
    "job_goal": "Har en idé om, hvilket arbejde du gerne vil have?",
    "substance_abuse": "Har du et misbrug, der kan være et problem for at passe et arbejde?",
    "daily_energy": "Har du overskud i hverdagen til at fokusere på at få et arbejde?",
    "social_support": "Har du støtte fra familie og venner, når du har brug for hjælp?",
    "cooperation": "Hvor god er du til at samarbejde med andre?",
    "contacting_strangers": "Hvordan har du det med at tage kontakt til nogen, du ikke kender?",
    "health": "Hvordan vil du alt i alt vurdere dit (fysiske og psykiske) helbred i forhold til "
    "at kunne tage et arbejde?",
    "competences_usable": "Tror du, at dine kompetencer kan bruges på arbejdsmarkedet?",
    "can_manage_job": "Tror du, at du kan klare et arbejde?",
    "job_search_knowledge": "Ved du, hvad du skal gøre for at forbedre dine muligheder for at få "
    "et job?",
}

# Short Danish labels for charts and tables.
LABELS_DA: dict[str, str] = {
    "job_goal": "Idé om job",
    "substance_abuse": "Misbrug (5 = intet problem)",
    "daily_energy": "Overskud i hverdagen",
    "social_support": "Støtte fra familie og venner",
    "cooperation": "Samarbejde",
    "contacting_strangers": "Kontakt til fremmede",
    "health": "Helbred ift. arbejde",
    "competences_usable": "Kompetencer kan bruges",
    "can_manage_job": "Kan klare et arbejde",
    "job_search_knowledge": "Ved hvad der skal til",
}
BELIEF_LABEL_DA = "Sagsbehandlerens tro på job"

# The evaluation's rhythm: a BIP conversation about every six months.
MONTHS_BETWEEN_MEASUREMENTS = 6

Answers = Mapping[str, int | None]


@dataclass(frozen=True)
class Measurement:
    """One BIP measurement: its date, the ten answers (None = not answered) and the belief."""

    measured_on: date
    answers: Answers
    caseworker_belief: int | None = None


@dataclass(frozen=True)
class Progression:
    """Change per indicator since the first and since the previous measurement, and when next."""

    change_since_first: dict[str, int | None]
    change_since_previous: dict[str, int | None]
    next_due: date | None
    overdue: bool
    days_overdue: int | None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter (31 Aug + 6)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(last_measured_on: date | None) -> date | None:
    """When the next measurement is due: six months after the last one (None before the first)."""
    if last_measured_on is None:
        return None
    return add_months(last_measured_on, MONTHS_BETWEEN_MEASUREMENTS)


def answered(answers: Answers) -> int:
    """How many of the ten indicators have an answer."""
    return sum(1 for key in INDICATORS if answers.get(key) is not None)


def change(earlier: Answers, later: Answers) -> dict[str, int | None]:
    """Later minus earlier per indicator; None where either answer is missing."""
    result: dict[str, int | None] = {}
    for key in INDICATORS:
        before, after = earlier.get(key), later.get(key)
        result[key] = None if before is None or after is None else after - before
    return result


def progression(measurements: Sequence[Measurement], *, today: date) -> Progression:
    """Progression over measurements in any order (compared by date); changes need two."""
    ordered = sorted(measurements, key=lambda m: m.measured_on)
    nothing = dict.fromkeys(INDICATORS)
    if not ordered:
        return Progression(nothing, dict(nothing), None, False, None)
    latest = ordered[-1]
    due = next_due(latest.measured_on)
    assert due is not None
    overdue = due < today
    return Progression(
        change_since_first=change(ordered[0].answers, latest.answers)
        if len(ordered) > 1
        else dict(nothing),
        change_since_previous=change(ordered[-2].answers, latest.answers)
        if len(ordered) > 1
        else dict(nothing),
        next_due=due,
        overdue=overdue,
        days_overdue=(today - due).days if overdue else None,
    )


def mean_per_indicator(answer_sets: Sequence[Answers]) -> dict[str, float | None]:
    """The mean answer per indicator over the given measurements, ignoring missing answers."""
    means: dict[str, float | None] = {}
    for key in INDICATORS:
        values = [a[key] for a in answer_sets if a.get(key) is not None]
        means[key] = sum(v for v in values if v is not None) / len(values) if values else None
    return means
