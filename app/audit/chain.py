"""The tamper-evident audit trail: each practice's events form one keyed hash chain.

Every audit event, however it is written (``service.record``, the read path's
``db.add_when_done``, the importer's own ``import`` event), gets its place when the session
flushes it (``_link_new_events``, a ``before_flush`` listener): ``chain_seq`` = the practice's
last seq + 1 and ``chain_hash`` = HMAC-SHA256(key, previous hash ‖ canonical JSON of the event's
content). The key is per practice, derived from ``MEND_SECRET_KEY``, so whoever can write to the
database but doesn't hold the secret can't forge a chain.

Concurrency: the last seq is read under a per-practice lock that lasts until the transaction
ends (PostgreSQL ``pg_advisory_xact_lock``; SQLite's writer engine already runs one write
transaction at a time, ``BEGIN IMMEDIATE`` behind the process's writer lock), so two
transactions never take the same seq and a rolled-back one leaves no gap (its seq was never
committed). The unique constraint ``(practice_id, chain_seq)`` is the backstop.

Rows inserted with Core (``insert(AuditEvent)``: the importer's copy of an exported trail) are
kept as they came, seq and hash included; the chain continues after the largest seq. Events
from before the chain began (``chain_seq`` NULL) are allowed only before a practice's first
chained event (by id); ``verify`` reports a NULL after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.config import get_settings

GENESIS = "0" * 64  # the "previous hash" of a practice's first chained event
_LOCK_CLASS = 0x4D454E44 & 0x7FFFFFFF  # "MEND": the advisory lock's first key; the practice is the second


def practice_key(practice_id: int, secret: str | None = None) -> bytes:
    """The practice's chain key: HMAC(secret, "audit-chain|<practice_id>")."""
    secret = get_settings().secret_key if secret is None else secret
    return hmac.new(secret.encode(), f"audit-chain|{practice_id}".encode(), hashlib.sha256).digest()


def iso_utc(value: datetime) -> str:
    if value.tzinfo is None:  # the database keeps naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def canonical(*, practice_id: int, chain_seq: int, actor_id: int | None, actor_kind: str, action: str,
              entity: str, entity_id: int | None, detail: Any, at: datetime) -> bytes:
    """The event's content as canonical JSON (sorted keys, no spaces, UTF-8)."""
    return json.dumps({"practice_id": practice_id, "chain_seq": chain_seq, "actor_id": actor_id,
                       "actor_kind": actor_kind, "action": action, "entity": entity, "entity_id": entity_id,
                       "detail": detail if detail is not None else {}, "at": iso_utc(at)},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(key: bytes, prev_hash: str, content: bytes) -> str:
    return hmac.new(key, prev_hash.encode() + content, hashlib.sha256).hexdigest()


def hash_event(key: bytes, prev_hash: str, row: Any) -> str:
    """``row``: an AuditEvent or a result row with the same attribute names."""
    return link_hash(key, prev_hash, canonical(
        practice_id=row.practice_id, chain_seq=row.chain_seq, actor_id=row.actor_id, actor_kind=row.actor_kind,
        action=row.action, entity=row.entity, entity_id=row.entity_id, detail=row.detail, at=row.at))


def lock_practice(conn: Connection, practice_id: int) -> None:
    """Hold the practice's chain until this transaction ends (SQLite: the writer lock already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(CAST(:c AS integer), CAST(:p AS integer))"),
                     {"c": _LOCK_CLASS, "p": practice_id})


def chain_head(conn: Connection, practice_id: int) -> tuple[int, str]:
    """The practice's last seq and hash, (0, GENESIS) before its first chained event."""
    row = conn.execute(text("SELECT chain_seq, chain_hash FROM audit_event WHERE practice_id = :p "
                            "AND chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1"), {"p": practice_id}).first()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def _link_new_events(session: Session, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.chain_seq is None]
    if not new:
        return
    # In the order they were added, which is the order the unit of work inserts them (ids follow).
    new.sort(key=lambda obj: obj._sa_instance_state.insert_order)  # type: ignore[attr-defined]
    conn = session.connection()
    heads: dict[int, tuple[int, str, bytes]] = {}
    for obj in new:
        if obj.practice_id not in heads:
            lock_practice(conn, obj.practice_id)
            seq, last = chain_head(conn, obj.practice_id)
            heads[obj.practice_id] = (seq, last, practice_key(obj.practice_id))
        seq, last, key = heads[obj.practice_id]
        # What is hashed is what the JSON column gives back (tuples become lists, keys strings).
        obj.detail = json.loads(json.dumps(obj.detail if obj.detail is not None else {}))
        obj.chain_seq = seq + 1
        obj.chain_hash = hash_event(key, last, obj)
        heads[obj.practice_id] = (obj.chain_seq, obj.chain_hash, key)


event.listen(Session, "before_flush", _link_new_events)


# --- verifying --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    practice_id: int
    checked: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


_T = AuditEvent.__table__  # type: ignore[attr-defined]
_COLUMNS = (_T.c.id, _T.c.practice_id, _T.c.chain_seq, _T.c.chain_hash, _T.c.actor_id, _T.c.actor_kind,
            _T.c.action, _T.c.entity, _T.c.entity_id, _T.c.detail, _T.c.at)


def _rows(conn: Connection, practice_id: int, chunk: int) -> Iterator[Any]:
    """The practice's chained events in seq order (keyset paging on the unique index)."""
    after = -1
    while True:
        rows = conn.execute(select(*_COLUMNS).where(_T.c.practice_id == practice_id, _T.c.chain_seq > after)
                            .order_by(_T.c.chain_seq).limit(chunk)).all()
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].chain_seq


