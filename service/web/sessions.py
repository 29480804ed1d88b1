"""Login with e-mail and password, browser sessions, CSRF tokens and the lockout (issue 16).

The cookie holds a random token and its HMAC under the server's secret key (signed); the
database keeps only the token's SHA-256, so a copied database opens no session. A session ends
at logout, after ``IDLE_TIMEOUT`` without a request, or ``MAX_AGE`` after login. After
``MAX_FAILURES`` failed logins for one e-mail address within ``FAILURE_WINDOW`` the address is
locked for ``LOCKOUT``: even the right password is refused until then. Unknown addresses are
counted the same way, so the answer does not tell which addresses exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select, update

from service import clock
from service.auth import passwords, policy
from service.auth.audit import record_audit
from service.auth.models import User
from service.auth.principal import Principal
from service.db import defer_write
from service.pagination import as_utc
from service.web.models import LoginThrottle, WebSession

IDLE_TIMEOUT = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

# Verified against when the address is unknown, so both answers take as long.
_DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: a cookie value, or why not."""

    cookie: str | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.cookie is not None


@dataclass(frozen=True)
class ActiveSession:
    """A valid browser session: who it is and the CSRF token its forms carry."""

    principal: Principal
    csrf_token: str
    user_email: str | None


def _sign(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signed(secret_key: str, token: str) -> str:
    """A cookie value: the token and its signature."""
    return f"{token}.{_sign(secret_key, token)}"


def unsigned(secret_key: str, cookie: str | None) -> str | None:
    """The token of a correctly signed cookie value, else None."""
    if not cookie or "." not in cookie:
        return None
    token, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature, _sign(secret_key, token)):
        return None
    return token


def anonymous_csrf(secret_key: str, nonce: str) -> str:
    """The CSRF token of a form shown before login, bound to the browser's nonce cookie."""
    return _sign(secret_key, "csrf:" + nonce)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison that refuses a missing token."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def _normal_email(email: str) -> str:
    return email.strip().lower()[:254]


def lockout_until(session: Session, *, email: str) -> datetime | None:
    """Until when an address is locked, if it is now."""
    row = session.get(LoginThrottle, _normal_email(email))
    if row is None or row.locked_until is None:
        return None
    until = as_utc(row.locked_until)
    return until if until > clock.now() else None


def _record_failure(session: Session, email: str) -> datetime | None:
    now = clock.now()
    row = session.get(LoginThrottle, email)
    if row is None:
        row = LoginThrottle(email=email, failures=0)
    if row.first_failure_at is None or now - as_utc(row.first_failure_at) > FAILURE_WINDOW:
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCKOUT
    session.add(row)
    session.flush()
    return row.locked_until


def login(session: Session, *, email: str, password: str, secret_key: str) -> LoginResult:
    """Check e-mail and password; on success open a session and return its cookie value."""
    address = _normal_email(email)
    locked = lockout_until(session, email=address)
    if locked is not None:
        return LoginResult(cookie=None, locked_until=locked)
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        user = session.exec(select(User).where(User.email == email.strip())).first()
    valid = (
        user is not None
        and user.is_active
        and user.password_hash is not None
        and passwords.verify_password(user.password_hash, password)
    )
    if not valid or user is None:
        if user is None or user.password_hash is None:
            passwords.verify_password(_DUMMY_HASH, password)
        return LoginResult(cookie=None, locked_until=_record_failure(session, address))
    throttle = session.get(LoginThrottle, address)
    if throttle is not None:
        session.delete(throttle)
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(token_hash=_hash(token), user_id=user.id, csrf_token=secrets.token_hex(32))
    )
    session.flush()
    record_audit(
        session,
        actor=_principal(user),
        action="login",
        entity_type="user",
        entity_id=user.id,
    )
    return LoginResult(cookie=signed(secret_key, token))


def _principal(user: User) -> Principal:
    return policy.principal_for(user)


def resolve(session: Session, *, cookie: str | None, secret_key: str) -> ActiveSession | None:
    """The session behind a cookie if it is valid, not idle too long and not too old."""
    token = unsigned(secret_key, cookie)
    if token is None:
        return None
    row = session.get(WebSession, _hash(token))
    if row is None:
        return None
    now = clock.now()
    user = session.get(User, row.user_id)
    expired = (
        now - as_utc(row.last_seen_at) > IDLE_TIMEOUT or now - as_utc(row.created_at) > MAX_AGE
    )
    # Written through defer_write: a page shown by GET reads in a transaction that refuses
    # writes, and stamps (or ends) the session in its short write transaction at the end.
    where = col(WebSession.token_hash) == row.token_hash
    if expired or user is None or not user.is_active:
        defer_write(session, lambda target: target.execute(delete(WebSession).where(where)))
        return None
    defer_write(
        session,
        lambda target: target.execute(update(WebSession).where(where).values(last_seen_at=now)),
    )
    return ActiveSession(
        principal=_principal(user), csrf_token=row.csrf_token, user_email=user.email
    )


def logout(session: Session, *, cookie: str | None, secret_key: str) -> None:
    """End the session behind a cookie (nothing happens for an invalid one)."""
    token = unsigned(secret_key, cookie)
    if token is not None:
        session.execute(delete(WebSession).where(col(WebSession.token_hash) == _hash(token)))


def end_sessions_of(session: Session, *, user_id: str) -> None:
    """End every session of a user (after a password change or deactivation)."""
    session.execute(delete(WebSession).where(col(WebSession.user_id) == user_id))
