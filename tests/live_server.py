"""A real server in a subprocess for tests that need one (browser, concurrency, `mend serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uvicorn_command(port: int, *, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--log-level", "warning"]


@contextmanager
def running_server(command: Sequence[str] | None = None, *, port: int | None = None, workers: int = 1,
                   env: dict[str, str] | None = None, output: IO[bytes] | None = None,
                   seconds: float = 30) -> Iterator[str]:
    """Start the server on the test database (the environment conftest set), wait for
    /healthz, yield its base URL, and always stop it, even when the test fails."""
    port = port or free_port()
    process = subprocess.Popen(list(command or uvicorn_command(port, workers=workers)), cwd=ROOT,
                               env={**os.environ, **(env or {})}, stdout=output,
                               stderr=subprocess.STDOUT if output else None)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, seconds)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(base: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # polling interval, not an assertion
    raise RuntimeError(f"server at {base} did not answer /healthz within {seconds}s")
