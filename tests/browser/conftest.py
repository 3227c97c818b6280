"""A real uvicorn server and a real Chromium for the browser tests.

The server runs in a subprocess with the test run's environment (same database, secret
and data directory as tests/conftest.py set), so records made with the factory here are
what the browser sees. It is stopped at the end even when a test fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser.pages import TIMEOUT_MS  # noqa: F401  (re-exported for fixtures)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with code {process.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling interval, not an assertion
    raise RuntimeError(f"server at {base_url} did not answer /healthz within {seconds}s")


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MEND_BASE_URL": base_url}
    for name in ("MEND_DATABASE_URL", "MEND_SECRET_KEY", "MEND_ENVIRONMENT", "MEND_DATA_DIR"):
        env[name] = os.environ[name]
    log = (ROOT / "test-output")
    log.mkdir(exist_ok=True)
    with open(log / "browser-server.log", "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(base_url, process)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def playwright_instance():  # type: ignore[no-untyped-def]
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):  # type: ignore[no-untyped-def]
    chromium = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def phone(playwright_instance) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """A Pixel 5: 393x851 viewport, touch, mobile user agent."""
    return dict(playwright_instance.devices["Pixel 5"])


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
