"""Progress against the programme's targets, overall and per half-year.

Each counter is one GROUP BY over half-year numbers (``queries.half_year_index``): a citizen,
or a company, is counted once, in the half-year it first qualified. Events before the
programme start count in its first half-year; half-years after its end are listed without a
target.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, union_all
from sqlmodel import Session, col

from service.auth.principal import Principal
from service.citizens.models import AnonymousCitizenCount, Citizen
from service.companies.models import Company
from service.overview import queries
from service.overview import suppression as sdc
from service.overview.outreach import outreach_counts
from service.overview.schemas import HalfYearProgress, TargetProgress, TargetsOverview
from service.overview.service import disclosure, exact_counts
from service.overview.targets import (
    PERSON_TARGETS,
    HalfYear,
    PlannedValue,
    TargetsFile,
    load_targets,
    plan,
)
from service.placements.models import Placement
from service.placements.states import PAID_OUTCOMES, PlacementStatus

COUNTED_AS_DA = {
    "citizens": "Borgere i systemet (også afsluttede og slettede), efter startdato i projektet "
    "eller registreringsdato. Slettede borgere kendes kun pr. år og tælles i årets 2. halvår.",
    "company_placements": "Borgere med mindst ét påbegyndt forløb i en virksomhed "
    "(virksomhedspraktik, løntimer, hybridjob eller ordinær ansættelse), efter første startdato.",
    "paid_hours_or_employment": "Borgere med påbegyndte løntimer, hybridjob eller ordinær "
    "ansættelse, eller et afsluttet forløb med udfald 1-3 i tabel 6.10, efter første dato.",
    "companies": "Virksomheder med mindst ét aftalt, igangværende eller afsluttet forløb, "
    "efter første forslagsdato.",
    "ambassador_companies": "Virksomheder markeret som ambassadørvirksomhed nu; registret "
    "gemmer ikke hvornår, så der er ingen fordeling pr. halvår.",
}


def _by_half_year(session: Session, dates: Any) -> dict[int, int]:
    """Count rows of a one-column subquery of dates per half-year number."""
    numbered = select(queries.half_year_index(dates.c.day).label("half")).subquery()
    statement = select(numbered.c.half, func.count()).group_by(numbered.c.half)
    return {int(half): int(count) for half, count in session.execute(statement)}


def _first_dates(rows: Any) -> Any:
    """A subquery: each person's first date from a (person, day) select."""
    inner = rows.subquery()
    return select(func.min(inner.c.day).label("day")).group_by(inner.c.person).subquery()


def _citizens(session: Session) -> dict[int, int]:
    numbered = select(
        func.coalesce(
            queries.half_year_index(col(Citizen.programme_start_date)),
            queries.half_year_index(col(Citizen.created_at)),
        ).label("half")
    ).subquery()
    statement = select(numbered.c.half, func.count()).group_by(numbered.c.half)
    counts = {int(half): int(n) for half, n in session.execute(statement)}
    erased = select(
        col(AnonymousCitizenCount.year), func.sum(AnonymousCitizenCount.citizens)
    ).group_by(col(AnonymousCitizenCount.year))
    for year, n in session.execute(erased):
        index = HalfYear(int(year), 2).index
        counts[index] = counts.get(index, 0) + int(n or 0)
    return counts


def _company_placements(session: Session) -> dict[int, int]:
    rows = select(
        queries.person_key().label("person"), col(Placement.start_date).label("day")
    ).where(
        col(Placement.placement_type).in_(queries.COMPANY_TYPES),
        col(Placement.status).in_(queries.STARTED),
        col(Placement.start_date).is_not(None),
    )
    return _by_half_year(session, _first_dates(rows))


def _paid_or_employed(session: Session) -> dict[int, int]:
    paid = select(
        queries.person_key().label("person"), col(Placement.start_date).label("day")
    ).where(
        col(Placement.placement_type).in_(queries.PAID_OR_EMPLOYED_TYPES),
        col(Placement.status).in_(queries.STARTED),
        col(Placement.start_date).is_not(None),
    )
    outcome = select(
        queries.person_key().label("person"), col(Placement.end_date).label("day")
    ).where(
        col(Placement.status) == PlacementStatus.ended.value,
        col(Placement.outcome_category).in_(sorted(PAID_OUTCOMES)),
        col(Placement.end_date).is_not(None),
    )
    return _by_half_year(session, _first_dates(union_all(paid, outcome)))


