"""Sector cards: the YAML schema, and reading a folder of cards into one checked catalogue.

Pure code: no database, no web layer. ``read_cards`` is what ``kantmatch init``, the tests and
``kantmatch tasks check`` use; every rule about a card lives in the models below.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.sectors import Sector

LEARNABLE_WITHIN_WEEK_DAYS = 5  # working days; like O*NET Job Zone 1 ("a few days")
CARD_SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
TASK_ID_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"


class DemandDimension(StrEnum):
    """What a task asks of a person, each rated 1 (little) to 5 (much).

    The matcher compares them with BIP answers and company requirements: physical with health,
    contact with contacting_strangers, teamwork with cooperation, danish with the citizen's
    Danish level, pace with daily_energy, independence with can_manage_job.
    """

    physical = "physical"
    contact = "contact"
    teamwork = "teamwork"
    danish = "danish"
    pace = "pace"
    independence = "independence"


DEMAND_DIMENSIONS: tuple[DemandDimension, ...] = tuple(DemandDimension)


class Criticality(StrEnum):
    """Whether the company depends on the task being done on time (citizens start on nice_to)."""

    nice_to = "nice_to"
    need_to = "need_to"


class HardRequirement(StrEnum):
    """Requirements a citizen either meets or not; the matcher filters on them."""

    driving_licence = "driving_licence"
    clean_criminal_record = "clean_criminal_record"
    child_certificate = "child_certificate"
    food_hygiene = "food_hygiene"


class PlacementType(StrEnum):
    """How a citizen can do the task (API.md)."""

    virksomhedspraktik = "virksomhedspraktik"
    loentimer = "loentimer"
    hybridjob = "hybridjob"
    ordinary = "ordinary"


Level = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class DemandLevels(BaseModel):
    """Demand levels 1-5 on every dimension; none may be left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    physical: Level
    contact: Level
    teamwork: Level
    danish: Level
    pace: Level
    independence: Level


class HoursRange(BaseModel):
    """Typical hours per week the task fills at one company."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: Annotated[int, Field(ge=1, le=37)]
    max: Annotated[int, Field(ge=1, le=37)]

    @model_validator(mode="after")
    def _ordered(self) -> HoursRange:
        if self.min > self.max:
            raise ValueError(f"hours_per_week: min {self.min} is above max {self.max}")
        return self


class OccupationCode(BaseModel):
    """The nearest occupation: a DISCO-08 group (4-6 digits) or an ESCO occupation URI."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: Literal["disco08", "esco"]
    code: Annotated[str, Field(min_length=4, max_length=200)]

    @model_validator(mode="after")
    def _format(self) -> OccupationCode:
        if self.system == "disco08" and not (self.code.isdigit() and 4 <= len(self.code) <= 6):
            raise ValueError("a DISCO-08 code has 4 to 6 digits")
        if self.system == "esco" and not self.code.startswith(
            "http://data.europa.eu/esco/occupation/"
        ):
            raise ValueError("an ESCO code is an occupation URI (http://data.europa.eu/esco/...)")
        return self


class TaskDefaults(BaseModel):
    """Values a card gives every task that does not state its own."""

    model_config = ConfigDict(extra="forbid")

    criticality: Criticality | None = None
    requirements: list[HardRequirement] | None = None
    hours_per_week: HoursRange | None = None
    placement_types: list[PlacementType] | None = None


class CardTask(BaseModel):
    """One task on a sector card."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN, max_length=80)]
    name: Annotated[str, Field(min_length=3, max_length=120)]
    synonyms: Annotated[list[Text], Field(min_length=2)]
    description: Annotated[str, Field(min_length=10, max_length=500)]
    # Why the task is worth doing for the person and the company: no task may be only
    # isolating, devalued or unsafe, and a card cannot say nothing about it.
    worth_doing: Annotated[str, Field(min_length=20, max_length=500)]
    demands: DemandLevels
    learning_days: Annotated[int, Field(ge=1, le=60)]
    criticality: Criticality
    requirements: list[HardRequirement]
    hours_per_week: HoursRange
    placement_types: Annotated[list[PlacementType], Field(min_length=1)]
    occupation: OccupationCode | None = None

    @property
    def learnable_within_week(self) -> bool:
        """Whether a newcomer can learn the task within a working week (Job Zone 1)."""
        return self.learning_days <= LEARNABLE_WITHIN_WEEK_DAYS

    @model_validator(mode="after")
    def _no_repeats(self) -> CardTask:
        for field in ("synonyms", "requirements", "placement_types"):
            values = [str(v).casefold() for v in getattr(self, field)]
            if len(set(values)) != len(values):
                raise ValueError(f"{self.id}: {field} lists a value twice")
        return self


class DeprecatedTask(BaseModel):
    """A task id that was removed from a card; it is kept so the id is never used again."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN, max_length=80)]
    replaced_by: Annotated[str | None, Field(pattern=TASK_ID_PATTERN, max_length=80)] = None
    reason: Annotated[str, Field(min_length=5, max_length=300)]


