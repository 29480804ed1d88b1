"""The companies a group could visit, and how relevant each is for each citizen.

Finds the companies that take visits within reach of the start (``visiting.py``: a table of
them with a grid, joined to the matching index's open openings), and turns them, the sector
demand index and the matcher's scores into the arrays ``selection.py`` works on. Everything
is computed per company within reach as arrays; names, contacts and reasons are read and
worded only for the stops chosen (``describe_stops``).

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

from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlmodel import Session, col, select

from service.bustours import route
from service.bustours.centres import StartPlace
from service.bustours.visiting import VisitingCompanies, visiting_companies
from service.citizens.models import Citizen
from service.companies import service as companies_service
from service.companies.models import Company
from service.forecasts import service as forecasts_service
from service.matching import service as matching_service
from service.matching.cache import cache_for
from service.matching.features import BoolArray, FloatArray, IntArray, haversine_km
from service.matching.index import ObjectArray
from service.matching.model import ScoringModel
from service.places import PROGRAMME_MUNICIPALITIES
from service.sectors import SECTOR_NAMES_DA

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
SECTOR_NAME = {sector.value: name for sector, name in SECTOR_NAMES_DA.items()}
# Matcher reasons that speak of the citizen's wishes only. The others mention the commute limit
# or are chosen by BIP readiness, and the printed list shows neither.
_SHAREABLE_MATCH_REASON_ENDINGS = ("ligner borgerens jobønsker",)


@dataclass
class CompanyInfo:
    """A chosen company, as the plan prints it."""

    company: Company
    contact_name: str | None
    contact_phone: str | None
    open_tasks: list[str]  # task names of open openings, one per task
    demand: float | None
    road_km_from_start: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class Candidates:
    """Companies within reach (columns of ``relevance``, in id order) and what chose them."""

    table: VisitingCompanies
    columns: IntArray  # the candidates' positions in ``table``
    relevance: FloatArray  # citizens x candidates
    bonus: FloatArray
    demand: FloatArray  # per candidate: the sector demand index, NaN without one
    road_km: FloatArray  # per candidate: estimated road km from the start
    wish_task: BoolArray  # citizens x candidates: an open task the citizen wishes
    preferred: BoolArray  # citizens x candidates: a sector the citizen prefers
    matched: BoolArray  # citizens x candidates: the matcher's score made it relevant
    fit_score: FloatArray  # citizens x candidates: the matcher's best score, rounded; NaN none
    left_out: dict[str, int]
    used_model: bool
    task_ids: ObjectArray = field(default_factory=lambda: np.zeros(0, dtype=object))
    task_names: ObjectArray = field(default_factory=lambda: np.zeros(0, dtype=object))
    fit: matching_service.CompanyFit | None = None

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def sectors(self) -> list[str]:
        """Each candidate's sector slug."""
        return [str(s) for s in self.table.sector[self.columns]]

    @property
    def lat(self) -> FloatArray:
        """Each candidate's latitude."""
        return np.asarray(self.table.lat[self.columns], dtype=float)

    @property
    def lon(self) -> FloatArray:
        """Each candidate's longitude."""
        return np.asarray(self.table.lon[self.columns], dtype=float)


@dataclass
class Stop:
    """A chosen candidate: the company as printed, and why it is there for whom."""

    info: CompanyInfo
    reasons: dict[int, list[str]]  # citizen position -> reasons (only those it is relevant for)
    scores: dict[int, float]  # citizen position -> the matcher's score, where it scored


def reach_km(*, window_minutes: int, visit_minutes: int) -> float:
    """Road km a single stop may lie from the start and still fit the day (there and back)."""
    return max(window_minutes - visit_minutes, 0) / 2 * route.AVERAGE_SPEED_KMH / 60


def _open_tasks(candidates: Candidates, column: int, names: ObjectArray) -> dict[str, str]:
    """A candidate's open tasks (task id -> name) in name order, from the matching index."""
    table = candidates.table
    ids = candidates.task_ids
    codes = table.task_code[table.task_owner == candidates.columns[column]]
    ordered = sorted(codes.tolist(), key=lambda t: (str(names[t]), str(ids[t])))
    return {str(ids[t]): str(names[t]) for t in ordered}


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


