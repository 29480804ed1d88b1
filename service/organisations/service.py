"""List, look up and add organisations; check that a contact owner exists."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.auth.audit import record_audit
from service.auth.principal import Principal
from service.organisations.exceptions import OrganisationKeyTakenError, UnknownOrganisationError
from service.organisations.models import Organisation
from service.organisations.schemas import OrganisationCreate, OrganisationPublic


def list_organisations(
    session: Session, *, kind: str | None = None, municipality_code: str | None = None
) -> list[Organisation]:
    """Every organisation, job centres by municipality code first, then the others by name."""
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(col(Organisation.kind) == kind)
    if municipality_code is not None:
        statement = statement.where(col(Organisation.municipality_code) == municipality_code)
    rows = session.exec(statement).all()
    return sorted(rows, key=lambda o: (o.municipality_code is None, o.municipality_code, o.name))


def require_organisation(
    session: Session, *, key: str, field: str = "contact_owner"
) -> Organisation:
    """The active organisation with the key, or a validation error naming the field."""
    organisation = session.get(Organisation, key)
    if organisation is None or not organisation.is_active:
        raise UnknownOrganisationError(field, key)
    return organisation


def organisation_names(session: Session) -> dict[str, str]:
    """Name per key, for lists that show a contact owner's name beside its key."""
    rows = session.exec(select(Organisation.key, Organisation.name)).all()
    return dict(rows)


def create_organisation(
    session: Session, *, data: OrganisationCreate, actor: Principal
) -> Organisation:
    """Add an organisation; 409 when the key is taken."""
    if session.get(Organisation, data.key) is not None:
        raise OrganisationKeyTakenError(data.key)
    organisation = Organisation(
        key=data.key,
        name=data.name,
        kind=str(data.kind),
        municipality_code=data.municipality_code,
    )
    try:
        with session.begin_nested():
            session.add(organisation)
    except IntegrityError as exc:
        raise OrganisationKeyTakenError(data.key) from exc
    record_audit(
        session, actor=actor, action="create", entity_type="organisation", entity_id=data.key
    )
    return organisation


def to_public(organisation: Organisation) -> OrganisationPublic:
    """The API shape of an organisation."""
    return OrganisationPublic.model_validate(organisation, from_attributes=True)
