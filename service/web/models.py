"""Tables for web login sessions and failed-login counts (issue 16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field, SQLModel

from service import clock


class WebSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie token is stored."""

    __tablename__ = "web_sessions"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    last_seen_at: datetime = Field(
        default_factory=clock.now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class LoginThrottle(SQLModel, table=True):
    """Failed logins for one e-mail address (lower-cased), known user or not."""

    __tablename__ = "login_throttle"

    email: str = Field(sa_column=Column(String(254), primary_key=True))
    failures: int = 0
    first_failure_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    locked_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
