"""Training on the job centre's own outcomes (kantmatch model train --outcomes FILE)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from service.auth.principal import CLI_PRINCIPAL
from service.citizens.bip import INDICATORS
from service.citizens.models import Citizen
from service.matching import service as matching_service
from service.matching.outcomes import NotEnoughOutcomesError, train_from_outcomes
from tests.citizens.helpers import add_bip, make_citizen
from tests.factories import make_company, valid_cvr


@pytest.fixture
def people(session: Session, loaded_catalogue: object) -> tuple[list[Citizen], list[str]]:
    citizens = []
    for i in range(40):
        # Half of them wish the task: the outcome depends on readiness *and* the pair, so a
        # model of the pair can beat readiness alone (the mean-BIP baseline).
        wishes = "Vil gerne fylde varer op" if i % 2 == 0 else None
        citizen = make_citizen(session, external_ref=f"HIST-{i:03d}", wishes=wishes)
        level = 1 + i % 5
        add_bip(session, citizen, "2025-06-01", dict.fromkeys(INDICATORS, level))
        citizens.append(citizen)
    cvrs = []
    for name in ("Historik Butik", "Historik Lager"):
        cvr = valid_cvr()
        make_company(session, cvr=cvr, name=name)
        cvrs.append(cvr)
    return citizens, cvrs


def outcome_file(citizens: list[Citizen], cvrs: list[str], rows: int) -> bytes:
    lines = ["Kommunekode;Sagsnummer;CVR;Opgave;Udfald"]
    for i in range(rows):
        citizen = citizens[i % len(citizens)]
        ready = int(citizen.external_ref[-3:]) % 5 >= 3  # answers of 4 and 5
        wisher = int(citizen.external_ref[-3:]) % 2 == 0
        outcome = 2 if (ready and wisher and i % 7 != 0) or i % 11 == 0 else 7
        task = "fylde varer på hylderne" if i % 2 else "detailhandel.varepaafyldning"
        lines.append(f"360;{citizen.external_ref};{cvrs[i % 2]};{task};{outcome}")
    lines.append(f"360;UKENDT-1;{cvrs[0]};detailhandel.kasse;2")
    lines.append(f"360;{citizens[0].external_ref};12345674;detailhandel.kasse;2")
    lines.append(f"360;{citizens[0].external_ref};{cvrs[0]};detailhandel.kasse;9")
    return ("\n".join(lines) + "\n").encode("cp1252")


def test_outcomes_train_and_activate_a_model_and_report_bad_rows(
    session: Session, people: tuple[list[Citizen], list[str]]
) -> None:
    citizens, cvrs = people
    synthetic = matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=2000)

    report = train_from_outcomes(
        session,
        content=outcome_file(citizens, cvrs, 200),
        filename="forloeb.csv",
        actor=CLI_PRINCIPAL,
    )

    assert (report.rows, report.used) == (203, 200)
    assert report.rejected == [
        (202, "ukendt borger (kommunekode og sagsnummer)"),
        (203, "ukendt virksomhed (CVR)"),
        (204, "udfald skal være 1-7 (Tabel 6.10)"),
    ]
    assert report.model is not None
    assert report.activated, report.model.metrics
    active = matching_service.active_model_version(session)
    assert active is not None
    assert active.id != synthetic.id
    assert active.training_source == "jobcentrets forløb (forloeb.csv)"
    assert active.metrics["roc_auc"] > active.metrics["baseline_roc_auc"] - 0.05
    assert matching_service.model_info(active).synthetic is False


def test_too_few_rows_train_nothing_and_the_active_model_keeps_serving(
    session: Session, people: tuple[list[Citizen], list[str]]
) -> None:
    citizens, cvrs = people
    synthetic = matching_service.train_synthetic_model(session, actor=CLI_PRINCIPAL, n=2000)

    with pytest.raises(NotEnoughOutcomesError) as raised:
        train_from_outcomes(
            session,
            content=outcome_file(citizens, cvrs, 30),
            filename="lille.csv",
            actor=CLI_PRINCIPAL,
        )

    assert raised.value.fields[0].message_da.startswith("30 brugbare rækker")
    active = matching_service.active_model_version(session)
    assert active is not None
    assert active.id == synthetic.id
