"""The access policy's answers, role by role (docs/permissions.md is the same table in prose)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.auth import policy
from service.auth.models import User
from service.auth.principal import CLI_PRINCIPAL, Principal, Role
from service.citizens.models import Citizen

LOLLAND, GULDBORGSUND = "360", "376"
ADMIN = Principal(user_id="a", name="admin", role=Role.admin)
CASEWORKER = Principal(user_id="c", name="cw", role=Role.caseworker, municipality_code=LOLLAND)
CONSULTANT = Principal(
    user_id="k", name="vk", role=Role.company_consultant, municipality_code=LOLLAND
)
BLF = Principal(user_id="b", name="blf", role=Role.blf_consultant)
INTEGRATION = Principal(user_id="i", name="int", role=Role.integration)
EVERYONE = (ADMIN, CASEWORKER, CONSULTANT, BLF, INTEGRATION)


def answers(question: object, *args: object) -> dict[str, object]:
    assert callable(question)
    return {str(actor.role): question(actor, *args) for actor in EVERYONE}


def test_sensitive_data_is_for_caseworkers_and_admins_only() -> None:
    assert answers(policy.may_see_sensitive) == {
        "admin": True,
        "caseworker": True,
        "company_consultant": False,
        "blf_consultant": False,
        "integration": False,
    }


@pytest.mark.parametrize(
    ("question", "own", "other"),
    [
        (
            policy.may_read_citizens_in,
            {"admin", "caseworker", "company_consultant"},
            {"admin"},
        ),
        (policy.may_manage_citizens_in, {"admin", "caseworker"}, {"admin"}),
        (
            policy.may_write_company,
            {"admin", "company_consultant", "blf_consultant"},
            {"admin", "blf_consultant"},
        ),
        (
            policy.may_work_with_placements_in,
            {"admin", "caseworker", "company_consultant"},
            {"admin"},
        ),
        (policy.may_plan_tours_in, {"admin", "caseworker"}, {"admin"}),
        (
            policy.may_send_reminders_in,
            {"admin", "caseworker", "company_consultant"},
            {"admin"},
        ),
    ],
)
def test_municipality_questions(question: object, own: set[str], other: set[str]) -> None:
    assert {role for role, yes in answers(question, LOLLAND).items() if yes} == own
    assert {role for role, yes in answers(question, GULDBORGSUND).items() if yes} == other


def test_health_reads_other_to_everyone_but_caseworkers() -> None:
    assert answers(policy.end_reason_for, "health") == {
        "admin": "health",
        "caseworker": "health",
        "company_consultant": "other",
        "blf_consultant": "other",
        "integration": "other",
    }
    assert set(answers(policy.end_reason_for, "moved").values()) == {"moved"}
    assert policy.end_reason_for(CONSULTANT, None) is None


def test_candidates_are_names_for_staff_and_counts_for_blf() -> None:
    assert answers(policy.candidate_view)["blf_consultant"] == "counts"
    assert answers(policy.candidate_view)["company_consultant"] == "names"


def test_counts_are_suppressed_only_for_the_integration() -> None:
    shown = answers(policy.sees_exact_counts)
    assert [role for role, exact in shown.items() if not exact] == ["integration"]


def test_who_becomes_what_on_a_record_they_create() -> None:
    assert answers(policy.assigned_as) == {
        "admin": None,
        "caseworker": "caseworker",
        "company_consultant": "consultant",
        "blf_consultant": "consultant",
        "integration": None,
    }
    assert policy.may_record_belief(CLI_PRINCIPAL)
    assert not policy.may_record_belief(ADMIN)


def where_clause(actor: Principal) -> str:
    statement = policy.within_reach(select(Citizen), actor, Citizen.municipality_code)
    compiled = str(statement.compile(compile_kwargs={"literal_binds": True}))
    return compiled.partition("WHERE")[2].strip()


def test_one_municipality_filter_for_every_list() -> None:
    assert where_clause(ADMIN) == ""
    assert where_clause(BLF) == ""
    assert where_clause(CASEWORKER) == "citizens.municipality_code = '360'"
    assert where_clause(CONSULTANT) == "citizens.municipality_code = '360'"
    assert where_clause(INTEGRATION) == "false"
    unscoped = Principal(user_id="x", name="x", role=Role.caseworker, municipality_code=None)
    assert where_clause(unscoped) == "false"


def test_users_in_roles() -> None:
    caseworker = User(name="a", role="caseworker", municipality_code=LOLLAND, is_active=True)
    retired = User(name="b", role="caseworker", municipality_code=LOLLAND, is_active=False)
    blf = User(name="c", role="blf_consultant", is_active=True)
    assert policy.is_active_caseworker(caseworker)
    assert not policy.is_active_caseworker(retired)
    assert not policy.is_active_caseworker(None)
    assert policy.is_active_in_roles(blf, policy.CONSULTANT_ROLE_NAMES)
    assert not policy.is_active_in_roles(caseworker, policy.CONSULTANT_ROLE_NAMES)
