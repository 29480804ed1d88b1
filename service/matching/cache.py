"""One matching index per process and database, rebuilt when its data version changes.

Every request reads the data versions (one small query, ``service/dataversion.py``) first and
then, if a part's tokens differ from the ones it was built at, rebuilds that part:

- the opening index (companies, tasks, open openings): token of scope ``openings``;
- the overlay (proposals this month, conversion rates, demand index): ``placements``,
  ``forecasts``, the month, and the opening index it lies over;
- the citizen index (every citizen, with the lazily filled wish matrix): ``citizens`` and the
  task table of the opening index;
- the score-only kernel's columns (``kernel.py``): the opening index's profiles, and the
  per-opening parts for the index, overlay and scorer.

Reading the tokens before the data means a part is never older than its label; a token is
random, so a part built inside a transaction that was rolled back never matches again. The
cache is keyed by the engine (one per process or app instance), so it needs no plumbing
through the routes, the bus tours or the command line.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from service import dataversion
from service.db import base_engine
from service.forecasts import service as forecasts_service
from service.matching import kernel
from service.matching.data import load_all_citizens, load_opening_index
from service.matching.history import company_history
from service.matching.index import CitizenIndex, OpeningIndex, Overlay, make_overlay
from service.matching.model import ScoringModel
from service.placements import service as placements_service
from service.tasks.normaliser import fold

T = TypeVar("T")


@dataclass(frozen=True)
class IndexView:
    """The opening index and its overlay, as of one request's data versions."""

    index: OpeningIndex
    overlay: Overlay
    tokens: dataversion.Tokens


class MatchingIndexCache:
    """The parts of the index for one database, each with the key it was built at."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: dict[str, tuple[Any, Any]] = {}
        self.builds: dict[str, int] = {"openings": 0, "overlay": 0, "citizens": 0}

    def _part(self, name: str, key: Any, build: Any) -> Any:
        held = self._parts.get(name)
        if held is not None and held[0] == key:
            return held[1]
        value = build()
        self._parts[name] = (key, value)
        self.builds[name] = self.builds.get(name, 0) + 1
        return value

    def derived(self, name: str, key: Any, build: Callable[[], T]) -> T:
        """A table another domain derives from the index (bus tours' visiting companies), held
        here under ``name`` and rebuilt when ``key`` (data versions, the index's id) changes."""
        with self._lock:
            value: T = self._part(name, key, build)
        return value

    def view(self, session: Session, *, today: date) -> IndexView:
        """The opening index and overlay for this request (rebuilt if the data changed)."""
        tokens = dataversion.read_tokens(session)
        with self._lock:
            index: OpeningIndex = self._part(
                "openings", tokens.get("openings"), lambda: load_opening_index(session)
            )
            key = (
                id(index),
                tokens.get("placements"),
                tokens.get("forecasts"),
                today.year,
                today.month,
            )
            overlay: Overlay = self._part(
                "overlay",
                key,
                lambda: make_overlay(
                    index,
                    proposals=placements_service.proposals_this_month_by_opening(
                        session, today=today
                    ),
                    history=company_history(session),
                    demand_index=forecasts_service.demand_index(session),
                ),
            )
        return IndexView(index=index, overlay=overlay, tokens=tokens)

    def prepared(self, view: IndexView, model: ScoringModel) -> kernel.Prepared:
        """The score-only kernel's per-opening columns for the view and the scorer.

        Both parts hold the objects their key names by ``id``, so an id is never a reused one.
        """
        index = view.index
        with self._lock:
            held: tuple[OpeningIndex, kernel.Profiles] = self._part(
                "profiles", id(index), lambda: (index, kernel.profiles(index))
            )
            prepared: kernel.Prepared = self._part(
                "kernel",
                (id(index), id(view.overlay), id(model)),
                lambda: kernel.prepare(index, view.overlay, model, held[1]),
            )
        return prepared

    def citizens(self, session: Session, view: IndexView) -> CitizenIndex:
        """Every citizen as an index against the view's task table."""
        key = (view.tokens.get("citizens"), id(view.index))
        columns = view.index.columns

        def build() -> CitizenIndex:
            batch = load_all_citizens(session)
            return CitizenIndex.build(
                batch,
                [fold(w) for w in batch.frame["wishes"]],
                columns.task_id,
                list(columns.task_text),
            )

        with self._lock:
            result: CitizenIndex = self._part("citizens", key, build)
        return result


_CACHES: weakref.WeakKeyDictionary[Engine, MatchingIndexCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(session: Session) -> MatchingIndexCache:
    """The cache of the session's database in this process."""
    # The read-only twin of a GET shares the cache of its engine (one index per database).
    engine: Engine = base_engine(session.get_bind().engine)
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = MatchingIndexCache()
            _CACHES[engine] = cache
        return cache
