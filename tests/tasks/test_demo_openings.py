"""Demo task openings: most demo companies get some, fitting their sector and size."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from service.auth.principal import CLI_PRINCIPAL
from service.companies import service as companies_service
from service.companies.models import Company
from service.companies.schemas import CompanyCreate
from service.demo import demo_companies
from service.demo.openings import load_demo_openings
from service.tasks.models import SectorCardRecord, Task, TaskOpening
from service.tasks.schemas import CatalogueStatus

COUNT = 120


def demo_openings(session: Session, seed: int) -> list[tuple[str, str, str | None]]:
    """Load demo companies and their openings; (CVR, task id, typed text) for each opening."""
    for payload in demo_companies(seed, COUNT):
        companies_service.create_company(
            session, data=CompanyCreate.model_validate(payload), actor=CLI_PRINCIPAL, is_demo=True
        )
    created = load_demo_openings(session, seed=seed)
    rows = session.exec(
        select(Company.cvr, TaskOpening.task_id, TaskOpening.task_text)
        .join(Company, col(Company.id) == col(TaskOpening.company_id))
        .order_by(col(Company.cvr), col(TaskOpening.created_at))
    ).all()
    assert len(rows) == created
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_most_companies_get_openings_that_fit_their_sector_and_size(
    session: Session, loaded_catalogue: CatalogueStatus
) -> None:
    rows = demo_openings(session, seed=7)
    companies = {c.cvr: c for c in session.exec(select(Company).where(col(Company.is_demo)))}
    cards = {c.slug: c for c in session.exec(select(SectorCardRecord))}
    tasks = {t.id: t for t in session.exec(select(Task))}
    per_company: dict[str, int] = defaultdict(int)
    for cvr, task_id, _ in rows:
        per_company[cvr] += 1
        card = cards[tasks[task_id].card_slug]
        assert card.sector == companies[cvr].sector or card.cross_sector, (cvr, task_id)
    by_size: dict[str, list[int]] = defaultdict(list)
    for cvr, company in companies.items():
        by_size[company.size_band or ""].append(per_company.get(cvr, 0))
    mean = {band: sum(n) / len(n) for band, n in by_size.items()}
    openings = session.exec(select(TaskOpening)).all()

    assert len(per_company) / COUNT >= 0.75
    assert mean["100+"] > mean["20-49"] > mean["0-5"]
    assert all(n <= 6 for n in per_company.values())
    assert all(o.is_demo and o.notes == "Fiktiv demo-opgave" for o in openings)
    typed = [r for r in rows if r[2] is not None]
    assert 0.1 < len(typed) / len(rows) < 0.4
    assert {o.status for o in openings} <= {"open", "paused", "filled", "closed"}
    assert all(
        (o.hourly_wage is None) == (o.placement_types == ["virksomhedspraktik"]) for o in openings
    )


def test_the_same_seed_gives_the_same_openings(
    session: Session, loaded_catalogue: CatalogueStatus
) -> None:
    runs = []
    for _ in range(2):
        savepoint = session.begin_nested()
        runs.append(demo_openings(session, seed=11))
        savepoint.rollback()

    assert runs[0] == runs[1]
    assert len(runs[0]) > COUNT
