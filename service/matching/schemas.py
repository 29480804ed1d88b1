"""Response shapes for matches and candidates (API.md: Match item)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from service.schemas import UtcDatetime


class ScoreParts(BaseModel):
    """The multiplicative parts of a score (docs/model-card.md)."""

    chance: float  # "chance for lønnede timer (skøn)": the calibrated estimate
    preference: float
    feasibility: float
    commute: float
    hours: float
    fit: float
    spreading: float


class ScoredPair(BaseModel):
    """What every suggested pair of a citizen and an opening carries: its score and receipt."""

    score: float
    chance: float  # shown; candidates are never sorted by it
    chance_band: tuple[float, float]
    chance_label: str
    parts: ScoreParts
    log_odds: dict[str, float]
    reasons: list[str]
    cautions: list[str]
    placement_type: str
    hours_per_week: float


class MatchItem(ScoredPair):
    """One suggested task opening for a citizen, with its receipt."""

    opening_id: str
    company_id: str
    company_name: str
    task_id: str
    task_name: str
    sector: str
    distance_km: float
    review_date: date | None
    step_to_paid_hours_by: date | None
    next_action: str


class FilteredCount(BaseModel):
    """How many suggestions a hard filter removed, and why."""

    reason: str
    message: str
    count: int


class ModelInfo(BaseModel):
    """Which trained scorer produced the scores."""

    version: str
    trained_at: UtcDatetime
    training_source: str
    synthetic: bool


class CitizenMatches(BaseModel):
    """Ranked task openings for one citizen: within the wishes, and wider suggestions."""

    citizen_id: str
    items: list[MatchItem]
    wider: list[MatchItem]
    filtered: list[FilteredCount]
    considered: int
    model: ModelInfo
    notice: str


class Candidate(ScoredPair):
    """A citizen suggested for an opening: name and reasons, never BIP answers or health."""

    citizen_id: str
    name: str
    opening_id: str
    task_name: str
    fit: float  # what candidates are ordered by: how well the task suits this person (log-odds)
    next_action: str


class CandidateList(BaseModel):
    """Candidates for one opening, or for all of a company's openings."""

    company_id: str
    opening_ids: list[str]
    items: list[Candidate] | None  # None for roles that see counts only
    eligible: int
    filtered: list[FilteredCount]
    model: ModelInfo
    notice: str


class TrainingReport(BaseModel):
    """A stored scorer version and its held-out metrics."""

    id: str
    version: str
    training_source: str
    training_data_hash: str
    active: bool
    metrics: dict[str, object]
