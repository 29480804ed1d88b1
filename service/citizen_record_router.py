"""HTTP routes that change or gather a citizen's record across domains (thin shells over
``service/citizen_record.py`` and ``service/erasure.py``); the rest of /citizens is in
``service/citizens/router.py``."""

from __future__ import annotations

from fastapi import APIRouter, status

from service import citizen_record, erasure
from service.citizen_record import CitizenExport
from service.citizens import service as citizens_service
from service.citizens.dependencies import CaseworkerSide, CitizenDep
from service.citizens.schemas import CitizenPublic, CitizenUpdate
from service.db import SessionDep, writes_while_reading

router = APIRouter(prefix="/citizens", tags=["citizens"])


@router.patch("/{citizen_id}", response_model=CitizenPublic)
def update_citizen(
    actor: CaseworkerSide, citizen: CitizenDep, data: CitizenUpdate, session: SessionDep
) -> CitizenPublic:
    """Change some fields of a citizen; `caseworker_ids`, when given, replaces the list."""
    citizen = citizen_record.update_citizen(session, citizen=citizen, data=data, actor=actor)
    return citizens_service.public_view(session, citizen=citizen)


@router.delete("/{citizen_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_citizen(actor: CaseworkerSide, citizen: CitizenDep, session: SessionDep) -> None:
    """Erase the citizen's personal data; only anonymous counts remain for statistics."""
    erasure.erase_citizen(session, citizen=citizen, actor=actor)


@router.get("/{citizen_id}/export", response_model=CitizenExport)
@writes_while_reading  # the export lists its own audit entry
def export_citizen(
    actor: CaseworkerSide, citizen: CitizenDep, session: SessionDep
) -> CitizenExport:
    """Right of access: everything held about the citizen, including the audit trail."""
    return citizen_record.export_citizen(session, citizen=citizen, actor=actor)
