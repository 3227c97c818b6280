"""The one update helper audits the fields that really changed, and nothing when none did."""

from __future__ import annotations

from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.models import Client
from app.updates import apply_update


def _updates(db) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "update")).all())


def test_only_changed_fields_are_audited(db, factory):
    me = factory.counselor()
    person = factory.client(me, first="Ana", last="Lima")
    before = person.updated_at
    # A form posts every field: first and last name unchanged, the phone new.
    apply_update(db, person, {"first_name": "Ana", "last_name": "Lima", "phone": "0123 456"},
                 actor=me, practice_id=me.practice_id, entity="client")
    [event] = _updates(db)
    assert event.detail == {"fields": ["phone"]} and person.updated_at > before


def test_an_update_that_changes_nothing_records_nothing(db, factory):
    me = factory.counselor()
    person = factory.client(me, first="Ana", last="Lima")
    stamp = person.updated_at
    apply_update(db, person, {"first_name": "Ana"}, actor=me, practice_id=me.practice_id, entity="client")
    assert _updates(db) == [] and db.get(Client, person.id).updated_at == stamp
