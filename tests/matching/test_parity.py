"""Train/serve parity (issue 14): a history row and the same pair served build one feature row."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from service import clock
from service.companies.models import Company
from service.matching.audit import open_openings
from service.matching.data import load_citizens
from service.matching.model import MODEL_COLUMNS
from service.matching.outcomes import outcome_features
from service.matching.pairs import build_pair_features
from service.tasks.models import Task, TaskOpening
from tests.matching.test_scorer_cases import Cases, cases  # noqa: F401  (fixture)


def test_training_and_serving_build_the_same_features_for_the_same_pairs(
    session: Session,
    cases: Cases,  # noqa: F811
) -> None:
    served_ids = [cases.openings[k] for k in ("old_shelves", "other_shelves", "new_shelves")]
    people = [cases.shopper.id, cases.care.id, cases.danish_one.id]
    openings = open_openings(session, today=clock.today(), opening_ids=served_ids)
    citizens = load_citizens(session, citizen_ids=people)
    n, m = len(people), len(served_ids)
    ci = np.repeat(np.arange(n, dtype=np.int64), m)
    oj = np.tile(np.arange(m, dtype=np.int64), n)
    served = build_pair_features(citizens, openings, ci, oj)

    rows: list[tuple[str, TaskOpening, Company, Task]] = []
    for c, o in zip(ci, oj, strict=True):
        opening = session.get(TaskOpening, openings.record(int(o)).opening_id)
        assert opening is not None
        task = session.get(Task, opening.task_id)
        assert task is not None
        company = cases.companies[
            {"old_shelves": "old_shop", "other_shelves": "other_shop", "new_shelves": "new_shop"}[
                next(k for k, v in cases.openings.items() if v == opening.id)
            ]
        ]
        history_row = TaskOpening(
            id=f"history-{len(rows)}",
            company_id=company.id,
            task_id=task.id,
            hours_per_week=opening.hours_per_week,
            placement_types=list(opening.placement_types),
        )
        rows.append((people[int(c)], history_row, company, task))
    trained = outcome_features(session, pairs=rows)

    columns = list(MODEL_COLUMNS)
    pd.testing.assert_frame_equal(trained[columns], served[columns])
    # The company records are really there (3 of 5, 1 of 1, none), not a rate of 0.
    assert sorted(set(np.round(served["history_lift"], 6))) == sorted(
        set(np.round(trained["history_lift"], 6))
    )
    assert (served["history_lift"] > 0).any()
    assert (served["history_lift"] == 0).any()
