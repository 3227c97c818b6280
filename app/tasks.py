"""The work behind every queued job: the sweep, one delivery, the nightly batch, one report.

``app.queue`` knows one Huey task that runs a handler by name; this module registers the
handlers (a worker imports it at start). Each handler trusts the database, not the job: a
delivery claims its message before sending, the sweep makes every row under a unique key, so
a job run twice, late, or after a crash does no harm, and a lost job is found again by the
next sweep (every minute, and when a worker starts).

The sweep and the nightly batch take a guard in the queue's own storage so two workers (or two
machines) don't run them at the same time; a guard older than its ``stale`` age is taken over,
so a worker killed in the middle never stops them for good.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

import app.models  # noqa: F401  (every table registered before the first query, as in the web app)
from app import queue
from app.db import get_engine
from app.outreach import delivery, sending

log = logging.getLogger("mend.tasks")

SWEEP_STALE_SECONDS = 120.0
NIGHTLY_STALE_SECONDS = 3600.0


def _guard_key(name: str) -> str:
    return f"mend.guard.{name}"


@contextmanager
def guard(name: str, *, stale: float) -> Iterator[bool]:
    """Yield True when this process may run ``name`` now (no one else is), False when it is taken."""
    huey = queue.get_huey()
    key = _guard_key(name)
    now = time.time()
    taken = huey.put_if_empty(key, now)
    if not taken:
        since = huey.get(key, peek=True)
        if isinstance(since, float) and now - since > stale:
            log.warning("taking over the %s guard, held since %.0f s ago", name, now - since)
            huey.put(key, now)
            taken = True
    try:
        yield taken
    finally:
        if taken:
            huey.delete(key)


def clear_guards() -> None:
    """Forget every guard (a worker starting: whoever held one may have been killed)."""
    huey = queue.get_huey()
    for name in ("sweep", "nightly", "purge"):
        huey.delete(_guard_key(name))


def waiting_deliveries() -> set[int]:
    """Message ids that already have a delivery job waiting in the queue or its schedule."""
    huey = queue.get_huey()
    found: set[int] = set()
    for task in [*huey.pending(), *huey.scheduled()]:
        args = getattr(task, "args", None) or ()
        if len(args) == 2 and args[0] == "deliver" and args[1]:
            found.add(int(args[1][0]))
    return found


@queue.handler("sweep")
def sweep() -> int | None:
    """What came due becomes administrations and messages; each due email gets a delivery job."""
    with guard("sweep", stale=SWEEP_STALE_SECONDS) as mine:
        if not mine:
            log.info("a sweep is running elsewhere; this one is skipped")
            return None
        with Session(get_engine()) as session:
            result = sending.sweep(session)
            session.commit()
        waiting = waiting_deliveries() if result.to_deliver else set()
        fresh = [i for i in result.to_deliver if i not in waiting]
        for message_id in fresh:
            queue.enqueue("deliver", message_id)
    made = result.invitations + result.reminders + result.released + result.cancelled + result.ended
    if made or fresh:
        log.info("sweep: %d invitations, %d reminders, %d released, %d cancelled, %d schedules ended; "
                 "%d emails to deliver", result.invitations, result.reminders, result.released,
                 result.cancelled, result.ended, len(fresh))
    return None


@queue.handler("deliver")
def deliver(message_id: int) -> None:
    """Send one queued email; after a temporary failure the job comes back when the backoff ends.

    "skipped" means another worker holds the message (or it is no longer queued): nothing to do.
    """
    outcome = delivery.deliver(message_id)
    if outcome.status == "retry" and outcome.retry_in is not None:
        queue.enqueue("deliver", message_id, delay=outcome.retry_in)
    elif outcome.status == "failed":
        log.warning("message %d is undeliverable", message_id)
    return None


@queue.handler("nightly")
def nightly() -> None:
    """The practice's own reliability snapshots, where the data have grown enough (`mend reliability`)."""
    from app.questionnaires.scores.reliability import take_snapshots

    with guard("nightly", stale=NIGHTLY_STALE_SECONDS) as mine:
        if not mine:
            return None
        with Session(get_engine()) as session:
            taken = take_snapshots(session)
            session.commit()
    log.info("nightly: %d snapshots taken", sum(len(t.snapshots) for t in taken if t.reason is not None))
    return None


@queue.handler("purge")
def purge(now: str | None = None) -> int | None:
    """Records past retention in every practice whose owner turned the nightly purge on (`mend purge --due`).

    ``now`` (ISO 8601) stands in for the clock in tests. Returns how many records went; None when
    a purge runs elsewhere."""
    from datetime import datetime

    from app.records.erasure import practices, purge_practice

    clock = datetime.fromisoformat(now) if now else None
    with guard("purge", stale=NIGHTLY_STALE_SECONDS) as mine:
        if not mine:
            return None
        gone = 0
        with Session(get_engine()) as session:
            for practice in practices(session, automatic_only=True):
                gone += len(purge_practice(session, practice, now=clock, by="nightly job").removed)
                session.commit()  # one practice at a time: a failure in one keeps the others done
    log.info("purge: %d records past retention removed", gone)
    return gone


@queue.handler("report")
def report(couple_id: int, job: dict[str, Any]) -> dict[str, str]:
    """One couple's report of a batch: ``{"path": …}``, or ``{"error": …}`` naming what went wrong."""
    from app.reports.batch import BatchJob, couple_report

    try:
        return {"path": str(couple_report(couple_id, BatchJob.from_args(job)))}
    except Exception as exc:  # one couple's failure must not stop the batch; the caller shows it
        log.exception("report for couple %d failed", couple_id)
        return {"error": f"{type(exc).__name__}: {exc}"}
