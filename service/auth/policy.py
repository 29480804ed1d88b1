"""Who may see and do what: the one module that looks at a principal's role.

Every domain asks its questions here instead of reading ``actor.role`` itself, so a rule is
written once and changed once. Two kinds of answer:

- questions (``may_...``, ``sees_...``): plain booleans the service functions turn into their
  own 403/404 errors;
- scopes (``within_reach``): a SQL filter added to a statement, the way polar's repositories
  apply ``get_readable_statement(auth_subject)`` to every query, so a list can never show a row
  its reader may not see.

Role-only gates (which roles may call a route at all) stay on the route, with
``require_roles`` in ``service/auth/dependencies.py``, as Netflix Dispatch puts its
``PermissionsDependency`` on the route decorator. The tables are in ``docs/permissions.md``.

This module sits at the bottom of the domain graph: it knows principals and users, never a
domain's tables, so the domains pass in the column to scope by.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from sqlalchemy import false
from sqlalchemy.sql import Select
from sqlmodel.sql.expression import SelectOfScalar

from service.auth.models import User
from service.auth.principal import CLI_PRINCIPAL, MUNICIPALITY_SCOPED_ROLES, Principal, Role

StatementT = TypeVar("StatementT", Select[Any], SelectOfScalar[Any])

# Who sees a citizen's sensitive data (BIP answers, limits, health, notes): caseworkers only,
# and admins who run the service (API.md).
_SENSITIVE_ROLES = frozenset({Role.admin, Role.caseworker})
# Who sees citizens at all; company consultants get the smaller shape without sensitive data.
_CITIZEN_READERS = _SENSITIVE_ROLES | {Role.company_consultant}
# Who registers and changes companies and their contacts.
_COMPANY_WRITERS = frozenset({Role.admin, Role.company_consultant, Role.blf_consultant})
# Who works with placements: the citizen's caseworkers and company consultants (and admins).
_PLACEMENT_ROLES = frozenset({Role.admin, Role.caseworker, Role.company_consultant})
# Who may be named as the consultant on a placement.
_CONSULTANT_ROLES = frozenset({Role.company_consultant, Role.blf_consultant})
# Who sends SMS reminders to a citizen: the citizen's caseworkers and company consultants.
_REMINDER_SENDERS = frozenset({Role.admin, Role.caseworker, Role.company_consultant})
# Who plans bus tours for a group of citizens.
_TOUR_PLANNERS = frozenset({Role.admin, Role.caseworker})

HEALTH_REASON = "health"
OTHER_REASON = "other"

CandidateView = Literal["names", "counts"]
Assignment = Literal["caseworker", "consultant"]


# --- municipality scope -------------------------------------------------------------------


def municipality_scope(actor: Principal) -> str | None:
    """The one municipality the actor is limited to, or None when it reaches every one."""
    if actor.role in MUNICIPALITY_SCOPED_ROLES:
        return actor.municipality_code
    return None


def reaches_municipality(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may act on data of the municipality at all (any role but integration)."""
    return actor.can_access_municipality(municipality_code)


def reaches_nothing(actor: Principal) -> bool:
    """Whether the actor reaches no people or companies at all (the integration)."""
    return actor.role == Role.integration


def within_reach(statement: StatementT, actor: Principal, municipality_column: Any) -> StatementT:
    """``statement`` limited to rows of the municipalities the actor reaches.

    The one municipality filter: a caseworker or company consultant sees their own
    municipality, admins and BLF every one, the integration none.
    """
    if reaches_nothing(actor):
        return statement.where(false())
    scope = municipality_scope(actor)
    if scope is None and actor.role in MUNICIPALITY_SCOPED_ROLES:
        return statement.where(false())  # a scoped user without a municipality reaches nothing
    if scope is not None:
        return statement.where(municipality_column == scope)
    return statement


# --- citizens -----------------------------------------------------------------------------


