"""`mend serve` starts a real server that migrates the database and answers requests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from tests.live_server import free_port, running_server

pytestmark = pytest.mark.slow


def test_mend_serve_answers_and_shows_api_docs():
    port = free_port()
    mend = shutil.which("mend") or os.path.join(os.path.dirname(sys.executable), "mend")
    with running_server([mend, "serve", "--port", str(port)], port=port, output=subprocess.DEVNULL) as base:
        assert httpx.get(f"{base}/docs").status_code == 200
        spec = httpx.get(f"{base}/openapi.json").json()
        assert "/api/v1/auth/token" in spec["paths"]
        assert httpx.get(f"{base}/api/v1/clients").status_code == 401