def _companies(session: Session) -> dict[int, int]:
    firsts = (
        select(func.min(Placement.proposed_date).label("day"))
        .where(
            col(Placement.company_id).is_not(None),
            col(Placement.placement_type).in_(queries.COMPANY_TYPES),
            col(Placement.status).in_(queries.ACTIVITY),
        )
        .group_by(col(Placement.company_id))
        .subquery()
    )
    return _by_half_year(session, firsts)


def _ambassadors(session: Session) -> int:
    statement = select(func.count()).select_from(Company).where(col(Company.is_ambassador))
    return int(session.execute(statement).scalar_one())


def _half_years(targets: TargetsFile, events: list[dict[int, int]], today: date) -> list[HalfYear]:
    first = HalfYear.of(targets.start_date)
    last = max(
        [HalfYear.of(targets.end_date).index, HalfYear.of(today).index]
        + [index for counts in events for index in counts]
    )
    return [HalfYear.from_index(i) for i in range(first.index, last + 1)]


def _progress(
    key: str,
    label: str,
    planned: list[PlannedValue],
    counts: dict[int, int] | None,
    overall: int,
    half_years: list[HalfYear],
    exact: bool,
) -> TargetProgress:
    protect = not exact and key in PERSON_TARGETS
    by_half = {p.half_year: p for p in planned}
    first_index = half_years[0].index
    rows: list[HalfYearProgress] = []
    cumulative = 0
    hidden_so_far = False
    for position, half in enumerate(half_years):
        new: int | None = None
        if counts is not None:
            # Everything before the programme start counts in its first half-year.
            new = sum(
                n
                for i, n in counts.items()
                if (i == half.index) or (position == 0 and i < first_index)
            )
            if protect and sdc.is_small(new):
                hidden_so_far = True
            cumulative += sdc.published_part(new) if protect else new
        target = by_half.get(half)
        rows.append(
            HalfYearProgress(
                period=half.label,
                start_date=half.start,
                end_date=half.end,
                target_cumulative=target.cumulative if target else None,
                target_kind=("published" if target.published else "derived") if target else None,
                target_source=target.source if target else None,
                new=None if new is None else sdc.shown(new, exact=not protect),
                cumulative=cumulative if counts is not None else None,
                cumulative_is_lower_bound=hidden_so_far,
            )
        )
    reached = cumulative if counts is not None else overall
    total = planned[-1].cumulative
    return TargetProgress(
        key=key,
        label=label,
        target=total,
        target_source=planned[-1].source or "",
        reached=reached,
        reached_is_lower_bound=hidden_so_far,
        share_reached=round(reached / total, 4) if total else 0.0,
        counted_as=COUNTED_AS_DA[key],
        half_years=rows,
    )


def targets_progress(
    session: Session,
    *,
    actor: Principal,
    today: date,
    targets_file: str | None = None,
) -> TargetsOverview:
    """Progress against each target, overall and per half-year, from the targets file."""
    targets = load_targets(targets_file)
    exact = exact_counts(actor)
    counted: dict[str, dict[int, int] | None] = {
        "citizens": _citizens(session),
        "company_placements": _company_placements(session),
        "paid_hours_or_employment": _paid_or_employed(session),
        "companies": _companies(session),
        "ambassador_companies": None,
    }
    ambassadors = _ambassadors(session)
    half_years = _half_years(targets, [c for c in counted.values() if c is not None], today)
    plan_halves = targets.half_years
    progress = [
        _progress(
            spec.key,
            spec.label_da,
            plan(spec, plan_halves),
            counted[spec.key],
            ambassadors if spec.key == "ambassador_companies" else 0,
            half_years,
            exact,
        )
        for spec in targets.targets
    ]
    return TargetsOverview(
        programme=targets.programme_name,
        start_date=targets.start_date,
        end_date=targets.end_date,
        period_note=f"Start: {targets.start_date_source} Slut: {targets.end_date_source}",
        derivation=targets.derivation,
        as_of=today,
        targets=progress,
        outreach=outreach_counts(session, exact=exact),
        disclosure=disclosure(actor),
    )
