"""Fictional demo placements, assessments, outcomes and learning cases (all marked ``is_demo``).

Made through the same service functions as the API. What follows the evaluation (VIVE 2020):
- which citizens had which combination of placements, as Table 6.12: internship with mentoring
  or guidance 191, internship only 138, mentoring or guidance without internship 162, other
  activities (not placements we make) 35, no active placement 137 (of 663, scaled to the number
  of demo citizens); mentoring and guidance split so that the counts of citizens per type match
  Table 6.6 (internship 329, guidance and up-skilling 289, mentoring 120);
- the share with a positive outcome (categories 1-5 of Table 6.10) per combination, as Table
  6.12 (18.3 %, 14.5 %, 9.9 %), and the split of those outcomes over categories 1-5, and of the
  rest over 6 and 7, as Table 6.10; citizens of the BIP group that got paid hours (Table 6.17)
  are the first picked for a positive outcome;
- category 1 and 2 are followed by an ordinary job or paid hours / a hybrid job at the same
  company, with a wage-hour agreement.
Illustrative, not from any table: dates and durations, the companies chosen, the share of
placements that end early or where the citizen did not show, their reasons, the learning-case
notes, hours, wages, benefit categories, and a few placements still proposed, agreed, running
(some past 13 weeks: lock-in), rejected or cancelled.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL
from service.citizens.models import Citizen
from service.companies.models import Company
from service.demo import citizens as citizens_demo
from service.demo.common import DEMO_STAFF_KEYS, largest_remainder, weighted
from service.placements import agreements, learning
from service.placements import service as placements_service
from service.placements.models import Placement
from service.placements.schemas import (
    AgreementCreate,
    LearningCaseNoteCreate,
    PlacementCreate,
    PlacementUpdate,
)
from service.tasks.models import TaskOpening

# Table 6.12: citizens per combination of placements, and how many had a positive outcome.
COMBINATIONS = {
    "internship_and_support": (191, 35),
    "internship_only": (138, 20),
    "support_only": (162, 16),
    "other": (35, 19),
    "none": (137, 13),
}
PLACED = ("internship_and_support", "internship_only", "support_only")
# Table 6.6 within "support": 289 guidance, 120 mentoring among 353 citizens, so 56 had both.
SUPPORT_KINDS = {"vejledning_opkvalificering": 233, "mentor": 64, "both": 56}
# Table 6.10: citizens per outcome category.
OUTCOMES = {1: 26, 2: 43, 3: 23, 4: 6, 5: 5, 6: 14, 7: 546}
# Illustrative: how internships without a positive outcome ended, and why early ends happened.
END_SHARES = {"completed": 52, "partly_completed": 14, "ended_early": 26, "did_not_show": 8}
REASON_SHARES = {
    "attendance": 28,
    "health": 30,
    "task_mismatch": 13,
    "transport": 12,
    "company": 9,
    "other": 8,
}
BENEFIT_SHARES = {
    "forhoejet_sats": 60,
    "forhoejet_sats_children": 20,
    "grundsats": 15,
    "mindstesats": 5,
}
# Illustrative: share of citizens with a placement who also have one going on now.
CURRENT_SHARE = 0.12
NOTE_TEXTS = {  # fictional accounts, one per perspective and reason
    "citizen": {
        "attendance": "Jeg havde svært ved at komme op om morgenen de første uger (fiktiv).",
        "health": "Ryggen kunne ikke holde til at stå op så længe (fiktiv).",
        "task_mismatch": "Opgaverne var andre end dem, vi aftalte (fiktiv).",
        "transport": "Bussen passede ikke med mødetiden (fiktiv).",
        "company": "Der var ingen til at vise mig opgaverne (fiktiv).",
        "other": "Der skete noget i familien, som fyldte meget (fiktiv).",
        "did_not_show": "Jeg turde ikke møde op første dag (fiktiv).",
    },
    "company": "Vi kunne have aftalt en langsommere start (fiktiv).",
    "caseworker": "Næste gang: kortere dage i starten og opfølgning efter en uge (fiktiv).",
    "consultant": "Virksomheden vil gerne prøve igen med en ny borger (fiktiv).",
}
DEMO_NOTE = "Fiktivt demoforløb."


@dataclass(frozen=True)
class DemoPerson:
    """What the plan needs to know about a demo citizen."""

    citizen_id: str
    municipality_code: str
    programme_start_date: date
    paid_hours_group: bool
    preferred_sectors: tuple[str, ...] = ()


@dataclass
class PlannedCitizen:
    """Which placements a citizen gets and how they end (dates are chosen when loading)."""

    person: DemoPerson
    combination: str
    support: tuple[str, ...]
    outcome: int | None
    internship_end: str | None = None
    end_reason: str | None = None
    current: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def plan_demo(people: list[DemoPerson], seed: int) -> list[PlannedCitizen]:
    """Assign combinations, support kinds, outcomes and endings in the tables' proportions."""
    rng = random.Random(seed)
    combination_counts = largest_remainder(
        len(people), {k: n for k, (n, _) in COMBINATIONS.items()}
    )
    # The newest citizens have had the least time for a placement.
    by_start = sorted(people, key=lambda p: (p.programme_start_date, p.citizen_id), reverse=True)
    newest = by_start[: combination_counts["none"]]
    rest = by_start[combination_counts["none"] :]
    rng.shuffle(rest)
    groups: dict[str, list[DemoPerson]] = {"none": newest}
    position = 0
    for name in ("other", "internship_and_support", "internship_only", "support_only"):
        groups[name] = rest[position : position + combination_counts[name]]
        position += combination_counts[name]
    with_support = groups["internship_and_support"] + groups["support_only"]
    kinds = largest_remainder(len(with_support), SUPPORT_KINDS)
    support_of: dict[str, tuple[str, ...]] = {}
    shuffled = rng.sample(with_support, len(with_support))
    start = 0
    for kind, count in kinds.items():
        for person in shuffled[start : start + count]:
            support_of[person.citizen_id] = (
                ("vejledning_opkvalificering", "mentor") if kind == "both" else (kind,)
            )
        start += count
    placed = PLACED
    successes: list[DemoPerson] = []
    failures: list[DemoPerson] = []
    for name in placed:
        members = groups[name]
        n, positive = COMBINATIONS[name]
        wanted = round(len(members) * positive / n)
        # Citizens of the BIP group that got paid hours first (Table 6.17), then at random.
        ranked = sorted(members, key=lambda p: (not p.paid_hours_group, rng.random()))
        successes += ranked[:wanted]
        failures += ranked[wanted:]
    outcome_of: dict[str, int] = {}
    good = largest_remainder(len(successes), {c: OUTCOMES[c] for c in (1, 2, 3, 4, 5)})
    bad = largest_remainder(len(failures), {c: OUTCOMES[c] for c in (6, 7)})
    for pool, counts in ((successes, good), (failures, bad)):
        categories = [c for c, k in counts.items() for _ in range(k)]
        rng.shuffle(categories)
        for person, category in zip(pool, categories, strict=True):
            outcome_of[person.citizen_id] = category
    plans = []
    for name, members in groups.items():
        for person in members:
            outcome = outcome_of.get(person.citizen_id)
            plan = PlannedCitizen(person, name, support_of.get(person.citizen_id, ()), outcome)
            if name in placed:
                positive = outcome is not None and outcome <= 5
                plan.internship_end = "completed" if positive else weighted(rng, END_SHARES)
                if plan.internship_end in ("ended_early", "did_not_show"):
                    plan.end_reason = (
                        weighted(rng, REASON_SHARES)
                        if plan.internship_end == "ended_early" or rng.random() < 0.4
                        else None
                    )
                if rng.random() < CURRENT_SHARE:
                    plan.current = weighted(
                        rng,
                        {
                            "active": 45,
                            "active_long": 20,
                            "proposed": 15,
                            "agreed": 10,
                            "closed": 10,
                        },
                    )
            plans.append(plan)
    return plans


