"""The active scorer for a request, cached per process and refreshed when another worker
activates a new version (the cache compares the active version's id in the database)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from service.db import SessionDep
from service.matching import service as matching_service
from service.matching.exceptions import NoModelError
from service.matching.models import ModelVersion
from service.matching.service import LoadedModel

__all__ = ["LoadedModel", "ModelCache", "ModelDep", "get_model"]


class ModelCache:
    """One loaded scorer per process; reloaded when the active version changes.

    It keeps plain values only: a database row would be tied to the session of the request that
    loaded it and become unreadable once that request's transaction is rolled back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: LoadedModel | None = None

    def get(self, row: ModelVersion) -> LoadedModel:
        """The scorer for the active row, parsing its artifact only when the version changed."""
        with self._lock:
            if self._loaded is None or self._loaded.id != row.id:
                self._loaded = LoadedModel(
                    id=row.id,
                    info=matching_service.model_info(row),
                    model=matching_service.load_model(row),
                )
            return self._loaded


def get_model(request: Request, session: SessionDep) -> LoadedModel:
    """The active scorer, or 409 when none has been trained."""
    row = matching_service.active_model_version(session)
    if row is None:
        raise NoModelError()
    cache: ModelCache = request.app.state.model_cache
    return cache.get(row)


ModelDep = Annotated[LoadedModel, Depends(get_model)]
