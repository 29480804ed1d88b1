"""The companies a group could visit, and how relevant each is for each citizen.

Reads the database (companies that take visits, their open task openings, the sector demand
index and the matcher's scores) and turns it into the arrays ``selection.py`` works on.

Relevance of a company for a citizen (a weight; 0 = not relevant), the largest that applies:
- 1.0: one of the citizen's wished tasks (``wish_task_ids`` from the free-text wishes, and
  ``preferred_tasks``) is among the company's open openings;
- 0.8: the company's sector is one of the citizen's preferred sectors;
- 0.6-0.8: the matcher scores the company's open tasks for the citizen (its hard filters passed,
  the commute limit included) at least half as high as the citizen's best company within
  reach: 0.6 + 0.2 x score / best score.
Wishes count even beyond the commute limit, because a visit is not a job: seeing a workplace
one wishes for is worth the drive. Plus 0.1 when both a wish and the matcher point to the
company. A sector or task the citizen has excluded is never relevant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, col, select

from service.bustours import route
from service.bustours.centres import StartPlace
from service.citizens.models import Citizen
from service.companies import service as companies_service
from service.companies.models import Company
from service.forecasts import service as forecasts_service
from service.matching import service as matching_service
from service.matching.features import FloatArray, haversine_km
from service.matching.model import ScoringModel
from service.places import PROGRAMME_MUNICIPALITIES
from service.sectors import SECTOR_NAMES_DA
from service.tasks.models import Task, TaskOpening

WISHED_TASK = 1.0
PREFERRED_SECTOR = 0.8
MATCH_FLOOR, MATCH_SPAN = 0.6, 0.2
# A matcher score counts when it reaches this share of the citizen's best company's score.
RELATIVE_MATCH = 0.5
BOTH_BONUS = 0.1
# Company bonus, 0-1.3: open openings (up to three count), sector demand, ambassador, nearness.
OPENINGS_WEIGHT, DEMAND_WEIGHT, AMBASSADOR_WEIGHT, NEAR_WEIGHT = 0.4, 0.3, 0.3, 0.3
OPENINGS_COUNTED = 3
# Nearness falls from 1 at the start to 0 at an hour's drive (60 road km) and beyond.
NEAR_KM = 60.0
HIGH_DEMAND = 0.6
NEUTRAL_DEMAND = 0.5
KM_PER_DEGREE_LAT = 111.0
SECTOR_NAME = {sector.value: name for sector, name in SECTOR_NAMES_DA.items()}
# Matcher reasons that speak of the citizen's wishes only. The others mention the commute limit
# or are chosen by BIP readiness, and the printed list shows neither.
_SHAREABLE_MATCH_REASON_ENDINGS = ("ligner borgerens jobønsker",)


@dataclass
class CompanyInfo:
    """A company that takes visits, as the plan prints it."""

    company: Company
    contact_name: str | None
    contact_phone: str | None
    open_tasks: list[str]  # task names of open openings, one per task
    demand: float | None
    road_km_from_start: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Candidates:
    """Companies within reach, the relevance matrix and the per-pair reasons."""

    companies: list[CompanyInfo]
    relevance: FloatArray  # citizens x companies
    bonus: FloatArray
    reasons: dict[tuple[int, int], list[str]]
    scores: dict[tuple[int, int], float]
    left_out: dict[str, int]
    used_model: bool
    citizen_ids: list[str] = field(default_factory=list)
    fit: matching_service.CompanyFit | None = None
    matched: set[tuple[int, int]] = field(default_factory=set)

    def add_match_reasons(self, chosen: tuple[int, ...]) -> None:
        """Word the matcher's shareable reasons for the chosen stops only (not every pair)."""
        if self.fit is None:
            return
        wanted = [(i, j) for i, j in sorted(self.matched) if j in chosen]
        keys = {(i, j): (self.citizen_ids[i], self.companies[j].company.id) for i, j in wanted}
        worded = self.fit.reasons(list(keys.values()))
        for (i, j), key in keys.items():
            shareable = [r for r in worded[key] if r.endswith(_SHAREABLE_MATCH_REASON_ENDINGS)]
            self.reasons[(i, j)] = list(dict.fromkeys([*self.reasons[(i, j)], *shareable]))

    @property
    def sectors(self) -> list[str]:
        """Each company's sector slug."""
        return [c.company.sector for c in self.companies]