class _Loader:
    """Stores one plan through the service functions, with illustrative dates and companies."""

    def __init__(self, session: Session, rng: random.Random, on: date) -> None:
        self.session = session
        self.rng = rng
        self.on = on
        self.created = 0
        self.staff: dict[str, tuple[str | None, str | None]] = {}
        for municipality, keys in DEMO_STAFF_KEYS.items():
            ids = [auth_service.find_api_key(session, key=k) for k in keys]
            self.staff[municipality] = (
                ids[0].user_id if ids[0] else None,
                ids[1].user_id if ids[1] else None,
            )
        companies = session.exec(
            select(Company)
            .where(col(Company.is_demo), col(Company.is_paused).is_(False))
            .order_by(col(Company.cvr))
        ).all()
        self.companies: dict[str, list[Company]] = defaultdict(list)
        for company in companies:
            self.companies[company.municipality_code].append(company)
        self.openings: dict[str, list[TaskOpening]] = defaultdict(list)
        for opening in session.exec(
            select(TaskOpening)
            .where(TaskOpening.status == "open")
            .order_by(col(TaskOpening.created_at), col(TaskOpening.id))
        ):
            self.openings[opening.company_id].append(opening)

    def company_for(self, person: DemoPerson) -> Company | None:
        pool = self.companies.get(person.municipality_code) or [
            c for cs in self.companies.values() for c in cs
        ]
        if not pool:
            return None
        liked = [c for c in pool if c.sector in person.preferred_sectors]
        return self.rng.choice(liked if liked and self.rng.random() < 0.6 else pool)

    def opening_for(self, company: Company, kind: str) -> TaskOpening | None:
        fitting = [o for o in self.openings.get(company.id, []) if kind in o.placement_types]
        return self.rng.choice(fitting) if fitting else None

    def propose(
        self,
        person: DemoPerson,
        kind: str,
        company: Company | None,
        start: date,
        weeks: int,
        proposed: date,
    ) -> Placement:
        caseworker, consultant = self.staff.get(person.municipality_code, (None, None))
        opening = self.opening_for(company, kind) if company else None
        values: dict[str, Any] = {
            "citizen_id": person.citizen_id,
            "placement_type": kind,
            "company_id": company.id if company else None,
            "opening_id": opening.id if opening else None,
            "proposed_date": proposed,
            "start_date": start,
            "planned_end_date": start + timedelta(weeks=weeks),
            "hours_per_week": float(self.rng.choice((6, 8, 10, 12, 15))),
            "caseworker_id": caseworker,
            "consultant_id": consultant if company else None,
            "notes": DEMO_NOTE,
        }
        if kind == "virksomhedspraktik":
            values.update(
                review_date=start + timedelta(weeks=4),
                planned_step_type=self.rng.choice(("loentimer", "loentimer", "hybridjob")),
                planned_step_date=start + timedelta(weeks=self.rng.randint(6, 10)),
            )
        placement = placements_service.create_placement(
            self.session,
            data=PlacementCreate.model_validate(values),
            actor=CLI_PRINCIPAL,
            is_demo=True,
        )
        self.created += 1
        return placement

    def move(self, placement: Placement, **fields: Any) -> None:
        placements_service.update_placement(
            self.session,
            placement=placement,
            data=PlacementUpdate.model_validate(fields),
            actor=CLI_PRINCIPAL,
        )

    def run(
        self,
        placement: Placement,
        proposed: date,
        start: date,
        end: date | None,
        ending: dict[str, Any] | None,
    ) -> None:
        """Agree, start and (with ``end``) end a proposed placement on its dates."""
        self.move(placement, status="agreed", effective_date=max(proposed, start - timedelta(3)))
        self.move(placement, status="active", effective_date=start)
        if end is not None and ending is not None:
            self.move(placement, status="ended", effective_date=end, **ending)

    def window(self, person: DemoPerson) -> tuple[date, int]:
        first = min(person.programme_start_date + timedelta(days=7), self.on - timedelta(days=15))
        return first, max(14, (self.on - timedelta(days=1) - first).days)


