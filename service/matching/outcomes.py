"""Training on the job centre's own history: ``kantmatch model train --outcomes FILE``.

The file (CSV or XLSX, Danish or English headers) has one placement per row: the citizen's
municipality and case number, the company's CVR number, the task (catalogue id or free text)
and the outcome category 1-7 of Table 6.10 (1-3 count as paid hours). Each row is paired with
the citizen's latest BIP answers and the company and task as they are now (a limit, written in
docs/model-card.md). Rows that cannot be used are reported with their reason; a file with too
few usable rows, or only one kind of outcome, trains nothing and the active model keeps serving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from service.auth.principal import Principal
from service.citizens.models import Citizen
from service.companies.models import Company
from service.errors import FieldError, ValidationFailedError
from service.forecasts import service as forecasts_service
from service.matching.data import load_citizens, opening_batch
from service.matching.history import company_history
from service.matching.model import train
from service.matching.models import ModelVersion
from service.matching.pairs import build_pair_features
from service.tabular import data_rows, map_headers, read_table
from service.tasks import catalogue as tasks_catalogue
from service.tasks.models import Task, TaskOpening

HEADERS: dict[str, tuple[str, ...]] = {
    "municipality_code": ("kommunekode", "kommune", "municipality code"),
    "external_ref": ("sagsnummer", "sagsnr", "sag", "case number", "external ref"),
    "cvr": ("cvr", "cvr nr", "cvr nummer", "cvr number"),
    "task_id": ("opgave id", "opgaveid", "task id"),
    "task_text": ("opgave", "opgavetekst", "task", "task text"),
    "outcome_category": ("udfald", "udfaldskategori", "outcome", "outcome category"),
}
POSITIVE_OUTCOMES = {1, 2, 3}
MIN_ROWS = 100
MIN_PER_OUTCOME = 10


class NotEnoughOutcomesError(ValidationFailedError):
    """The file cannot train a model (too few usable rows or only one outcome)."""

    def __init__(self, reason_da: str, reason_en: str) -> None:
        super().__init__(
            f"Der er ikke trænet en ny model: {reason_da}. Den aktive model bruges fortsat.",
            f"No new model was trained: {reason_en}. The active model keeps serving.",
            fields=[FieldError("file", reason_da, reason_en)],
        )


@dataclass
class OutcomeReport:
    """What a training run on outcomes did."""

    rows: int
    used: int
    rejected: list[tuple[int, str]] = field(default_factory=list)
    model: ModelVersion | None = None
    activated: bool = False


def _columns(header: list[str]) -> dict[str, int]:
    mapped, _ = map_headers(header, {name: (*names, name) for name, names in HEADERS.items()})
    found = {name: index for index, name in mapped.items()}
    missing = [
        n
        for n in ("municipality_code", "external_ref", "cvr", "outcome_category")
        if n not in found
    ]
    if missing or ("task_id" not in found and "task_text" not in found):
        needed = ", ".join(
            missing + ([] if "task_id" in found or "task_text" in found else ["opgave"])
        )
        raise NotEnoughOutcomesError(
            f"kolonnerne {needed} mangler i første række", f"columns {needed} are missing"
        )
    return found


def outcome_features(
    session: Session, *, pairs: list[tuple[str, TaskOpening, Company, Task]]
) -> pd.DataFrame:
    """Features of (citizen id, opening, company, task) history rows, built as serving builds them.

    The same loaders, the same company records and the same ``build_pair_features`` as
    ``service.score_pairs`` (issue 14: training used a conversion rate of 0 before).
    """
    citizen_ids = sorted({p[0] for p in pairs})
    batch = load_citizens(session, citizen_ids=citizen_ids)
    position = {cid: i for i, cid in enumerate(citizen_ids)}
    openings = opening_batch(
        [(o, c, t) for _, o, c, t in pairs],
        {},
        company_history(session),
        forecasts_service.demand_index(session),
    )
    ci = np.array([position[p[0]] for p in pairs], dtype=np.int64)
    oj = np.arange(len(pairs), dtype=np.int64)
    return build_pair_features(batch, openings, ci, oj)


def train_from_outcomes(
    session: Session, *, content: bytes, filename: str | None, actor: Principal
) -> OutcomeReport:
    """Train on the file's placements; activate the result only if it beats the baseline."""
    from service.matching import service as matching_service

    table = read_table(content, filename)
    columns = _columns(table[0])
    rows = list(data_rows(table))
    report = OutcomeReport(rows=len(rows), used=0)
    citizens = {
        (c.municipality_code, c.external_ref): c.id for c in session.exec(select(Citizen)).all()
    }
    companies = {c.cvr: c for c in session.exec(select(Company)).all()}
    tasks = {t.id: t for t in session.exec(select(Task)).all()}
    pairs: list[tuple[str, TaskOpening, Company, Task, bool]] = []
    for number, cells in rows:
        value = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        citizen_id = citizens.get((value["municipality_code"], value["external_ref"]))
        company = companies.get(value["cvr"].replace(" ", ""))
        # The task column may hold a catalogue id or the task in words.
        task = tasks.get(value.get("task_id", "")) or tasks.get(value.get("task_text", ""))
        if task is None and value.get("task_text"):
            normalised = tasks_catalogue.normalise_text(session, text=value["task_text"], limit=1)
            if normalised.matched:
                task = tasks.get(normalised.candidates[0].task_id)
        outcome = value["outcome_category"]
        if citizen_id is None:
            report.rejected.append((number, "ukendt borger (kommunekode og sagsnummer)"))
            continue
        if company is None:
            report.rejected.append((number, "ukendt virksomhed (CVR)"))
            continue
        if task is None:
            report.rejected.append((number, "ukendt opgave"))
            continue
        if outcome not in {str(i) for i in range(1, 8)}:
            report.rejected.append((number, "udfald skal være 1-7 (Tabel 6.10)"))
            continue
        opening = TaskOpening(
            id=f"history-{number}",
            company_id=company.id,
            task_id=task.id,
            hours_per_week=float(task.hours_max),
            placement_types=list(task.placement_types),
        )
        pairs.append((citizen_id, opening, company, task, int(outcome) in POSITIVE_OUTCOMES))
    report.used = len(pairs)
    labels = np.array([p[4] for p in pairs], dtype=bool)
    if len(pairs) < MIN_ROWS or min(labels.sum(), (~labels).sum()) < MIN_PER_OUTCOME:
        raise NotEnoughOutcomesError(
            f"{len(pairs)} brugbare rækker, {int(labels.sum())} med lønnede timer; der skal "
            f"mindst være {MIN_ROWS} rækker og {MIN_PER_OUTCOME} af hvert udfald",
            f"{len(pairs)} usable rows, {int(labels.sum())} with paid hours; at least "
            f"{MIN_ROWS} rows and {MIN_PER_OUTCOME} of each outcome are needed",
        )
    frame = outcome_features(session, pairs=[(p[0], p[1], p[2], p[3]) for p in pairs])
    result = train(frame, pd.Series(labels), source=f"jobcentrets forløb ({filename or 'fil'})")
    activate = result.metrics["roc_auc"] >= result.metrics["baseline_roc_auc"]
    report.model = matching_service.store_model(
        session, result=result, actor=actor, activate=activate
    )
    report.activated = activate
    return report
