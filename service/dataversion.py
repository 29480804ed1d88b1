"""Data versions: a token per family of tables, changed in the same transaction as the data.

Per-process caches (the matching index, issue 13) compare the tokens they were built at with
the ones in the database, so several workers or app instances over one PostgreSQL database stay
correct: a change committed through one is seen by every other's next request.

The tokens are changed by session events, so no domain has to remember to do it: every ORM
flush and every ``session.execute(insert/update/delete ...)`` that touches a watched table
writes a new random token for its scope. A token is random (not a counter) so that a cache
built inside a transaction that was later rolled back can never match a committed state; the
counter beside it is for people reading the table.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Table, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlmodel import SQLModel

from service import clock

# Which tables feed which cache. Table names, not models, so this foundation module imports
# no domain.
SCOPES: dict[str, frozenset[str]] = {
    "openings": frozenset({"companies", "task_openings", "tasks"}),
    "citizens": frozenset({"citizens", "bip_measurements"}),
    "placements": frozenset({"placements"}),
    "forecasts": frozenset({"forecast_runs", "forecast_cells", "forecast_rows"}),
}
SCOPE_OF_TABLE = {table: scope for scope, tables in SCOPES.items() for table in tables}

# A Core table (not a model) so the module stays below every domain; migration 0011 creates it.
data_versions = Table(
    "data_versions",
    SQLModel.metadata,
    Column("scope", String(32), primary_key=True),
    Column("token", String(32), nullable=False),
    Column("counter", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

Tokens = dict[str, str]


def new_token() -> str:
    """A fresh random token."""
    return uuid.uuid4().hex


def read_tokens(session: Session) -> Tokens:
    """The current token of every scope, as this transaction sees them (one small query)."""
    rows = session.connection().execute(select(data_versions.c.scope, data_versions.c.token))
    return {str(scope): str(token) for scope, token in rows}


def bump(session: Session, scopes: set[str]) -> None:
    """Give the scopes new tokens inside the session's transaction."""
    if not scopes:
        return
    connection = session.connection()
    for scope in sorted(scopes):  # a fixed order, so concurrent writers lock rows alike
        connection.execute(
            update(data_versions)
            .where(data_versions.c.scope == scope)
            .values(token=new_token(), counter=data_versions.c.counter + 1, changed_at=clock.now())
        )


def _table_names(objects: Any) -> set[str]:
    names = set()
    for obj in objects:
        table = getattr(type(obj), "__tablename__", None)
        if isinstance(table, str):
            names.add(table)
    return names


def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    changed = _table_names(session.new) | _table_names(session.deleted)
    changed |= _table_names(o for o in session.dirty if session.is_modified(o))
    scopes = {SCOPE_OF_TABLE[t] for t in changed if t in SCOPE_OF_TABLE}
    if scopes:
        session.info.setdefault("data_version_scopes", set()).update(scopes)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    scopes: set[str] = session.info.pop("data_version_scopes", set())
    bump(session, scopes)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in SCOPE_OF_TABLE:
        bump(state.session, {SCOPE_OF_TABLE[str(name)]})


def install() -> None:
    """Listen on every session (idempotent): called where engines are made."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
