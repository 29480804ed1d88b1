"""Citizen register: create, read in the caller's shape, change, erase, list.

BIP measurements live in ``measurements.py``; the audit trail and the export in ``access.py``.

Every read and every change of a citizen writes an audit entry (entity type ``citizen``), and no
audit entry carries a name, a case number or an answer: only ids, field names and counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticUndefined
from sqlalchemy import Table, delete, func, insert, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from service import clock
from service.auth import policy
from service.auth.audit import EntityAudit, record_audits
from service.auth.models import User
from service.auth.principal import Principal
from service.citizens.exceptions import (
    BipFilterNotAllowedError,
    CitizenDataError,
    CitizenNotFoundError,
    CitizenOutOfScopeError,
    DuplicatePersonError,
    ExternalRefTakenError,
)
from service.citizens.models import (
    AnonymousCitizenCount,
    BipMeasurement,
    Citizen,
    CitizenCaseworker,
    CitizenFairnessAttributes,
)
from service.citizens.schemas import (
    CaseworkerRef,
    CitizenCreate,
    CitizenFields,
    CitizenForConsultant,
    CitizenLimits,
    CitizenPublic,
    CitizenUpdate,
    FairnessAttributes,
)
from service.db import new_id
from service.errors import validation_failed_from
from service.pagination import as_utc, paginate
from service.places import located_columns, postal_codes_of_town
from service.tasks import catalogue as tasks_catalogue

ENTITY = "citizen"
SEARCH_NAME_LENGTH = 200
_LIMIT_COLUMNS = {
    "cannot_lift_heavy": "cannot_lift_heavy",
    "cannot_handle_food": "cannot_handle_food",
    "cannot_stand_long": "cannot_stand_long",
    "criminal_record": "criminal_record",
    "other": "other_limits",
}
_FAIRNESS_FIELDS = ("audit_gender", "audit_birth_year")
# Columns a caller sets directly; the rest are derived or stored elsewhere.
_PLAIN_FIELDS = set(CitizenFields.model_fields) - {"limits", "caseworker_ids", *_FAIRNESS_FIELDS}


def check_read_scope(actor: Principal, municipality_code: str | None) -> None:
    """Raise 403 unless the actor may see citizens of the municipality."""
    if not policy.may_read_citizens_in(actor, municipality_code):
        raise CitizenOutOfScopeError(municipality_code)


def check_caseworker_scope(actor: Principal, municipality_code: str | None) -> None:
    """Raise 403 unless the actor is an admin or a caseworker of the municipality."""
    if not policy.may_manage_citizens_in(actor, municipality_code):
        raise CitizenOutOfScopeError(municipality_code)


# One audit entry about a citizen (ids, field names and counts only, never names):
# ``audit_citizen(session, actor, action, citizen_id, detail)``.
audit_citizen = EntityAudit(ENTITY)


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


def _resolve(data: CitizenCreate, *, session: Session, coordinates_given: bool) -> dict[str, Any]:
    """The stored columns for validated input: municipality, city and coordinates filled."""
    values = data.model_dump(include=_PLAIN_FIELDS)
    for enum_field in ("transport", "status"):  # stored as their plain text values
        if values.get(enum_field) is not None:
            values[enum_field] = str(values[enum_field])
    values.update(located_columns(session, data, coordinates_given=coordinates_given))
    limits = data.limits or CitizenLimits()
    for key, column in _LIMIT_COLUMNS.items():
        values[column] = getattr(limits, key)
    values["criminal_record"] = str(limits.criminal_record)
    for field, default in (
        ("has_driving_licence", False),
        ("has_car", False),
        ("status", "active"),
        ("sms_consent", False),
    ):
        if values.get(field) is None:
            values[field] = default
    for field in ("preferred_sectors", "excluded_sectors", "preferred_tasks", "excluded_tasks"):
        values[field] = [str(item) for item in values.get(field) or []]
    if values["status"] == "ended" and values.get("programme_end_date") is None:
        values["programme_end_date"] = clock.today()
    values["search_name"] = data.name.casefold()[:SEARCH_NAME_LENGTH]
    return values


def _check_unique(
    session: Session, *, municipality_code: str, external_ref: str, citizen_id: str | None
) -> None:
    statement = select(Citizen.id).where(
        Citizen.municipality_code == municipality_code, Citizen.external_ref == external_ref
    )
    existing = session.exec(statement).first()
    if existing is not None and existing != citizen_id:
        raise ExternalRefTakenError(external_ref, existing)


def find_by_external_ref(
    session: Session, *, municipality_code: str, external_ref: str
) -> Citizen | None:
    """The citizen with a case number in a municipality, if registered."""
    statement = select(Citizen).where(
        Citizen.municipality_code == municipality_code, Citizen.external_ref == external_ref
    )
    return session.exec(statement).first()


def find_by_cpr_hmac(session: Session, *, cpr_hmac: str) -> Citizen | None:
    """The citizen whose imported CPR number had this keyed hash, if any."""
    return session.exec(select(Citizen).where(Citizen.cpr_hmac == cpr_hmac)).first()


def _caseworker_users(session: Session, user_ids: list[str], municipality_code: str) -> list[User]:
    users = []
    for user_id in dict.fromkeys(user_ids):
        user = session.get(User, user_id)
        if user is None or not policy.is_active_caseworker(user):
            raise CitizenDataError(
                "caseworker_ids",
                f"{user_id} er ikke en aktiv sagsbehandler",
                f"{user_id} is not an active caseworker",
            )
        if user.municipality_code != municipality_code:
            raise CitizenDataError(
                "caseworker_ids",
                f"Sagsbehandleren {user_id} hører ikke til kommune {municipality_code}",
                f"Caseworker {user_id} does not belong to municipality {municipality_code}",
            )
        users.append(user)
    return users


def _replace_caseworkers(session: Session, citizen_id: str, user_ids: list[str]) -> None:
    session.execute(
        delete(CitizenCaseworker).where(col(CitizenCaseworker.citizen_id) == citizen_id)
    )
    for user_id in user_ids:
        session.add(CitizenCaseworker(citizen_id=citizen_id, user_id=user_id))


def _fairness_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Fairness attributes as stored (the gender as its plain text value)."""
    return {
        key: None if value is None else (str(value) if key == "audit_gender" else value)
        for key, value in values.items()
    }


