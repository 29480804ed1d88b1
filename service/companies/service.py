"""Company register: create, change, find, delete, contacts and the extended business card."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from service import clock
from service.auth import policy
from service.auth.audit import record_audit, record_audits
from service.auth.principal import Principal
from service.changefeed import feed as changefeed
from service.companies.codes import known_divisions, normalise_digits, sector_from_codes
from service.companies.exceptions import (
    CompanyDataError,
    CompanyNotFoundError,
    CompanyOutOfScopeError,
    CvrTakenError,
    ImportConflictError,
)
from service.companies.models import Company, CompanyContact
from service.companies.schemas import (
    BusinessCard,
    CompanyCreate,
    CompanyFields,
    CompanyPublic,
    CompanyUpdate,
    ContactPersonIn,
    ContactPersonPublic,
    ContactPoint,
)
from service.db import new_id
from service.errors import validation_failed_from
from service.organisations import service as organisations_service
from service.pagination import MAX_LIMIT, as_utc, paginate
from service.places import located_columns
from service.tabular import fold_word

SEARCH_TEXT_LENGTH = 600  # companies.search_text is VARCHAR(600)
# A query of letters, digits and spaces only is also matched in its folded form.
PLAIN_WORDS = re.compile(r"[^\W_]+(?:\s+[^\W_]+)*")
# Columns a caller sets directly; contacts and derived columns are handled separately.
_PLAIN_FIELDS = set(CompanyFields.model_fields) - {"contacts"}


def check_write_scope(actor: Principal, municipality_code: str) -> None:
    """Raise 403 unless the actor may change companies in the municipality."""
    if not policy.may_write_company(actor, municipality_code):
        raise CompanyOutOfScopeError(municipality_code)


def _resolve(data: CompanyCreate, *, session: Session, coordinates_given: bool) -> dict[str, Any]:
    """The stored columns for validated input: sector, municipality, city and coordinates filled."""
    values = data.model_dump(include=_PLAIN_FIELDS | {"cvr"})
    for field, version in (("db07_code", "DB07"), ("db25_code", "DB25")):
        code = values.get(field)
        if code and code[:2] not in known_divisions(version):
            raise CompanyDataError(
                field,
                f"Ukendt branchekode: hovedgruppen {code[:2]} findes ikke i {version}",
                f"Unknown industry code: division {code[:2]} does not exist in {version}",
            )
    if data.sector is None:
        values["sector"] = sector_from_codes(data.db07_code, data.db25_code)
    organisations_service.require_organisation(session, key=data.contact_owner)
    values.update(located_columns(session, data, coordinates_given=coordinates_given))
    values["requirements"] = {str(k): str(v) for k, v in (data.requirements or {}).items()}
    for field, default in (("sector_type", "private"), ("is_ambassador", False)):
        if values.get(field) is None:
            values[field] = default
    for field in ("accepts_visits", "is_paused"):
        if values.get(field) is None:
            values[field] = False
    # Cut to the column's length: case folding can lengthen text ("ß" -> "ss").
    # As typed (case-folded) and folded (æ/ø/å as ae/oe/aa, punctuation dropped): the search
    # matches a plain word query on the folded form ("moebelfabrik" finds "Møbelfabrik") and
    # anything else literally on the typed form.
    typed = " ".join(
        str(part) for part in (data.name, data.cvr, data.address, values["city"]) if part
    ).casefold()
    values["search_text"] = f"{typed} {fold_word(typed)}"[:SEARCH_TEXT_LENGTH]
    return values


def _replace_contacts(session: Session, company_id: str, contacts: list[ContactPersonIn]) -> None:
    session.execute(delete(CompanyContact).where(col(CompanyContact.company_id) == company_id))
    for position, contact in enumerate(contacts):
        session.add(
            CompanyContact(company_id=company_id, position=position, **contact.model_dump())
        )


def find_company_by_cvr(session: Session, *, cvr: str) -> Company | None:
    """The company with a CVR number, if registered."""
    return session.exec(select(Company).where(Company.cvr == cvr)).first()


def create_company(
    session: Session, *, data: CompanyCreate, actor: Principal, is_demo: bool = False
) -> Company:
    """Register a company; 409 if the CVR number is taken."""
    values = _resolve(data, session=session, coordinates_given=data.lat is not None)
    check_write_scope(actor, values["municipality_code"])
    existing = find_company_by_cvr(session, cvr=data.cvr)
    if existing is not None:
        raise CvrTakenError(data.cvr, existing.id)
    company = Company(**values, is_demo=is_demo)
    try:
        # A savepoint, so a concurrent insert of the same CVR leaves the transaction usable.
        with session.begin_nested():
            session.add(company)
    except IntegrityError as exc:
        existing = find_company_by_cvr(session, cvr=data.cvr)
        raise CvrTakenError(data.cvr, existing.id if existing else None) from exc
    _replace_contacts(session, company.id, data.contacts or [])
    session.flush()
    record_audit(session, actor=actor, action="create", entity_type="company", entity_id=company.id)
    return company


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


def resolve_new_company(
    session: Session, data: CompanyCreate, *, actor: Principal
) -> dict[str, Any]:
    """The stored columns of a new company, checked as ``create_company`` checks them.

    For the bulk import: raises CompanyDataError or CompanyOutOfScopeError; the CVR number's
    uniqueness is the caller's to check (``insert_companies`` relies on the unique index).
    """
    values = _resolve(data, session=session, coordinates_given=data.lat is not None)
    check_write_scope(actor, values["municipality_code"])
    return values


def insert_companies(
    session: Session,
    *,
    companies: list[tuple[dict[str, Any], list[ContactPersonIn]]],
    actor: Principal,
) -> list[str]:
    """Store new companies (columns from ``resolve_new_company``) with bulk inserts; their ids.

    Contacts and one "create" audit entry per company are inserted the same way. A CVR number
    taken meanwhile raises ImportConflictError and leaves the transaction as it was.
    """
    now = clock.now()
    ids = [new_id() for _ in companies]
    rows = [
        {**values, "id": company_id, "is_demo": False, "created_at": now, "updated_at": now}
        for company_id, (values, _) in zip(ids, companies, strict=True)
    ]
    contacts = [
        {**contact.model_dump(), "id": new_id(), "company_id": company_id, "position": position}
        for company_id, (_, people) in zip(ids, companies, strict=True)
        for position, contact in enumerate(people)
    ]
    try:
        with session.begin_nested():
            # Core inserts of the tables (executemany), not the ORM's unit of work.
            if rows:
                session.execute(insert(_table(Company)), rows)
            if contacts:
                session.execute(insert(_table(CompanyContact)), contacts)
    except IntegrityError as exc:
        raise ImportConflictError from exc
    record_audits(session, actor=actor, action="create", entity_type="company", entity_ids=ids)
    return ids


def get_company(session: Session, *, company_id: str) -> Company:
    """Load a company or raise 404."""
    company = session.get(Company, company_id)
    if company is None:
        raise CompanyNotFoundError(company_id)
    return company


def _as_create(company: Company, patch: dict[str, Any]) -> tuple[CompanyCreate, bool]:
    current: dict[str, Any] = {f: getattr(company, f) for f in _PLAIN_FIELDS | {"cvr"}}
    # Given coordinates belong to the old address: a new postal code without new coordinates
    # falls back to the postal-code centre rather than keep a point in another town.
    moved = "postal_code" in patch and patch["postal_code"] != company.postal_code
    coordinates_given = (
        "lat" in patch or "lon" in patch or (company.coordinates_source == "given" and not moved)
    )
    if not coordinates_given or (patch.get("lat") is None and "lat" in patch):
        current.update(lat=None, lon=None)
        coordinates_given = False
    if company.sector == sector_from_codes(company.db07_code, company.db25_code):
        current["sector"] = None  # derived, so it follows a changed industry code
    if moved and "municipality_code" not in patch:
        current["municipality_code"] = None  # re-derive from the new postal code
    current.update({k: v for k, v in patch.items() if k != "contacts"})
    try:
        return CompanyCreate.model_validate(current), coordinates_given
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc


def update_company(
    session: Session, *, company: Company, data: CompanyUpdate, actor: Principal
) -> Company:
    """Apply a partial change; derived fields (sector, municipality, coordinates) follow."""
    check_write_scope(actor, company.municipality_code)
    patch = data.model_dump(exclude_unset=True)
    merged, coordinates_given = _as_create(company, patch)
    values = _resolve(merged, session=session, coordinates_given=coordinates_given)
    check_write_scope(actor, values["municipality_code"])
    changed = sorted(k for k, v in values.items() if getattr(company, k) != v)
    for key, value in values.items():
        setattr(company, key, value)
    if data.contacts is not None:
        _replace_contacts(session, company.id, data.contacts)
        changed.append("contacts")
    company.updated_at = clock.now()
    session.add(company)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="update",
        entity_type="company",
        entity_id=company.id,
        detail={"fields": changed},
    )
    # Sector, size, contact owner and contacts show in the overview of a company with placements.
    changefeed.record_company_changes(session, company_ids=[company.id], only_tracked=True)
    return company


def delete_company(session: Session, *, company: Company, actor: Principal) -> None:
    """Remove a company and its contacts. Only for a company nothing refers to: a company with
    placements is archived instead (``service/company_removal.py`` decides)."""
    check_write_scope(actor, company.municipality_code)
    session.delete(company)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="delete",
        entity_type="company",
        entity_id=company.id,
        detail={"cvr": company.cvr},
    )
    changefeed.record_company_changes(session, company_ids=[company.id], only_tracked=True)


def archive_company(session: Session, *, company: Company, actor: Principal) -> None:
    """Archive a company that has placements: it stays for their history (name, CVR, address),
    leaves lists and matching, and its contact persons' personal data is erased."""
    check_write_scope(actor, company.municipality_code)
    erased = len(contacts_by_company(session, [company.id]).get(company.id, []))
    _replace_contacts(session, company.id, [])
    company.archived_at = company.updated_at = clock.now()
    session.add(company)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="archive",
        entity_type="company",
        entity_id=company.id,
        detail={"cvr": company.cvr, "contacts_erased": erased},
    )
    changefeed.record_company_changes(session, company_ids=[company.id], only_tracked=True)


