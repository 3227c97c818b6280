"""Database engine, SQLite pragmas, column types and the per-request session."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine

from app.config import get_settings

# A naming convention lets later migrations alter constraints on SQLite (batch mode
# needs names) and keeps names identical on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, PostgreSQL's
    `timestamp` neither, so both behave the same and Python code never sees a naive time."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's `begin` event can issue BEGIN IMMEDIATE
    # itself: a deferred transaction that reads, then writes, fails under concurrent writers
    # when its read lock is upgraded (ARCHITECTURE.md, "Transactions").
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_writer_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Writer connections only: both may write to the file (WAL mode is kept in the database
    # itself; optimize may run ANALYZE), which a read-only connection must never try.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Lets SQLite gather planner statistics when they are missing or stale (cheap, bounded).
    cursor.execute("PRAGMA optimize=0x10002")
    cursor.close()


# SQLite has one writer at a time, and its busy handler *polls* (sleeping 1, 2, 5 … 100 ms),
# so threads of one process waiting on each other's BEGIN IMMEDIATE sleep while the lock is
# free. Queueing them on a Python lock first hands the database over at once; the busy
# timeout still arbitrates between processes (several uvicorn workers, the CLI).
_sqlite_writer = threading.Lock()
_LOCK_WAIT_SECONDS = 30


def _sqlite_begin(connection: Any) -> None:
    if not _sqlite_writer.acquire(timeout=_LOCK_WAIT_SECONDS):
        raise sqlite3.OperationalError("database is busy (waited for the writer lock)")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _sqlite_writer.release()
        raise
    connection.info["holds_writer_lock"] = True


def _sqlite_end(connection: Any) -> None:
    if connection.info.pop("holds_writer_lock", False):
        _sqlite_writer.release()


def _sqlite_checkin(_dbapi_connection: Any, record: Any) -> None:
    # A safety net: a connection going back to the pool never keeps the writer lock, even if
    # its transaction ended without SQLAlchemy's commit or rollback event (e.g. reset by GC).
    if record.info.pop("holds_writer_lock", False):
        _sqlite_writer.release()


def _sqlite_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")  # SQLite itself refuses any write on this connection
    cursor.close()


def make_engine(url: str, *, immediate: bool = True, read_only: bool = False) -> Engine:
    """Create an engine with the pragmas and pool settings Mend relies on.

    ``immediate=False`` keeps SQLite's deferred transactions, which take no write lock;
    ``read_only=True`` (the read engine) also makes every connection refuse writes. Tests'
    inspection sessions use ``immediate=False`` so reading rows never holds the write lock.
    """
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        # Enough pooled connections for FastAPI's thread pool: connections past the pool size
        # are closed on return, and each new one pays for its pragmas again.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               pool_size=20, max_overflow=20)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _sqlite_query_only if read_only else _sqlite_writer_pragmas)
        if immediate and not read_only:
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "commit", _sqlite_end)
            event.listen(engine, "rollback", _sqlite_end)
            event.listen(engine.pool, "checkin", _sqlite_checkin)
        else:
            event.listen(engine, "begin", _sqlite_deferred)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


@lru_cache
def get_engine() -> Engine:
    """The engine every write goes through (on SQLite: BEGIN IMMEDIATE, one writer at a time)."""
    return make_engine(get_settings().database_url)


@lru_cache
def get_read_engine() -> Engine:
    """The engine read requests use: plain deferred transactions that never take SQLite's
    writer lock, on connections that refuse writes. PostgreSQL shares the writer's pool and
    opens its transactions READ ONLY."""
    settings = get_settings()
    if settings.is_sqlite:
        return make_engine(settings.database_url, read_only=True)
    return get_engine().execution_options(postgresql_readonly=True)


READ_METHODS = frozenset({"GET", "HEAD"})
_READ_ONLY = "mend_read_only"
_PENDING = "mend_pending_rows"


class WriteInReadRequest(RuntimeError):
    """A GET or HEAD request tried to change data: a programming error, never a user's."""


def add_when_done(session: Session, row: SQLModel) -> None:
    """Add a row to this request's work. On a read request it is kept aside and written in
    one short write transaction when the request ends, after the read has finished."""
    if session.info.get(_READ_ONLY):
        session.info.setdefault(_PENDING, []).append(row)
    else:
        session.add(row)


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_READ_ONLY):
        raise WriteInReadRequest("a read request (GET/HEAD) tried to write; use a POST route")


event.listen(Session, "before_flush", _refuse_writes)


def _write_pending(rows: list[SQLModel]) -> None:
    with Session(get_engine(), expire_on_commit=False) as writer:
        writer.add_all(rows)
        writer.commit()


def open_request_session(*, read: bool) -> Session:
    """A request's session: read-only on the read engine, or on the writer. Connects lazily,
    at the first query, so opening it does no I/O."""
    session = Session(get_read_engine() if read else get_engine(), expire_on_commit=False)
    session.info[_READ_ONLY] = read
    return session


def end_request_session(session: Session, *, ok: bool) -> None:
    """End the request's transaction: commit a write that succeeded, roll back anything else;
    after a read that succeeded, write what it recorded (``add_when_done``). Always closes."""
    try:
        if ok and not session.info.get(_READ_ONLY):
            session.commit()
        else:
            session.rollback()  # a read keeps nothing; a failed write keeps nothing
        pending = session.info.pop(_PENDING, [])
        if ok and pending:  # e.g. "read a note": written before the response leaves, or it fails
            _write_pending(pending)
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request. Writes (POST, PUT, PATCH, DELETE) run in one write
    transaction, committed on success and rolled back on any error. Reads (GET, HEAD) run in
    a read-only transaction that holds no writer lock while they query and serialise; what
    they record (audit events) is written in a short write at the end.

    An async dependency on purpose: opening the session does no I/O, so it runs on the event
    loop instead of costing a hop to a worker thread; the end, which does I/O, runs in one."""
    session = open_request_session(read=request.method in READ_METHODS)
    ok = False
    try:
        yield session
        ok = True
    finally:
        # Shielded: a cancelled request must still end its transaction. And on a thread
        # limiter of its own: on SQLite a write holds the process's writer lock until it ends,
        # so if ending waited for a free pool thread while every pool thread waited for that
        # lock, nothing would move (FastAPI ends its own sync dependencies the same way).
        with CancelScope(shield=True):
            await to_thread.run_sync(partial(end_request_session, session, ok=ok), limiter=CapacityLimiter(1))


# Function scope: the transaction ends when the route returns (its response already
# serialised), before the response is sent. (FastAPI's default request scope ends after the
# body has gone out, so a client following a redirect could read old data, a failed commit
# would hide behind a 200, and a read could be shown without its audit event.)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
