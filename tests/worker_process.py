"""`mend worker` as a real subprocess for tests: its queue (SQLite file or the local Redis), start, stop, kill.

    with queue_for("sqlite", tmp_path) as queue_env, WorkerProcess({**queue_env, **mail.env()}, tmp_path) as worker:
        ...
        worker.kill()       # SIGKILL to the consumer; its worker processes die with it
        worker.stop()       # SIGTERM, graceful; returns the exit code

The worker runs on the test database (the environment conftest set) and always stops when the
``with`` block ends, even when the test fails. ``worker.log()`` is its output, for messages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.live_server import ROOT

REDIS_URL = "redis://127.0.0.1:6379/9"

#: Settings that make a worker quick to notice things in a test.
FAST = {
    "MEND_LOOP_TICK_SECONDS": "1",
    "MEND_SMTP_TIMEOUT_SECONDS": "1",
    "MEND_MAIL_RETRY_SECONDS": "0.25",
    "MEND_MAIL_MAX_ATTEMPTS": "40",
}


def redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def queue_for(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """Environment for a queue of this test's own: a SQLite file, or a fresh name on the local Redis."""
    from app.queue import make_huey

    name = f"mend-test-{uuid.uuid4().hex[:10]}"
    if backend == "redis":
        if not redis_reachable():
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI runs the queue tests on it")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        url = REDIS_URL
    else:
        url = f"sqlite:///{folder / 'queue.db'}"
    try:
        yield {"MEND_QUEUE_URL": url, "MEND_QUEUE_NAME": name}
    finally:
        huey = make_huey(url, name=name)
        huey.flush()
        if hasattr(huey.storage, "close"):
            huey.storage.close()


class WorkerProcess:
    def __init__(self, env: dict[str, str], folder: Path, *, workers: int = 2, threads: bool = False,
                 name: str = "worker") -> None:
        self.env = {**os.environ, **FAST, **env}
        self.workers = workers
        self.threads = threads
        self.log_path = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        command = [sys.executable, "-c", "from app.cli import main; main()", "worker", "--workers", str(self.workers)]
        if self.threads:
            command.append("--threads")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def group_alive(self) -> list[int]:
        """Processes still alive in the worker's session (the consumer and its forks)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                # fields: state, ppid, pgrp, session ...; zombies are dead already
                if int(fields[3]) == self.pid and fields[0] != "Z":
                    found.append(int(entry.name))
        return found

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM and wait; the exit code (SIGKILL after ``timeout``, and the test fails)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"worker did not stop within {timeout} s\n{self.log()}") from None
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL to the consumer alone, as `kill -9 PID` or the OOM killer would."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def kill_everything(self) -> None:
        assert self.process is not None
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.stop()
            self.kill_everything()


def workers_on(queue_name: str) -> list[int]:
    """Pids of `mend worker` processes (and their forks) whose environment names this queue."""
    marker = f"MEND_QUEUE_NAME={queue_name}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command, environment = (entry / "cmdline").read_bytes(), (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"worker" in command.split(b"\0") and marker in environment.split(b"\0"):
                found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, log: Callable[[], str] = str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` (and the worker's log) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)  # polling interval
    if condition():
        return
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{log()}")
