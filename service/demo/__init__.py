"""The fictional, reproducible demo data set (every row marked ``is_demo``), one package.

`load_demo` loads it in dependency order: the demo staff, companies (`companies`), citizens with
BIP (`citizens`), task openings (`openings`), placements (`placements`), volunteer mentors
(`mentors`), network meetings (`meetings`) and SMS reminders as history (`reminders`). Every
company, person and phone number is invented; what follows the evaluation (VIVE 2020) is said in
each module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from service import clock
from service.auth import service as auth_service
from service.auth.principal import CLI_PRINCIPAL
from service.companies import service as companies_service
from service.companies.models import Company
from service.companies.schemas import CompanyCreate
from service.demo import citizens as citizens_demo
from service.demo import meetings as meetings_demo
from service.demo import mentors as mentors_demo
from service.demo import openings as openings_demo
from service.demo import placements as placements_demo
from service.demo import reminders as reminders_demo
from service.demo.common import DEMO_SEED, DEMO_USERS
from service.demo.companies import DEMO_COMPANY_COUNT, demo_companies

__all__ = [
    "DEMO_COMPANY_COUNT",
    "DEMO_SEED",
    "DEMO_USERS",
    "DemoResult",
    "demo_companies",
    "load_demo",
]


@dataclass(frozen=True)
class DemoResult:
    """What the demo loader did."""

    companies_created: int
    keys: dict[str, str]
    already_loaded: bool


def load_demo(
    session: Session, *, seed: int = DEMO_SEED, count: int = DEMO_COMPANY_COUNT
) -> DemoResult:
    """Load the demo users and companies unless demo data is already there."""
    keys = {key: name for name, _, _, key in DEMO_USERS}
    existing = session.exec(select(func.count()).select_from(Company).where(Company.is_demo)).one()
    if existing:
        return DemoResult(companies_created=0, keys=keys, already_loaded=True)
    for name, role, municipality, key in DEMO_USERS:
        # The users outlive demo companies someone deleted; their keys are unique, so keep them.
        if auth_service.find_api_key(session, key=key) is not None:
            continue
        auth_service.create_user_with_key(
            session,
            name=name,
            role=role,
            municipality_code=municipality,
            actor=CLI_PRINCIPAL,
            key=key,
        )
    for payload in demo_companies(seed, count):
        companies_service.create_company(
            session, data=CompanyCreate.model_validate(payload), actor=CLI_PRINCIPAL, is_demo=True
        )
    citizens_demo.load_demo_citizens(session, seed=seed)  # issue 4: fictional citizens and BIP
    openings_demo.load_demo_openings(session, seed=seed)  # issue 3: task openings (Spot et job)
    placements_demo.load_demo_placements(session, seed=seed)  # issue 7: placements, outcomes
    mentors_demo.load_demo_mentors(session, seed=seed)  # issue 18: 8 mentor matches
    meetings_demo.load_demo_meetings(session, seed=seed, today=clock.today())  # issue 18
    reminders_demo.load_demo_reminders(session, seed=seed)  # issue 18: history, never sent
    return DemoResult(companies_created=count, keys=keys, already_loaded=False)
