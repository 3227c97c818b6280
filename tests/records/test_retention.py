"""Retention: which records are due on which day (an injected clock), what a purge removes and
keeps, its audit entries without clinical text, running it twice, and the queued nightly job."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

import pytest
from sqlmodel import select
from typer.testing import CliRunner

import app.tasks as tasks
from app import queue
from app.audit.models import AuditEvent
from app.cli import app as cli
from app.clients.models import Client, Couple
from app.config import get_settings
from app.practice.models import Practice
from app.records import erasure, retention
from app.records.retention import anniversary, due_records, erasable_from
from app.sessions.models import NoteAddendum, TherapySession
from tests.records.records_data import (
    SECRETS,
    at,
    count_rows,
    discharge,
    full_couple_record,
    individual_record,
)

BEFORE = at(2027, 3, 10, 23, 59)  # the 7th anniversary of 10 Mar 2020: still kept
ON = at(2027, 3, 11, 0, 0)  # the day after: due


def test_the_dates_by_hand():
    assert anniversary(date(2020, 3, 10), 7) == date(2027, 3, 10)
    assert erasable_from(date(2020, 3, 10), 7) == date(2027, 3, 11)
    assert anniversary(date(2020, 2, 29), 7) == date(2027, 3, 1)  # no 29 Feb in 2027: 1 March
    assert erasable_from(date(2020, 2, 29), 7) == date(2027, 3, 2)
    assert anniversary(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert retention.DEFAULT_YEARS == 7 and (retention.MIN_YEARS, retention.MAX_YEARS) == (1, 30)


def _practice(db, owner) -> Practice:
    db.rollback()
    return db.get(Practice, owner.practice_id)


def ids(plan) -> tuple[list[int], list[int]]:
    return [s.id for s in plan.couples], [s.id for s in plan.clients]


def test_a_couple_and_its_partners_are_due_the_day_after_the_anniversary(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner)
    practice = _practice(db, owner)
    assert ids(due_records(db, practice, now=BEFORE)) == ([], [])
    plan = due_records(db, practice, now=ON)
    assert ids(plan) == ([couple.id], [couple.partner_a_id, couple.partner_b_id])
    assert plan.today == date(2027, 3, 11) and plan.couples[0].last_day == date(2020, 3, 10)


def test_the_days_are_the_practice_s_own(db, factory):
    owner = factory.owner()
    practice = _practice(db, owner)
    practice.timezone = "Pacific/Auckland"  # +13 in March: 12:00 UTC on 10 Mar is 01:00 on 11 Mar
    db.add(practice)
    db.commit()
    person = individual_record(db, factory, owner)
    assert ids(due_records(db, practice, now=at(2027, 3, 11, 10, 59))) == ([], [])  # 23:59 on 11 Mar there
    assert ids(due_records(db, practice, now=at(2027, 3, 11, 11, 0))) == ([], [person.id])  # 00:00 on 12 Mar


def test_the_period_is_the_practice_s(db, factory):
    owner = factory.owner()
    person = individual_record(db, factory, owner)
    practice = _practice(db, owner)
    practice.retention_years = 10
    db.add(practice)
    db.commit()
    assert ids(due_records(db, practice, now=ON)) == ([], [])
    assert ids(due_records(db, practice, now=at(2030, 3, 11))) == ([], [person.id])


def test_a_late_entry_restarts_the_clock(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner)
    signed = db.exec(select(TherapySession).where(TherapySession.couple_id == couple.id)).one()
    db.add(NoteAddendum(practice_id=owner.practice_id, session_id=signed.id, author_id=owner.id,
                        text="late", created_at=at(2021, 1, 1)))
    db.commit()
    practice = _practice(db, owner)
    assert ids(due_records(db, practice, now=ON)) == ([], [])  # the partners wait for their couple
    assert ids(due_records(db, practice, now=at(2028, 1, 2))) == (
        [couple.id], [couple.partner_a_id, couple.partner_b_id])


def test_a_partner_still_in_care_keeps_the_couple_and_the_other_partner(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner)
    partner = db.get(Client, couple.partner_b_id)
    partner.status, partner.discharged_at = "active", None
    db.add(partner)
    db.commit()
    assert ids(due_records(db, _practice(db, owner), now=at(2040, 1, 1))) == ([], [])


def test_an_active_client_or_a_couple_not_discharged_is_never_due(db, factory):
    owner = factory.owner()
    factory.client(owner)
    couple = factory.couple(owner)
    for partner in (couple.partner_a_id, couple.partner_b_id):
        discharge(db, partner)
    assert ids(due_records(db, _practice(db, owner), now=at(2040, 1, 1))) == ([], [])


def test_a_purge_removes_the_clinical_content_and_keeps_anonymised_rows(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner)
    person = individual_record(db, factory, owner, first="Alex", last="Rivera")
    other = factory.owner()  # another practice's record is untouched
    kept = full_couple_record(db, factory, other)
    before = count_rows(db)
    practice = _practice(db, owner)
    assert erasure.purge_practice(db, practice, now=BEFORE).removed == []
    result = erasure.purge_practice(db, practice, now=ON)
    db.commit()
    assert [(r.kind, r.id) for r in result.removed] == [
        ("couple", couple.id), ("client", couple.partner_a_id), ("client", couple.partner_b_id), ("client", person.id)]
    assert before["therapy_session"] == 3
    # What is left is exactly the other practice's couple record.
    assert count_rows(db) == {
        "therapy_session": 1, "note_addendum": 1, "agreement": 1, "agreement_status_change": 1, "agreement_checkin": 1,
        "administration": 2, "response": 2, "score": 2, "administration_flag": 2, "flag_review": 2, "link_event": 2,
        "message": 2, "schedule": 1, "report": 1, "report_file": 1}
    for client_id in (couple.partner_a_id, couple.partner_b_id, person.id):
        row = db.get(Client, client_id)
        assert (row.first_name, row.last_name) == ("Erased", f"client #{client_id}")
        assert (row.email, row.phone, row.date_of_birth, row.preferred_name, row.pronouns) == (None,) * 5
        assert row.erased_at == ON and row.status == "discharged" and row.discharged_at is not None
        assert row.display_name == f"Erased client #{client_id}"
    gone = db.get(Couple, couple.id)
    assert (gone.breach_summary, gone.disclosed_on, gone.breach_type, gone.erased_at) == (None, None, "other", ON)
    assert db.get(Couple, kept.id).breach_summary == "SECRET-BREACH"
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "purge").order_by(AuditEvent.id)).all()
    assert [(e.entity, e.entity_id, e.actor_id, e.actor_kind) for e in events] == [
        ("couple", couple.id, None, "system"), ("client", couple.partner_a_id, None, "system"),
        ("client", couple.partner_b_id, None, "system"), ("client", person.id, None, "system")]
    couple_event = events[0].detail
    assert couple_event["reason"] == "retention" and couple_event["retention_years"] == 7
    assert couple_event["last_day_of_care"] == "2020-03-10" and couple_event["erasable_from"] == "2027-03-11"
    assert couple_event["removed"] == {
        "flag_reviews": 2, "flags": 2, "answers": 2, "scores": 2, "link_events": 2, "messages": 2,
        "administrations": 2, "schedules": 1, "checkins": 1, "agreement_changes": 1, "agreements": 1,
        "addenda": 1, "sessions": 1, "report_files": 1, "reports": 1}
    assert events[3].detail["removed"]["sessions"] == 1
    text = json.dumps([e.detail for e in events])
    assert not [s for s in SECRETS if s in text]


def test_a_purge_run_twice_changes_nothing_more(db, factory):
    owner = factory.owner()
    full_couple_record(db, factory, owner)
    practice = _practice(db, owner)
    assert len(erasure.purge_practice(db, practice, now=ON).removed) == 3
    db.commit()
    rows, events = count_rows(db), len(db.exec(select(AuditEvent)).all())
    again = erasure.purge_practice(db, practice, now=at(2030, 1, 1))
    db.commit()
    assert again.removed == [] and again.plan.count == 0
    assert count_rows(db) == rows and len(db.exec(select(AuditEvent)).all()) == events


def test_a_dry_run_removes_nothing(db, factory):
    owner = factory.owner()
    full_couple_record(db, factory, owner)
    before = count_rows(db)
    result = erasure.purge_practice(db, _practice(db, owner), now=ON, dry_run=True)
    db.commit()
    assert result.plan.count == 3 and result.removed == [] and count_rows(db) == before


# --- the command -----------------------------------------------------------------------------

runner = CliRunner()


def test_mend_purge_lists_first_needs_yes_outside_a_terminal_and_then_purges_once(db, factory):
    owner = factory.owner()
    couple = full_couple_record(db, factory, owner, discharged=at(2001, 3, 10))  # long past, on the real clock
    assert runner.invoke(cli, ["purge"]).exit_code == 2
    dry = runner.invoke(cli, ["purge", "--due", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"couple #{couple.id}: last day of care 10 Mar 2001, kept until 10 Mar 2008" in dry.output
    assert "Dry run: 3 records would be purged" in dry.output and "Jamie" not in dry.output
    refused = runner.invoke(cli, ["purge", "--due"])
    assert refused.exit_code == 2 and "Add --yes" in refused.output
    assert db.get(Couple, couple.id).erased_at is None
    done = runner.invoke(cli, ["purge", "--due", "--yes"])
    assert done.exit_code == 0 and "Purged 3 records" in done.output
    db.expire_all()
    assert db.get(Couple, couple.id).erased_at is not None
    assert "Nothing is past the retention period" in runner.invoke(cli, ["purge", "--due", "--yes"]).output


# --- the queued job --------------------------------------------------------------------------


@pytest.fixture
def huey(tmp_path, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "queue_url", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setattr(settings, "queue_name", f"test-{uuid.uuid4().hex[:8]}")
    queue.reset()
    yield queue.get_huey()
    queue.reset()


def test_the_nightly_purge_is_a_periodic_job_of_its_own(huey):
    assert queue._handlers["purge"] is tasks.purge
    at_0345 = {t.name for t in huey.read_periodic(datetime(2027, 1, 1, 3, 45))}
    assert at_0345 == {"mend.sweep", "mend.purge"}  # nightly at 03:45, after the 03:15 snapshots


def test_the_queued_purge_runs_only_where_the_owner_turned_it_on(db, factory, huey):
    on, off = factory.owner(), factory.owner()
    couple_on = full_couple_record(db, factory, on)
    couple_off = full_couple_record(db, factory, off)
    practice = _practice(db, on)
    practice.retention_auto_purge = True
    db.add(practice)
    db.commit()
    queue.enqueue("purge", BEFORE.isoformat())
    queue.enqueue("purge", ON.isoformat())
    queue.enqueue("purge", ON.isoformat())  # twice: the second finds nothing
    results = []
    while (task := huey.dequeue()) is not None:
        results.append(huey.execute(task))
    assert results == [0, 3, 0]
    db.expire_all()
    assert db.get(Couple, couple_on.id).erased_at == ON
    assert db.get(Couple, couple_off.id).erased_at is None


def test_a_purge_running_elsewhere_is_not_run_again(db, factory, huey):
    owner = factory.owner()
    full_couple_record(db, factory, owner)
    practice = _practice(db, owner)
    practice.retention_auto_purge = True
    db.add(practice)
    db.commit()
    with tasks.guard("purge", stale=tasks.NIGHTLY_STALE_SECONDS) as mine:
        assert mine
        assert queue.run_here("purge", ON.isoformat()) is None
    assert queue.run_here("purge", ON.isoformat()) == 3
