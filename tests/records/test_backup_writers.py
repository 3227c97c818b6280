"""A backup taken while 50 writers write is the database as of one moment, and restores to it.

What is asserted, and why it proves consistency:
- every writer commits transactions of exactly two audit events sharing one ``entity_id``; in the
  restored copy every such id appears exactly twice, so no transaction was caught half-written;
- the backup's header records the rows it saw (counted inside the snapshot it copied: from the
  SQLite copy, in pg_dump's exported snapshot), and the restored database has exactly those rows
  (``PRAGMA integrity_check`` is ok on SQLite);
- that count lies between a count taken just before the backup started and one just after it
  ended, and those differ (the writers really did commit while the backup ran). A copy that
  mixed moments could still pass the bounds, but not the pairs and the exact restored count.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter

from sqlalchemy import text
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.db import get_engine
from app.records.backup import backup, sqlite_path
from app.records.restore import restore
from tests.conftest import IS_POSTGRES
from tests.records.test_backup import (
    URL,
    fingerprint,
    fresh_url,  # noqa: F401  (a fixture)
    require_pg_tools,
)

WRITERS = 50


def _count() -> int:
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one()


def test_a_backup_during_50_writers_restores_to_one_consistent_moment(factory, tmp_path, fresh_url):  # noqa: F811
    require_pg_tools()
    practice_id = factory.practice("Busy Practice").id
    with get_engine().begin() as conn:  # some bulk, so the copy takes a while
        conn.execute(AuditEvent.__table__.insert(), [
            {"practice_id": practice_id, "action": "seed", "entity": "bulk", "entity_id": None, "detail": {"i": i},
             "actor_kind": "counselor", "at": AuditEvent().at} for i in range(20_000)])
    stop, errors = threading.Event(), []
    committed = Counter()

    def write(worker: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                txn = worker * 1_000_000 + n
                with Session(get_engine()) as session:
                    for part in (1, 2):
                        session.add(AuditEvent(practice_id=practice_id, action="write", entity="writer",
                                               entity_id=txn, detail={"worker": worker, "part": part}))
                    session.commit()
                committed[worker] += 1
                n += 1
                time.sleep(0.002)  # a breath between commits, so no writer starves on the writer lock
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(committed) < WRITERS and time.monotonic() < deadline and not errors:
        time.sleep(0.01)
    try:
        assert len(committed) == WRITERS, f"only {len(committed)} writers got going: {errors[:1]}"
        before = _count()
        made = backup(tmp_path, url=URL)
        after = _count()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors[:3]
    seen = made.row_counts["audit_event"]
    assert before <= seen <= after
    assert before < after, "the writers committed nothing while the backup ran"

    restore(made.path, url=fresh_url)
    if not IS_POSTGRES:
        with sqlite3.connect(sqlite_path(fresh_url)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    restored = fingerprint(fresh_url)
    assert {t: n for t, (n, _) in restored.items()} == made.row_counts
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(fresh_url, poolclass=NullPool)
    with engine.connect() as conn:
        pairs = conn.execute(text("SELECT entity_id, count(*) FROM audit_event WHERE entity = 'writer' "
                                  "GROUP BY entity_id")).all()
    engine.dispose()
    assert pairs and {n for _, n in pairs} == {2}  # no transaction half in the copy
    assert len(pairs) * 2 + 20_000 == seen
    print(f"\n{WRITERS} writers: {before} rows before, {seen} in the backup, {after} after "
          f"({made.size:,} bytes in {made.seconds:.2f} s)")
