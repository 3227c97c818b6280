"""A real uvicorn server and a real Chromium for the browser tests.

The server runs in a subprocess with the test run's environment (same database, secret
and data directory as tests/conftest.py set), so records made with the factory here are
what the browser sees. It is stopped at the end even when a test fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.pages import TIMEOUT_MS  # noqa: F401  (re-exported for fixtures)
from tests.live_server import ROOT, free_port, running_server

SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    port = free_port()
    log = ROOT / "test-output"
    log.mkdir(exist_ok=True)
    with open(log / "browser-server.log", "wb") as out, running_server(
        port=port, env={"MEND_BASE_URL": f"http://127.0.0.1:{port}"}, output=out, seconds=60,
    ) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def playwright_instance():  # type: ignore[no-untyped-def]
    # In CI a missing browser is a failure, never a skip: the browser tests are part of the proof.
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    try:
        from playwright import sync_api
    except ImportError:
        missing("the playwright package is not installed (bash .ci/setup installs it)")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium not found at {CHROMIUM} (bash .ci/setup installs Debian's chromium)")
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
