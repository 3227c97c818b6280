"""`mend worker` as its own process: it sends what is due as it starts, stops cleanly on SIGTERM and
Ctrl-C, and `mend report --all` hands its batch to it."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app import queue, worker
from app.cli import app
from app.clients.models import Client
from app.config import get_settings
from app.outreach.models import Message, Schedule
from app.reports.models import Report
from tests.mail_server import MailServer
from tests.reports.db_factories import realistic_couple
from tests.worker_process import WorkerProcess, queue_for, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def same_queue(tmp_path, monkeypatch):
    """A SQLite queue of the test's own, for the worker subprocess and for this process alike
    (and for a worker this process starts: it reads the environment)."""
    with queue_for("sqlite", tmp_path) as env:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(get_settings(), "queue_url", env["MEND_QUEUE_URL"])
        monkeypatch.setattr(get_settings(), "queue_name", env["MEND_QUEUE_NAME"])
        queue.reset()
        yield env
        queue.reset()


def couple_due(db, factory) -> None:
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    for client_id in (couple.partner_a_id, couple.partner_b_id):
        person = db.get(Client, client_id)
        person.email, person.email_safe, person.email_safe_source = f"p{client_id}@example.test", "yes", "counselor"
        db.add(person)
    db.add(Schedule(practice_id=couple.practice_id, counselor_id=counselor.id, couple_id=couple.id,
                    instrument_id="session-checkin", rule="once",
                    starts_on=(datetime.now(UTC) - timedelta(days=1)).date()))
    db.commit()


def sent(db) -> int:
    db.rollback()
    count = len(db.exec(select(Message.id).where(Message.status == "sent")).all())
    db.rollback()
    return count


@pytest.mark.parametrize(("stop_with", "threads"), [
    pytest.param(signal.SIGTERM, False, id="processes-sigterm"),
    pytest.param(signal.SIGINT, False, id="processes-ctrl-c"),
    pytest.param(signal.SIGTERM, True, id="threads-sigterm"),
])
def test_a_worker_sends_what_is_due_as_it_starts_and_stops_cleanly(db, factory, tmp_path, same_queue, stop_with,
                                                                   threads):
    couple_due(db, factory)
    with MailServer() as server:
        env = {**same_queue, **server.env(), "MEND_LOOP_TICK_SECONDS": "60"}
        with WorkerProcess(env, tmp_path, threads=threads) as running:
            wait_until(lambda: sent(db) == 2, timeout=20, what="the two emails due", log=running.log)
            wait_until(worker.alive, timeout=10, what="the worker's heartbeat", log=running.log)
            assert len(running.group_alive()) == (1 if threads else 4)  # threads, or consumer, scheduler, 2 workers
            running.process.send_signal(stop_with)
            assert running.process.wait(timeout=20) == 0, running.log()
            wait_until(lambda: not running.group_alive(), timeout=5, what="every process of the worker to end")
            assert "Traceback" not in running.log(), running.log()
            assert "mend worker stopped" in running.log()
        assert len(server.received) == 2
    assert not worker.alive()  # it took its heartbeat with it


def test_report_all_hands_its_batch_to_the_running_worker(db, factory, tmp_path, same_queue):
    first = realistic_couple(db, factory, weeks=2)
    second = realistic_couple(db, factory, first.counselor, names=("Zoë", "Lukas"), last="Ågren", weeks=1)
    out = tmp_path / "reports"
    with WorkerProcess(same_queue, tmp_path) as running:
        wait_until(worker.alive, timeout=20, what="the worker's heartbeat", log=running.log)
        result = CliRunner().invoke(app, ["report", "--all", "--out-dir", str(out)])
        assert result.exit_code == 0, result.output + running.log()
        assert "Queued for the running worker." in result.output
        assert "No worker is running" not in result.output
        assert "Wrote 2 reports in" in result.output
    assert len(list(out.glob("*.pdf"))) == 2
    db.rollback()
    assert sorted(r.couple_id for r in db.exec(select(Report)).all()) == sorted([first.couple.id, second.couple.id])


def test_report_all_without_a_worker_starts_one_for_the_batch_and_stops_it(db, factory, tmp_path, same_queue):
    realistic_couple(db, factory, weeks=1)
    result = CliRunner().invoke(app, ["report", "--all", "--out-dir", str(tmp_path), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "No worker is running; starting one with 1 processes for this batch." in result.output
    assert "Wrote 1 reports in" in result.output
    assert not worker.alive()