def _at_seq(conn: Connection, practice_id: int, seq: int) -> Any:
    return conn.execute(select(*_COLUMNS).where(_T.c.practice_id == practice_id, _T.c.chain_seq == seq)).first()


def _name(row: Any) -> str:
    return f"event #{row.chain_seq} (id {row.id}, at {iso_utc(row.at)}, action {row.action})"


def verify_practice(conn: Connection, practice_id: int, *, secret: str | None = None, chunk: int = 5000) -> Verdict:
    """Walk one practice's chain in seq order; name the first event edited, removed or inserted."""
    key = practice_key(practice_id, secret)
    expected, prev, checked = 1, GENESIS, 0
    first_id = None
    for row in _rows(conn, practice_id, chunk):
        checked += 1
        first_id = row.id if first_id is None else first_id
        if row.chain_seq < expected:  # only possible without the unique constraint
            return Verdict(practice_id, checked, f"{_name(row)} was inserted (a second event at #{row.chain_seq})")
        if row.chain_seq > expected:
            where = "the first event" if expected == 1 else f"the event after #{expected - 1}"
            return Verdict(practice_id, checked, f"{where} is missing (the chain goes on at {_name(row)})")
        if hash_event(key, prev, row) != row.chain_hash:
            return Verdict(practice_id, checked, _mismatch(conn, key, row, prev))
        expected, prev = row.chain_seq + 1, row.chain_hash
    if first_id is not None:
        stray = conn.execute(select(_T.c.id, _T.c.at, _T.c.action).where(
            _T.c.practice_id == practice_id, _T.c.chain_seq.is_(None), _T.c.id > first_id).order_by(_T.c.id)
            .limit(1)).first()
        if stray is not None:
            return Verdict(practice_id, checked,
                           f"an event without a place in the chain (id {stray.id}, at {iso_utc(stray.at)}, action "
                           f"{stray.action}) was inserted after the chain began")
    return Verdict(practice_id, checked)


def _mismatch(conn: Connection, key: bytes, row: Any, prev: str) -> str:
    """A row whose hash doesn't match: edited if the next event still chains to its stored hash,
    inserted if the next event chains to the one before it (at its own seq or at this one's)."""
    following = _at_seq(conn, row.practice_id, row.chain_seq + 1)
    if following is None:
        return (f"{_name(row)} was changed or inserted (its hash doesn't match its content and the "
                "previous event; it is the last event, so nothing after it tells which)")
    if hash_event(key, row.chain_hash, following) == following.chain_hash:
        return f"{_name(row)} was changed (its hash no longer matches its content)"
    moved = following._asdict() | {"chain_seq": row.chain_seq}
    if hash_event(key, prev, following) == following.chain_hash or \
            hash_event(key, prev, _Plain(moved)) == following.chain_hash:
        return f"{_name(row)} was inserted (its hash doesn't chain; the next event chains to the one before it)"
    return f"{_name(row)} was changed (its hash no longer matches its content)"


class _Plain:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def practice_ids(conn: Connection) -> list[int]:
    return [int(r[0]) for r in conn.execute(select(_T.c.practice_id).distinct().order_by(_T.c.practice_id))]


def verify(conn: Connection, *, practice_id: int | None = None,
           secret: str | None = None) -> tuple[list[Verdict], float]:
    """Verify one practice or every practice with events; the verdicts and the seconds taken."""
    started = time.perf_counter()
    ids: Iterable[int] = [practice_id] if practice_id is not None else practice_ids(conn)
    verdicts = [verify_practice(conn, pid, secret=secret) for pid in ids]
    return verdicts, time.perf_counter() - started