def reach_km(*, window_minutes: int, visit_minutes: int) -> float:
    """Road km a single stop may lie from the start and still fit the day (there and back)."""
    return max(window_minutes - visit_minutes, 0) / 2 * route.AVERAGE_SPEED_KMH / 60


def _companies_within(
    session: Session, start: StartPlace, road_km: float
) -> tuple[list[Company], dict[str, int]]:
    """Companies that take visits, are not paused and lie within reach of the start.

    The database narrows to the box around the start; only those rows become objects.
    """
    straight = road_km / route.DETOUR_FACTOR
    dlat = straight / KM_PER_DEGREE_LAT
    dlon = straight / (KM_PER_DEGREE_LAT * max(float(np.cos(np.radians(start.lat))), 0.1))
    visiting = (
        col(Company.accepts_visits),
        ~col(Company.is_paused),
        col(Company.archived_at).is_(None),  # archived companies take no visits (issue 15)
    )
    located = (col(Company.lat).is_not(None), col(Company.lon).is_not(None))
    count = select(func.count()).select_from(Company).where(*visiting)
    total = int(session.exec(count).one())
    located_count = int(session.exec(count.where(*located)).one())
    boxed = list(
        session.exec(
            select(Company)
            .where(
                *visiting,
                col(Company.lat).between(start.lat - dlat, start.lat + dlat),
                col(Company.lon).between(start.lon - dlon, start.lon + dlon),
            )
            .order_by(col(Company.id))
        ).all()
    )
    if boxed:
        km = haversine_km(
            np.full(len(boxed), start.lat),
            np.full(len(boxed), start.lon),
            np.array([c.lat for c in boxed], dtype=float),
            np.array([c.lon for c in boxed], dtype=float),
        )
        within = [c for c, d in zip(boxed, km, strict=True) if d <= straight]
    else:
        within = []
    left_out = {
        "no_coordinates": total - located_count,
        "out_of_reach": located_count - len(within),
    }
    return within, left_out