def _set_fairness(session: Session, citizen_id: str, values: dict[str, Any]) -> None:
    row = session.get(CitizenFairnessAttributes, citizen_id)
    if row is None:
        row = CitizenFairnessAttributes(citizen_id=citizen_id)
    for key, value in _fairness_columns(values).items():
        setattr(row, key, value)
    session.add(row)


@dataclass(frozen=True)
class NewCitizen:
    """A new citizen's stored columns, its caseworkers and fairness attributes, all checked."""

    values: dict[str, Any]
    caseworker_ids: list[str]
    fairness: dict[str, Any]


def _completed(
    session: Session,
    data: CitizenCreate,
    values: dict[str, Any],
    actor: Principal,
    wish_task_ids: list[str] | None,
) -> NewCitizen:
    """The rest of a new citizen once its columns are resolved: caseworkers, wishes, consent."""
    municipality = values["municipality_code"]
    if data.caseworker_ids is not None:
        caseworkers = _caseworker_users(session, data.caseworker_ids, municipality)
    elif policy.assigned_as(actor) == "caseworker" and actor.user_id is not None:
        caseworkers = _caseworker_users(session, [actor.user_id], municipality)
    else:
        caseworkers = []
    if wish_task_ids is None:
        wish_task_ids = tasks_catalogue.wish_task_ids(session, text=data.wishes)
    values["wish_task_ids"] = wish_task_ids
    values["sms_consent_date"] = clock.today() if values["sms_consent"] else None
    fairness = data.model_dump(include=set(_FAIRNESS_FIELDS), exclude_none=True)
    return NewCitizen(values, [user.id for user in caseworkers], fairness)


