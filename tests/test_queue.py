"""The queue's jobs in this process, on a Huey of the test's own: what each handler does, run once or twice.

Jobs are taken off the queue and executed here (``run_queued``), the way a worker would, so the
tests see exactly which jobs a handler leaves behind.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

import app.tasks as tasks
from app import queue, worker
from app.clients.models import Client
from app.config import get_settings
from app.outreach.models import Message, Schedule
from app.reports.batch import BatchJob, collect
from tests.mail_server import serving


@pytest.fixture
def huey(tmp_path, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "queue_url", f"sqlite:///{tmp_path / 'queue.db'}")
    monkeypatch.setattr(settings, "queue_name", f"test-{uuid.uuid4().hex[:8]}")
    queue.reset()
    yield queue.get_huey()
    queue.reset()


@pytest.fixture
def smtp(monkeypatch):
    with serving(monkeypatch) as server:
        yield server


@pytest.fixture
def due(db, factory):
    """A couple whose questionnaire came due yesterday, both partners safe to email."""
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    addresses = ((couple.partner_a_id, "jamie@example.test"), (couple.partner_b_id, "robin@example.test"))
    for client_id, address in addresses:
        person = db.get(Client, client_id)
        person.email, person.email_safe, person.email_safe_source = address, "yes", "counselor"
        db.add(person)
    db.add(Schedule(practice_id=couple.practice_id, counselor_id=counselor.id, couple_id=couple.id,
                    instrument_id="session-checkin", rule="once",
                    starts_on=(datetime.now(UTC) - timedelta(days=1)).date()))
    db.commit()
    return couple


def jobs(huey) -> list[tuple[str, list]]:
    """(name, args) of the jobs waiting now, then of those scheduled for later."""
    return [tuple(t.args) for t in huey.pending()] + [tuple(t.args) for t in huey.scheduled()]


def run_queued(huey) -> int:
    """Execute every job waiting now, as a worker would; returns how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def run_scheduled(huey) -> int:
    ran = 0
    for task in huey.read_schedule(datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)):
        huey.execute(task, datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1))
        ran += 1
    return ran


def messages(db) -> list[Message]:
    db.rollback()
    return list(db.exec(select(Message).order_by(Message.id)).all())


def test_every_job_has_its_handler():
    assert {"sweep", "deliver", "nightly", "report"} <= set(queue._handlers)
    assert queue._handlers["sweep"] is tasks.sweep


def test_the_sweep_queues_one_delivery_per_due_email_and_not_again_while_it_waits(db, huey, due, smtp):
    queue.run_here("sweep")
    made = messages(db)
    assert [(m.status, m.channel) for m in made] == [("queued", "email")] * 2
    assert sorted(jobs(huey)) == sorted(("deliver", [m.id]) for m in made)
    queue.run_here("sweep")  # a minute later, before a worker got to them
    assert len(jobs(huey)) == 2
    assert run_queued(huey) == 2
    assert {m.status for m in messages(db)} == {"sent"}
    assert sorted(r.to[0] for r in smtp.received) == ["jamie@example.test", "robin@example.test"]
    queue.run_here("sweep")
    assert jobs(huey) == []


def test_a_delivery_run_twice_sends_one_message(db, huey, due, smtp):
    queue.run_here("sweep")
    for m in messages(db):  # the same job again, as a crash and a second sweep would leave it
        queue.enqueue("deliver", m.id)
        queue.enqueue("deliver", m.id)
    assert run_queued(huey) == 6
    assert len(smtp.received) == 2 and smtp.duplicates() == {}
    assert [(m.status, m.attempts) for m in messages(db)] == [("sent", 1)] * 2


def test_a_failed_send_comes_back_after_its_backoff(db, huey, due, smtp, monkeypatch):
    monkeypatch.setattr(get_settings(), "mail_retry_seconds", 0.2)
    smtp.answer = "451 4.3.0 Try again later"
    queue.run_here("sweep")
    run_queued(huey)
    waiting = messages(db)
    assert [(m.status, m.attempts, m.last_error) for m in waiting] == [("queued", 1, "mail server answered 451")] * 2
    assert [t.args for t in huey.pending()] == []
    later = huey.scheduled()
    assert sorted(tuple(t.args) for t in later) == sorted(("deliver", [m.id]) for m in waiting)
    assert all(t.eta is not None for t in later)
    smtp.answer = None
    time.sleep(0.3)  # the backoff
    assert run_scheduled(huey) == 2
    assert [(m.status, m.attempts) for m in messages(db)] == [("sent", 2)] * 2
    assert len(smtp.received) == 2


