"""Read requests (GET, HEAD) run in read-only transactions that take no writer lock; what they
record is written in one short write when they end, before the response leaves."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.audit.models import AuditEvent
from app.audit.service import record
from app.db import WriteInReadRequest, end_request_session, open_request_session
from app.practice.models import Practice
from tests.conftest import IS_POSTGRES


def db_names() -> int:
    from sqlalchemy import func
    from sqlmodel import Session

    from app.db import get_engine

    with Session(get_engine()) as session:
        return session.exec(select(func.count()).select_from(Practice)).one()


def test_a_read_request_refuses_to_write(factory) -> None:
    factory.practice()
    session = open_request_session(read=True)
    session.add(Practice(name="Written by a GET"))
    with pytest.raises(WriteInReadRequest):
        session.flush()
    end_request_session(session, ok=False)
    assert db_names() == 1  # only the factory's practice


def test_what_a_read_records_is_written_when_it_ends(db, factory) -> None:
    counselor = factory.counselor()
    session = open_request_session(read=True)
    record(session, actor=counselor, practice_id=counselor.practice_id, action="read_note",
           entity="therapy_session", entity_id=7)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "read_note")).all() == []  # not yet
    end_request_session(session, ok=True)  # the request ends: its event is written
    db.rollback()  # a fresh snapshot for this test's own session
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "read_note")).all()
    assert (event.actor_id, event.entity_id, event.actor_kind) == (counselor.id, 7, "counselor")


def test_a_failed_read_writes_nothing(db, factory) -> None:
    counselor = factory.counselor()
    session = open_request_session(read=True)
    record(session, actor=counselor, practice_id=counselor.practice_id, action="read_note",
           entity="therapy_session", entity_id=8)
    end_request_session(session, ok=False)  # the page failed: nothing was shown, nothing is recorded
    db.rollback()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "read_note")).all() == []


@contextmanager
def writer_holding_the_lock(client_id: int) -> Iterator[None]:
    """Another connection in the middle of a write transaction (SQLite: the file's writer lock)."""
    url = os.environ["MEND_DATABASE_URL"]
    if IS_POSTGRES:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("UPDATE client SET pronouns = 'they' WHERE id = :id"), {"id": client_id})
            yield
            conn.rollback()
        engine.dispose()
        return
    conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=1)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE client SET pronouns = 'they' WHERE id = ?", (client_id,))
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_reads_are_served_while_another_writer_holds_the_lock(client, factory) -> None:
    counselor = factory.counselor()
    person = factory.client(counselor, first="Zoë", last="Ågren")
    headers = factory.headers(counselor)
    with writer_holding_the_lock(person.id):
        # Before, every request took the writer lock: this waited out the busy timeout, then 503.
        listed = client.get("/api/v1/clients?q=zoe", headers=headers)
        one = client.get(f"/api/v1/clients/{person.id}", headers=headers)
    assert listed.status_code == 200 and [c["id"] for c in listed.json()["items"]] == [person.id]
    assert one.status_code == 200 and one.json()["pronouns"] is None  # the uncommitted write is not seen


def test_a_refused_write_is_the_code_s_mistake_not_a_busy_database() -> None:
    """SQLite's query_only refusal must not read as "Mend is busy" (503): it is a bug, so a 500."""
    import asyncio
    import sqlite3 as driver
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.exc import OperationalError
    from starlette.requests import Request

    from app.web.errors import busy

    def answer(exc: Exception):  # type: ignore[no-untyped-def]
        # In a thread of its own: the browser tests may leave an event loop running in this one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, busy(request, exc)).result()

    request = Request({"type": "http", "method": "GET", "path": "/api/v1/clients", "headers": []})
    refused = OperationalError("UPDATE client ...", {}, driver.OperationalError("attempt to write a readonly database"))
    with pytest.raises(WriteInReadRequest):
        answer(refused)
    locked = OperationalError("UPDATE client ...", {}, driver.OperationalError("database is locked"))
    assert answer(locked).status_code == 503
