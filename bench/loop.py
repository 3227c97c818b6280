"""Benchmark: the task queue. 1,000 emails due at once, and the report batch, through `mend worker`.

Run: ``.venv/bin/python bench/loop.py [--sends 1000] [--reports 100] [--queues sqlite redis]
[--database-url postgresql+psycopg://…] [--keep DIR]``

Uses its own database (a temporary SQLite file, or a throw-away schema on ``--database-url``),
a real SMTP server on a loopback port (``tests/mail_server.py``, in this process) and real
`mend worker` subprocesses with 1 and then 2 worker processes, on the SQLite queue and on the
local Redis (``redis://127.0.0.1:6379/9``, under a queue name of its own, flushed at the end).

*Sends.* ``--sends`` clients (half as many couples) have a questionnaire due; the real sweep makes
their administrations and emails, which are then moved to a moment in the future. With the worker
started and idle, every email is made due at one moment T0 and one sweep is queued at T0 (what the
minute's periodic sweep does in production; add up to a minute there). Printed: emails accepted
by the SMTP server per second (count / (last accepted - T0)) and the delay from T0 to accepted
(p50, p95, max).

*Reports.* ``--reports`` couples with twelve weeks of sessions and assessments; `mend report
--all`'s path (one job per couple, results collected as they come) timed with 1 and 2 worker
processes after a warm-up batch (each process imports WeasyPrint on its first report), beside
the queue-less process pool (``generate_all``) on the same couples. Figures are printed, never
asserted; the machine's own ceiling for 2 processes over 1 is printed too.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/mail_server.py, bench/report.py
REDIS_URL = "redis://127.0.0.1:6379/9"


def configure(work: Path, database_url: str, smtp_port: int) -> str:
    """Point Mend at a private database and the test mail server; before any app import."""
    schema = ""
    if database_url:
        schema = f"mend_bench_{uuid.uuid4().hex[:8]}"
        sep = "&" if "?" in database_url else "?"
        url = f"{database_url}{sep}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{work / 'bench.db'}"
    os.environ.update({
        "MEND_DATABASE_URL": url, "MEND_DATA_DIR": str(work), "MEND_SECRET_KEY": "bench-secret-not-for-production",
        "MEND_ENVIRONMENT": "development", "MEND_SMTP_HOST": "127.0.0.1", "MEND_SMTP_PORT": str(smtp_port),
        "MEND_SMTP_TLS": "none", "MEND_SMTP_USER": "", "MEND_MAIL_SENDER": "hello@harbour.example",
        "MEND_SMTP_TIMEOUT_SECONDS": "5", "MEND_MAIL_RETRY_SECONDS": "1",
    })
    return schema


def use_queue(url: str, name: str) -> dict[str, str]:
    """This process and the workers it starts use this queue."""
    from app import queue
    from app.config import get_settings

    env = {"MEND_QUEUE_URL": url, "MEND_QUEUE_NAME": name}
    os.environ.update(env)
    get_settings.cache_clear()
    queue.reset()
    return env


# --- seeding -------------------------------------------------------------------------------------


def seed_mail_couples(count: int) -> None:
    """``count`` couples, both partners safe to email, each with a questionnaire due since yesterday."""
    from sqlmodel import Session

    from app.clients.models import Client, Couple
    from app.db import get_engine
    from app.outreach.models import Schedule
    from bench.report import seed_practice

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    with Session(get_engine()) as session:
        practice, counselor = seed_practice(session, name="Harbour Lane", email="mail@bench.test", timezone="UTC")
        for n in range(count):
            a, b = (Client(practice_id=practice.id, counselor_id=counselor.id, first_name=first, last_name=f"L{n}",
                           email=f"{first.lower()}{n}@example.test", email_safe="yes", email_safe_source="counselor")
                    for first in ("Ari", "Bo"))
            session.add_all([a, b])
            session.flush()
            couple = Couple(practice_id=practice.id, counselor_id=counselor.id, partner_a_id=a.id, partner_b_id=b.id,
                            breach_type="infidelity")
            session.add(couple)
            session.flush()
            session.add(Schedule(practice_id=practice.id, counselor_id=counselor.id, couple_id=couple.id,
                                 instrument_id="session-checkin", rule="once", starts_on=yesterday))
        session.commit()


def fresh_emails() -> int:
    """Forget earlier runs' messages and make every email again with the real sweep, due in a day."""
    from sqlalchemy import delete, update
    from sqlmodel import Session

    from app.db import get_engine
    from app.outreach.models import Message, Schedule
    from app.outreach.sending import sweep
    from app.questionnaires.models import Administration

    with Session(get_engine()) as session:
        session.exec(delete(Message))  # type: ignore[call-overload]
        session.exec(delete(Administration).where(Administration.schedule_id.is_not(None)))  # type: ignore[call-overload,union-attr]
        session.exec(update(Schedule).values(status="active", ended_reason=None))  # type: ignore[call-overload]
        session.commit()
        made = sweep(session).invitations
        if not made:
            raise RuntimeError("the sweep made no emails to send")
        session.exec(update(Message).values(due_at=datetime.now(UTC) + timedelta(days=1)))  # type: ignore[call-overload]
        session.commit()
    return made


