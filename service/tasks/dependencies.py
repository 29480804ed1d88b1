"""Load-or-404 dependencies for task and opening routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from service.db import SessionDep
from service.tasks import catalogue, openings
from service.tasks.models import Task, TaskOpening


def valid_task_id(task_id: str, session: SessionDep) -> Task:
    """The catalogue task named in the path (active or deprecated), or 404."""
    return catalogue.get_task(session, task_id=task_id)


def valid_opening_id(opening_id: str, session: SessionDep) -> TaskOpening:
    """The task opening named in the path, or 404."""
    return openings.get_opening(session, opening_id=opening_id)


TaskDep = Annotated[Task, Depends(valid_task_id)]
OpeningDep = Annotated[TaskOpening, Depends(valid_opening_id)]