def list_companies(
    session: Session,
    *,
    q: str | None,
    sector: str | None,
    municipality_code: str | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
    include_archived: bool = False,
) -> tuple[list[Company], str | None]:
    """One page of companies matching the filters; by name, or by change time when syncing.
    Archived companies only when asked for."""
    statement = select(Company)
    if not include_archived:
        statement = statement.where(col(Company.archived_at).is_(None))
    if q:
        # A CVR number typed in groups ("12 34 56 78") is searched as its digits.
        digits = normalise_digits(q)
        term = digits if digits.isdigit() else q.strip()
        plain = term.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches: Any = col(Company.search_text).like(f"%{plain}%", escape="\\")
        if PLAIN_WORDS.fullmatch(term) and (folded := fold_word(term)):
            matches = or_(matches, col(Company.search_text).like(f"%{folded}%"))
        statement = statement.where(matches)
    if sector:
        statement = statement.where(Company.sector == sector)
    if municipality_code:
        statement = statement.where(Company.municipality_code == municipality_code)
    order_by: list[Any] = [Company.name, Company.id]
    if updated_since is not None:
        statement = statement.where(col(Company.updated_at) >= as_utc(updated_since))
        order_by = [Company.updated_at, Company.id]
    return paginate(session, statement, order_by=order_by, limit=limit, cursor=cursor)


