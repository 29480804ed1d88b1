"""The fictional demo citizens: counts, Table 6.1 profile, BIP means of Tables 6.17 and 6.18."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from service.citizens.bip import INDICATORS, mean_per_indicator
from service.citizens.models import (
    BipMeasurement,
    Citizen,
    CitizenCaseworker,
    CitizenFairnessAttributes,
)
from service.db import make_engine
from service.demo import load_demo
from service.demo.citizens import (
    AGE_BANDS,
    AGE_SHARES,
    DEMO_NOTE,
    MEN_SHARE,
    TABLE_6_17,
    TABLE_6_18_CHANGE,
    DemoCitizen,
    demo_citizens,
    load_demo_citizens,
)
from service.migrations_runner import upgrade_database
from tests.conftest import fresh_database_url

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def generated() -> list[DemoCitizen]:
    """The generated demo citizens for a fixed day."""
    return demo_citizens(today=TODAY)


def first_answers(
    citizens: list[DemoCitizen], group: str | None = None
) -> list[dict[str, int | None]]:
    """The first measurement's answers of citizens with one (of a group)."""
    return [
        c.measurements[0]["answers"]
        for c in citizens
        if c.measurements and (group is None or c.group == group)
    ]


class TestGenerator:
    def test_counts_follow_the_evaluation(self, generated: list[DemoCitizen]) -> None:
        by_municipality = Counter(c.municipality_code for c in generated)
        groups = Counter(c.group for c in generated)
        seconds = Counter(c.group for c in generated if len(c.measurements) == 2)

        assert by_municipality == {"360": 385, "376": 278}
        assert groups == {"no_paid_hours": 475, "paid_hours": 82, None: 106}
        assert seconds == {"no_paid_hours": 174, "paid_hours": 32}
        assert len({c.payload["external_ref"] for c in generated}) == 663

    @pytest.mark.parametrize("group", ["paid_hours", "no_paid_hours"])
    def test_first_means_per_group_follow_table_6_17(
        self, generated: list[DemoCitizen], group: str
    ) -> None:
        means = mean_per_indicator(first_answers(generated, group))

        for key in INDICATORS:
            mean = means[key]
            assert mean is not None
            assert abs(mean - TABLE_6_17[group][key]) < 0.02, key

    def test_second_measurements_move_like_table_6_18(self, generated: list[DemoCitizen]) -> None:
        for group, changes in TABLE_6_18_CHANGE.items():
            pairs = [
                c.measurements for c in generated if c.group == group and len(c.measurements) == 2
            ]
            before = mean_per_indicator([p[0]["answers"] for p in pairs])
            after = mean_per_indicator([p[1]["answers"] for p in pairs])
            for key in INDICATORS:
                first, second = before[key], after[key]
                assert first is not None
                assert second is not None
                assert abs((second - first) - changes[key]) < 0.04, (group, key)

    def test_some_answers_are_missing_and_stay_missing(self, generated: list[DemoCitizen]) -> None:
        missing = sum(1 for a in first_answers(generated) for v in a.values() if v is None)

        assert 50 <= missing <= 120  # about 1.5 % of 5,570 answers
        for citizen in generated:
            if len(citizen.measurements) == 2:
                first, second = (m["answers"] for m in citizen.measurements)
                assert all(second[k] is None for k in INDICATORS if first[k] is None)

    def test_gender_and_age_follow_table_6_1(self, generated: list[DemoCitizen]) -> None:
        for municipality in ("360", "376"):
            people = [c.payload for c in generated if c.municipality_code == municipality]
            men = sum(1 for p in people if p["audit_gender"] == "male")
            assert abs(men / len(people) * 100 - MEN_SHARE[municipality]) < 0.3
            ages = [TODAY.year - p["audit_birth_year"] for p in people]
            for (low, high), share in zip(AGE_BANDS, AGE_SHARES[municipality], strict=True):
                in_band = sum(1 for a in ages if low <= a <= high)
                assert abs(in_band / len(people) * 100 - share) < 0.5, (municipality, low)

    def test_labelled_fictional_and_reproducible(self, generated: list[DemoCitizen]) -> None:
        assert all(c.payload["notes"] == DEMO_NOTE for c in generated)
        assert all(c.payload["external_ref"].startswith("DEMO-") for c in generated)
        again = demo_citizens(today=TODAY)
        assert [c.payload for c in again] == [c.payload for c in generated]
        assert [c.payload for c in demo_citizens(7, today=TODAY)] != [c.payload for c in generated]


@pytest.fixture(scope="module")
def demo_engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of the backend with the demo users and citizens (no companies), loaded once."""
    engine = make_engine(fresh_database_url(backend, request, "kantmatch_demo_citizens"))
    upgrade_database(engine)
    with Session(engine) as session:
        load_demo(session, count=0)  # the demo users, then the citizens through load_demo's call
        session.commit()
    yield engine
    engine.dispose()


class TestStoredDemo:
    def test_stored_first_measurement_means_are_table_6_17(self, demo_engine: Engine) -> None:
        with Session(demo_engine) as session:
            first_day = (
                select(BipMeasurement.citizen_id, func.min(BipMeasurement.measured_on).label("day"))
                .group_by(col(BipMeasurement.citizen_id))
                .subquery()
            )
            averages = session.exec(
                select(*[func.avg(getattr(BipMeasurement, key)) for key in INDICATORS]).join(
                    first_day,
                    (col(BipMeasurement.citizen_id) == first_day.c.citizen_id)
                    & (col(BipMeasurement.measured_on) == first_day.c.day),
                )
            ).one()
            first_count = session.exec(select(func.count()).select_from(first_day)).one()

        assert first_count == 557
        for key, average in zip(INDICATORS, averages, strict=True):
            assert abs(float(average) - TABLE_6_17["all"][key]) <= 0.15, key
            assert abs(float(average) - TABLE_6_17["all"][key]) <= 0.02, key  # in fact closer

    def test_stored_counts_links_and_fairness_attributes(self, demo_engine: Engine) -> None:
        with Session(demo_engine) as session:
            citizens = session.exec(select(Citizen)).all()
            measurements = session.exec(select(func.count()).select_from(BipMeasurement)).one()
            links = session.exec(select(func.count()).select_from(CitizenCaseworker)).one()
            fairness = session.exec(select(CitizenFairnessAttributes)).all()

            assert len(citizens) == 663
            assert all(c.is_demo for c in citizens)
            assert measurements == 557 + 206
            assert links == 663  # each with the demo caseworker of the municipality
            assert len(fairness) == 663
            assert {f.audit_gender for f in fairness} == {"female", "male"}
            overdue = sum(
                1 for c in citizens if c.bip_next_due_date and c.bip_next_due_date < TODAY
            )
            assert overdue > 0  # the evaluation's point: follow-ups fall behind

            assert load_demo_citizens(session) == 0  # loading twice changes nothing