def resolve_new_citizen(
    session: Session,
    data: CitizenCreate,
    *,
    actor: Principal,
    wish_task_ids: list[str] | None = None,
) -> NewCitizen:
    """A new citizen checked as ``create_citizen`` checks it, for the bulk import (issue 13).

    Raises CitizenDataError or CitizenOutOfScopeError; the case number's and CPR hash's
    uniqueness are the caller's to check (``insert_citizens`` relies on the unique indexes).
    ``wish_task_ids`` may be given when the caller has already matched the same wishes.
    """
    values = _resolve(data, session=session, coordinates_given=data.lat is not None)
    check_caseworker_scope(actor, values["municipality_code"])
    return _completed(session, data, values, actor, wish_task_ids)


def create_citizen(
    session: Session,
    *,
    data: CitizenCreate,
    actor: Principal,
    cpr_hmac: str | None = None,
    is_demo: bool = False,
) -> Citizen:
    """Register a citizen; 409 if the case number or (imported) CPR hash is known."""
    values = _resolve(data, session=session, coordinates_given=data.lat is not None)
    municipality = values["municipality_code"]
    check_caseworker_scope(actor, municipality)
    _check_unique(
        session, municipality_code=municipality, external_ref=data.external_ref, citizen_id=None
    )
    if cpr_hmac is not None and (twin := find_by_cpr_hmac(session, cpr_hmac=cpr_hmac)):
        raise DuplicatePersonError(twin.id)
    new = _completed(session, data, values, actor, None)
    citizen = Citizen(**new.values, cpr_hmac=cpr_hmac, is_demo=is_demo)
    try:
        # A savepoint, so a concurrent insert of the same case number leaves the session usable.
        with session.begin_nested():
            session.add(citizen)
    except IntegrityError as exc:
        raise ExternalRefTakenError(data.external_ref, None) from exc
    _replace_caseworkers(session, citizen.id, new.caseworker_ids)
    if new.fairness:
        _set_fairness(session, citizen.id, new.fairness)
    session.flush()
    audit_citizen(session, actor, "create", citizen.id, {"municipality_code": municipality})
    return citizen


def _column_defaults() -> dict[str, Any]:
    """The citizens table's plain defaults, for rows written without the ORM."""
    defaults: dict[str, Any] = {}
    for name, field in Citizen.model_fields.items():
        if field.default_factory is list:
            defaults[name] = []
        elif field.default_factory is None and field.default is not PydanticUndefined:
            defaults[name] = field.default
    return defaults


def insert_citizens(
    session: Session,
    *,
    citizens: list[tuple[NewCitizen, str | None]],
    actor: Principal,
) -> list[str]:
    """Store new citizens (from ``resolve_new_citizen``, with their CPR hash) in bulk; their ids.

    Caseworker links, fairness attributes and one "create" audit entry per citizen are inserted
    the same way (Core inserts, not the ORM's unit of work). A case number or CPR hash taken
    meanwhile raises IntegrityError and leaves the transaction as it was.
    """
    now = clock.now()
    defaults = _column_defaults()
    ids = [new_id() for _ in citizens]
    rows = [
        {
            **defaults,
            **new.values,
            "id": citizen_id,
            "cpr_hmac": hashed,
            "is_demo": False,
            "created_at": now,
            "updated_at": now,
        }
        for citizen_id, (new, hashed) in zip(ids, citizens, strict=True)
    ]
    links = [
        {"citizen_id": citizen_id, "user_id": user_id}
        for citizen_id, (new, _) in zip(ids, citizens, strict=True)
        for user_id in dict.fromkeys(new.caseworker_ids)
    ]
    fairness = [
        {"citizen_id": citizen_id, **dict.fromkeys(_FAIRNESS_FIELDS)}
        | _fairness_columns(new.fairness)
        for citizen_id, (new, _) in zip(ids, citizens, strict=True)
        if new.fairness
    ]
    with session.begin_nested():
        if rows:
            session.execute(insert(_table(Citizen)), rows)
        if links:
            session.execute(insert(_table(CitizenCaseworker)), links)
        if fairness:
            session.execute(insert(_table(CitizenFairnessAttributes)), fairness)
    record_audits(
        session,
        actor=actor,
        action="create",
        entity_type=ENTITY,
        entity_ids=ids,
        details=[{"municipality_code": row["municipality_code"]} for row in rows],
    )
    return ids