def _ending(plan: PlannedCitizen, assessment: str, rng: random.Random) -> dict[str, Any]:
    ending: dict[str, Any] = {"assessment": assessment, "outcome_category": plan.outcome or 7}
    if assessment == "partly_completed":
        ending["missed_hours"] = float(rng.randint(4, 40))
    if assessment in ("ended_early", "did_not_show") and plan.end_reason:
        ending["end_reason"] = plan.end_reason
        if plan.end_reason == "other":
            ending["end_reason_text"] = "Andre forhold i borgerens liv (fiktiv)"
    return ending


def _load_citizen(loader: _Loader, plan: PlannedCitizen) -> None:
    if plan.combination not in PLACED:
        return  # other activities, or no placement yet: nothing we make
    person, rng, on = plan.person, loader.rng, loader.on
    first, days = loader.window(person)
    support_end = first
    for index, kind in enumerate(plan.support):
        start = first + timedelta(days=min(days // 3, 7 * index))
        length = min(rng.randint(8, 16) * 7, max(7, days // 2))
        end = min(start + timedelta(days=length), on - timedelta(days=1))
        proposed = min(person.programme_start_date, start)
        placement = loader.propose(person, kind, None, start, 12, proposed)
        loader.run(placement, placement.proposed_date, start, end, _ending(plan, "completed", rng))
        support_end = max(support_end, end)
    company = loader.company_for(person)
    internship_end = support_end
    if plan.combination != "support_only" and company is not None:
        start = first + timedelta(days=min(rng.randint(7, 35), days // 3))
        if plan.internship_end == "did_not_show":
            length = rng.randint(1, 5)
        elif plan.internship_end == "ended_early":
            length = rng.randint(10, 60)
        else:
            length = rng.randint(11, 16) * 7
        length = min(length, max(1, (on - timedelta(days=1) - start).days))
        end = start + timedelta(days=length)
        proposed = max(person.programme_start_date, start - timedelta(days=10))
        placement = loader.propose(person, "virksomhedspraktik", company, start, 13, proposed)
        assert plan.internship_end is not None
        loader.run(placement, proposed, start, end, _ending(plan, plan.internship_end, rng))
        if plan.internship_end in ("ended_early", "did_not_show"):
            _add_notes(loader, placement, plan)
        internship_end = end
    if plan.outcome in (1, 2) and company is not None:
        _paid_follow_up(loader, plan, company, internship_end)
    elsewhere = loader.company_for(person)
    if plan.current is not None and elsewhere is not None:
        _current(loader, plan, elsewhere)


def _add_notes(loader: _Loader, placement: Placement, plan: PlannedCitizen) -> None:
    reason = plan.end_reason or "did_not_show"
    perspectives = ["citizen", "caseworker", "company", "consultant"]
    for perspective in perspectives[: loader.rng.randint(2, 4)]:
        texts = NOTE_TEXTS[perspective]
        text = texts[reason] if isinstance(texts, dict) else texts
        learning.add_note(
            loader.session,
            placement=placement,
            data=LearningCaseNoteCreate.model_validate({"perspective": perspective, "text": text}),
            actor=CLI_PRINCIPAL,
        )


def _paid_follow_up(loader: _Loader, plan: PlannedCitizen, company: Company, after: date) -> None:
    rng, on = loader.rng, loader.on
    kind = "ordinary" if plan.outcome == 1 else rng.choice(("loentimer", "loentimer", "hybridjob"))
    start = min(after + timedelta(days=1), on)
    proposed = max(plan.person.programme_start_date, start - timedelta(days=14))
    placement = loader.propose(plan.person, kind, company, start, 26, proposed)
    if kind != "ordinary":
        opening = _opening_of(loader, placement)
        task = {"task_id": opening.task_id} if opening else {"text": "Aftalte opgaver (fiktiv)"}
        payload: dict[str, Any] = {
            "company_contact_name": "Kontaktperson (fiktiv)",
            "paid_tasks": [task],
            "hours_per_week": rng.choice((5, 8, 9, 10, 12, 15)),
            "hourly_wage": round(rng.uniform(140, 175), 2),
            "start_date": start,
            "review_date": start + timedelta(weeks=8),
            "benefit_category": weighted(rng, BENEFIT_SHARES),
        }
        if kind == "hybridjob":
            payload["internship_tasks"] = [{"text": "Øvrige opgaver i praktik (fiktiv)"}]
        agreements.save_agreement(
            loader.session,
            placement=placement,
            data=AgreementCreate.model_validate(payload),
            actor=CLI_PRINCIPAL,
        )
    loader.run(placement, proposed, start, None, None)


def _opening_of(loader: _Loader, placement: Placement) -> TaskOpening | None:
    return loader.session.get(TaskOpening, placement.opening_id) if placement.opening_id else None


def _current(loader: _Loader, plan: PlannedCitizen, company: Company) -> None:
    rng, on = loader.rng, loader.on
    state = plan.current
    kind = "virksomhedspraktik" if plan.combination != "support_only" else plan.support[0]
    target = company if kind == "virksomhedspraktik" else None
    if state == "active_long":
        start = on - timedelta(weeks=rng.randint(14, 20))
    elif state == "active":
        start = on - timedelta(days=rng.randint(3, 80))
    else:
        start = on + timedelta(days=rng.randint(7, 30))
    proposed = min(on, start - timedelta(days=10))
    placement = loader.propose(plan.person, kind, target, start, 13, proposed)
    if state in ("active", "active_long"):
        loader.run(placement, proposed, start, None, None)
        if state == "active_long" and kind == "virksomhedspraktik" and rng.random() < 0.3:
            loader.move(placement, planned_step_done=True)
    elif state == "agreed":
        loader.move(placement, status="agreed", effective_date=proposed)
    elif state == "closed":
        loader.move(
            placement,
            status=rng.choice(("rejected", "cancelled")),
            status_reason="Passede ikke alligevel (fiktiv)",
        )


def demo_people(session: Session, *, seed: int) -> list[DemoPerson]:
    """The stored demo citizens, with the BIP group the citizens demo gave them."""
    generated = citizens_demo.demo_citizens(seed)
    paid = {c.payload["external_ref"] for c in generated if c.group == "paid_hours"}
    citizens = session.exec(
        select(Citizen).where(col(Citizen.is_demo)).order_by(col(Citizen.external_ref))
    ).all()
    return [
        DemoPerson(
            citizen_id=c.id,
            municipality_code=c.municipality_code,
            programme_start_date=c.programme_start_date or c.created_at.date(),
            paid_hours_group=c.external_ref in paid,
            preferred_sectors=tuple(c.preferred_sectors),
        )
        for c in citizens
    ]


def load_demo_placements(session: Session, *, seed: int, today: date | None = None) -> int:
    """Store demo placements for the demo citizens unless there are some already."""
    existing = session.exec(
        select(func.count()).select_from(Placement).where(col(Placement.is_demo))
    ).one()
    if existing:
        return 0
    people = demo_people(session, seed=seed)
    loader = _Loader(session, random.Random(seed), today or clock.now().date())
    for plan in plan_demo(people, seed):
        _load_citizen(loader, plan)
    return loader.created


def demo_internships(session: Session, *, with_company: bool = False) -> list[Placement]:
    """The demo internships that have started, oldest first (for mentors and reminders)."""
    query = select(Placement).where(
        col(Placement.is_demo),
        col(Placement.placement_type) == "virksomhedspraktik",
        col(Placement.start_date).is_not(None),
        col(Placement.citizen_id).is_not(None),
    )
    if with_company:
        query = query.where(col(Placement.company_id).is_not(None))
    return list(session.exec(query.order_by(col(Placement.start_date), col(Placement.id))).all())