def company_bonus(
    open_tasks: IntArray, demand: FloatArray, ambassador: BoolArray, road_km: FloatArray
) -> FloatArray:
    """The company bonus per candidate (NaN demand: neutral)."""
    openings = np.minimum(open_tasks, OPENINGS_COUNTED).astype(float)
    demand = np.where(np.isnan(demand), NEUTRAL_DEMAND, demand)
    near = 1 - np.clip(road_km / NEAR_KM, 0, 1)
    return np.asarray(
        OPENINGS_WEIGHT * openings / OPENINGS_COUNTED
        + DEMAND_WEIGHT * demand
        + AMBASSADOR_WEIGHT * ambassador.astype(float)
        + NEAR_WEIGHT * near,
        dtype=float,
    )


def relevance_matrix(
    wish_task: BoolArray,
    preferred: BoolArray,
    excluded: BoolArray,
    fit_score: FloatArray,
) -> tuple[FloatArray, BoolArray]:
    """Relevance (citizens x candidates) and where the matcher's score made it so.

    ``fit_score`` is the matcher's best score (NaN or 0 where it has none); each citizen's
    best over the candidates is the yardstick. Pure arithmetic, per the module's rules.
    """
    score = np.nan_to_num(fit_score, nan=0.0)
    best = score.max(axis=1, initial=0.0)[:, None]
    weight = np.where(wish_task, WISHED_TASK, 0.0)
    weight = np.where(preferred, np.maximum(weight, PREFERRED_SECTOR), weight)
    wish = wish_task | preferred
    matched = (score > 0) & (best > 0) & (score >= RELATIVE_MATCH * best)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_match = MATCH_FLOOR + MATCH_SPAN * score / best
    boosted = np.maximum(weight, by_match) + np.where(wish, BOTH_BONUS, 0.0)
    weight = np.where(matched, boosted, weight)
    weight = np.where(excluded, 0.0, weight)
    return np.asarray(weight, dtype=float), np.asarray(matched & ~excluded, dtype=bool)


def _wished_tasks(citizen: Citizen) -> set[str]:
    """The tasks a citizen wishes (from the wishes' text and the chosen ones), less excluded."""
    return (set(citizen.wish_task_ids or []) | set(citizen.preferred_tasks)) - set(
        citizen.excluded_tasks
    )