class SectorCard(BaseModel):
    """A sector card: one of the 10 sectors, or a sub-card of one (cleaning, kitchen, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    slug: Annotated[str, Field(pattern=CARD_SLUG_PATTERN, max_length=64)]
    sector: Sector
    name: Annotated[str, Field(min_length=3, max_length=120)]
    description: Annotated[str, Field(min_length=10, max_length=600)]
    parent: Annotated[str | None, Field(pattern=CARD_SLUG_PATTERN)] = None
    # Tasks found in most workplaces (cleaning, outdoor upkeep, kitchen): suggested everywhere.
    cross_sector: bool = False
    sources: Annotated[list[Text], Field(min_length=1)]
    tasks: Annotated[list[CardTask], Field(min_length=12)]
    deprecated: list[DeprecatedTask] = []

    @model_validator(mode="before")
    @classmethod
    def _apply_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "defaults" not in data:
            return data
        data = dict(data)
        defaults = TaskDefaults.model_validate(data.pop("defaults") or {})
        given = defaults.model_dump(exclude_none=True)
        tasks = data.get("tasks")
        if isinstance(tasks, list):
            data["tasks"] = [
                {**given, **task} if isinstance(task, dict) else task for task in tasks
            ]
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SectorCard:
        is_main = self.slug == str(self.sector)
        if is_main and self.parent is not None:
            raise ValueError(f"{self.slug}: the sector's own card has no parent")
        if not is_main and self.parent != str(self.sector):
            raise ValueError(
                f"{self.slug}: a sub-card names its sector's card as parent ({self.sector})"
            )
        ids = [t.id for t in self.tasks] + [d.id for d in self.deprecated]
        for task_id in ids:
            if task_id.split(".", 1)[0] != self.slug:
                raise ValueError(f"{task_id}: a task id starts with its card's slug ({self.slug}.)")
        if len(set(ids)) != len(ids):
            repeated = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"{self.slug}: task ids used twice: {', '.join(repeated)}")
        return self


class CardError(Exception):
    """The sector cards cannot be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class CardSet:
    """Every card of a folder, checked together, and a hash of their content."""

    cards: tuple[SectorCard, ...]
    content_hash: str

    @property
    def tasks(self) -> list[tuple[SectorCard, CardTask]]:
        """Every active task with its card, in card order."""
        return [(card, task) for card in self.cards for task in card.tasks]

    @property
    def deprecated(self) -> dict[str, DeprecatedTask]:
        """Every deprecated task id the cards record."""
        return {d.id: d for card in self.cards for d in card.deprecated}


def parse_card(text: str, *, source: str = "<card>") -> SectorCard:
    """Parse one card from YAML text (raises ValidationError or CardError)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CardError([f"{source}: not valid YAML ({exc})"]) from exc
    return SectorCard.model_validate(data)


def _describe(error: ValidationError, source: str) -> list[str]:
    return [
        f"{source}: {'.'.join(str(p) for p in e['loc']) or '(card)'}: {e['msg']}"
        for e in error.errors()
    ]


def check_card_set(cards: list[SectorCard]) -> list[str]:
    """Rules across cards: every sector has its card, ids are unique, replacements exist."""
    problems: list[str] = []
    slugs = [c.slug for c in cards]
    for slug in sorted({s for s in slugs if slugs.count(s) > 1}):
        problems.append(f"card {slug} appears twice")
    missing = sorted(str(s) for s in Sector if str(s) not in slugs)
    if missing:
        problems.append(f"no card for sector(s): {', '.join(missing)}")
    active: dict[str, str] = {}
    deprecated: dict[str, DeprecatedTask] = {}
    for card in cards:
        for task in card.tasks:
            if task.id in active:
                problems.append(f"task id {task.id} is on cards {active[task.id]} and {card.slug}")
            active[task.id] = card.slug
        for old in card.deprecated:
            deprecated[old.id] = old
    # (A deprecated id used again as a task is refused on its card: the ids share its slug.)
    for old in deprecated.values():
        if old.replaced_by is not None and old.replaced_by not in active:
            problems.append(f"{old.id} is replaced by {old.replaced_by}, which is not a task")
    return problems


def _content_hash(cards: list[SectorCard]) -> str:
    payload = json.dumps(
        [c.model_dump(mode="json") for c in sorted(cards, key=lambda c: c.slug)],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def read_cards(directory: Path) -> CardSet:
    """Read and check every ``*.yaml`` card of a folder; raise CardError listing all problems."""
    if not directory.is_dir():
        raise CardError([f"{directory}: no such folder of sector cards"])
    cards: list[SectorCard] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            card = parse_card(path.read_text("utf-8"), source=path.name)
        except ValidationError as exc:
            problems.extend(_describe(exc, path.name))
            continue
        except CardError as exc:
            problems.extend(exc.problems)
            continue
        if card.slug != path.stem:
            problems.append(f"{path.name}: the file is named after its slug ({card.slug}.yaml)")
        cards.append(card)
    if not problems:
        problems = check_card_set(cards)
    if problems:
        raise CardError(problems)
    return CardSet(cards=tuple(cards), content_hash=_content_hash(cards))


def default_cards_dir() -> Path:
    """``sector_cards/`` beside the ``service`` package (a checkout or an editable install)."""
    return Path(__file__).resolve().parents[2] / "sector_cards"


def cards_dir(configured: str | None) -> Path:
    """The folder of cards: the setting KANTMATCH_SECTOR_CARDS_DIR, else the shipped one."""
    return Path(configured) if configured else default_cards_dir()