def _open_tasks(session: Session, company_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per company: task id -> task name of its open openings."""
    result: dict[str, dict[str, str]] = defaultdict(dict)
    if not company_ids:
        return result
    rows = session.exec(
        select(TaskOpening.company_id, Task.id, Task.name)
        .join(Task, col(Task.id) == col(TaskOpening.task_id))
        .where(col(TaskOpening.status) == "open", col(TaskOpening.company_id).in_(company_ids))
        .order_by(col(TaskOpening.company_id), col(Task.name))
    ).all()
    for company_id, task_id, name in rows:
        result[company_id][task_id] = name
    return result


def _company_reasons(info: CompanyInfo) -> list[str]:
    reasons = []
    tasks = info.open_tasks
    if tasks:
        shown = ", ".join(f"'{t}'" for t in tasks[:3])
        count = "1 åben opgave" if len(tasks) == 1 else f"{len(tasks)} åbne opgaver"
        reasons.append(f"{count}: {shown}" + (" m.fl." if len(tasks) > 3 else ""))
    else:
        reasons.append("ingen åbne opgaver lige nu: besøget viser arbejdspladsen")
    if info.company.is_ambassador:
        reasons.append("ambassadørvirksomhed: en rollemodel for andre virksomheder")
    if info.demand is not None and info.demand >= HIGH_DEMAND:
        place = PROGRAMME_MUNICIPALITIES.get(
            info.company.municipality_code, info.company.municipality_code
        )
        index = f"{info.demand:.2f}".replace(".", ",")
        reasons.append(
            f"branchen efterspørger arbejdskraft i {place} "
            f"(efterspørgselsindeks {index} af 1 i den seneste prognose)"
        )
    return reasons


def _bonus(infos: list[CompanyInfo]) -> FloatArray:
    openings = np.array([min(len(i.open_tasks), OPENINGS_COUNTED) for i in infos], dtype=float)
    demand = np.array(
        [NEUTRAL_DEMAND if i.demand is None else i.demand for i in infos], dtype=float
    )
    ambassador = np.array([i.company.is_ambassador for i in infos], dtype=float)
    km = np.array([i.road_km_from_start for i in infos], dtype=float)
    near = 1 - np.clip(km / NEAR_KM, 0, 1)
    return np.asarray(
        OPENINGS_WEIGHT * openings / OPENINGS_COUNTED
        + DEMAND_WEIGHT * demand
        + AMBASSADOR_WEIGHT * ambassador
        + NEAR_WEIGHT * near,
        dtype=float,
    )


def load_candidates(
    session: Session,
    *,
    citizens: list[Citizen],
    start: StartPlace,
    reach: float,
    model: ScoringModel | None,
    today: date,
) -> Candidates:
    """Companies a group could visit from the start and their relevance for each citizen."""
    companies, left_out = _companies_within(session, start, reach)
    ids = [c.id for c in companies]
    tasks = _open_tasks(session, ids)
    contacts = companies_service.contacts_by_company(session, ids)
    demand = forecasts_service.demand_index(session)
    road_km = (
        haversine_km(
            np.full(len(companies), start.lat),
            np.full(len(companies), start.lon),
            np.array([c.lat for c in companies], dtype=float),
            np.array([c.lon for c in companies], dtype=float),
        )
        * route.DETOUR_FACTOR
        if companies
        else np.zeros(0)
    )
    infos = []
    for company, km in zip(companies, road_km, strict=True):
        people = contacts.get(company.id, [])
        contact = next((p for p in people if p.is_primary), people[0] if people else None)
        info = CompanyInfo(
            company=company,
            contact_name=contact.name if contact else None,
            contact_phone=contact.phone if contact else None,
            open_tasks=list(dict.fromkeys(tasks.get(company.id, {}).values())),
            demand=demand.get((company.municipality_code, company.sector)),
            road_km_from_start=float(km),
        )
        info.reasons = _company_reasons(info)
        infos.append(info)
    fit = (
        matching_service.company_fit_for_citizens(
            session, citizen_ids=[c.id for c in citizens], company_ids=ids, model=model, today=today
        )
        if model is not None and companies
        else None
    )
    relevance = np.zeros((len(citizens), len(infos)), dtype=float)
    reasons: dict[tuple[int, int], list[str]] = {}
    scores: dict[tuple[int, int], float] = {}
    matched: set[tuple[int, int]] = set()
    for i, citizen in enumerate(citizens):  # per citizen and company within reach: small
        wished = (set(citizen.wish_task_ids or []) | set(citizen.preferred_tasks)) - set(
            citizen.excluded_tasks
        )
        fits = fit.scores.get(citizen.id, {}) if fit is not None else {}
        best = max((fits.get(c.id, 0.0) for c in companies), default=0.0)
        for j, info in enumerate(infos):
            company = info.company
            if company.sector in citizen.excluded_sectors:
                continue
            weight, why, wish = 0.0, [], False
            for task_id, name in tasks.get(company.id, {}).items():
                if task_id in wished:
                    weight, wish = WISHED_TASK, True
                    why.append(f"ønsker opgaven '{name}', som virksomheden har åben")
            if company.sector in citizen.preferred_sectors:
                weight, wish = max(weight, PREFERRED_SECTOR), True
                why.append(f"foretrækker branchen {SECTOR_NAME.get(company.sector, '').lower()}")
            score = fits.get(company.id, 0.0)
            if score > 0 and best > 0 and score >= RELATIVE_MATCH * best:
                weight = max(weight, MATCH_FLOOR + MATCH_SPAN * score / best)
                weight += BOTH_BONUS if wish else 0.0
                why.append("matcheren finder opgaver her, som passer til borgeren")
                matched.add((i, j))
            if company.id in fits:
                scores[(i, j)] = round(float(score), 4)
            if weight > 0:
                relevance[i, j] = weight
                reasons[(i, j)] = list(dict.fromkeys(why))
    return Candidates(
        companies=infos,
        relevance=relevance,
        bonus=_bonus(infos),
        reasons=reasons,
        scores=scores,
        left_out=left_out,
        used_model=model is not None,
        citizen_ids=[c.id for c in citizens],
        fit=fit,
        matched=matched,
    )