def _task_mask(task_ids: set[str], codes: dict[str, int], tasks: int) -> BoolArray:
    mask = np.zeros(tasks, dtype=bool)
    mask[[codes[t] for t in task_ids if t in codes]] = True
    return mask


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
    view = cache_for(session).view(session, today=today)
    table = visiting_companies(session, view)
    straight = reach / route.DETOUR_FACTOR
    columns = table.within(start.lat, start.lon, straight)
    located = table.located
    left_out = {"no_coordinates": len(table) - located, "out_of_reach": located - len(columns)}
    lat, lon = table.lat[columns], table.lon[columns]
    road_km = (
        haversine_km(np.full(len(columns), start.lat), np.full(len(columns), start.lon), lat, lon)
        * route.DETOUR_FACTOR
        if len(columns)
        else np.zeros(0)
    )
    index_demand = forecasts_service.demand_index(session)
    per_place = np.array(
        [index_demand.get(key, np.nan) for key in table.place_sectors], dtype=float
    )
    demand = per_place[table.place_sector[columns]] if len(per_place) else np.zeros(0)
    task_ids = view.index.columns.task_id
    task_codes = {str(t): i for i, t in enumerate(task_ids)}
    sectors = table.sector[columns]
    n, m = len(citizens), len(columns)
    wish_task = np.zeros((n, m), dtype=bool)
    preferred = np.zeros((n, m), dtype=bool)
    excluded = np.zeros((n, m), dtype=bool)
    for i, citizen in enumerate(citizens):  # per citizen of the group, over arrays
        wished = _wished_tasks(citizen)
        if wished:
            wish_task[i] = table.has_task(_task_mask(wished, task_codes, len(task_ids)))[columns]
        preferred[i] = np.isin(sectors, list(citizen.preferred_sectors))
        excluded[i] = np.isin(sectors, list(citizen.excluded_sectors))
    fit_score = np.full((n, m), np.nan)
    fit = None
    if model is not None and m:
        codes = table.index_code[columns]
        fit = matching_service.company_fit_near(
            session,
            citizen_ids=[c.id for c in citizens],
            view=view,
            companies=codes[codes >= 0],
            model=model,
        )
        candidate_of_code = np.full(len(view.index.columns.company_id), -1, dtype=np.int64)
        candidate_of_code[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
        fit_score[fit.citizen, candidate_of_code[fit.company]] = np.round(fit.score, 4)
    relevance, matched = relevance_matrix(wish_task, preferred, excluded, fit_score)
    return Candidates(
        table=table,
        columns=columns,
        relevance=relevance,
        bonus=company_bonus(
            table.open_task_names[columns], demand, table.ambassador[columns], road_km
        ),
        demand=demand,
        road_km=road_km,
        wish_task=wish_task,
        preferred=preferred,
        matched=matched,
        fit_score=fit_score,
        left_out=left_out,
        used_model=model is not None,
        task_ids=task_ids,
        task_names=view.index.columns.task_name,
        fit=fit,
    )


def describe_stops(
    session: Session,
    candidates: Candidates,
    chosen: tuple[int, ...],
    citizens: list[Citizen],
    today: date,
) -> dict[int, Stop]:
    """The chosen candidates as printed: company, contact, open tasks and reasons per citizen.

    Only here are companies read as objects and reasons worded, for the few stops of a tour.
    """
    table = candidates.table
    ids = [str(table.company_id[candidates.columns[j]]) for j in chosen]
    companies = {
        c.id: c for c in session.exec(select(Company).where(col(Company.id).in_(ids))).all()
    }
    contacts = companies_service.contacts_by_company(session, ids)
    relevant = candidates.relevance > 0
    wanted = [(i, j) for i in range(len(citizens)) for j in chosen if candidates.matched[i, j]]
    worded: dict[tuple[int, int], list[str]] = {}
    if candidates.fit is not None and wanted:
        codes = table.index_code[candidates.columns]
        asked = candidates.fit.reasons(session, [(i, int(codes[j])) for i, j in wanted], today)
        worded = {(i, j): asked[(i, int(codes[j]))] for i, j in wanted}
    stops = {}
    for j, company_id in zip(chosen, ids, strict=True):  # per chosen stop: a handful
        company = companies[company_id]
        people = contacts.get(company_id, [])
        contact = next((p for p in people if p.is_primary), people[0] if people else None)
        open_tasks = _open_tasks(candidates, j, candidates.task_names)
        demand = float(candidates.demand[j])
        info = CompanyInfo(
            company=company,
            contact_name=contact.name if contact else None,
            contact_phone=contact.phone if contact else None,
            open_tasks=list(dict.fromkeys(open_tasks.values())),
            demand=None if np.isnan(demand) else demand,
            road_km_from_start=float(candidates.road_km[j]),
        )
        info.reasons = _company_reasons(info)
        reasons: dict[int, list[str]] = {}
        scores: dict[int, float] = {}
        for i, citizen in enumerate(citizens):
            if not np.isnan(candidates.fit_score[i, j]):
                scores[i] = float(candidates.fit_score[i, j])
            if not relevant[i, j]:
                continue
            wished = _wished_tasks(citizen)
            why = [
                f"ønsker opgaven '{name}', som virksomheden har åben"
                for task_id, name in open_tasks.items()
                if task_id in wished
            ]
            if candidates.preferred[i, j]:
                why.append(f"foretrækker branchen {SECTOR_NAME.get(company.sector, '').lower()}")
            if candidates.matched[i, j]:
                why.append("matcheren finder opgaver her, som passer til borgeren")
                why.extend(
                    r for r in worded.get((i, j), []) if r.endswith(_SHAREABLE_MATCH_REASON_ENDINGS)
                )
            reasons[i] = list(dict.fromkeys(why))
        stops[j] = Stop(info=info, reasons=reasons, scores=scores)
    return stops
