"""Removing a company without pulling it from under live work (issue 15).

Placements and their wage-hour agreements point at a company; deleting it would leave an active
placement without a company and a signed agreement reading "Virksomhed (slettet)". So, above the
domains (companies cannot see placements):

- a company with an open placement (proposed, agreed or active) is not removed: 409, naming them;
- a company with only closed placements (ended, rejected, cancelled) is **archived**: kept for the
  placements' and agreements' history and shown as archived on them, left out of the company
  list, matching and bus tours; its open task openings are closed and its contact persons'
  personal data is erased (the agreements keep the contact's name as signed);
- a company nothing refers to is deleted, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, col, select

from service import clock
from service.auth.principal import Principal
from service.companies import service as companies_service
from service.companies.models import Company
from service.errors import ConflictError, FieldError
from service.placements.models import Placement
from service.placements.states import (
    OPEN,
    STATUS_LABELS_DA,
    TYPE_LABELS_DA,
    PlacementStatus,
    PlacementType,
)
from service.tasks.models import TaskOpening

Outcome = Literal["deleted", "archived"]


class CompanyHasOpenPlacementsError(ConflictError):
    """The company has placements that are not closed: it cannot be removed yet."""

    def __init__(self, placements: list[Placement]) -> None:
        described = [
            (
                p.id,
                TYPE_LABELS_DA[PlacementType(p.placement_type)].lower(),
                STATUS_LABELS_DA[PlacementStatus(p.status)],
                p.status,
            )
            for p in placements
        ]
        listed_da = "; ".join(f"{pid} ({kind}, {status})" for pid, kind, status, _ in described)
        listed_en = "; ".join(
            f"{pid} ({p.placement_type}, {raw})"
            for (pid, _, _, raw), p in zip(described, placements, strict=True)
        )
        super().__init__(
            f"Virksomheden har {len(placements)} forløb, der ikke er afsluttet, og kan ikke "
            f"fjernes: {listed_da}. Afslut eller annullér dem først; derefter arkiveres "
            "virksomheden",
            f"The company has {len(placements)} placements that are not closed and cannot be "
            f"removed: {listed_en}. End or cancel them first; the company is then archived",
            code="company_has_open_placements",
            fields=[
                FieldError(
                    "placements",
                    f"{pid}: {kind}, {status}",
                    f"{pid}: {p.placement_type}, {raw}",
                )
                for (pid, kind, status, raw), p in zip(described, placements, strict=True)
            ],
        )


@dataclass(frozen=True)
class Removal:
    """What became of the company."""

    outcome: Outcome
    placements_kept: int


def remove_company(session: Session, *, company: Company, actor: Principal) -> Removal:
    """Delete the company, archive it when placements refer to it, or refuse (409)."""
    companies_service.check_write_scope(actor, company.municipality_code)
    statement = (
        select(Placement)
        .where(col(Placement.company_id) == company.id)
        .order_by(col(Placement.created_at), col(Placement.id))
    )
    placements = list(session.exec(statement).all())
    still_open = [p for p in placements if PlacementStatus(p.status) in OPEN]
    if still_open:
        raise CompanyHasOpenPlacementsError(still_open)
    if not placements:
        companies_service.delete_company(session, company=company, actor=actor)
        return Removal("deleted", 0)
    # Its openings can no longer be offered: closed, so matching and lists leave them out.
    session.execute(
        update(TaskOpening)
        .where(
            col(TaskOpening.company_id) == company.id,
            col(TaskOpening.status).in_(["open", "paused"]),
        )
        .values(status="closed", updated_at=clock.now())
    )
    companies_service.archive_company(session, company=company, actor=actor)
    return Removal("archived", len(placements))
