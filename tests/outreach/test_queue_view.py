"""The counselor's queue: each category from rows made by hand, scoped to the caseload."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from app.auth.models import Counselor
from app.instruments.catalog import default_catalog
from app.outreach import queue_view, schedules
from app.outreach.models import Message
from app.outreach.schemas import ScheduleCreate
from app.questionnaires.models import Administration, LinkEvent

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _link(db, loop, client, *, created_days_ago: float, expires_in_days: float, status="pending", **extra):
    trust = default_catalog().latest("trust-rebuilding")
    given = Administration(practice_id=loop.couple.practice_id, client_id=client.id, couple_id=loop.couple.id,
                           counselor_id=loop.couple.counselor_id, instrument_id=trust.id,
                           instrument_version=trust.version, definition_checksum=trust.checksum, mode="link",
                           status=status, token_hash=f"{client.id}{created_days_ago}{expires_in_days}".ljust(64, "0"),
                           created_at=NOW - timedelta(days=created_days_ago),
                           expires_at=NOW + timedelta(days=expires_in_days), **extra)
    db.add(given)
    db.commit()
    return given


def _queue(db, actor):
    return queue_view.counselor_queue(db, actor=actor, now=NOW)


def test_each_category_says_why(db, loop_couple):
    me = db.get(Counselor, loop_couple.couple.counselor_id)
    a, b = loop_couple.a, loop_couple.b
    # Due: a schedule's send tomorrow, plus this morning's outbox messages of another schedule.
    schedules.create_schedule(db, actor=me, couple_id=loop_couple.couple.id, now=NOW, data=ScheduleCreate(
        instrument_id="session-checkin", rule="every_weeks", every=2, starts_on=date(2026, 3, 3)))
    once = schedules.create_schedule(db, actor=me, couple_id=loop_couple.couple.id, now=NOW,
                                     data=ScheduleCreate(instrument_id="trust-rebuilding", rule="once"))
    db.commit()
    # Overdue: a scheduled link that expired unanswered (nothing newer from that schedule for b).
    old = _link(db, loop_couple, b, created_days_ago=9, expires_in_days=-2, schedule_id=once.id)
    old.created_at = NOW - timedelta(days=30)  # older than the once schedule's own link for b
    db.add(old)
    # Opened, not sent back; never opened; expiring soon; reminders stopped.
    opened = _link(db, loop_couple, a, created_days_ago=1, expires_in_days=6)
    db.add(LinkEvent(practice_id=opened.practice_id, administration_id=opened.id, kind="opened", at=NOW))
    _link(db, loop_couple, a, created_days_ago=3, expires_in_days=4)
    _link(db, loop_couple, b, created_days_ago=6, expires_in_days=1, status="in_progress",
          reminders_stopped_at=NOW - timedelta(days=1))
    failed = db.exec(select(Message)).first()
    failed.status, failed.last_error = "failed", "recipient refused (550)"
    db.add(failed)
    db.commit()

    queue = _queue(db, me)
    why = {k: [r.why for r in rows] for k, rows in queue.rows.items()}
    assert why["due"] == ["Due Tue 3 Mar, 09:00 (every 2 weeks from Tue 3 Mar 2026)"]
    assert why["to_pass_on"] == ["A message in your outbox: pass it on"]
    assert why["overdue"] == []  # the once schedule has given b a newer link since
    assert why["opened_not_sent"] == ["Started, not sent back yet", "Opened, not sent back yet"]
    assert why["never_opened"] == ["Given Fri 27 Feb, 10:00; not opened yet"]
    assert why["expiring_soon"] == ["The link expires Tue 3 Mar, 10:00"]
    assert why["reminders_stopped"] == ["The client stopped reminders for this link on Sun 1 Mar, 10:00"]
    assert why["undeliverable"] == ["A message couldn't be emailed (recipient refused (550))"]
    assert why["held"] == []
    assert queue.counts["due"] == 1 and queue.counts["to_pass_on"] == 1 and queue.total == sum(queue.counts.values())
    row = queue.rows["never_opened"][0]
    assert (row.name, row.couple_id, row.client_id) == ("Jamie Lee", loop_couple.couple.id, a.id)


def test_overdue_is_a_scheduled_link_expired_with_nothing_newer(db, loop_couple):
    me = db.get(Counselor, loop_couple.couple.counselor_id)
    once = schedules.create_schedule(db, actor=me, couple_id=loop_couple.couple.id, now=NOW - timedelta(days=10),
                                     data=ScheduleCreate(instrument_id="trust-rebuilding", rule="once",
                                                         starts_on=date(2026, 2, 20)))
    db.commit()
    rows = _queue(db, me).rows["overdue"]
    assert {r.client_id for r in rows} == {loop_couple.a.id, loop_couple.b.id}
    assert all(r.schedule_id == once.id and r.why.startswith("The link expired ") for r in rows)
    _link(db, loop_couple, loop_couple.a, created_days_ago=1, expires_in_days=6, schedule_id=once.id)
    assert {r.client_id for r in _queue(db, me).rows["overdue"]} == {loop_couple.b.id}


def test_the_queue_keeps_to_the_caseload(db, factory, loop_couple):
    me = db.get(Counselor, loop_couple.couple.counselor_id)
    schedules.create_schedule(db, actor=me, couple_id=loop_couple.couple.id, now=NOW,
                              data=ScheduleCreate(instrument_id="trust-rebuilding", rule="once"))
    db.commit()
    assert _queue(db, me).total > 0
    assert _queue(db, factory.counselor()).total == 0