def may_read_citizens_in(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may see citizens of the municipality (in their role's shape)."""
    return actor.role in _CITIZEN_READERS and actor.can_access_municipality(municipality_code)


def may_manage_citizens_in(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may register, change, measure and erase citizens of the municipality."""
    return actor.role in _SENSITIVE_ROLES and actor.can_access_municipality(municipality_code)


def may_see_sensitive(actor: Principal) -> bool:
    """Whether the actor's role sees BIP answers, limits, health reasons and caseworker notes."""
    return actor.role in _SENSITIVE_ROLES


def may_record_belief(actor: Principal) -> bool:
    """Whether the actor may record the caseworker's belief: a caseworker, or the command line.

    The command line imports the job centre's own records, where caseworkers wrote the belief.
    """
    return actor.role == Role.caseworker or actor == CLI_PRINCIPAL


def assigned_as(actor: Principal) -> Assignment | None:
    """What the actor becomes on a citizen or placement they create, when nobody is named."""
    if actor.role == Role.caseworker:
        return "caseworker"
    if actor.role in _CONSULTANT_ROLES:
        return "consultant"
    return None


def end_reason_for(actor: Principal, reason: str | None) -> str | None:
    """The end reason the actor may see: a health reason reads "other" to all but caseworkers."""
    if reason == HEALTH_REASON and not may_see_sensitive(actor):
        return OTHER_REASON
    return reason


def candidate_view(actor: Principal) -> CandidateView:
    """How candidates for a company's openings are shown: names for staff, counts for BLF."""
    return "counts" if actor.role == Role.blf_consultant else "names"


# --- match wording (issue 14: scorer) ------------------------------------------------------

MatchView = Literal["full", "task_side"]


def match_view(actor: Principal) -> MatchView:
    """How a match is worded: "full" for those who see BIP answers, else task-side wording only.

    Task-side: cautions speak of the task and the company ("opgaven kræver meget kundekontakt"),
    no score part derived from single BIP answers is shown.
    """
    return "full" if actor.role in _SENSITIVE_ROLES else "task_side"


# --- companies, placements, tours, overview -----------------------------------------------


def may_write_company(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may register or change companies in the municipality."""
    return actor.role in _COMPANY_WRITERS and actor.can_access_municipality(municipality_code)


def may_work_with_placements_in(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor works with placements of the municipality."""
    return actor.role in _PLACEMENT_ROLES and actor.can_access_municipality(municipality_code)


def may_send_reminders_in(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may send SMS reminders to citizens of the municipality (issue 18)."""
    return actor.role in _REMINDER_SENDERS and actor.can_access_municipality(municipality_code)


def may_plan_tours_in(actor: Principal, municipality_code: str | None) -> bool:
    """Whether the actor may plan and see bus tours for citizens of the municipality."""
    return actor.role in _TOUR_PLANNERS and actor.can_access_municipality(municipality_code)


def sees_exact_counts(actor: Principal) -> bool:
    """Whether counts of people are shown exactly (everyone but the integration, which gets <3)."""
    return actor.role != Role.integration


def role_name(actor: Principal) -> str:
    """The actor's role as stored in records that say who did something (transitions)."""
    return str(actor.role)


# --- users in a role ----------------------------------------------------------------------


def is_active_in_roles(user: User | None, roles: Iterable[str]) -> bool:
    """Whether a user row is active and holds one of the roles (for naming staff on records)."""
    return user is not None and user.is_active and user.role in {str(r) for r in roles}


def is_active_caseworker(user: User | None) -> bool:
    """Whether a user row is an active caseworker (who may be assigned to citizens)."""
    return is_active_in_roles(user, (Role.caseworker,))


def caseworkers(statement: SelectOfScalar[User]) -> SelectOfScalar[User]:
    """``statement`` (a select of users) limited to caseworkers."""
    return statement.where(User.role == Role.caseworker.value)


CASEWORKER_ROLE_NAMES = (str(Role.caseworker),)
CONSULTANT_ROLE_NAMES = tuple(sorted(str(r) for r in _CONSULTANT_ROLES))


# --- web pages (issue 16) ----------------------------------------------------------------
# Which pages a role may open: the same roles as the API routes the page calls, so a page never
# shows what the API would refuse. What each page then shows is asked of the functions above.

WebPage = Literal[
    "citizens", "bip", "companies", "placements", "budget", "bustours", "overview", "admin"
]
_STAFF = frozenset({Role.admin, Role.caseworker, Role.company_consultant, Role.blf_consultant})
_PAGE_ROLES: dict[str, frozenset[Role]] = {
    "citizens": _CITIZEN_READERS,
    "bip": _SENSITIVE_ROLES,
    "companies": _STAFF,
    "placements": _PLACEMENT_ROLES,
    "budget": _STAFF,
    "bustours": _TOUR_PLANNERS,
    "overview": frozenset(Role),
    "admin": frozenset({Role.admin}),
}
StartPage = Literal["caseworker", "consultant", "overview", "admin"]


def may_open_page(actor: Principal, page: WebPage) -> bool:
    """Whether a role may open a page at all (its content is scoped further)."""
    return actor.role in _PAGE_ROLES[page]


def start_page_for(actor: Principal) -> StartPage:
    """Which start page ``/`` shows: own citizens, own companies, the overview, or admin."""
    if actor.role == Role.caseworker:
        return "caseworker"
    if actor.role == Role.company_consultant:
        return "consultant"
    if actor.role == Role.admin:
        return "admin"
    return "overview"


_ROLE_LABELS = {
    Role.admin: "Administrator",
    Role.caseworker: "Sagsbehandler",
    Role.company_consultant: "Virksomhedskonsulent",
    Role.blf_consultant: "BLF-konsulent",
    Role.integration: "Vidensdelingsværktøj",
}


def role_label(actor: Principal) -> str:
    """The actor's role in Danish, as the pages name it."""
    return _ROLE_LABELS[actor.role]


def principal_for(user: User) -> Principal:
    """The principal a signed-in user acts as (the web session's counterpart of an API key)."""
    return Principal(
        user_id=user.id,
        name=user.name,
        role=Role(user.role),
        municipality_code=user.municipality_code,
    )
