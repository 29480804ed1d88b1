"""Issue 14's figures on the demo data: calibrated chances and candidates not by readiness.

The demo data (fictional) are loaded once, on SQLite only: these figures do not depend on the
backend, and loading the demo twice would double the suite's slowest fixture. The scorer is the
synthetic one `kantmatch init` trains (SYNTHETIC data).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import CLI_PRINCIPAL
from service.citizens.models import Citizen
from service.db import make_engine
from service.demo import load_demo
from service.forecasts import service as forecasts_service
from service.matching import service as matching_service
from service.matching.audit import TOP_MEAN_BIP_TOLERANCE, open_openings, readiness_by_opening_type
from service.matching.data import load_citizens
from service.matching.features import all_pairs, bip_filled
from service.matching.model import ScoringModel
from service.matching.schemas import MatchItem
from service.matching.scoring import score_pairs
from service.migrations_runner import upgrade_database
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tasks.models import Task
from tests.conftest import fresh_database_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, ScoringModel]]:
    engine = make_engine(fresh_database_url("sqlite", request, "kantmatch_demo_scorer"))
    upgrade_database(engine)
    with Session(engine, expire_on_commit=False) as session:
        load_demo(session)
        forecasts_service.ensure_forecast(session, actor=CLI_PRINCIPAL)  # as `kantmatch init`
        row = matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL)
        model = matching_service.load_model(row)
        session.commit()
    yield engine, model
    engine.dispose()


def test_top_suggestions_carry_chances_in_the_evaluation_s_range(
    demo: tuple[Engine, ScoringModel], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, model = demo
    with Session(engine) as session:
        ids = list(session.exec(select(Citizen.id).where(col(Citizen.status) == "active")).all())
        citizens = load_citizens(session, citizen_ids=ids)
        openings = open_openings(session, today=clock.today())
        ci, oj = all_pairs(len(citizens.frame), len(openings))
        scored = score_pairs(citizens, openings, ci, oj, model)
        features, parts = scored.features, scored.parts
    rows = features["citizen_row"].to_numpy()
    order = np.lexsort((-parts["score"].to_numpy(), rows))
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
    chance = parts["chance"].to_numpy()[first]
    readiness = readiness_by_opening_type(
        rows,
        features["opening_row"].to_numpy(),
        parts["pair_fit"].to_numpy(),
        parts["chance"].to_numpy(),
        bip_filled(citizens.arrays.bip).mean(axis=1),
        openings.arrays.nice_to,
    )
    with capsys.disabled():
        print(
            f"\n[demo, SYNTHETIC model] top suggestion's chance: mean {chance.mean():.3f}, "
            f"max {chance.max():.3f} over {len(first)} citizens; readiness {readiness}"
        )
    assert 0.10 <= chance.mean() <= 0.35
    assert chance.max() <= 0.80
    nice = readiness["nice_to"]
    assert nice["openings"] > 20
    assert abs(nice["top_k_mean_bip"] - nice["all_mean_bip"]) <= TOP_MEAN_BIP_TOLERANCE
    # Candidates are not a readiness ranking: rank and readiness are nearly unrelated.
    assert abs(nice["rank_vs_mean_bip"]) < 0.2


def _top_20s(engine: Engine, model: ScoringModel, citizens: int) -> list[MatchItem]:
    """The top-20 suggestions of the first demo citizens, as the API gives them (rolled back)."""
    items: list[MatchItem] = []
    with Session(engine) as session:
        row = matching_service.active_model_version(session)
        assert row is not None
        query = select(Citizen).order_by(col(Citizen.id)).limit(citizens)
        for citizen in session.exec(query).all():
            answer = matching_service.suggest_openings_for_citizen(
                session,
                citizen=citizen,
                actor=CLI_PRINCIPAL,
                info=matching_service.model_info(row),
                model=model,
                limit=20,
                today=clock.today(),
            )
            items += answer.items
        session.rollback()
    return items


def test_forecast_reasons_say_the_figures_are_illustrative(
    demo: tuple[Engine, ScoringModel],
) -> None:
    engine, model = demo
    reasons = [r for item in _top_20s(engine, model, 5) for r in item.reasons]
    forecasts = [r for r in reasons if "jobåbninger" in r]
    assert forecasts
    assert all(r.endswith("(illustrativt tal)") for r in forecasts)
    assert not [r for r in reasons if "% af praktikkerne" in r]


def test_forecast_reasons_and_demand_follow_the_tasks_sector_not_the_companys(
    demo: tuple[Engine, ScoringModel],
) -> None:
    engine, model = demo
    with Session(engine) as session:
        sector_of = {t.id: t.sector for t in session.exec(select(Task)).all()}
    crossing = [  # (task sector, forecast reason) where the task's and company's sectors differ
        (sector_of[item.task_id], r)
        for item in _top_20s(engine, model, 40)
        if sector_of[item.task_id] != item.sector
        for r in item.reasons
        if "venter" in r
    ]
    assert crossing, "the demo has tasks of one sector card at companies of another"
    for sector, reason in crossing:
        assert reason.startswith(SECTOR_NAMES_DA[Sector(sector)].lower() + " venter"), reason
    print(f"\n[demo] forecast reasons for a task outside its company's sector: {len(crossing)}")
