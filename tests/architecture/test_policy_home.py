"""The access policy has one home: only service/auth/ looks at a principal's role."""

from __future__ import annotations

import re
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
# Reading a role, comparing with a Role member, or asking the principal's own scope method.
ROLE_READS = re.compile(
    r"\.role\b"
    r"|Role\.\w+\s*(==|!=)"
    r"|(==|!=|\bin|\bnot in)\s*\(?\s*Role\.\w+"
    r"|frozenset\(\{\s*Role\."
    r"|\.can_access_municipality\("
)


def role_reads_outside_auth() -> list[str]:
    return [
        f"{path.relative_to(SERVICE.parent)}:{number}: {line.strip()}"
        for path in sorted(SERVICE.rglob("*.py"))
        if "auth" not in path.relative_to(SERVICE).parts[:1] and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ROLE_READS.search(line)
    ]


def test_no_role_is_read_outside_auth() -> None:
    assert role_reads_outside_auth() == []


def test_the_pattern_catches_what_it_is_for() -> None:
    caught = [
        "if actor.role != Role.admin:",
        "return principal.role in FULL_VIEW_ROLES",
        "if Role.caseworker == user.role:",
        "WRITE_ROLES = frozenset({Role.admin, Role.company_consultant})",
        "if not actor.can_access_municipality(code):",
    ]
    allowed = [
        "Depends(require_roles(Role.admin, Role.caseworker))",
        "if not policy.may_see_sensitive(actor):",
        "roles: Annotated[Role, typer.Option()]",
    ]
    assert all(ROLE_READS.search(line) for line in caught)
    assert not any(ROLE_READS.search(line) for line in allowed)
