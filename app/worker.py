"""`mend worker`: Huey's consumer for Mend's queue, and what `mend serve` and `mend report` use to run one.

A worker runs one sweep in its own process as it starts, so whatever came due or was lost
while no worker ran goes out at once, then hands over to Huey's consumer: N worker processes
(``--threads``: threads) that take jobs, and a scheduler process that releases delayed jobs,
enqueues the periodic ones (``mend.sweep`` each minute, ``mend.nightly`` at 03:15), enqueues a
sweep every ``MEND_LOOP_TICK_SECONDS`` when that is under a minute, and writes a heartbeat that
`mend report --all` reads to know a worker is there.

Processes are forked from the consumer, so the parent closes its database connections first
and each child builds its own engine. A child asks the kernel to kill it when the consumer
dies, so a consumer killed outright never leaves workers running unsupervised beside the one
that replaces it. SIGTERM and SIGINT both stop it gracefully: no new job is taken, the jobs
in flight finish (at most ``shutdown_timeout``, then they are interrupted: an interrupted send
is sent again once its lease runs out), and the process exits 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from huey.consumer import Consumer, Scheduler, Worker

from app import queue
from app.config import get_settings

log = logging.getLogger("mend.worker")

HEARTBEAT_KEY = "mend.worker.heartbeat"
HEARTBEAT_SECONDS = 2.0
ALIVE_SECONDS = 3 * HEARTBEAT_SECONDS
_PR_SET_PDEATHSIG = 1
_consumer_pid: int | None = None


def _die_with_parent(sig: int) -> None:
    """Linux: have the kernel send ``sig`` to this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)


def _in_child() -> None:
    """A forked worker or scheduler process: never outlive the consumer, never share its connections."""
    if _consumer_pid is None or os.getpid() == _consumer_pid:
        return  # threads, in the consumer's own process
    _die_with_parent(signal.SIGKILL)
    if os.getppid() != _consumer_pid:  # the consumer died before we could ask
        os._exit(1)
    _forget_engines()


def _forget_engines() -> None:
    from app.db import get_engine, get_read_engine

    for cached in (get_engine, get_read_engine):
        if cached.cache_info().currsize:
            cached().dispose(close=os.getpid() == _consumer_pid)
        cached.cache_clear()


class MendWorker(Worker):
    def initialize(self) -> None:
        _in_child()
        super().initialize()


class MendScheduler(Scheduler):
    """Huey's scheduler, plus the heartbeat and the sweep every ``loop_tick_seconds`` (under a minute)."""

    def initialize(self) -> None:
        _in_child()
        super().initialize()
        self._tick = float(get_settings().loop_tick_seconds)
        self._next_tick = time.monotonic() + self._tick
        self._next_beat = 0.0

    def loop(self, now: Any = None) -> None:
        super().loop(now)
        current = time.monotonic()
        try:
            if current >= self._next_beat:
                self.huey.put(HEARTBEAT_KEY, (time.time(), consumer_id()))
                self._next_beat = current + HEARTBEAT_SECONDS
            if self._tick < 60 and current >= self._next_tick:
                queue.enqueue("sweep")
                self._next_tick = current + self._tick
        except Exception:  # the queue's storage is away for a moment; try again next second
            self._logger.exception("heartbeat or sweep tick failed")


class MendConsumer(Consumer):
    worker_class = MendWorker
    scheduler_class = MendScheduler

    def __init__(self, huey: Any, **options: Any) -> None:
        super().__init__(huey, **options)
        # Huey stops gracefully on SIGINT and at once on SIGTERM; service managers send SIGTERM,
        # so both are graceful here (a second signal still stops at once).
        self._signal_actions[signal.SIGTERM] = (False, True)


def consumer_id() -> str:
    return f"{socket.gethostname()}:{_consumer_pid or os.getpid()}"


def describe(url: str) -> str:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return url.split("@")[-1] if "@" in url else url  # never print a password
    return url.removeprefix("sqlite:///") if url else str(get_settings().data_dir / "queue.db")