def contacts_by_company(
    session: Session, company_ids: list[str]
) -> dict[str, list[CompanyContact]]:
    """Contact persons for many companies in one query, in their stored order."""
    result: dict[str, list[CompanyContact]] = defaultdict(list)
    if not company_ids:
        return result
    statement = (
        select(CompanyContact)
        .where(col(CompanyContact.company_id).in_(company_ids))
        .order_by(col(CompanyContact.company_id), col(CompanyContact.position))
    )
    for contact in session.exec(statement):
        result[contact.company_id].append(contact)
    return result


def _contact_public(contact: CompanyContact) -> ContactPersonPublic:
    return ContactPersonPublic.model_validate(contact, from_attributes=True)


def to_public(company: Company, contacts: list[CompanyContact]) -> CompanyPublic:
    """The API shape of a company with its contacts."""
    return CompanyPublic.model_validate(
        {**company.model_dump(), "contacts": [_contact_public(c) for c in contacts]}
    )


def companies_public(session: Session, companies: list[Company]) -> list[CompanyPublic]:
    """API shapes for a list of companies, loading their contacts in one query."""
    contacts = contacts_by_company(session, [c.id for c in companies])
    return [to_public(c, contacts.get(c.id, [])) for c in companies]


def iter_companies_public(
    session: Session,
    *,
    q: str | None,
    sector: str | None,
    municipality_code: str | None,
    updated_since: datetime | None,
    include_archived: bool = False,
) -> Iterator[CompanyPublic]:
    """Every company ``list_companies`` would page through, for exports (issue 15)."""
    cursor: str | None = None
    while True:
        rows, cursor = list_companies(
            session,
            q=q,
            sector=sector,
            municipality_code=municipality_code,
            updated_since=updated_since,
            limit=MAX_LIMIT,
            cursor=cursor,
            include_archived=include_archived,
        )
        yield from companies_public(session, rows)
        if cursor is None:
            return


def _contact_points_text(path: str | None) -> str:
    if path:
        return Path(path).read_text("utf-8")
    return (
        resources.files("service.companies").joinpath("data/contact_points.csv").read_text("utf-8")
    )


@lru_cache(maxsize=4)
def contact_points(path: str | None = None) -> tuple[ContactPoint, ...]:
    """The job-centre and BLF units companies can call (from the editable data file)."""
    text = _contact_points_text(path)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple(
        ContactPoint(
            owner=row["owner"],
            name=row["name"],
            phone=row["phone"] or None,
            email=row["email"] or None,
            hours=row["hours"] or None,
            verified=row["verified"].strip().lower() == "true",
        )
        for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";")
    )


def business_card(
    session: Session, *, company: Company, contact_points_file: str | None = None
) -> BusinessCard:
    """The extended business card: the company's contacts and every unit it can call."""
    owner = company.contact_owner
    points = sorted(contact_points(contact_points_file), key=lambda p: p.owner != owner)
    warnings = [
        f"Telefonnummer for {p.name} er ikke indlæst og kontrolleret (se docs/operations.md)"
        for p in points
        if not p.verified or not p.phone
    ]
    contacts = contacts_by_company(session, [company.id]).get(company.id, [])
    return BusinessCard(
        company_id=company.id,
        company_name=company.name,
        contact_owner=owner,
        contact_owner_name=organisations_service.organisation_names(session).get(owner, owner),
        contacts=[_contact_public(c) for c in contacts],
        contact_points=list(points),
        warnings=warnings,
    )
