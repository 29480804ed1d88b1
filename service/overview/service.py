"""The company overview and its change feed (the summary is in ``summary.py``).

Who sees what (docs/overview.md): admins and staff get exact counts; the integration gets
counts of people under the "<3" rule of ``suppression.py``. The feed pages by change number
(``models.py``), so a sync misses nothing and repeats nothing that did not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, or_
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from service.auth import policy
from service.auth.principal import Principal
from service.changefeed.feed import TICK
from service.changefeed.models import COUNTER_ID, OverviewChangeCounter, OverviewCompanyChange
from service.companies import service as companies_service
from service.companies.models import Company, CompanyContact
from service.organisations import service as organisations_service
from service.overview import queries
from service.overview import suppression as sdc
from service.overview.exceptions import InvalidPeriodError, UpdatedSinceOutOfRangeError
from service.overview.schemas import (
    ContactPersonSummary,
    Disclosure,
    OverviewCompany,
    OverviewCompanyPage,
    OverviewFilters,
    RemovedCompany,
)
from service.pagination import as_utc, decode_cursor, encode_cursor
from service.places import municipality_name
from service.sectors import SECTOR_NAMES_DA, Sector

RULE_DA = (
    'Antal borgere på 1 eller 2 vises som "<3" (i ånden af Danmarks Statistiks '
    'diskretionsregler); en sum, der omfatter et "<3", vises som "skjult" (eller "<3"), aldrig '
    "som et for lille tal; forløb over tid (målene) tæller kun de viste tal og er nedre grænser."
)
# Rows fetched per query when an export walks the whole overview.
EXPORT_CHUNK = 500


def exact_counts(actor: Principal) -> bool:
    """Whether the caller sees exact counts (everyone but the integration)."""
    return policy.sees_exact_counts(actor)


def disclosure(actor: Principal) -> Disclosure:
    """How the counts of a response are to be read."""
    exact = exact_counts(actor)
    return Disclosure(exact_counts=exact, rule=None if exact else RULE_DA)


def check_filters(filters: OverviewFilters) -> None:
    """Refuse a period that ends before it begins."""
    if filters.active_from and filters.active_to and filters.active_from > filters.active_to:
        raise InvalidPeriodError()


def _since(updated_since: datetime | None) -> datetime | None:
    if updated_since is None:
        return None
    # The database drivers overflow converting the very first and last years to UTC.
    if not 1 < updated_since.year < 9999:
        raise UpdatedSinceOutOfRangeError()
    return as_utc(updated_since)


def _token(moment: datetime) -> str:
    # "Z" rather than "+00:00": a "+" pasted into a URL unencoded would read as a space.
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _committed_counter(session: Session) -> tuple[int, datetime | None]:
    counter = session.get(OverviewChangeCounter, COUNTER_ID, populate_existing=True)
    if counter is None:
        return 0, None
    return counter.last_seq, counter.last_changed_at


def _primary_contact(contacts: Sequence[CompanyContact]) -> ContactPersonSummary | None:
    chosen = next((c for c in contacts if c.is_primary), contacts[0] if contacts else None)
    if chosen is None:
        return None
    return ContactPersonSummary(
        name=chosen.name, title=chosen.title, phone=chosen.phone, email=chosen.email
    )


def _overview_company(
    company: Company,
    counts: Any,
    contacts: Sequence[CompanyContact],
    change_seq: int,
    changed_at: datetime,
    exact: bool,
    owner_names: dict[str, str],
) -> OverviewCompany:
    values = {
        name: sdc.shown(int(getattr(counts, name, 0) or 0), exact=exact)
        for name in queries.COUNT_FIELDS
    }
    return OverviewCompany(
        company_id=company.id,
        cvr=company.cvr,
        name=company.name,
        postal_code=company.postal_code,
        city=company.city,
        municipality_code=company.municipality_code,
        municipality_name=municipality_name(company.municipality_code),
        sector=company.sector,
        sector_name=SECTOR_NAMES_DA.get(Sector(company.sector), company.sector),
        size_band=company.size_band,
        sector_type=company.sector_type,
        contact_owner=company.contact_owner,
        contact_owner_name=owner_names.get(company.contact_owner, company.contact_owner),
        contact_person=_primary_contact(contacts),
        is_ambassador=company.is_ambassador,
        change_seq=change_seq,
        changed_at=changed_at,
        **values,
    )


def _companies_with_counts(
    session: Session, company_ids: list[str]
) -> tuple[dict[str, Company], dict[str, Any], dict[str, list[CompanyContact]]]:
    if not company_ids:
        return {}, {}, {}
    companies = {
        c.id: c for c in session.exec(select(Company).where(col(Company.id).in_(company_ids)))
    }
    counts = {row.company_id: row for row in session.execute(queries.company_counts(company_ids))}
    contacts = companies_service.contacts_by_company(session, company_ids)
    return companies, counts, contacts


def company_feed(
    session: Session,
    *,
    actor: Principal,
    filters: OverviewFilters,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> OverviewCompanyPage:
    """One page of companies in change order: listed ones, and removals since the sync began.

    Without ``cursor`` and ``updated_since`` this is a full sync: companies that left the
    overview before it began are not reported. With ``updated_since`` (a previous
    ``sync_token``) every change after it is reported, as an item or as a removal.
    """
    check_filters(filters)
    since = _since(updated_since)
    # Read before the page: every change numbered up to here is committed and visible below.
    committed_seq, committed_at = _committed_counter(session)
    change_seq = OverviewCompanyChange.change_seq
    if cursor is not None:
        after, started_at_seq = decode_cursor(cursor, 2, [change_seq, change_seq])
    else:
        after, started_at_seq = 0, (0 if since is not None else committed_seq)
    listed = queries.listed_clause(filters)
    statement = (
        sql_select(
            col(OverviewCompanyChange.company_id),
            col(change_seq),
            col(OverviewCompanyChange.changed_at),
            case((listed, 1), else_=0).label("listed"),
            col(Company.id).label("existing_id"),
        )
        .select_from(OverviewCompanyChange)
        .outerjoin(Company, col(Company.id) == col(OverviewCompanyChange.company_id))
        .where(col(change_seq) > after, or_(listed, col(change_seq) > started_at_seq))
    )
    if since is not None:
        statement = statement.where(col(OverviewCompanyChange.changed_at) >= since)
    rows = list(session.execute(statement.order_by(col(change_seq)).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    exact = exact_counts(actor)
    companies, counts, contacts = _companies_with_counts(
        session, [row.company_id for row in rows if row.listed]
    )
    items: list[OverviewCompany] = []
    removed: list[RemovedCompany] = []
    owner_names = organisations_service.organisation_names(session)
    for row in rows:
        company = companies.get(row.company_id) if row.listed else None
        if company is None:
            # Listed a moment ago but gone now: deleted in between (its change comes later too).
            gone = row.listed or row.existing_id is None
            removed.append(
                RemovedCompany(
                    company_id=row.company_id,
                    reason="deleted" if gone else "not_listed",
                    change_seq=row.change_seq,
                    changed_at=row.changed_at,
                )
            )
            continue
        items.append(
            _overview_company(
                company,
                counts.get(company.id),
                contacts.get(company.id, []),
                row.change_seq,
                row.changed_at,
                exact,
                owner_names,
            )
        )
    # The next sync starts after the last change delivered; after the last page, after every
    # change committed before this request (those not delivered were not the caller's).
    moments = [since] if since is not None else []
    if rows:
        moments.append(rows[-1].changed_at + TICK)
    if not more and committed_at is not None:
        moments.append(committed_at + TICK)
    return OverviewCompanyPage(
        items=items,
        removed=removed,
        next_cursor=encode_cursor([rows[-1].change_seq, started_at_seq]) if more else None,
        sync_token=_token(max(moments)) if moments else None,
        disclosure=disclosure(actor),
    )


def iter_overview_companies(
    session: Session,
    *,
    actor: Principal,
    filters: OverviewFilters,
    updated_since: datetime | None,
) -> Iterator[OverviewCompany]:
    """Every company in the overview matching the filters, by name (for the exports)."""
    check_filters(filters)
    since = _since(updated_since)
    exact = exact_counts(actor)
    statement = (
        sql_select(col(Company.id), col(Company.name))
        .join(OverviewCompanyChange, col(OverviewCompanyChange.company_id) == col(Company.id))
        .where(queries.listed_clause(filters))
    )
    if since is not None:
        statement = statement.where(col(OverviewCompanyChange.changed_at) >= since)
    ids = [
        row.id for row in session.execute(statement.order_by(col(Company.name), col(Company.id)))
    ]
    owner_names = organisations_service.organisation_names(session)
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start : start + EXPORT_CHUNK]
        companies, counts, contacts = _companies_with_counts(session, chunk)
        changes = {
            c.company_id: c
            for c in session.exec(
                select(OverviewCompanyChange).where(
                    col(OverviewCompanyChange.company_id).in_(chunk)
                )
            )
        }
        for company_id in chunk:
            change = changes[company_id]
            yield _overview_company(
                companies[company_id],
                counts.get(company_id),
                contacts.get(company_id, []),
                change.change_seq,
                change.changed_at,
                exact,
                owner_names,
            )
