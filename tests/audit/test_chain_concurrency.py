"""50 concurrent writers, each recording audit events through the real ``record`` in its own
session and transaction: one chain per practice, no gap, no duplicate, verify ok."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text
from sqlmodel import Session

from app.audit.chain import verify
from app.audit.service import record
from app.db import get_engine

WRITERS = 50
EACH = 4


def test_fifty_concurrent_writers_keep_one_chain(factory, db):
    me = factory.counselor()
    other = factory.counselor()  # a second practice written at the same time
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with Session(get_engine(), expire_on_commit=False) as s:
                    practice = me if (n + i) % 5 else other
                    record(s, actor=practice, practice_id=practice.practice_id, action="update",
                           entity="client", entity_id=n, detail={"writer": n, "i": i})
                    record(s, actor=practice, practice_id=practice.practice_id, action="read",
                           entity="client", entity_id=n)
                    s.commit()
                # SQLite: threads that commit in a tight loop can keep taking the process's writer
                # lock ahead of the others; a short pause lets every writer in (PostgreSQL too, harmless).
                time.sleep(0.002)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    with get_engine().connect() as conn:
        total = 0
        for practice_id in (me.practice_id, other.practice_id):
            seqs = [r[0] for r in conn.execute(text(
                "SELECT chain_seq FROM audit_event WHERE practice_id = :p ORDER BY chain_seq"), {"p": practice_id})]
            assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate, none NULL
            total += len(seqs)
        assert total == WRITERS * EACH * 2
        verdicts, _ = verify(conn)
    assert all(v.ok for v in verdicts), [v.problem for v in verdicts]