def make_due_now() -> datetime:
    from sqlalchemy import update
    from sqlmodel import Session

    from app.db import get_engine
    from app.outreach.models import Message

    at = datetime.now(UTC)
    with Session(get_engine()) as session:
        session.exec(update(Message).values(due_at=at))  # type: ignore[call-overload]
        session.commit()
    return at


def seed_report_couples(count: int) -> list[int]:
    from sqlmodel import Session

    from app.db import get_engine
    from bench.report import seed_couple, seed_practice

    rng = random.Random(11)
    with Session(get_engine(), expire_on_commit=False) as session:
        _practice, counselor = seed_practice(session)
        ids = [seed_couple(session, rng, counselor, n, weeks=12, assessments=3, agreements=2)
               for n in range(1, count + 1)]
        session.commit()
    return ids


# --- workers -------------------------------------------------------------------------------------


def start_worker(workers: int, log: Path, *, threads: bool = False) -> subprocess.Popen[bytes]:
    from app import worker

    with log.open("ab") as out:
        process = subprocess.Popen(worker.command(workers=workers, threads=threads), cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while not worker.alive():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start; see {log}")
        time.sleep(0.1)
    time.sleep(1.0)  # past its sweep at start and the scheduler's first periodic sweep
    return process


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    from app import worker

    worker.stop_child(process, seconds=60)


# --- measuring -----------------------------------------------------------------------------------


def session_cpu(leader: int) -> float:
    """CPU seconds used so far by every live process in the session ``leader`` started (a worker and its forks)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == leader:  # fields after the name: state, ppid, pgrp, session, ...
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sends(server, workers: int, work: Path, label: str, *, threads: bool = False) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from app import queue

    made = fresh_emails()
    process = start_worker(workers, work / f"worker-{label}-{workers}{'t' if threads else ''}.log", threads=threads)
    try:
        server.received.clear()
        cpu_workers, cpu_here = session_cpu(process.pid), time.process_time()
        t0 = make_due_now()
        queue.enqueue("sweep")
        deadline = time.monotonic() + 600
        while len(server.received) < made and time.monotonic() < deadline:
            time.sleep(0.1)
        cpu_workers, cpu_here = session_cpu(process.pid) - cpu_workers, time.process_time() - cpu_here
    finally:
        stop_worker(process)
    start = t0.timestamp()
    delays = [r.at - start for r in server.received]
    wall = max(delays)
    return {"made": made, "accepted": len(server.received), "duplicates": len(server.duplicates()),
            "rate": len(delays) / wall, "p50": percentile(delays, 0.5), "p95": percentile(delays, 0.95),
            "max": wall, "cores_workers": cpu_workers / wall, "cores_server": cpu_here / wall}


def reports_through_queue(ids: list[int], workers: int, work: Path, label: str) -> tuple[float, float]:
    """Reports per second, and the cores the worker kept busy meanwhile."""
    from app.reports.batch import BatchJob, collect, enqueue_all

    process = start_worker(workers, work / f"worker-{label}-reports-{workers}.log")
    try:
        warm = BatchJob(work / f"warm-{label}-{workers}")
        collect(warm, enqueue_all(warm, ids[: 2 * workers]))
        job = BatchJob(work / f"reports-{label}-{workers}")
        started, cpu = time.perf_counter(), session_cpu(process.pid)
        result = collect(job, enqueue_all(job, ids), started=started)
        cpu = session_cpu(process.pid) - cpu
    finally:
        stop_worker(process)
    if result.failed:
        print(f"  {len(result.failed)} failed, e.g. {next(iter(result.failed.values()))}")
    return len(result.written) / result.seconds, cpu / result.seconds


def reports_in_a_pool(ids: list[int], workers: int, work: Path) -> tuple[float, float]:
    from app.reports.batch import BatchJob, generate_all

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = generate_all(BatchJob(work / f"pool-{workers}"), workers=workers, couple_ids=ids)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's processes have exited
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return len(result.written) / result.seconds, cpu / result.seconds


def flush(url: str, name: str) -> None:
    from app.queue import make_huey

    make_huey(url, name=name).flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000, help="emails due at once (an even number)")
    parser.add_argument("--reports", type=int, default=100, help="couples in the report batch (0: skip)")
    parser.add_argument("--queues", nargs="+", choices=["sqlite", "redis"], default=["sqlite", "redis"])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--keep", type=Path, help="keep the database, logs and PDFs in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mend-bench-loop-"))
    work.mkdir(parents=True, exist_ok=True)
    from tests.live_server import free_port

    port = free_port()
    schema = configure(work, args.database_url, port)
    from app.migrate import upgrade
    from tests.mail_server import MailServer

    if schema:
        from sqlalchemy import create_engine, text

        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(os.environ["MEND_DATABASE_URL"])
    started = time.perf_counter()
    seed_mail_couples(args.sends // 2)
    ids = seed_report_couples(args.reports) if args.reports else []
    print(f"Seeded {args.sends // 2} couples to email and {len(ids)} to report on in "
          f"{time.perf_counter() - started:.1f} s ({work}; database {'PostgreSQL' if schema else 'SQLite'})")
    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    queues = {"sqlite": f"sqlite:///{work / 'queue.db'}", "redis": REDIS_URL}
    mail_rows, report_rows = [], []
    try:
        with MailServer(port) as server:
            for label in args.queues:
                name = f"bench-{uuid.uuid4().hex[:8]}"
                use_queue(queues[label], name)
                try:
                    for workers, threads in ((1, False), (2, False), (2, True)):
                        figures = sends(server, workers, work, label, threads=threads)
                        kind = f"{workers} {'threads' if threads else 'processes' if workers > 1 else 'process'}"
                        mail_rows.append((label, kind, figures))
                        print(f"  {label} queue, {kind}: {figures['accepted']} of {figures['made']} "
                              f"accepted, {figures['rate']:.0f}/s, p95 {figures['p95']:.2f} s")
                    if ids:
                        rates = {w: reports_through_queue(ids, w, work, label) for w in (1, 2)}
                        report_rows.append((f"through the {label} queue", rates))
                        print(f"  {label} queue reports: {rates[1][0]:.2f} / {rates[2][0]:.2f} reports/s")
                finally:
                    flush(queues[label], name)
        if ids:
            from bench.report import machine_ceiling

            pool = {w: reports_in_a_pool(ids, w, work) for w in (1, 2)}
            report_rows.append(("process pool, no queue (generate_all)", pool))
            ceiling = machine_ceiling()
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    print(f"Load average after: {os.getloadavg()[0]:.2f}")
    print()
    print(f"{args.sends} emails due at once -> the SMTP test server")
    print(f"{'queue':<8}{'workers':>12}{'accepted':>10}{'twice':>7}{'emails/s':>10}{'p50 s':>8}{'p95 s':>8}"
          f"{'max s':>8}{'cores: workers / SMTP+bench':>29}")
    for label, workers, f in mail_rows:
        print(f"{label:<8}{workers:>12}{f['accepted']:>10.0f}{f['duplicates']:>7.0f}{f['rate']:>10.0f}"
              f"{f['p50']:>8.2f}{f['p95']:>8.2f}{f['max']:>8.2f}"
              f"{f['cores_workers']:>19.2f} / {f['cores_server']:.2f}")
    if report_rows:
        print()
        print(f"Report batch of {len(ids)} couples (12 weeks each), after a warm-up")
        print(f"{'path':<42}{'1 worker r/s':>14}{'2 workers r/s':>15}{'speed-up':>10}{'target':>8}"
              f"{'cores busy 1 / 2':>18}")
        for label, rates in report_rows:
            (one, one_cores), (two, two_cores) = rates[1], rates[2]
            print(f"{label:<42}{one:>14.2f}{two:>15.2f}{two / one:>9.2f}x{'>= 1.8x':>8}"
                  f"{one_cores:>11.2f} / {two_cores:.2f}")
        print(f"{'machine ceiling (pure CPU, 2 over 1)':<42}{'':>29}{ceiling:>9.2f}x")


if __name__ == "__main__":
    main()