def get_citizen(session: Session, *, citizen_id: str) -> Citizen:
    """Load a citizen or raise 404."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise CitizenNotFoundError(citizen_id)
    return citizen


def _as_create(citizen: Citizen, patch: dict[str, Any]) -> tuple[CitizenCreate, bool]:
    current: dict[str, Any] = {f: getattr(citizen, f) for f in _PLAIN_FIELDS}
    current["limits"] = {key: getattr(citizen, column) for key, column in _LIMIT_COLUMNS.items()}
    moved = "postal_code" in patch and patch["postal_code"] != citizen.postal_code
    # Given coordinates belong to the old address; a move without new ones takes the new
    # postal code's centre (as for companies).
    coordinates_given = (
        "lat" in patch or "lon" in patch or (citizen.coordinates_source == "given" and not moved)
    )
    if not coordinates_given or (patch.get("lat") is None and "lat" in patch):
        current.update(lat=None, lon=None)
        coordinates_given = False
    if moved and "municipality_code" not in patch:
        current["municipality_code"] = None  # re-derived from the new postal code
    reopened = patch.get("status") not in (None, "ended") and citizen.status == "ended"
    if reopened and "programme_end_date" not in patch:
        current["programme_end_date"] = None  # back in the programme
    current.update(
        {k: v for k, v in patch.items() if k not in ("caseworker_ids", *_FAIRNESS_FIELDS)}
    )
    try:
        return CitizenCreate.model_validate(current), coordinates_given
    except ValidationError as exc:
        raise validation_failed_from(exc) from exc


def update_citizen(
    session: Session, *, citizen: Citizen, data: CitizenUpdate, actor: Principal
) -> Citizen:
    """Apply a partial change; municipality and coordinates follow the postal code."""
    check_caseworker_scope(actor, citizen.municipality_code)
    patch = data.model_dump(exclude_unset=True, mode="json")
    merged, coordinates_given = _as_create(citizen, patch)
    values = _resolve(merged, session=session, coordinates_given=coordinates_given)
    if "wishes" in patch:
        values["wish_task_ids"] = tasks_catalogue.wish_task_ids(session, text=merged.wishes)
    if values["sms_consent"] != citizen.sms_consent:  # the day consent was given, or withdrawn
        values["sms_consent_date"] = clock.today() if values["sms_consent"] else None
    municipality = values["municipality_code"]
    check_caseworker_scope(actor, municipality)
    _check_unique(
        session,
        municipality_code=municipality,
        external_ref=merged.external_ref,
        citizen_id=citizen.id,
    )
    changed = sorted(
        ("limits" if k in _LIMIT_COLUMNS.values() else k)
        for k, v in values.items()
        if getattr(citizen, k) != v and k != "search_name"
    )
    moved = municipality != citizen.municipality_code
    caseworker_ids = patch.get("caseworker_ids")
    if caseworker_ids is not None:
        users = _caseworker_users(session, caseworker_ids, municipality)
    elif moved:
        users = []  # caseworkers of the old municipality no longer hold the case
    else:
        users = None
    for key, value in values.items():
        setattr(citizen, key, value)
    if users is not None:
        _replace_caseworkers(session, citizen.id, [user.id for user in users])
        changed.append("caseworker_ids")
    fairness = {k: patch[k] for k in _FAIRNESS_FIELDS if k in patch}
    if fairness:
        _set_fairness(session, citizen.id, fairness)
        changed.append("fairness")
    citizen.updated_at = clock.now()
    session.add(citizen)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise ExternalRefTakenError(merged.external_ref, None) from exc
    audit_citizen(session, actor, "update", citizen.id, {"fields": sorted(set(changed))})
    return citizen


def _count_erasure(session: Session, citizen: Citizen, bip_measurements: int) -> None:
    """Add the erased citizen to the anonymous counters, atomically on either backend."""
    year = (citizen.programme_start_date or citizen.created_at).year
    table = AnonymousCitizenCount.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = clock.now()
    statement = insert(table).values(
        municipality_code=citizen.municipality_code,
        status=citizen.status,
        year=year,
        citizens=1,
        bip_measurements=bip_measurements,
        updated_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["municipality_code", "status", "year"],
            set_={
                "citizens": table.c.citizens + 1,
                "bip_measurements": table.c.bip_measurements + bip_measurements,
                "updated_at": now,
            },
        )
    )


def erase_citizen_data(
    session: Session, *, citizen: Citizen, actor: Principal, downstream: dict[str, int]
) -> None:
    """Erase the citizens domain's own data about a citizen, and the citizen row, last.

    Called by ``service/erasure.py`` after the other domains erased theirs; ``downstream`` are
    their counts, audited with this one. Only anonymous counts and id-only audit rows remain.
    """
    check_caseworker_scope(actor, citizen.municipality_code)
    measurements = session.exec(
        select(func.count())
        .select_from(BipMeasurement)
        .where(BipMeasurement.citizen_id == citizen.id)
    ).one()
    _count_erasure(session, citizen, int(measurements))
    for table in (BipMeasurement, CitizenCaseworker, CitizenFairnessAttributes):
        session.execute(delete(table).where(col(table.citizen_id) == citizen.id))
    citizen_id, municipality, status = citizen.id, citizen.municipality_code, citizen.status
    session.delete(citizen)
    session.flush()
    audit_citizen(
        session,
        actor,
        "erase",
        citizen_id,
        {
            "municipality_code": municipality,
            "status": status,
            "bip_measurements": measurements,
            **downstream,
        },
    )


def _search_clause(session: Session, actor: Principal, q: str) -> Any:
    """What a search ``q`` matches (API and pages): part of the name, the start of the town or of
    a word in it (æ/ø/å folded: "roedby" finds Rødby), the postal code, and for caseworkers the
    case number."""
    term = q.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clauses: list[Any] = [col(Citizen.search_name).like(f"%{term}%", escape="\\")]
    # The town is the postal code's (places.located_columns), so the town search is a postal
    # code search, matched in Python: SQLite's lower() folds no Æ, Ø or Å.
    towns = postal_codes_of_town(session, q)
    if q.isdigit() and len(q) == 4:
        towns.append(q)
    if towns:
        clauses.append(col(Citizen.postal_code).in_(sorted(set(towns))))
    # Consultants do not see case numbers, so they cannot search by them either.
    if policy.may_see_sensitive(actor):
        clauses.append(func.lower(Citizen.external_ref) == q.lower())
    return or_(*clauses)


def list_citizens(
    session: Session,
    *,
    actor: Principal,
    q: str | None,
    status: str | None,
    municipality_code: str | None,
    bip_overdue: bool | None,
    updated_since: datetime | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Citizen], str | None]:
    """One page of the citizens the actor may see; by name, or by change time when syncing."""
    if municipality_code is not None:
        check_read_scope(actor, municipality_code)
    statement = policy.within_reach(select(Citizen), actor, Citizen.municipality_code)
    if municipality_code is not None:
        statement = statement.where(Citizen.municipality_code == municipality_code)
    if q and q.strip():
        statement = statement.where(_search_clause(session, actor, q.strip()))
    if status is not None:
        statement = statement.where(Citizen.status == status)
    if bip_overdue is not None:
        if not policy.may_see_sensitive(actor):
            raise BipFilterNotAllowedError()
        due = col(Citizen.bip_next_due_date)
        # As in the response: without a measurement there is no due date, so nothing overdue.
        statement = statement.where(
            due < clock.today() if bip_overdue else or_(due.is_(None), due >= clock.today())
        )
    order_by: list[Any] = [Citizen.name, Citizen.id]
    if updated_since is not None:
        statement = statement.where(col(Citizen.updated_at) >= as_utc(updated_since))
        order_by = [Citizen.updated_at, Citizen.id]
    rows, next_cursor = paginate(session, statement, order_by=order_by, limit=limit, cursor=cursor)
    view = "caseworker" if policy.may_see_sensitive(actor) else "consultant"
    # One audit row per citizen returned: each citizen's own trail then shows every list read.
    for citizen in rows:
        audit_citizen(session, actor, "read", citizen.id, {"view": view, "via": "list"})
    return rows, next_cursor


def _caseworkers_by_citizen(
    session: Session, citizen_ids: list[str]
) -> dict[str, list[CaseworkerRef]]:
    result: dict[str, list[CaseworkerRef]] = defaultdict(list)
    if not citizen_ids:
        return result
    statement = (
        select(CitizenCaseworker.citizen_id, User.id, User.name)
        .join(User, col(User.id) == col(CitizenCaseworker.user_id))
        .where(col(CitizenCaseworker.citizen_id).in_(citizen_ids))
        .order_by(col(User.name), col(User.id))
    )
    for citizen_id, user_id, name in session.exec(statement):
        result[citizen_id].append(CaseworkerRef(id=user_id, name=name))
    return result


def _fairness_by_citizen(
    session: Session, citizen_ids: list[str]
) -> dict[str, CitizenFairnessAttributes]:
    if not citizen_ids:
        return {}
    statement = select(CitizenFairnessAttributes).where(
        col(CitizenFairnessAttributes.citizen_id).in_(citizen_ids)
    )
    return {row.citizen_id: row for row in session.exec(statement)}


def fairness_attributes(
    session: Session, *, citizen_ids: list[str]
) -> dict[str, tuple[str | None, int | None]]:
    """Gender and birth year per citizen, for fairness audits only (never for matching)."""
    return {
        cid: (row.audit_gender, row.audit_birth_year)
        for cid, row in _fairness_by_citizen(session, citizen_ids).items()
    }


def _public(
    citizen: Citizen,
    caseworkers: list[CaseworkerRef],
    fairness: CitizenFairnessAttributes | None,
    on: date,
) -> CitizenPublic:
    values = citizen.model_dump()
    return CitizenPublic.model_validate(
        {
            **values,
            "limits": {key: values[column] for key, column in _LIMIT_COLUMNS.items()},
            "caseworkers": caseworkers,
            "bip_next_due": citizen.bip_next_due_date,
            "bip_overdue": citizen.bip_next_due_date is not None and citizen.bip_next_due_date < on,
            "cpr_hash_stored": citizen.cpr_hmac is not None,
            "fairness": FairnessAttributes(
                audit_gender=fairness.audit_gender if fairness else None,
                audit_birth_year=fairness.audit_birth_year if fairness else None,
            ),
        }
    )


def _for_consultant(citizen: Citizen) -> CitizenForConsultant:
    # Only the consultant shape's own fields are read from the row.
    fields = set(CitizenForConsultant.model_fields) - {"view"}
    return CitizenForConsultant.model_validate({f: getattr(citizen, f) for f in fields})


def views(
    session: Session, citizens: list[Citizen], *, actor: Principal
) -> list[CitizenPublic | CitizenForConsultant]:
    """The API shapes of citizens for the actor: everything, or the consultant's summary."""
    if not policy.may_see_sensitive(actor):
        return [_for_consultant(c) for c in citizens]
    ids = [c.id for c in citizens]
    caseworkers = _caseworkers_by_citizen(session, ids)
    fairness = _fairness_by_citizen(session, ids)
    on = clock.today()
    return [_public(c, caseworkers.get(c.id, []), fairness.get(c.id), on) for c in citizens]


def read_citizen(
    session: Session, *, citizen: Citizen, actor: Principal
) -> CitizenPublic | CitizenForConsultant:
    """One citizen in the actor's shape; the read is audited."""
    check_read_scope(actor, citizen.municipality_code)
    view = views(session, [citizen], actor=actor)[0]
    audit_citizen(session, actor, "read", citizen.id, {"view": view.view, "via": "item"})
    return view


def public_view(session: Session, *, citizen: Citizen) -> CitizenPublic:
    """The full shape of one citizen (for callers already checked and audited)."""
    caseworkers = _caseworkers_by_citizen(session, [citizen.id]).get(citizen.id, [])
    fairness = _fairness_by_citizen(session, [citizen.id]).get(citizen.id)
    return _public(citizen, caseworkers, fairness, clock.today())
