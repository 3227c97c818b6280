"""The outbox: messages to pass on with their live link, said passed on once, and held messages
that the counselor may hand on in person (never one held for a safety flag)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.auth.models import Counselor
from app.errors import Conflict, NotFound
from app.outreach import outbox, schedules
from app.outreach.models import Message
from app.outreach.schemas import ScheduleCreate
from app.outreach.wording import clinical_words_in
from app.questionnaires.administrations.links import current_link
from app.questionnaires.models import Administration, AdministrationFlag

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _schedule(db, loop, instrument_id="trust-rebuilding"):
    me = db.get(Counselor, loop.couple.counselor_id)
    made = schedules.create_schedule(db, actor=me, couple_id=loop.couple.id, now=NOW,
                                     data=ScheduleCreate(instrument_id=instrument_id, rule="once"))
    db.commit()
    return me, made


def test_the_outbox_shows_each_message_with_its_live_link(db, loop_couple):
    me, _ = _schedule(db, loop_couple)
    box = outbox.outbox(db, actor=me, now=NOW)
    assert [m.client_name for m in box.outbox] == ["Jamie Lee", "Robin Lee"] and box.held == []
    first = box.outbox[0]
    administration = db.get(Administration, first.administration_id)
    assert first.link == current_link(administration) and first.link in first.body
    assert first.kind == "invitation" and first.title == "Trust Rebuilding Inventory"
    assert "Hello Jamie" in first.body and "/q/quiet/" in first.body
    assert clinical_words_in(first.subject) == [] and "Trust" not in first.body


def test_passed_on_counts_as_sent_from_then_and_twice_is_once(db, loop_couple):
    me, _ = _schedule(db, loop_couple)
    first = outbox.outbox(db, actor=me, now=NOW).outbox[0]
    later = NOW + timedelta(hours=3)
    done = outbox.passed_on(db, actor=me, message_id=first.id, now=later)
    db.commit()
    assert (done.status, done.sent_at) == ("sent", later)
    again = outbox.passed_on(db, actor=me, message_id=first.id, now=later + timedelta(hours=1))
    assert again.sent_at == later
    assert [m.id for m in outbox.outbox(db, actor=me, now=later).outbox] != [first.id]
    cancelled = db.get(Message, outbox.outbox(db, actor=me, now=later).outbox[0].id)
    cancelled.status = "cancelled"
    db.add(cancelled)
    db.commit()
    with pytest.raises(Conflict):
        outbox.passed_on(db, actor=me, message_id=cancelled.id)


def test_another_caseload_sees_nothing(db, factory, loop_couple):
    _, _ = _schedule(db, loop_couple)
    stranger = factory.counselor()
    assert outbox.outbox(db, actor=stranger, now=NOW).outbox == []
    message = db.exec(select(Message)).first()
    for act in (outbox.passed_on, outbox.release):
        with pytest.raises(NotFound):
            act(db, actor=stranger, message_id=message.id)


def test_a_message_held_for_email_can_be_handed_on_in_person(db, loop_couple, email_on):
    loop_couple.a.email_safe, loop_couple.a.email_safe_source = "unknown", None
    db.add(loop_couple.a)
    db.commit()
    me, _ = _schedule(db, loop_couple)
    box = outbox.outbox(db, actor=me, now=NOW)
    [held] = box.held
    assert (held.client_id, held.held_reason, held.can_release) == (loop_couple.a.id, "email_unconfirmed", True)
    assert held.held_reason_text == "no one has confirmed that email is safe for this client"
    assert held.administration_id is None  # no link exists while it waits
    released = outbox.release(db, actor=me, message_id=held.id, now=NOW)
    db.commit()
    assert (released.status, released.channel) == ("outbox", "outbox") and released.administration_id is not None
    assert [m.client_id for m in outbox.outbox(db, actor=me, now=NOW).outbox] == [loop_couple.a.id]
    with pytest.raises(Conflict):
        outbox.release(db, actor=me, message_id=held.id)


def test_a_message_held_for_a_safety_flag_waits_for_the_flag(db, loop_couple):
    me, _ = _schedule(db, loop_couple)
    given = db.exec(select(Administration)).first()
    db.add(AdministrationFlag(practice_id=loop_couple.couple.practice_id, administration_id=given.id,
                              client_id=loop_couple.a.id, couple_id=loop_couple.couple.id, item_id="x",
                              severity="high", message="Fear"))
    db.commit()
    _schedule(db, loop_couple, instrument_id="session-checkin")
    [held] = outbox.outbox(db, actor=me, now=NOW).held
    assert (held.held_reason, held.can_release) == ("safety_flag", False)
    assert "flag" in held.lifted_by
    with pytest.raises(Conflict):
        outbox.release(db, actor=me, message_id=held.id)
