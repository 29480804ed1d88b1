"""Database engine, SQLite pragmas, and the one-transaction-per-request session."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel, create_engine

from service import dataversion
from service.config import Settings
from service.turns import Turns

# Explicit constraint names so Alembic migrations are stable on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def new_id() -> str:
    """A new opaque identifier."""
    return uuid.uuid4().hex


def _set_sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # SAVEPOINTs (a row of an import, a test's rollback) work as on PostgreSQL.
        dbapi_connection.isolation_level = None
        # WAL lets readers run beside one writer; foreign keys are off by default in SQLite.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


READ_ONLY = "kantmatch_read_only"
"""Execution option of a connection that only reads: its transactions refuse every write (SQLite
``PRAGMA query_only``, PostgreSQL ``SET TRANSACTION READ ONLY``), and on SQLite they stay deferred
(a plain ``BEGIN``), so they run beside the writer under WAL and never take its turn."""

_HOLDS_TURN = "kantmatch_writer_turn"  # in a pooled connection's info: it holds the turn
_QUERY_ONLY = "kantmatch_query_only"  # in a pooled connection's info: PRAGMA query_only is on


class WriterQueue(Turns):
    """First come, first served turns at SQLite's single write lock, within one process.

    SQLite's own busy handler makes waiting writers poll with growing sleeps, so under many
    threads an unlucky one can wait out the whole timeout while later ones get through. Threads
    of one process therefore queue here in arrival order, and only the head of the queue asks
    SQLite for the lock (other processes, such as an import from the command line, still wait
    through SQLite's busy timeout).
    """

    def __init__(self, timeout_s: float) -> None:
        super().__init__(timeout_s, slots=1)


def _sqlite_transactions(queue: WriterQueue) -> dict[str, Any]:
    """The engine event handlers that begin and end SQLite transactions."""

    def begin(connection: Any) -> None:
        # Every transaction that may write takes SQLite's write lock when it begins (BEGIN
        # IMMEDIATE), waiting for the writer before it. A deferred BEGIN would start as a read,
        # and a read that later writes (every citizen read writes its audit row) cannot upgrade
        # once another connection has committed: SQLite refuses at once with "database is
        # locked" instead of waiting. Read-only connections keep the deferred BEGIN and run
        # beside the writer under WAL.
        if connection.get_execution_options().get(READ_ONLY):
            _query_only(connection.connection.dbapi_connection, True)
            connection.info[_QUERY_ONLY] = True
            connection.exec_driver_sql("BEGIN")
            return
        if not connection.info.get(_HOLDS_TURN):
            if not queue.acquire():
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                )
            connection.info[_HOLDS_TURN] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            end(connection)
            raise

    def end(connection: Any) -> None:
        if connection.info.pop(_QUERY_ONLY, False):
            _query_only(connection.connection.dbapi_connection, False)
        if connection.info.pop(_HOLDS_TURN, False):
            queue.release()

    def checkin(dbapi_connection: Any, record: Any) -> None:
        # A connection returned to the pool never keeps the turn nor refuses writes (belt and
        # braces: a transaction's end has already reset both).
        if record.info.pop(_QUERY_ONLY, False):
            _query_only(dbapi_connection, False)
        if record.info.pop(_HOLDS_TURN, False):
            queue.release()

    return {"begin": begin, "commit": end, "rollback": end, "checkin": checkin}


def _query_only(dbapi_connection: Any, on: bool) -> None:
    # On the driver's connection, beside SQLAlchemy's transaction (a flag, not a statement of it).
    if dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA query_only={1 if on else 0}")


def _postgresql_read_only(connection: Any) -> None:
    # The transaction's first statement (psycopg has just begun it): writes fail with
    # "cannot execute ... in a read-only transaction", as SQLite's query_only makes them fail.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")


_READ_ONLY_ENGINE = "_kantmatch_read_only_engine"  # on an engine: its read-only twin
_BASE_ENGINE = "_kantmatch_base_engine"  # on a read-only twin: the engine it was made from


def read_only(engine: Engine) -> Engine:
    """The engine for connections that only read (GET requests, health checks, reports): never
    a write lock. One per engine, sharing its pool; ``base_engine`` leads back to it."""
    twin: Engine | None = getattr(engine, _READ_ONLY_ENGINE, None)
    if twin is None:
        twin = engine.execution_options(**{READ_ONLY: True})
        setattr(twin, _BASE_ENGINE, engine)
        setattr(engine, _READ_ONLY_ENGINE, twin)
    return twin


def base_engine(engine: Engine) -> Engine:
    """The engine behind a ``read_only`` twin (the engine itself otherwise): per-database
    caches key on it, so reads and writes of one database share one cache."""
    base: Engine = getattr(engine, _BASE_ENGINE, engine)
    return base


def make_engine(database_url: str, *, sqlite_busy_timeout_ms: int = 5000) -> Engine:
    """Create the engine for a database URL (SQLite file or PostgreSQL through psycopg 3).

    ``hide_parameters``: a failing statement's error (and so the server log) shows the SQL but
    never the bound values, which may be a citizen's name, notes or phone number (issue 17).
    """
    install_read_only_guard()  # before the data versions' flush handler: a GET never writes
    dataversion.install()  # every write to a cached table changes its data version (issue 13)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _set_sqlite_pragmas(sqlite_busy_timeout_ms))
        queue = WriterQueue(sqlite_busy_timeout_ms / 1000)
        for name, handler in _sqlite_transactions(queue).items():
            event.listen(engine, name, handler)
        return engine
    # A bare scheme (postgres:// as many hosts hand it out, or postgresql://) means psycopg 3.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "begin", _postgresql_read_only)
    return engine


BEFORE_COMMIT = "kantmatch_before_commit"
"""Key in the ASGI scope's state: callables ``f(session)`` run in the request's transaction just
before it commits (the Idempotency-Key middleware marks its reservation this way)."""

READ_METHODS = frozenset({"GET", "HEAD"})
"""Requests of these methods only read: their session refuses writes (``reads_only``)."""

Write = Callable[[Session], object]
_WRITING_READS: set[Callable[..., Any]] = set()

EndpointT = TypeVar("EndpointT", bound=Callable[..., Any])


def writes_while_reading(endpoint: EndpointT) -> EndpointT:
    """Mark a GET route whose answer must show what it writes (the right-of-access export lists
    its own audit entry): it runs in one write transaction, as a POST does. Rare on purpose."""
    _WRITING_READS.add(endpoint)
    return endpoint


def reads_only_request(request: Request) -> bool:
    """Whether the request only reads: a GET or HEAD not marked ``writes_while_reading``."""
    return request.method in READ_METHODS and request.scope.get("endpoint") not in _WRITING_READS


_PENDING = "kantmatch_pending_writes"  # in a reading session's info: the writes kept for later


class WriteInReadOnlyRequestError(RuntimeError):
    """Code tried to write through a session that only reads (a GET): a programming error.

    Writes a GET needs (audit rows, a browser session's last-seen stamp) go through
    ``defer_write``, which keeps them for the short write transaction that ends the request.
    """


def defer_write(session: Session, write: Write) -> None:
    """Run a small write (an audit row) in the session's transaction now, or, when the session
    only reads (``reads_only``, a GET), at the end of the request before its answer is sent."""
    pending: list[Write] | None = session.info.get(_PENDING)
    if pending is None:
        write(session)
    else:
        pending.append(write)


@contextmanager
def reads_only(session: Session) -> Iterator[list[Write]]:
    """Within the block the session refuses every write; ``defer_write`` collects the writes
    for the caller to run afterwards (the list yielded)."""
    pending: list[Write] = []
    session.info[_PENDING] = pending
    try:
        yield pending
    finally:
        session.info.pop(_PENDING, None)


def _refuse_flush(session: OrmSession, _context: Any, _instances: Any) -> None:
    if _PENDING not in session.info:
        return
    changed = [
        *session.new,
        *session.deleted,
        *(o for o in session.dirty if session.is_modified(o)),
    ]
    if changed:
        names = sorted({type(o).__name__ for o in changed})
        raise WriteInReadOnlyRequestError(
            f"a request that only reads tried to write {', '.join(names)} (use defer_write)"
        )


def _refuse_statement(state: ORMExecuteState) -> None:
    if _PENDING in state.session.info and (state.is_insert or state.is_update or state.is_delete):
        raise WriteInReadOnlyRequestError(
            f"a request that only reads tried to run {state.statement} (use defer_write)"
        )


def install_read_only_guard() -> None:
    """Make every session marked by ``reads_only`` refuse writes (once per process)."""
    if not event.contains(OrmSession, "before_flush", _refuse_flush):
        # First, so no other flush handler (the data versions) writes before the refusal.
        event.listen(OrmSession, "before_flush", _refuse_flush, insert=True)
        event.listen(OrmSession, "do_orm_execute", _refuse_statement, insert=True)


def run_writes(session: Session, writes: list[Write], request: Request) -> None:
    """The writes a reading request kept, then its before-commit hooks, in ``session``."""
    for write in writes:
        write(session)
    for before_commit in request.scope.get("state", {}).get(BEFORE_COMMIT, ()):
        before_commit(session)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: commit on success, roll back on any error.

    A GET or HEAD reads in a read-only transaction (on SQLite a deferred one that never holds
    the single writer's turn while the request computes); the audit rows it records are written
    after it, in one short write transaction, before the answer is sent: if that fails, the
    request fails and its answer is not sent, so no read is answered unaudited.
    """
    engine: Engine = request.app.state.engine
    if reads_only_request(request):
        with (
            Session(read_only(engine), expire_on_commit=False) as session,
            reads_only(session) as writes,
        ):
            try:
                yield session
                session.commit()  # ends the read; nothing to write in it
            except BaseException:
                session.rollback()
                raise
        if writes or request.scope.get("state", {}).get(BEFORE_COMMIT):
            with Session(engine, expire_on_commit=False) as writer, writer.begin():
                run_writes(writer, writes, request)
        return
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            run_writes(session, [], request)
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def app_settings(request: Request) -> Settings:
    """The settings the running app was made with: the one settings dependency for routes."""
    return cast(Settings, request.app.state.settings)


SettingsDep = Annotated[Settings, Depends(app_settings)]
