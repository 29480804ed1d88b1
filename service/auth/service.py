"""Users and API keys: creation, lookup, revocation."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from service import clock
from service.auth import passwords
from service.auth.audit import record_audit
from service.auth.exceptions import ApiKeyNotFoundError, EmailTakenError, UserNotFoundError
from service.auth.models import ApiKey, AuditEntry, User
from service.auth.principal import Principal, Role
from service.auth.schemas import UserCreate
from service.pagination import paginate


def create_user(session: Session, *, data: UserCreate, actor: Principal) -> User:
    """Create a user; the password, if any, is stored as an argon2 hash."""
    if data.email and session.exec(select(User).where(User.email == data.email)).first():
        raise EmailTakenError(data.email)
    user = User(
        name=data.name,
        email=data.email,
        role=data.role.value,
        municipality_code=data.municipality_code,
        password_hash=passwords.hash_password(data.password) if data.password else None,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same e-mail
        raise EmailTakenError(data.email or "") from exc
    record_audit(session, actor=actor, action="create", entity_type="user", entity_id=user.id)
    return user


def get_user(session: Session, *, user_id: str) -> User:
    """Load a user or raise 404."""
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFoundError(user_id)
    return user


def list_users(session: Session) -> list[User]:
    """All users, by name."""
    return list(session.exec(select(User).order_by(User.name, User.id)).all())


def create_api_key(
    session: Session, *, user_id: str, name: str, actor: Principal, key: str | None = None
) -> tuple[ApiKey, str]:
    """Create an API key for a user and return it with the plain key, which is not stored.

    ``key`` is only passed by the demo loader, whose keys are published on purpose.
    """
    get_user(session, user_id=user_id)
    plain = key or passwords.generate_api_key()
    api_key = ApiKey(
        user_id=user_id,
        name=name,
        key_prefix=passwords.display_prefix(plain),
        key_hash=passwords.hash_api_key(plain),
    )
    session.add(api_key)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action="create",
        entity_type="api_key",
        entity_id=api_key.id,
        detail={"user_id": user_id, "name": name},
    )
    return api_key, plain


def create_user_with_key(
    session: Session,
    *,
    name: str,
    role: Role,
    municipality_code: str | None,
    actor: Principal,
    key: str | None = None,
) -> tuple[User, str]:
    """Create a user for a program or person together with its first API key."""
    user = create_user(
        session,
        data=UserCreate(name=name, role=role, municipality_code=municipality_code),
        actor=actor,
    )
    _, plain = create_api_key(session, user_id=user.id, name=name, actor=actor, key=key)
    return user, plain


def list_api_keys(session: Session, *, user_id: str) -> list[ApiKey]:
    """A user's API keys, newest first."""
    get_user(session, user_id=user_id)
    statement = select(ApiKey).where(ApiKey.user_id == user_id)
    return list(session.exec(statement.order_by(ApiKey.created_at.desc())).all())  # type: ignore[attr-defined]


def revoke_api_key(session: Session, *, key_id: str, actor: Principal) -> ApiKey:
    """Revoke an API key; it stops working at once."""
    api_key = session.get(ApiKey, key_id)
    if api_key is None:
        raise ApiKeyNotFoundError(key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        session.add(api_key)
        session.flush()
        record_audit(session, actor=actor, action="revoke", entity_type="api_key", entity_id=key_id)
    return api_key


def find_api_key(session: Session, *, key: str) -> ApiKey | None:
    """The stored record of a plain key (revoked or not), found by its hash."""
    statement = select(ApiKey).where(ApiKey.key_hash == passwords.hash_api_key(key))
    return session.exec(statement).first()


def authenticate_api_key(session: Session, *, key: str) -> Principal | None:
    """The principal behind a valid, unrevoked key of an active user, else None."""
    statement = (
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)  # type: ignore[arg-type]
        .where(ApiKey.key_hash == passwords.hash_api_key(key))
    )
    row = session.exec(statement).first()
    if row is None:
        return None
    api_key, user = row
    if api_key.revoked_at is not None or not user.is_active:
        return None
    return Principal(
        user_id=user.id,
        name=user.name,
        role=Role(user.role),
        municipality_code=user.municipality_code,
    )


def list_audit_entries(
    session: Session,
    *,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """One page of the audit log, oldest first, optionally for one entity."""
    statement = select(AuditEntry)
    if entity_type is not None:
        statement = statement.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == entity_id)
    return paginate(session, statement, order_by=[AuditEntry.id], limit=limit, cursor=cursor)
