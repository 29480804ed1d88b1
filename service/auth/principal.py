"""Who is calling: roles and the municipality scope, free of web and database code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The roles of API.md; each user has exactly one."""

    admin = "admin"
    caseworker = "caseworker"
    company_consultant = "company_consultant"
    blf_consultant = "blf_consultant"
    integration = "integration"


# Roles whose access is limited to the municipality on their user record.
MUNICIPALITY_SCOPED_ROLES = frozenset({Role.caseworker, Role.company_consultant})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request or a command."""

    user_id: str | None
    name: str
    role: Role
    municipality_code: str | None = None

    def can_access_municipality(self, municipality_code: str | None) -> bool:
        """Whether this caller may act on data belonging to a municipality."""
        if self.role in MUNICIPALITY_SCOPED_ROLES:
            return municipality_code is not None and municipality_code == self.municipality_code
        return self.role != Role.integration


# The command line acts as a trusted operator on the server itself.
CLI_PRINCIPAL = Principal(user_id=None, name="kommandolinje", role=Role.admin)