def test_a_message_another_worker_holds_is_left_to_it(db, huey, due, smtp):
    queue.run_here("sweep")
    held = messages(db)[0]
    held.next_attempt_at = datetime.now(UTC) + timedelta(minutes=1)  # another worker's lease
    db.add(held)
    db.commit()
    run_queued(huey)
    assert jobs(huey) == []
    assert {m.id: m.status for m in messages(db)}[held.id] == "queued"
    assert len(smtp.received) == 1


def test_a_sweep_running_elsewhere_is_not_run_again_but_a_stale_one_is_taken_over(db, huey, due, smtp):
    with tasks.guard("sweep", stale=tasks.SWEEP_STALE_SECONDS) as mine:
        assert mine
        queue.run_here("sweep")
        assert messages(db) == []
    huey.put(tasks._guard_key("sweep"), time.time() - tasks.SWEEP_STALE_SECONDS - 1)  # its worker was killed
    queue.run_here("sweep")
    assert len(messages(db)) == 2
    assert not huey.storage.has_data_for_key(tasks._guard_key("sweep"))


def test_nightly_takes_the_reliability_snapshots(huey, monkeypatch):
    import app.questionnaires.scores.reliability as reliability

    calls = []
    monkeypatch.setattr(reliability, "take_snapshots", lambda session, **kw: calls.append(kw) or [])
    queue.run_here("nightly")
    assert calls == [{}]


def test_a_report_job_for_a_couple_that_is_gone_says_so(huey, tmp_path):
    job = BatchJob(tmp_path / "out")
    assert queue.run_here("report", 999_999, job.as_args()) == {"error": "LookupError: couple 999999 no longer exists"}


def test_a_batch_job_travels_as_plain_values(tmp_path):
    job = BatchJob(tmp_path / "out", datetime(2026, 1, 5).date(), None, "Letter", audience="supervision",
                   dates_shifted=True)
    args = job.as_args()
    assert all(isinstance(v, str | bool | type(None)) for v in args.values())
    assert BatchJob.from_args(args) == dataclasses.replace(job, out_dir=(tmp_path / "out").resolve())


def test_collect_counts_reports_as_they_come_back_and_names_failures(huey, tmp_path):
    job = BatchJob(tmp_path)
    handles = {cid: queue.enqueue("report", cid, job.as_args()) for cid in (999_998, 999_999)}
    run_queued(huey)
    seen = []
    result = collect(job, handles, on_progress=lambda cid, path: seen.append((cid, path)), poll_seconds=0)
    assert sorted(seen) == [(999_998, None), (999_999, None)]
    assert result.failed == {cid: f"LookupError: couple {cid} no longer exists" for cid in handles}


def test_collect_stops_when_no_worker_is_left(huey, tmp_path):
    job = BatchJob(tmp_path)
    handles = {7: queue.enqueue("report", 7, job.as_args())}
    result = collect(job, handles, still_worked_on=lambda: "the worker stopped (exit code 1)", poll_seconds=0)
    assert result.failed == {7: "the worker stopped (exit code 1)"} and result.written == []


def test_a_worker_is_alive_while_its_heartbeat_is_fresh(huey):
    assert not worker.alive()
    huey.put(worker.HEARTBEAT_KEY, (time.time(), "host:1"))
    assert worker.alive()
    huey.put(worker.HEARTBEAT_KEY, (time.time() - worker.ALIVE_SECONDS - 1, "host:1"))
    assert not worker.alive()


def test_the_worker_command_line_runs_this_python(tmp_path: Path):
    line = worker.command(workers=3, threads=True, parent_pid=42)
    assert line[0].endswith("python") or "python" in Path(line[0]).name
    assert line[-6:] == ["worker", "--workers", "3", "--threads", "--parent-pid", "42"]
