"""The audit chain links every event of a practice; `mend audit verify` names the first event
edited, removed or inserted directly in the database."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner

from app.audit.chain import verify
from app.audit.models import AuditEvent
from app.audit.service import record
from app.cli import app as cli
from app.db import get_engine

SECRET = "test-secret-key-not-for-production"  # tests/conftest.py


def _write(practice_id: int, actor, n: int, action: str = "update") -> None:  # type: ignore[no-untyped-def]
    with Session(get_engine(), expire_on_commit=False) as s:
        for i in range(n):
            record(s, actor=actor, practice_id=practice_id, action=action, entity="client", entity_id=i,
                   detail={"fields": ["first_name"], "n": i, "note": "é"})
        s.commit()


def _verify(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["audit", "verify", *args])


def _events(db: Session, practice_id: int) -> list[AuditEvent]:
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.practice_id == practice_id)
                        .order_by(AuditEvent.chain_seq)).all())


def test_events_chain_with_the_practice_key(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 3)
    _write(me.practice_id, None, 2, action="read")
    events = _events(db, me.practice_id)
    assert [e.chain_seq for e in events] == [1, 2, 3, 4, 5]
    key = hmac.new(SECRET.encode(), f"audit-chain|{me.practice_id}".encode(), hashlib.sha256).digest()
    prev = "0" * 64
    for e in events:  # recomputed by hand
        content = json.dumps({"practice_id": e.practice_id, "chain_seq": e.chain_seq, "actor_id": e.actor_id,
                              "actor_kind": e.actor_kind, "action": e.action, "entity": e.entity,
                              "entity_id": e.entity_id, "detail": e.detail,
                              "at": e.at.astimezone(UTC).isoformat()},
                             sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        prev_expected = hmac.new(key, prev.encode() + content.encode(), hashlib.sha256).hexdigest()
        assert e.chain_hash == prev_expected
        prev = e.chain_hash
    result = _verify()
    assert result.exit_code == 0, result.output
    assert "Checked 5 audit events" in result.output and "intact" in result.output


def test_each_practice_has_its_own_chain(factory, db):
    a, b = factory.counselor(), factory.counselor()
    _write(a.practice_id, a, 2)
    _write(b.practice_id, b, 3)
    assert [e.chain_seq for e in _events(db, a.practice_id)] == [1, 2]
    assert [e.chain_seq for e in _events(db, b.practice_id)] == [1, 2, 3]
    assert _verify("--practice", str(b.practice_id)).exit_code == 0


def test_a_wrong_key_fails(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 2)
    with get_engine().connect() as conn:
        verdicts, _ = verify(conn, secret="another key")
    assert "event #1" in (verdicts[0].problem or "")


def _tamper(sql: str, **params: object) -> None:
    with get_engine().begin() as conn:
        conn.execute(text(sql), params)


def test_an_edited_event_is_named(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 5)
    third = _events(db, me.practice_id)[2]
    _tamper("UPDATE audit_event SET detail = :d WHERE id = :id", d=json.dumps({"fields": ["last_name"]}), id=third.id)
    result = _verify()
    assert result.exit_code == 1
    assert f"event #3 (id {third.id}, at " in result.output
    assert "action update) was changed" in result.output
    assert "Checked 3 audit events" in result.output


def test_an_edited_time_is_named(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 3)
    second = _events(db, me.practice_id)[1]
    _tamper("UPDATE audit_event SET at = :at WHERE id = :id", at="2020-01-01 00:00:00.000000", id=second.id)
    assert f"event #2 (id {second.id}" in _verify().output


def test_a_removed_event_is_named_by_the_gap(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 5)
    fourth = _events(db, me.practice_id)[3]
    _tamper("DELETE FROM audit_event WHERE id = :id", id=fourth.id)
    result = _verify()
    assert result.exit_code == 1
    assert "the event after #3 is missing" in result.output


def test_the_first_event_removed(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 2)
    _tamper("DELETE FROM audit_event WHERE id = :id", id=_events(db, me.practice_id)[0].id)
    assert "the first event is missing" in _verify().output


def _insert(practice_id: int, seq: int | None, chain_hash: str | None, action: str = "export") -> int:
    with get_engine().begin() as conn:
        conn.execute(text("INSERT INTO audit_event (practice_id, actor_kind, action, entity, entity_id, detail, at, "
                          "chain_seq, chain_hash) VALUES (:p, 'system', :a, 'practice', :p, '{}', "
                          "'2026-01-01 10:00:00.000000', :s, :h)"),
                     {"p": practice_id, "a": action, "s": seq, "h": chain_hash})
        return int(conn.execute(text("SELECT max(id) FROM audit_event")).scalar())


def test_an_inserted_event_is_named(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 3)
    inserted = _insert(me.practice_id, 4, hashlib.sha256(b"a guess").hexdigest())
    result = _verify()
    assert result.exit_code == 1
    assert f"event #4 (id {inserted}, at 2026-01-01T10:00:00+00:00, action export) was changed or inserted" \
        in result.output


def test_an_event_inserted_in_the_middle_is_named(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 4)
    # Make room at #3 (later events move up one; done top-down so the unique constraint holds).
    for seq in (4, 3):
        _tamper("UPDATE audit_event SET chain_seq = :n WHERE practice_id = :p AND chain_seq = :s",
                n=seq + 1, p=me.practice_id, s=seq)
    inserted = _insert(me.practice_id, 3, hashlib.sha256(b"a guess").hexdigest())
    result = _verify()
    assert result.exit_code == 1
    assert f"event #3 (id {inserted}, at 2026-01-01T10:00:00+00:00, action export) was inserted" in result.output


def test_an_unchained_event_after_the_chain_began_is_named(factory, db):
    me = factory.counselor()
    _write(me.practice_id, me, 3)
    inserted = _insert(me.practice_id, None, None)
    result = _verify()
    assert result.exit_code == 1
    assert f"an event without a place in the chain (id {inserted}" in result.output


def test_events_from_before_the_chain_are_allowed_and_the_chain_follows(factory, db):
    me = factory.counselor()
    old = _insert(me.practice_id, None, None, action="create")  # an older database's event
    _write(me.practice_id, me, 2)
    events = sorted(_events(db, me.practice_id), key=lambda e: e.id or 0)
    assert (events[0].id, events[0].chain_seq) == (old, None)
    assert [e.chain_seq for e in events[1:]] == [1, 2]
    result = _verify()
    assert result.exit_code == 0, result.output
    assert "Checked 2 audit events" in result.output


def test_imported_events_keep_their_chain_and_it_continues(factory, db):
    """Rows copied with Core keep their seq and hash (the importer); new events follow them."""
    me = factory.counselor()
    _write(me.practice_id, me, 3)
    rows = [dict(e.model_dump()) for e in _events(db, me.practice_id)]
    _tamper("DELETE FROM audit_event")
    from sqlalchemy import insert
    with get_engine().begin() as conn:
        conn.execute(insert(AuditEvent.__table__), rows)  # type: ignore[attr-defined]
    _write(me.practice_id, None, 1, action="import")
    assert [e.chain_seq for e in _events(db, me.practice_id)] == [1, 2, 3, 4]
    assert _verify().exit_code == 0


def test_a_read_request_chains_its_audit_event(client, factory, db):
    """The read path's events (``db.add_when_done``) are chained when they are written."""
    me = factory.owner()
    couple = factory.couple(me)
    headers = factory.headers(me)
    sid = client.post("/api/v1/sessions", headers=headers, json={
        "couple_id": couple.id, "starts_at": "2026-10-01T09:00:00Z", "note_data": "x"}).json()["id"]
    assert client.get(f"/api/v1/sessions/{sid}", headers=headers).status_code == 200
    events = _events(db, me.practice_id)
    assert [e.action for e in events][-1] == "read_note"
    assert [e.chain_seq for e in events] == list(range(1, len(events) + 1))
    assert _verify().exit_code == 0
