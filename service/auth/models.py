"""Tables for users, API keys and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from service import clock
from service.db import new_id


class User(SQLModel, table=True):
    """A person or program that can call the service, with one role."""

    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, unique=True)
    role: str = Field(max_length=32)
    municipality_code: str | None = Field(default=None, max_length=3)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=clock.now)
    updated_at: datetime = Field(default_factory=clock.now)


class ApiKey(SQLModel, table=True):
    """An API key; only its SHA-256 hash is stored, the key itself is shown once."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True, max_length=32)
    name: str = Field(max_length=200)
    key_prefix: str = Field(max_length=16)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=clock.now)
    revoked_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """One audited action: who, when, what, on which entity."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=clock.now, index=True)
    actor_user_id: str | None = Field(default=None, max_length=32)
    actor_name: str = Field(max_length=200)
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=32)
    entity_type: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=2000)