def run(*, workers: int = 2, threads: bool = False, parent_pid: int | None = None) -> None:
    """Run a consumer until SIGTERM or SIGINT (the `mend worker` command).

    With ``parent_pid`` (a worker started by `mend serve` or `mend report`) it also stops,
    gracefully, when that process dies.
    """
    global _consumer_pid
    if parent_pid is not None:
        _die_with_parent(signal.SIGTERM)
        if os.getppid() != parent_pid:
            return
    import app.tasks as tasks  # registers every handler

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(processName)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mend").setLevel(logging.INFO)
    settings = get_settings()
    _consumer_pid = os.getpid()
    huey = queue.get_huey()
    kind = "threads" if threads else "processes"
    log.info("mend worker: %d %s on queue %r at %s", workers, kind, settings.queue_name, describe(settings.queue_url))
    tasks.clear_guards()
    try:
        queue.run_here("sweep")
    except Exception:  # the database may be starting too; the periodic sweep tries again
        log.exception("the sweep at start failed")
    _forget_engines()
    consumer = MendConsumer(
        huey, workers=workers, worker_type="thread" if threads else "process",
        initial_delay=0.05, backoff=1.15, max_delay=0.5,  # an idle worker looks at a SQLite queue twice a second
        scheduler_interval=1, periodic=True, check_worker_health=True, health_check_interval=5,
        shutdown_timeout=settings.smtp_timeout_seconds * 2 + 10,
    )
    try:
        consumer.run()
    finally:
        with contextlib.suppress(Exception):
            beat = huey.get(HEARTBEAT_KEY, peek=True)
            if isinstance(beat, tuple) and beat[1] == consumer_id():
                huey.delete(HEARTBEAT_KEY)
    log.info("mend worker stopped")


def alive(*, within: float = ALIVE_SECONDS) -> bool:
    """Whether some worker on this queue wrote its heartbeat in the last ``within`` seconds."""
    beat = queue.get_huey().get(HEARTBEAT_KEY, peek=True)
    return isinstance(beat, tuple) and time.time() - float(beat[0]) < within


def command(*, workers: int, threads: bool = False, parent_pid: int | None = None) -> list[str]:
    """The `mend worker` command line, run by this Python."""
    line = [sys.executable, "-c", "from app.cli import main; main()", "worker", "--workers", str(workers)]
    if threads:
        line.append("--threads")
    if parent_pid is not None:
        line += ["--parent-pid", str(parent_pid)]
    return line


def start_child(*, workers: int, threads: bool = False) -> subprocess.Popen[bytes]:
    """`mend worker` as a child: in a session of its own (a terminal's Ctrl-C reaches the parent,
    which stops it gracefully) that stops when the parent dies."""
    return subprocess.Popen(command(workers=workers, threads=threads, parent_pid=os.getpid()),  # noqa: S603
                            start_new_session=True)


def stop_child(process: subprocess.Popen[bytes], *, seconds: float | None = None) -> int:
    """SIGTERM (graceful), then SIGKILL if it has not stopped within ``seconds``; returns its exit code."""
    seconds = seconds if seconds is not None else get_settings().smtp_timeout_seconds * 2 + 15
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextlib.contextmanager
def for_a_batch(*, workers: int, echo: Callable[[str], None]) -> Iterator[Callable[[], str | None]]:
    """A worker for queued jobs the caller waits on: the running one, or a child started for the time being.

    Yields a check to call while waiting: None while a worker is there, else why not.
    """
    if alive():
        echo("Queued for the running worker.")

        def heard_from() -> str | None:
            return None if alive(within=30) else "no worker has answered for 30 s"

        yield heard_from
        return
    echo(f"No worker is running; starting one with {workers} processes for this batch.")
    child = start_child(workers=workers)

    def running() -> str | None:
        return None if child.poll() is None else f"the worker stopped (exit code {child.returncode})"

    try:
        yield running
    finally:
        stop_child(child)
